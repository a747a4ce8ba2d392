"""Accounts' writes. A learner's reminder settings (schedule, on/off, unsubscribe) are written by
careers.reminders, the one home of reminders: the preferences page and the admin call it."""

import logging
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.db import transaction

from accounts.models import new_calendar_token

logger = logging.getLogger(__name__)


class WrongPassword(Exception):
    """The password given to confirm an account's deletion is not the account's."""


def reset_calendar_address(*, profile):
    """Give the learner's calendar feed a new address: the old one stops working (404) at once."""
    profile.calendar_token = new_calendar_token()
    profile.save(update_fields=["calendar_token"])


def save_fit_answers(*, profile, answers):
    """Keep a learner's answers to "Which pathway fits me?" (careers.recommendations.Answers) in
    their profile: they prefill the form next time, the enrol form's hours, and rank the pathways
    suggested on the dashboard."""
    profile.current_role = answers.current_role
    profile.target_role = answers.target_role
    profile.skills = list(answers.skills)
    profile.hours_per_week = answers.hours_per_week
    profile.save(update_fields=["current_role", "target_role", "skills", "hours_per_week"])


def delete_account(*, user, password):
    """Delete the learner's account and everything in it, in one transaction, once `password` is
    confirmed (else WrongPassword, and nothing changes).

    Deleting the user cascades to their email addresses (and pending confirmations), profile (with
    the calendar feed's address), enrolments, ticks, skips, habit ticks and digest logs. A digest
    claimed but not yet sent goes with its log, so the worker that picks it up finds nothing to send
    (careers.reminders.send). Their sessions are deleted from the session store as well. Returns the
    number of rows deleted per model ("app.Model": n), for the log."""
    if not user.check_password(password):
        raise WrongPassword
    user_id = user.pk
    with transaction.atomic():
        _total, deleted = user.__class__.objects.filter(pk=user_id).delete()
        deleted = {label: count for label, count in deleted.items() if count}
        deleted["sessions.Session"] = _delete_sessions(user_id)
    logger.info("account deleted", extra={"user_id": user_id, "deleted": deleted})
    return deleted


def _delete_sessions(user_id):
    """Delete every session logged in as `user_id` from a database-backed session store (db or
    cached_db; cached copies go too), expired ones included. The store has no index by user, so
    sessions are read and decoded. Other stores (cache, signed cookies) cannot be listed: their sessions stop
    authenticating anyway, as their user no longer exists."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not hasattr(store, "get_model_class"):
        return 0
    keys = [
        session.session_key
        for session in store.get_model_class().objects.iterator()
        if session.get_decoded().get(SESSION_KEY) == str(user_id)
    ]
    for key in keys:
        store(session_key=key).delete()
    return len(keys)
