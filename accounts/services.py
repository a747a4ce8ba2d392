from accounts.selectors import profile_for


def turn_off_reminders(user):
    profile = profile_for(user)
    if profile.reminders_enabled:
        profile.reminders_enabled = False
        profile.save(update_fields=["reminders_enabled"])
