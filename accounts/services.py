from django.db import transaction

from careers import services as careers_services

# Changing any of these moves the learner's next weekly reminder.
SCHEDULE_FIELDS = frozenset({"time_zone", "reminder_weekday", "reminder_hour"})


def turn_off_reminders(*, user):
    profile = user.profile
    if profile.reminders_enabled:
        profile.reminders_enabled = False
        profile.save(update_fields=["reminders_enabled"])


@transaction.atomic
def save_preferences(*, profile, changed_fields, now):
    """Save the learner's preferences (from their preferences page or the admin); a new reminder
    day, hour or time zone moves the next reminder of every pathway they follow."""
    profile.save()
    if SCHEDULE_FIELDS.intersection(changed_fields):
        careers_services.reschedule_reminders(user=profile.user, now=now)
