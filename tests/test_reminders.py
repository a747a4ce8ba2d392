"""Weekly reminders: when each learner is due (time zones, daylight saving, week boundaries),
claiming exactly once, the email itself, and the operator's command."""

import smtplib
import threading
import time
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from careers import reminders
from careers.models import Enrolment, ReminderLog
from careers.services import enrol, leave, pause, set_reminders, set_task_done
from careers.tasks import dispatch_reminders, send_reminder

MONDAY = date(2026, 3, 2)


def profile(weekday=0, hour=8, time_zone="UTC"):
    return SimpleNamespace(reminder_weekday=weekday, reminder_hour=hour, time_zone=time_zone)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


# --- When: pure slot arithmetic -------------------------------------------------------------------


def test_slot_is_the_chosen_day_and_hour_in_the_learners_zone():
    assert reminders.slot_of_week(MONDAY, profile()) == utc(2026, 3, 2, 8)
    assert reminders.slot_of_week(MONDAY, profile(weekday=2, hour=18, time_zone="Asia/Tokyo")) == utc(
        2026, 3, 4, 9
    )
    assert reminders.slot_of_week(MONDAY, profile(time_zone="America/New_York")) == utc(2026, 3, 2, 13)


def test_week_boundaries_follow_the_learners_zone():
    sunday_night_utc = utc(2026, 3, 8, 20)  # already Monday 9 March in Auckland
    assert reminders.monday_of_week(sunday_night_utc, profile()) == MONDAY
    assert reminders.monday_of_week(sunday_night_utc, profile(time_zone="Pacific/Auckland")) == date(
        2026, 3, 9
    )
    assert reminders.monday_of_week(utc(2026, 3, 2, 3), profile(time_zone="America/Los_Angeles")) == date(
        2026, 2, 23
    )


def test_daylight_saving_keeps_the_local_hour():
    london = profile(time_zone="Europe/London")
    # Clocks go forward on Sunday 29 March 2026: 08:00 is 08:00 GMT before, 07:00 UTC after.
    assert reminders.slot_of_week(date(2026, 3, 23), london) == utc(2026, 3, 23, 8)
    assert reminders.slot_of_week(date(2026, 3, 30), london) == utc(2026, 3, 30, 7)
    # And back on 25 October.
    assert reminders.slot_of_week(date(2026, 10, 19), london) == utc(2026, 10, 19, 7)
    assert reminders.slot_of_week(date(2026, 10, 26), london) == utc(2026, 10, 26, 8)
    sunday_one_am = profile(weekday=6, hour=1, time_zone="Europe/London")  # 01:00 does not exist that day
    assert reminders.slot_of_week(date(2026, 3, 23), sunday_one_am) == utc(2026, 3, 29, 1)


def test_next_slot_is_strictly_after():
    monday_8 = profile()
    assert reminders.next_slot(utc(2026, 3, 2, 7, 59), monday_8) == utc(2026, 3, 2, 8)
    assert reminders.next_slot(utc(2026, 3, 2, 8), monday_8) == utc(2026, 3, 9, 8)
    assert reminders.next_slot(utc(2026, 3, 8, 23), monday_8) == utc(2026, 3, 9, 8)


def enrolment_like(created_at, start=MONDAY, paused_days=0):
    return Enrolment(created_at=created_at, start_date=start, paused_days=paused_days)  # unsaved


def test_decide_sends_once_the_slot_has_passed_this_week():
    decision = reminders.decide(enrolment_like(utc(2026, 2, 20)), profile(), utc(2026, 3, 2, 8, 5))
    assert decision == reminders.Decision(MONDAY, utc(2026, 3, 9, 8))


def test_decide_catches_up_a_missed_slot_later_the_same_week():
    decision = reminders.decide(enrolment_like(utc(2026, 2, 20)), profile(), utc(2026, 3, 5, 16))
    assert decision.send_week == MONDAY


def test_decide_skips_a_stale_slot_of_an_earlier_week():
    # Workers were down all last week; on Sunday this week's Monday-08:00 slot is ahead.
    tuesday_slot = profile(weekday=1)
    decision = reminders.decide(enrolment_like(utc(2026, 2, 1)), tuesday_slot, utc(2026, 3, 2, 9))
    assert decision == reminders.Decision(None, utc(2026, 3, 3, 8))


def test_decide_waits_a_week_for_who_enrolled_after_this_weeks_slot():
    decision = reminders.decide(enrolment_like(utc(2026, 3, 2, 9)), profile(), utc(2026, 3, 2, 10))
    assert decision == reminders.Decision(None, utc(2026, 3, 9, 8))


def test_decide_sends_nothing_before_the_pathway_starts():
    later_start = enrolment_like(utc(2026, 2, 1), start=date(2026, 3, 16))
    assert reminders.decide(later_start, profile(), utc(2026, 3, 2, 9)).send_week is None
    paused_back = enrolment_like(utc(2026, 2, 1), start=date(2026, 2, 23), paused_days=14)
    assert reminders.decide(paused_back, profile(), utc(2026, 3, 2, 9)).send_week is None


# --- Who, and exactly once: on the database -------------------------------------------------------


@pytest.fixture
def enrolled(make_learner, speech_pathway):
    """make(email, **profile): a learner enrolled on 28 Feb 2026, who started on Monday 23 Feb."""

    def make(email="learner@example.com", time_zone="UTC", weekday=0, hour=8):
        learner = make_learner(email, time_zone=time_zone)
        learner.profile.reminder_weekday, learner.profile.reminder_hour = weekday, hour
        learner.profile.save()
        # Enrolled on Saturday 28 February, after that week's slots: first reminders from 2 March.
        enrolment, _ = enrol(
            user=learner, pathway=speech_pathway, start_date=date(2026, 2, 23), now=utc(2026, 2, 28, 7)
        )
        Enrolment.objects.filter(pk=enrolment.pk).update(created_at=utc(2026, 2, 28, 7))
        enrolment.refresh_from_db()
        return enrolment

    return make


def run(now):
    out = StringIO()
    call_command("send_weekly_reminders", "--now", now.isoformat(), stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_enrolling_schedules_the_first_slot(enrolled):
    assert enrolled().next_reminder_at == utc(2026, 3, 2, 8)


@pytest.mark.django_db
def test_each_learner_is_reminded_at_their_own_hour(enrolled):
    enrolled("london@example.com", time_zone="Europe/London", hour=8)
    enrolled("tokyo@example.com", time_zone="Asia/Tokyo", hour=8)
    enrolled("ny@example.com", time_zone="America/New_York", weekday=2, hour=18)

    run(utc(2026, 3, 1, 22))  # Sunday night UTC: Monday 07:00 in Tokyo, not yet 08:00
    assert mail.outbox == []
    run(utc(2026, 3, 1, 23, 5))  # Monday 08:05 in Tokyo
    assert [m.to for m in mail.outbox] == [["tokyo@example.com"]]
    run(utc(2026, 3, 2, 8))
    assert [m.to[0] for m in mail.outbox][1:] == ["london@example.com"]
    run(utc(2026, 3, 4, 22, 59))  # Wednesday 17:59 in New York
    assert len(mail.outbox) == 2
    run(utc(2026, 3, 4, 23))
    assert mail.outbox[-1].to == ["ny@example.com"]
    assert ReminderLog.objects.filter(sent_at__isnull=False).count() == 3


@pytest.mark.django_db
def test_a_rerun_in_the_same_week_sends_nothing_more(enrolled):
    enrolled()
    assert "1 reminder sent" in run(utc(2026, 3, 2, 9))
    assert "0 reminders sent" in run(utc(2026, 3, 2, 9, 15))
    assert "0 reminders sent" in run(utc(2026, 3, 6, 12))
    assert len(mail.outbox) == 1
    assert "1 reminder sent" in run(utc(2026, 3, 9, 8))
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_changing_the_slot_after_this_weeks_email_does_not_send_it_again(enrolled):
    from careers.services import reschedule_reminders

    enrolment = enrolled()
    run(utc(2026, 3, 2, 9))
    enrolment.user.profile.reminder_weekday = 3
    enrolment.user.profile.save()
    reschedule_reminders(user=enrolment.user, now=utc(2026, 3, 2, 10))
    run(utc(2026, 3, 5, 9))
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_who_is_not_reminded(enrolled, make_learner, speech_pathway):
    from allauth.account.models import EmailAddress

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
    enrolled("active@example.com")

    run(utc(2026, 3, 2, 9))
    assert [m.to for m in mail.outbox] == [["active@example.com"]]


@pytest.mark.django_db
def test_a_late_enrolment_gets_its_first_reminder_next_week(make_learner, speech_pathway):
    learner = make_learner()
    enrolment, _ = enrol(
        user=learner, pathway=speech_pathway, start_date=date(2026, 3, 2), now=utc(2026, 3, 2, 10)
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(created_at=utc(2026, 3, 2, 10))
    run(utc(2026, 3, 2, 11))
    assert mail.outbox == []
    run(utc(2026, 3, 9, 8, 1))
    assert len(mail.outbox) == 1


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
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"learner{n}@example.com" for n in range(20))
    assert ReminderLog.objects.filter(sent_at__isnull=False).count() == 20


@pytest.mark.django_db
def test_a_send_that_fails_then_succeeds_sends_one_email(enrolled):
    enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = reminders.dispatch(now, lambda log: None)
    with mock.patch(
        "django.core.mail.EmailMultiAlternatives.send", side_effect=smtplib.SMTPServerDisconnected
    ):
        with pytest.raises(smtplib.SMTPServerDisconnected):
            reminders.send(log.id, now)
    log.refresh_from_db()
    assert (log.sent_at, log.sending_until, log.attempts) == (None, None, 1)
    assert reminders.send(log.id, now) is not None
    assert reminders.send(log.id, now) is None
    assert len(mail.outbox) == 1
    log.refresh_from_db()
    assert log.sent_at is not None and log.attempts == 2


@pytest.mark.django_db
def test_the_celery_task_retries_transient_errors_and_releases_on_final_failure(
    enrolled, django_capture_on_commit_callbacks, settings
):
    enrolment = enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = reminders.dispatch(now, lambda log: None)

    failing = mock.patch(
        "django.core.mail.EmailMultiAlternatives.send", side_effect=smtplib.SMTPServerDisconnected
    )
    with failing, mock.patch.object(send_reminder, "retry", side_effect=send_reminder.retry) as retry:
        result = send_reminder.apply(args=[log.id, now.isoformat()], throw=False)
    assert result.failed()
    assert retry.call_count >= 1
    # Released: the log is gone and the enrolment is due again soon, so a later run retries.
    assert not ReminderLog.objects.filter(pk=log.pk).exists()
    enrolment.refresh_from_db()
    assert enrolment.next_reminder_at is not None and enrolment.next_reminder_at > now

    later = enrolment.next_reminder_at
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_reminders.apply(kwargs={"now": later.isoformat()})
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_claim_left_unsent_is_queued_again(enrolled):
    enrolled()
    now = utc(2026, 3, 2, 9)
    reminders.dispatch(now, lambda log: None)  # the worker that had it died
    assert reminders.dispatch(now + timedelta(minutes=10), lambda log: None) == []
    requeued = reminders.dispatch(now + timedelta(minutes=31), lambda log: reminders.send(log.id, now))
    assert len(requeued) == 1 and len(mail.outbox) == 1


@pytest.mark.django_db
def test_dispatch_queries_do_not_grow_with_the_number_of_learners(enrolled, django_assert_max_num_queries):
    from django.test.utils import CaptureQueriesContext

    def queries_per_reminder(count, start):
        for n in range(start, start + count):
            enrolled(f"l{n}@example.com")
        with CaptureQueriesContext(connection) as captured:
            sent = reminders.dispatch(
                utc(2026, 3, 2 + start // 100, 9), lambda log: reminders.send(log.id, utc(2026, 3, 2, 9))
            )
        return len(captured.captured_queries) / len(sent)

    small = queries_per_reminder(3, 0)
    assert queries_per_reminder(12, 100) <= small


# --- What: the email ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_email(enrolled, settings):
    settings.SITE_URL = "https://careers.example.org"
    enrolment = enrolled()
    first_task = enrolment.pathway.phases.get(order=1).tasks.get(order=1)
    set_task_done(enrolment=enrolment, task=first_task, done=True, now=utc(2026, 2, 25, 12))
    run(utc(2026, 3, 2, 9))

    [message] = mail.outbox
    assert message.subject == "This week on your path to Speech AI Engineer: 2 tasks"
    assert message.to == ["learner@example.com"]
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<https://careers.example.org/accounts/unsubscribe/"
    )
    text = message.body
    assert "Week 2 of 24 · Foundation in Speech Processing (Weeks 1–6)" in text
    assert "- Learn audio feature extraction with librosa and torchaudio" in text
    assert "DONE LAST WEEK\n- Complete a signal processing course" in text
    assert "1 of 12 tasks done (8%)" in text
    assert "Streak: 1 week" in text
    assert "FROM YOUR ACTION PLAN\n- Complete the first module of a signal processing course" in text
    assert f"https://careers.example.org/dashboard/#enrolment-{enrolment.id}" in text
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<img" not in html and "<link" not in html and "<script" not in html
    assert f'href="https://careers.example.org/dashboard/#enrolment-{enrolment.id}"' in html
    assert "Learn audio feature extraction with librosa and torchaudio" in html


@pytest.mark.django_db
def test_dry_run_lists_and_changes_nothing(enrolled):
    enrolled()
    out = StringIO()
    call_command("send_weekly_reminders", "--now", "2026-03-02T09:00:00+00:00", "--dry-run", stdout=out)
    assert "Would send to learner@example.com" in out.getvalue()
    assert "1 reminder due" in out.getvalue()
    assert mail.outbox == [] and not ReminderLog.objects.exists()


@pytest.mark.django_db
def test_command_refuses_a_malformed_moment():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("send_weekly_reminders", "--now", "next monday")


# --- End to end: beat's task on a real worker, over a real Redis ------------------------------------


def wait_for(condition, seconds=15):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_a_real_worker_delivers_the_reminder_once(celery_worker_on_redis, enrolled):
    enrolment = enrolled()
    now = "2026-03-02T09:00:00+00:00"

    dispatch_reminders.delay(now=now)
    assert wait_for(lambda: ReminderLog.objects.filter(enrolment=enrolment, sent_at__isnull=False).exists())
    assert wait_for(lambda: len(mail.outbox) == 1)
    assert mail.outbox[0].subject.startswith("This week on your path to Speech AI Engineer")

    # Re-runs in the same week send nothing; the next week's run (queued after them, and the solo
    # worker takes tasks in order) proves they were processed.
    dispatch_reminders.delay(now="2026-03-02T09:15:00+00:00")
    dispatch_reminders.delay(now="2026-03-04T12:00:00+00:00")
    dispatch_reminders.delay(now="2026-03-09T08:30:00+00:00")
    assert wait_for(lambda: len(mail.outbox) == 2)
    assert [log.week for log in ReminderLog.objects.order_by("week")] == [date(2026, 3, 2), date(2026, 3, 9)]
