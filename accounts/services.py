"""Accounts' writes. A learner's reminder settings (schedule, on/off, unsubscribe) are written by
careers.reminders, the one home of reminders: the preferences page and the admin call it."""

from accounts.models import new_calendar_token


def reset_calendar_address(*, profile):
    """Give the learner's calendar feed a new address: the old one stops working (404) at once."""
    profile.calendar_token = new_calendar_token()
    profile.save(update_fields=["calendar_token"])
