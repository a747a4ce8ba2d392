"""Accounts' writes. A learner's reminder settings (schedule, on/off, unsubscribe) are written by
careers.reminders, the one home of reminders: the preferences page and the admin call it."""
