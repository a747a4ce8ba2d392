"""Celery: thin wrappers around careers.reminders. Beat runs `dispatch_reminders` every few minutes;
it fans out one `send_reminder` per claimed digest. `send_preview` is "this week's email now"."""

import smtplib
from datetime import UTC, datetime, timedelta

from celery import shared_task, signals
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
    """Claim the digests due at `now` and queue one send for each, and again for claims left unsent
    (their task lost with a worker or the broker). Returns how many were queued."""
    at = moment(now)
    return reminders.dispatch(at, lambda log: send_reminder.delay_on_commit(log.id, at.isoformat()))


class FailOnLastRetry(DjangoTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        reminders.fail(args[0], exc, timezone.now())


@shared_task(
    base=FailOnLastRetry,
    name="careers.tasks.send_reminder",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=30,
    retry_backoff_max=15 * 60,
    retry_jitter=True,
    max_retries=5,
)
def send_reminder(log_id, now=None):
    """Send one claimed digest (careers.models.DigestLog `log_id`)."""
    reminders.send(log_id, moment(now))


@signals.task_retry.connect
def leave_a_retried_claim_to_its_retry(sender=None, request=None, reason=None, **kwargs):
    """A digest whose attempt failed and is retried later keeps its claim until the retry is due:
    the dispatcher does not queue a second copy meanwhile."""
    if sender is None or sender.name != send_reminder.name:
        return
    when = reason.when  # the retry's countdown in seconds, or its moment
    due = when if isinstance(when, datetime) else timezone.now() + timedelta(seconds=when or 0)
    reminders.retry_queued(log_id=request.args[0], due=due)


@shared_task(
    name="careers.tasks.send_preview",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=30,
    retry_jitter=True,
    max_retries=3,
)
def send_preview(user_id, now=None):
    """Email the learner's digest now, as a preview: it is not the week's digest."""
    reminders.send_preview(user_id=user_id, now=moment(now))
