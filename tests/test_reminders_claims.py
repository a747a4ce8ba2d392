"""Who is due and exactly once (careers.reminders, careers.tasks): due, claim, dispatch, two
dispatchers at once, re-runs, release, retries, stale claims, and the real worker over Redis."""

import smtplib
import threading
import time
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from careers import reminders
from careers.models import Enrolment, ReminderLog
from careers.services import leave, pause, reschedule_reminders, set_reminders
from careers.tasks import dispatch_reminders, send_reminder
from tests.factories import make_enrolment_at, make_learner

STARTED = date(2026, 2, 23)  # a Monday
MONDAY = date(2026, 3, 2)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


ENROLLED = utc(2026, 2, 28, 7)  # Saturday, after that week's slots: first reminders from 2 March


@pytest.fixture
def enrolled(pathway):
    """enrolled(email=None, **profile): a new learner on `pathway`, enrolled on Saturday 28 February
    2026, started on Monday 23 February; profile fields (time_zone, reminder_hour, ...) pass through."""

    def make(email=None, **profile):
        learner = make_learner(email, **profile)
        return make_enrolment_at(ENROLLED, user=learner, pathway=pathway, start_date=STARTED)

    return make


def run(now):
    """What the dispatcher and the workers do at `now`: claim what is due and send it."""
    return reminders.dispatch(now, lambda log: reminders.send(log.id, now))


def sent_to():
    return [message.to[0] for message in mail.outbox]


@pytest.fixture
def flaky_mail():
    """flaky_mail(failures): the mail server drops the connection on the first `failures` sends
    (all of them with None), then delivers; yields the list of attempts made."""
    attempts = []
    deliver = mail.EmailMultiAlternatives.send

    def patch(failures=None):
        def send(message, *args, **kwargs):
            attempts.append(message.to[0])
            if failures is None or len(attempts) <= failures:
                raise smtplib.SMTPServerDisconnected("connection dropped")
            return deliver(message, *args, **kwargs)

        return mock.patch.object(mail.EmailMultiAlternatives, "send", send)

    patch.attempts = attempts
    return patch


# --- Who is due -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_learner_is_reminded_at_their_own_hour(enrolled):
    enrolled("london@example.com", time_zone="Europe/London", reminder_hour=8)
    enrolled("tokyo@example.com", time_zone="Asia/Tokyo", reminder_hour=8)
    enrolled("ny@example.com", time_zone="America/New_York", reminder_weekday=2, reminder_hour=18)

    run(utc(2026, 3, 1, 22))  # Sunday night UTC: Monday 07:00 in Tokyo, not yet 08:00
    assert sent_to() == []
    run(utc(2026, 3, 1, 23, 5))  # Monday 08:05 in Tokyo
    assert sent_to() == ["tokyo@example.com"]
    run(utc(2026, 3, 2, 8))
    assert sent_to() == ["tokyo@example.com", "london@example.com"]
    run(utc(2026, 3, 4, 22, 59))  # Wednesday 17:59 in New York
    assert len(mail.outbox) == 2
    run(utc(2026, 3, 4, 23))
    assert sent_to()[-1] == "ny@example.com"
    assert ReminderLog.objects.filter(sent_at__isnull=False).count() == 3


@pytest.mark.django_db
def test_who_is_not_reminded(enrolled):
    paused = enrolled("paused@example.com")
    pause(enrolment=paused, now=utc(2026, 2, 24))
    gone = enrolled("left@example.com")
    leave(enrolment=gone, now=utc(2026, 2, 24))
    muted = enrolled("muted@example.com")
    set_reminders(enrolment=muted, enabled=False, now=utc(2026, 2, 24))
    off = enrolled("off@example.com")
    off.user.profile.reminders_enabled = False
    off.user.profile.save()
    unverified = enrolled("unverified@example.com")
    EmailAddress.objects.filter(user=unverified.user).update(verified=False)
    active = enrolled("active@example.com")

    now = utc(2026, 3, 2, 9)
    assert list(reminders.due(now)) == [active]
    run(now)
    assert sent_to() == ["active@example.com"]


@pytest.mark.django_db
def test_a_late_enrolment_gets_its_first_reminder_next_week(pathway):
    make_enrolment_at(utc(2026, 3, 2, 10), user=make_learner(), pathway=pathway, start_date=MONDAY)
    run(utc(2026, 3, 2, 11))
    assert mail.outbox == []
    run(utc(2026, 3, 9, 8, 1))
    assert len(mail.outbox) == 1


# --- Exactly once -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_rerun_in_the_same_week_sends_nothing_more(enrolled):
    enrolment = enrolled()
    assert len(run(utc(2026, 3, 2, 9))) == 1
    assert run(utc(2026, 3, 2, 9, 15)) == []
    assert run(utc(2026, 3, 6, 12)) == []
    assert len(mail.outbox) == 1
    assert len(run(utc(2026, 3, 9, 8))) == 1
    assert len(mail.outbox) == 2
    assert list(enrolment.reminders.order_by("week").values_list("week", flat=True)) == [
        MONDAY,
        date(2026, 3, 9),
    ]


@pytest.mark.django_db
def test_changing_the_slot_after_this_weeks_email_does_not_send_it_again(enrolled):
    enrolment = enrolled()
    run(utc(2026, 3, 2, 9))
    enrolment.user.profile.reminder_weekday = 3
    enrolment.user.profile.save()
    reschedule_reminders(user=enrolment.user, now=utc(2026, 3, 2, 10))
    run(utc(2026, 3, 5, 9))  # this week's new slot (Thursday) has passed, but the week was sent
    assert len(mail.outbox) == 1
    run(utc(2026, 3, 12, 9))  # next Thursday's is sent
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_send_one_email_each(enrolled):
    for n in range(20):
        enrolled(f"learner{n}@example.com")
    now = utc(2026, 3, 2, 9)
    barrier = threading.Barrier(2)
    sent, errors = [], []

    def dispatcher():
        try:
            barrier.wait()
            reminders.dispatch(now, lambda log: sent.append(reminders.send(log.id, now)))
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len([message for message in sent if message]) == 20
    assert sorted(sent_to()) == sorted(f"learner{n}@example.com" for n in range(20))
    assert ReminderLog.objects.filter(sent_at__isnull=False).count() == 20


@pytest.mark.django_db
def test_a_send_that_fails_then_succeeds_sends_one_email(enrolled, flaky_mail):
    enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = reminders.dispatch(now, lambda log: None)
    with flaky_mail(failures=1), pytest.raises(smtplib.SMTPServerDisconnected):
        reminders.send(log.id, now)
    log.refresh_from_db()
    assert (log.sent_at, log.sending_until, log.attempts) == (None, None, 1)
    assert reminders.send(log.id, now) is not None
    assert reminders.send(log.id, now) is None  # sent: never again
    assert len(mail.outbox) == 1
    log.refresh_from_db()
    assert log.sent_at is not None and log.attempts == 2


@pytest.mark.django_db
def test_a_claim_being_sent_is_not_sent_by_a_second_worker(enrolled):
    enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = reminders.dispatch(now, lambda log: None)
    # Another worker holds the sending lease.
    ReminderLog.objects.filter(pk=log.pk).update(sending_until=timezone.now() + timedelta(minutes=5))
    assert reminders.send(log.id, now) is None
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_celery_task_retries_transient_errors(enrolled, flaky_mail):
    enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = reminders.dispatch(now, lambda log: None)

    with flaky_mail(failures=2):
        result = send_reminder.apply(args=[log.id, now.isoformat()], throw=False)

    assert result.successful()
    assert len(flaky_mail.attempts) == 3
    assert len(mail.outbox) == 1
    log.refresh_from_db()
    assert log.sent_at is not None and log.attempts == 3


@pytest.mark.django_db
def test_the_celery_task_releases_the_claim_after_its_last_retry(
    enrolled, flaky_mail, django_capture_on_commit_callbacks, settings
):
    # Reminded on Mondays at 00:00: whenever this test runs, the retry falls after its week's slot.
    enrolment = enrolled(reminder_hour=0)
    now = utc(2026, 3, 2, 9)
    [log] = reminders.dispatch(now, lambda log: None)

    before = timezone.now()
    with flaky_mail():  # the mail server stays down
        result = send_reminder.apply(args=[log.id, now.isoformat()], throw=False)
    after = timezone.now()

    assert result.failed()
    assert len(flaky_mail.attempts) == 1 + send_reminder.max_retries
    # Released: the log is gone and the enrolment is due again an hour later, for a later run.
    assert not ReminderLog.objects.filter(pk=log.pk).exists()
    enrolment.refresh_from_db()
    retry_at = enrolment.next_reminder_at
    assert before + reminders.RETRY_RELEASED_AFTER <= retry_at <= after + reminders.RETRY_RELEASED_AFTER

    # That later run (the beat task, run eagerly) sends the week's reminder.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_reminders.apply(kwargs={"now": retry_at.isoformat()})
    assert sent_to() == [enrolment.user.email]
    assert enrolment.reminders.get().week == monday_of(retry_at, enrolment)


def monday_of(moment, enrolment):
    return reminders.monday_of_week(moment, enrolment.user.profile)


@pytest.mark.django_db
def test_a_claim_left_unsent_is_queued_again(enrolled):
    enrolled()
    now = utc(2026, 3, 2, 9)
    reminders.dispatch(now, lambda log: None)  # the worker that had it died
    assert reminders.dispatch(now + timedelta(minutes=10), lambda log: None) == []
    requeued = reminders.dispatch(now + timedelta(minutes=31), lambda log: reminders.send(log.id, now))
    assert len(requeued) == 1 and len(mail.outbox) == 1
    # Re-queued once: the next dispatcher finds it sent.
    assert reminders.dispatch(now + timedelta(minutes=62), lambda log: None) == []


@pytest.mark.django_db
def test_dispatch_queries_do_not_grow_with_the_number_of_learners(enrolled):
    def queries_per_reminder(count, now):
        for _ in range(count):
            enrolled()
        with CaptureQueriesContext(connection) as captured:
            sent = run(now)
        assert len(sent) == count
        return len(captured.captured_queries) / len(sent)

    small = queries_per_reminder(3, utc(2026, 3, 2, 9))
    # A day later: the first three were sent; twelve more learners are due.
    assert queries_per_reminder(12, utc(2026, 3, 3, 9)) <= small


# --- End to end: beat's task on a real worker, over a real Redis ------------------------------------


def wait_for(condition, seconds=15):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_a_real_worker_delivers_the_reminder_once(celery_worker_on_redis, enrolled):
    enrolment = enrolled()

    dispatch_reminders.delay(now="2026-03-02T09:00:00+00:00")
    assert wait_for(lambda: ReminderLog.objects.filter(enrolment=enrolment, sent_at__isnull=False).exists())
    assert wait_for(lambda: len(mail.outbox) == 1)
    assert mail.outbox[0].to == [enrolment.user.email]
    assert mail.outbox[0].subject.startswith(f"This week on your path to {enrolment.pathway.to_role}")

    # Re-runs in the same week send nothing; the next week's run (queued after them, and the solo
    # worker takes tasks in order) proves they were processed.
    dispatch_reminders.delay(now="2026-03-02T09:15:00+00:00")
    dispatch_reminders.delay(now="2026-03-04T12:00:00+00:00")
    dispatch_reminders.delay(now="2026-03-09T08:30:00+00:00")
    assert wait_for(lambda: len(mail.outbox) == 2)
    assert [log.week for log in ReminderLog.objects.order_by("week")] == [MONDAY, date(2026, 3, 9)]
    assert Enrolment.objects.get(pk=enrolment.pk).next_reminder_at == utc(2026, 3, 16, 8)
