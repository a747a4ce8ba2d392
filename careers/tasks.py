"""Celery tasks: beat runs `dispatch_reminders` every few minutes; it fans out `send_reminder`."""

import smtplib
from datetime import UTC

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from careers import reminders

# Errors worth another try later: the mail server is busy, down or slow.
TRANSIENT_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


def moment(now):
    """`now` as given (an ISO 8601 string, to replay a moment) or the current time."""
    if not now:
        return timezone.now()
    parsed = parse_datetime(now)
    if parsed is None:
        raise ValueError(f"now must be an ISO 8601 date and time, not {now!r}")
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


@shared_task(name="careers.tasks.dispatch_reminders")
def dispatch_reminders(now=None):
    """Claim the reminders due at `now` and queue one send for each. Returns how many."""
    at = moment(now)
    claimed = reminders.dispatch(at, lambda log: send_reminder.delay_on_commit(log.id, at.isoformat()))
    return len(claimed)


class ReleaseOnFailure(DjangoTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        reminders.release(args[0], timezone.now())


@shared_task(
    base=ReleaseOnFailure,
    name="careers.tasks.send_reminder",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=30,
    retry_backoff_max=15 * 60,
    retry_jitter=True,
    max_retries=5,
)
def send_reminder(log_id, now=None):
    reminders.send(log_id, moment(now))
