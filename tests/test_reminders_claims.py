"""One digest per learner and week, exactly once (careers.reminders, careers.tasks): who is due,
what the one email covers, claims, two dispatchers at once, re-runs, retries, a final failure kept
and claimed again, stale claims, the history migrated from ReminderLog, and the real worker over
Redis."""

import smtplib
import threading
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from allauth.account.models import EmailAddress
from celery.app import autoretry
from django.core import mail
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from careers import digest, reminders
from careers.models import DigestLog, Enrolment
from careers.services import leave, pause
from careers.tasks import dispatch_reminders, send_reminder
from tests.factories import make_enrolment_at, make_learner, make_pathway
from tests.polling import wait_for

STARTED = date(2026, 2, 23)  # a Monday
MONDAY = date(2026, 3, 2)
State = DigestLog.State


def utc(*args):
    return datetime(*args, tzinfo=UTC)


ENROLLED = utc(2026, 2, 28, 7)  # Saturday, after that week's slots: first digests from 2 March


@pytest.fixture
def enrolled(pathway):
    """enrolled(email=None, *, user=None, pathway=None, at=ENROLLED, **profile): an enrolment of a
    new learner (or `user`) on `pathway`, made at `at`, started on Monday 23 February 2026; profile
    fields (time_zone, reminder_hour, ...) pass through."""

    def make(email=None, *, user=None, on=None, at=ENROLLED, **profile):
        learner = user or make_learner(email, **profile)
        return make_enrolment_at(at, user=learner, pathway=on or pathway, start_date=STARTED)

    return make


def run(now):
    """What the dispatcher and the workers do at `now`: claim what is due and send it. Returns
    how many were claimed (or re-queued)."""
    return reminders.dispatch(now, lambda log: reminders.send(log.id, now))


def claims(now):
    """Dispatch at `now` with workers that never run: returns the claimed (or re-queued) logs."""
    claimed = []
    reminders.dispatch(now, claimed.append)
    return claimed


def sent_to():
    return [message.to[0] for message in mail.outbox]


def covers(message, pathway):
    """Whether the digest has a section for `pathway`: its heading links to the pathway's page."""
    [(html, _type)] = message.alternatives
    return f'<a href="{reminders.absolute(pathway.get_absolute_url())}"' in html


@pytest.fixture
def flaky_mail():
    """flaky_mail(failures): the mail server refuses (451, try later) the first `failures` sends
    (all of them with None), then delivers; yields the list of attempts made."""
    attempts = []
    deliver = mail.EmailMultiAlternatives.send

    def patch(failures=None):
        def send(message, *args, **kwargs):
            attempts.append(message.to[0])
            if failures is None or len(attempts) <= failures:
                raise smtplib.SMTPDataError(451, "4.3.0 try again later")
            return deliver(message, *args, **kwargs)

        return mock.patch.object(mail.EmailMultiAlternatives, "send", send)

    patch.attempts = attempts
    return patch


# --- Who is due, and what the one email covers ------------------------------------------------------


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
    assert DigestLog.objects.filter(state=State.SENT).count() == 3


@pytest.mark.django_db
def test_three_pathways_make_one_email(enrolled, make_pathway):
    first = enrolled("ada@example.com")
    pathways = [first.pathway, make_pathway(), make_pathway()]
    for pathway in pathways[1:]:
        enrolled(user=first.user, on=pathway)

    assert run(utc(2026, 3, 2, 9)) == 1

    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert message.subject.startswith("This week: ") and "across 3 pathways" in message.subject
    assert all(covers(message, pathway) for pathway in pathways)
    assert DigestLog.objects.get().week == MONDAY


@pytest.mark.django_db
def test_paused_left_completed_and_muted_pathways_are_left_out(enrolled, make_pathway):
    kept = enrolled("ada@example.com")
    learner = kept.user
    paused = enrolled(user=learner, on=make_pathway())
    pause(enrolment=paused, now=utc(2026, 2, 24))
    gone = enrolled(user=learner, on=make_pathway())
    leave(enrolment=gone, now=utc(2026, 2, 24))
    muted = enrolled(user=learner, on=make_pathway())
    reminders.set_pathway_reminders(enrolment=muted, enabled=False, now=utc(2026, 2, 24))
    completed = enrolled(user=learner, on=make_pathway(phases=[(1, 1)]))
    Enrolment.objects.filter(pk=completed.pk).update(status=Enrolment.Status.COMPLETED)

    run(utc(2026, 3, 2, 9))

    [message] = mail.outbox
    assert covers(message, kept.pathway)
    assert message.subject.startswith(f"This week on your path to {kept.pathway.to_role}")
    for left_out in (paused, gone, muted, completed):
        assert not covers(message, left_out.pathway)


@pytest.mark.django_db
def test_who_gets_no_email(enrolled):
    paused = enrolled("paused@example.com")
    pause(enrolment=paused, now=utc(2026, 2, 24))
    gone = enrolled("left@example.com")
    leave(enrolment=gone, now=utc(2026, 2, 24))
    muted = enrolled("muted@example.com")
    reminders.set_pathway_reminders(enrolment=muted, enabled=False, now=utc(2026, 2, 24))
    off = enrolled("off@example.com")
    reminders.unsubscribe(user=off.user)
    unverified = enrolled("unverified@example.com")
    EmailAddress.objects.filter(user=unverified.user).update(verified=False)
    active = enrolled("active@example.com")

    now = utc(2026, 3, 2, 9)
    assert list(reminders.due(now)) == [active.user]
    run(now)
    assert sent_to() == ["active@example.com"]


@pytest.mark.django_db
def test_a_learner_whose_last_pathway_closed_after_the_claim_gets_nothing(enrolled):
    enrolment = enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = claims(now)
    pause(enrolment=enrolment, now=now)

    assert reminders.send(log.id, now) is None
    assert mail.outbox == []
    log.refresh_from_db()
    assert log.state == State.SKIPPED


@pytest.mark.django_db
def test_a_late_enrolment_gets_its_first_digest_next_week(pathway):
    make_enrolment_at(utc(2026, 3, 2, 10), user=make_learner(), pathway=pathway, start_date=MONDAY)
    run(utc(2026, 3, 2, 11))
    assert mail.outbox == []
    run(utc(2026, 3, 9, 8, 1))
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_second_pathway_enrolled_mid_week_sends_no_second_email(enrolled, make_pathway):
    first = enrolled()
    run(utc(2026, 3, 2, 9))
    second = enrolled(user=first.user, on=make_pathway(), at=utc(2026, 3, 4, 12))

    assert run(utc(2026, 3, 4, 12, 5)) == 0
    assert run(utc(2026, 3, 6, 12)) == 0
    assert len(mail.outbox) == 1

    run(utc(2026, 3, 9, 8))  # next week's one email covers both
    assert len(mail.outbox) == 2
    assert covers(mail.outbox[1], first.pathway) and covers(mail.outbox[1], second.pathway)


@pytest.mark.django_db
def test_every_pathway_of_a_learner_shares_one_slot(enrolled, make_pathway):
    first = enrolled()
    enrolled(user=first.user, on=make_pathway(), at=utc(2026, 3, 4, 12))
    assert set(Enrolment.objects.filter(user=first.user).values_list("next_reminder_at", flat=True)) == {
        utc(2026, 3, 2, 8)
    }


# --- Exactly once -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_rerun_in_the_same_week_sends_nothing_more(enrolled):
    enrolment = enrolled()
    assert run(utc(2026, 3, 2, 9)) == 1
    assert run(utc(2026, 3, 2, 9, 15)) == 0
    assert run(utc(2026, 3, 6, 12)) == 0
    assert len(mail.outbox) == 1
    assert run(utc(2026, 3, 9, 8)) == 1
    assert len(mail.outbox) == 2
    weeks = DigestLog.objects.filter(user=enrolment.user).order_by("week").values_list("week", "state")
    assert list(weeks) == [(MONDAY, State.SENT), (date(2026, 3, 9), State.SENT)]


@pytest.mark.django_db
def test_changing_the_slot_after_this_weeks_email_does_not_send_it_again(enrolled):
    enrolment = enrolled()
    run(utc(2026, 3, 2, 9))
    profile = enrolment.user.profile
    profile.reminder_weekday = 3
    reminders.save_preferences(profile=profile, changed_fields=["reminder_weekday"], now=utc(2026, 3, 2, 10))
    run(utc(2026, 3, 5, 9))  # this week's new slot (Thursday) has passed, but the week was sent
    assert len(mail.outbox) == 1
    run(utc(2026, 3, 12, 9))  # next Thursday's is sent
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("chunk_size", [reminders.CHUNK_SIZE, 3])
def test_two_dispatchers_at_once_send_one_email_each(enrolled, make_pathway, monkeypatch, chunk_size):
    monkeypatch.setattr(reminders, "CHUNK_SIZE", chunk_size)
    extra = make_pathway()
    for n in range(20):
        enrolment = enrolled(f"learner{n}@example.com")
        if n % 2:
            enrolled(user=enrolment.user, on=extra)
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
    assert DigestLog.objects.filter(state=State.SENT).count() == 20


@pytest.mark.django_db
def test_learners_are_claimed_a_chunk_at_a_time_each_once(enrolled, monkeypatch):
    monkeypatch.setattr(reminders, "CHUNK_SIZE", 2)
    learners = [enrolled(f"learner{n}@example.com").user for n in range(5)]
    failed, sent = learners[3], learners[4]
    before = utc(2026, 3, 2, 8, 30)
    kept = DigestLog.objects.create(
        user=failed, week=MONDAY, state=State.FAILED, claimed_at=before, attempts=6
    )
    DigestLog.objects.create(user=sent, week=MONDAY, state=State.SENT, claimed_at=before, sent_at=before)

    assert run(utc(2026, 3, 2, 9)) == 4
    assert sorted(sent_to()) == [f"learner{n}@example.com" for n in range(4)]
    kept.refresh_from_db()
    assert (kept.state, kept.attempts) == (State.SENT, 7)  # the failed week's own row, claimed again
    assert DigestLog.objects.get(user=sent).sent_at == before
    # Every learner moved on to next week's slot, the one already sent included.
    assert set(Enrolment.objects.values_list("next_reminder_at", flat=True)) == {utc(2026, 3, 9, 8)}
    assert run(utc(2026, 3, 2, 10)) == 0


@pytest.mark.django_db
def test_lost_claims_are_queued_again_a_chunk_at_a_time_each_once(enrolled, monkeypatch):
    monkeypatch.setattr(reminders, "CHUNK_SIZE", 2)
    for n in range(5):
        enrolled(f"learner{n}@example.com")
    now = utc(2026, 3, 2, 9)
    with wall_clock(now):
        assert reminders.dispatch(now, lambda log: None) == 5  # every task is lost
    beat = now + reminders.BEAT_PERIOD
    with wall_clock(beat):
        assert reminders.dispatch(beat, lambda log: reminders.send(log.id, beat)) == 5
    assert sorted(sent_to()) == [f"learner{n}@example.com" for n in range(5)]
    with wall_clock(beat + reminders.BEAT_PERIOD):
        assert reminders.dispatch(beat + reminders.BEAT_PERIOD, lambda log: None) == 0


@pytest.mark.django_db
def test_a_send_that_fails_then_succeeds_sends_one_email(enrolled, flaky_mail):
    enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = claims(now)
    with flaky_mail(failures=1), pytest.raises(smtplib.SMTPDataError):
        reminders.send(log.id, now)
    log.refresh_from_db()
    assert (log.state, log.sending_until, log.attempts) == (State.CLAIMED, None, 1)
    assert "try again later" in log.last_error
    assert reminders.send(log.id, now) is not None
    assert reminders.send(log.id, now) is None  # sent: never again
    assert len(mail.outbox) == 1
    log.refresh_from_db()
    assert (log.state, log.attempts) == (State.SENT, 2) and log.sent_at is not None


@pytest.mark.django_db
def test_a_claim_being_sent_is_not_sent_by_a_second_worker(enrolled):
    enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = claims(now)
    # Another worker holds the sending lease.
    DigestLog.objects.filter(pk=log.pk).update(
        state=State.SENDING, sending_until=timezone.now() + timedelta(minutes=5)
    )
    assert reminders.send(log.id, now) is None
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_final_failure_leaves_a_row_another_worker_is_sending_alone(enrolled):
    enrolment = enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = claims(now)
    lease = timezone.now() + timedelta(minutes=5)
    DigestLog.objects.filter(pk=log.pk).update(state=State.SENDING, sending_until=lease)
    scheduled = Enrolment.objects.get(pk=enrolment.pk).next_reminder_at

    assert reminders.fail(log.id, smtplib.SMTPServerDisconnected("down"), timezone.now()) is False

    log.refresh_from_db()
    assert (log.state, log.sending_until) == (State.SENDING, lease)
    assert Enrolment.objects.get(pk=enrolment.pk).next_reminder_at == scheduled


@pytest.mark.django_db
def test_the_celery_task_retries_transient_errors(enrolled, flaky_mail):
    enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = claims(now)

    with flaky_mail(failures=2):
        result = send_reminder.apply(args=[log.id, now.isoformat()], throw=False)

    assert result.successful()
    assert len(flaky_mail.attempts) == 3
    assert len(mail.outbox) == 1
    log.refresh_from_db()
    assert (log.state, log.attempts) == (State.SENT, 3)


@pytest.mark.django_db
def test_a_final_failure_is_kept_as_failed_and_sent_by_a_later_run(
    enrolled, flaky_mail, django_capture_on_commit_callbacks, settings
):
    enrolment = enrolled()
    now = utc(2026, 3, 2, 9)
    wall = now + timedelta(minutes=20)  # the workers' clock, when the last retry fails
    [log] = claims(now)

    with flaky_mail(), mock.patch("django.utils.timezone.now", return_value=wall):  # the server stays down
        result = send_reminder.apply(args=[log.id, now.isoformat()], throw=False)

    assert result.failed()
    attempts = 1 + send_reminder.max_retries
    assert len(flaky_mail.attempts) == attempts
    # Kept, for the admin: failed, with its attempts and error; the learner is due an hour later.
    log.refresh_from_db()
    assert (log.state, log.attempts, log.sent_at) == (State.FAILED, attempts, None)
    assert "SMTPDataError" in log.last_error
    retry_at = wall + reminders.RETRY_RELEASED_AFTER
    assert set(Enrolment.objects.filter(user=enrolment.user).values_list("next_reminder_at", flat=True)) == {
        retry_at
    }
    # Not re-queued as a stale claim, and not claimed before its time.
    assert reminders.dispatch(retry_at - timedelta(minutes=1), lambda log: None) == 0

    # That later run (the beat task, run eagerly) claims the same row again and sends the digest.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_reminders.apply(kwargs={"now": retry_at.isoformat()})
    assert sent_to() == [enrolment.user.email]
    [again] = DigestLog.objects.filter(user=enrolment.user)
    assert (again.pk, again.week, again.state, again.attempts) == (log.pk, MONDAY, State.SENT, attempts + 1)


def wall_clock(moment):
    """Pin the claim clock (the workers' real time, timezone.now()) at `moment`."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.mark.django_db
def test_a_claim_whose_task_was_lost_is_queued_again_by_the_next_beat_and_sent_once(enrolled):
    enrolled()
    now = utc(2026, 3, 2, 9)
    with wall_clock(now):
        reminders.dispatch(
            now, lambda log: None
        )  # the task is lost: a broker restarted empty, a killed worker
    soon = now + reminders.REQUEUE_AFTER - timedelta(seconds=1)
    with wall_clock(soon):
        assert reminders.dispatch(soon, lambda log: pytest.fail("queued again too soon")) == 0
    beat = now + reminders.BEAT_PERIOD
    with wall_clock(beat):
        requeued = reminders.dispatch(beat, lambda log: reminders.send(log.id, beat))
    assert requeued == 1 and len(mail.outbox) == 1
    # Queued again once: the next beat finds it sent.
    with wall_clock(beat + reminders.BEAT_PERIOD):
        assert reminders.dispatch(beat + reminders.BEAT_PERIOD, lambda log: None) == 0


@pytest.mark.django_db
def test_a_claim_waiting_for_its_retry_is_left_to_it_by_the_beat(enrolled, flaky_mail, monkeypatch):
    enrolled()
    now = utc(2026, 3, 2, 9)
    wait = timedelta(minutes=8)  # a fourth attempt's backoff: longer than a beat period
    monkeypatch.setattr(autoretry, "get_exponential_backoff_interval", lambda **kwargs: wait.total_seconds())
    with wall_clock(now):
        [log] = claims(now)
        with flaky_mail(failures=1):  # refused once; the retry (run at once here, eagerly) delivers
            assert send_reminder.apply(args=[log.id, now.isoformat()], throw=False).successful()
    log.refresh_from_db()
    assert (log.state, log.claimed_at) == (State.SENT, now + wait)  # the retry was due then

    # Had the retry not run yet, the beats until then would have left the claim to it.
    DigestLog.objects.filter(pk=log.pk).update(state=State.CLAIMED)
    for beat in (now + reminders.BEAT_PERIOD, now + wait):
        with wall_clock(beat):
            assert reminders.dispatch(beat, lambda log: pytest.fail("queued again")) == 0
    late = now + wait + reminders.REQUEUE_AFTER
    with wall_clock(late):
        assert reminders.dispatch(late, lambda log: None) == 1  # the retry was lost with its worker


def test_the_beat_runs_the_dispatcher_every_beat_period(settings):
    [entry] = settings.CELERY_BEAT_SCHEDULE.values()
    assert entry["task"] == "careers.tasks.dispatch_reminders"
    assert timedelta(seconds=entry["schedule"]) == reminders.BEAT_PERIOD


@pytest.mark.django_db
@pytest.mark.parametrize("found_by", ["the redelivered task", "the dispatcher"])
def test_a_row_still_sending_after_its_lease_ran_out_is_unknown_and_never_sent_again(enrolled, found_by):
    enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = claims(now)
    # A worker took the lease, handed the message over and was killed before it heard back.
    lease = timezone.now() - timedelta(seconds=1)
    DigestLog.objects.filter(pk=log.pk).update(state=State.SENDING, sending_until=lease, attempts=1)

    if found_by == "the redelivered task":
        assert reminders.send(log.id, now) is None
    else:
        reminders.dispatch(now, lambda log: pytest.fail("queued again"))

    log.refresh_from_db()
    assert (log.state, log.attempts, log.last_error) == (State.UNKNOWN, 1, reminders.WORKER_LOST)
    assert reminders.send(log.id, now) is None
    assert reminders.fail(log.id, TimeoutError("late"), timezone.now()) is False
    assert reminders.dispatch(now + timedelta(hours=2), lambda log: pytest.fail("queued again")) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_two_copies_of_one_claim_send_one_email(enrolled):
    """The re-queued copy and the original (still queued, or redelivered) both run: whichever takes
    the sending lease first sends; the other finds the row taken once it has rendered."""
    enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = claims(now)
    build = digest.build_message
    copies = []

    def build_while_the_other_copy_runs(**kwargs):
        copies.append("rendering")
        if len(copies) == 1:  # the first copy is rendering: the second runs through meanwhile
            copies.append(reminders.send(log.id, now))
        return build(**kwargs)

    with mock.patch("careers.digest.build_message", side_effect=build_while_the_other_copy_runs):
        first = reminders.send(log.id, now)

    second = copies[2]
    assert first is None and second is not None
    assert len(mail.outbox) == 1
    log.refresh_from_db()
    assert (log.state, log.attempts) == (State.SENT, 1)


@pytest.mark.django_db
def test_dispatch_queries_do_not_grow_with_the_number_of_learners(enrolled, make_pathway):
    extra = make_pathway()

    def queries_per_digest(count, now):
        for n in range(count):
            enrolment = enrolled()
            if n % 2:
                enrolled(user=enrolment.user, on=extra)
        with CaptureQueriesContext(connection) as captured:
            sent = run(now)
        assert sent == count
        return len(captured.captured_queries) / sent

    small = queries_per_digest(4, utc(2026, 3, 2, 9))
    # A day later: the first four were sent; twelve more learners are due.
    assert queries_per_digest(12, utc(2026, 3, 3, 9)) <= small


# --- History: ReminderLog rows become DigestLog rows -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_reminder_history_becomes_one_row_per_learner_and_week(enrolled, make_pathway):
    first = enrolled()
    second = enrolled(user=first.user, on=make_pathway())
    other = enrolled()
    sent, claimed = utc(2026, 3, 2, 8, 1), utc(2026, 3, 2, 8)
    executor = MigrationExecutor(connection)
    executor.migrate([("careers", "0003_habits_and_completions_from_ticks")])
    try:
        ReminderLog = executor.loader.project_state(
            ("careers", "0003_habits_and_completions_from_ticks")
        ).apps.get_model("careers", "ReminderLog")
        for enrolment, week, sent_at, attempts in [
            (first, MONDAY, sent, 1),
            (second, MONDAY, None, 2),  # the same learner and week: one digest, sent
            (first, date(2026, 3, 9), None, 1),  # claimed, never sent
            (other, MONDAY, sent, 1),
        ]:
            ReminderLog.objects.create(
                enrolment_id=enrolment.pk, week=week, claimed_at=claimed, sent_at=sent_at, attempts=attempts
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    rows = DigestLog.objects.order_by("user_id", "week").values_list("user_id", "week", "state", "sent_at")
    assert list(rows) == [
        (first.user_id, MONDAY, State.SENT, sent),
        (first.user_id, date(2026, 3, 9), State.CLAIMED, None),
        (other.user_id, MONDAY, State.SENT, sent),
    ]
    assert DigestLog.objects.get(user=first.user, week=MONDAY).attempts == 2


# --- End to end: beat's task on a real worker, over a real Redis ------------------------------------


def test_a_real_worker_delivers_the_digest_once(celery_worker_on_redis, enrolled):
    enrolment = enrolled()
    second = enrolled(user=enrolment.user, on=make_pathway())

    dispatch_reminders.delay(now="2026-03-02T09:00:00+00:00")
    assert wait_for(lambda: DigestLog.objects.filter(user=enrolment.user, state=State.SENT).exists())
    assert wait_for(lambda: len(mail.outbox) == 1)
    [message] = mail.outbox
    assert message.to == [enrolment.user.email]
    assert covers(message, enrolment.pathway) and covers(message, second.pathway)

    # Re-runs in the same week send nothing; the next week's run (queued after them, and the solo
    # worker takes tasks in order) proves they were processed.
    dispatch_reminders.delay(now="2026-03-02T09:15:00+00:00")
    dispatch_reminders.delay(now="2026-03-04T12:00:00+00:00")
    dispatch_reminders.delay(now="2026-03-09T08:30:00+00:00")
    assert wait_for(lambda: len(mail.outbox) == 2)
    assert [log.week for log in DigestLog.objects.order_by("week")] == [MONDAY, date(2026, 3, 9)]
    assert set(Enrolment.objects.filter(user=enrolment.user).values_list("next_reminder_at", flat=True)) == {
        utc(2026, 3, 16, 8)
    }


# --- Outcome unknown: the mail server may have taken it -------------------------------------------


class FakeSMTP:
    """An email backend standing in for an SMTP server that fails at `stage` ("open" or "send")
    with `error`; delivered messages go to mail.outbox. Set the class attributes per test."""

    stage, error = None, None
    during_send = None  # called while the message is being handed over

    def __init__(self, *args, **kwargs):
        self.opened = False

    def open(self):
        if FakeSMTP.stage == "open":
            raise FakeSMTP.error
        self.opened = True
        return True

    def close(self):
        self.opened = False

    def send_messages(self, messages):
        if FakeSMTP.during_send:
            FakeSMTP.during_send()
        if FakeSMTP.stage == "send":
            raise FakeSMTP.error
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture
def fake_smtp(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FakeSMTP"
    yield FakeSMTP
    FakeSMTP.stage = FakeSMTP.error = FakeSMTP.during_send = None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error",
    [
        TimeoutError("timed out"),
        smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
        ConnectionResetError(104, "reset"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_a_timeout_or_disconnect_while_handing_the_message_over_is_unknown_and_never_sent_again(
    enrolled, fake_smtp, error
):
    enrolment = enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = claims(now)
    fake_smtp.stage, fake_smtp.error = "send", error

    assert reminders.send(log.id, now) is None  # not raised: the task does not retry

    log.refresh_from_db()
    assert (log.state, log.sending_until, log.attempts) == (State.UNKNOWN, None, 1)
    assert type(error).__name__ in log.last_error
    fake_smtp.stage = None  # the server answers again: still nothing more goes out
    assert reminders.send(log.id, now) is None
    assert reminders.fail(log.id, error, timezone.now()) is False
    assert reminders.dispatch(now + timedelta(hours=2), lambda log: pytest.fail("re-queued")) == 0
    assert mail.outbox == []
    assert DigestLog.objects.get(user=enrolment.user).state == State.UNKNOWN


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stage", "error"),
    [
        ("open", ConnectionRefusedError(111, "Connection refused")),
        ("open", OSError(-2, "Name or service not known")),
        ("open", smtplib.SMTPAuthenticationError(535, b"bad credentials")),
        ("open", TimeoutError("connect timed out")),  # nothing was handed over yet
        ("send", smtplib.SMTPRecipientsRefused({"x@example.com": (450, b"mailbox busy")})),
    ],
    ids=lambda value: value if isinstance(value, str) else type(value).__name__,
)
def test_a_failure_before_the_message_is_handed_over_is_retried_and_sent_once(
    enrolled, fake_smtp, stage, error
):
    enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = claims(now)
    fake_smtp.stage, fake_smtp.error = stage, error

    with pytest.raises(type(error)):
        reminders.send(log.id, now)
    log.refresh_from_db()
    assert (log.state, log.sending_until, log.attempts) == (State.CLAIMED, None, 1)

    fake_smtp.stage = None
    assert reminders.send(log.id, now) is not None
    assert reminders.send(log.id, now) is None
    assert len(mail.outbox) == 1
    log.refresh_from_db()
    assert (log.state, log.attempts) == (State.SENT, 2)


@pytest.mark.django_db
def test_a_render_error_is_retried(enrolled, fake_smtp):
    enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = claims(now)
    with mock.patch("careers.digest.build_message", side_effect=ValueError("bad template")):
        with pytest.raises(ValueError):
            reminders.send(log.id, now)
    log.refresh_from_db()
    assert log.state == State.CLAIMED
    assert reminders.send(log.id, now) is not None
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_celery_task_does_not_retry_an_unknown_outcome(enrolled, fake_smtp):
    enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = claims(now)
    fake_smtp.stage, fake_smtp.error = "send", TimeoutError("timed out")

    result = send_reminder.apply(args=[log.id, now.isoformat()], throw=False)

    assert result.successful()
    log.refresh_from_db()
    assert (log.state, log.attempts) == (State.UNKNOWN, 1)


@pytest.mark.django_db
def test_a_worker_slower_than_its_lease_still_records_what_the_server_answered(enrolled, fake_smtp):
    enrolled()
    now = utc(2026, 3, 2, 9)
    [log] = claims(now)
    settled = []

    def lease_runs_out_and_a_dispatcher_settles_it():
        later = timezone.now() + reminders.SENDING_LEASE + timedelta(minutes=1)
        with wall_clock(later):
            reminders.dispatch(later, lambda log: None)
        settled.append(DigestLog.objects.get(pk=log.pk).state)

    fake_smtp.during_send = lease_runs_out_and_a_dispatcher_settles_it
    assert reminders.send(log.id, now) is not None  # the server said "accepted", late

    assert settled == [State.UNKNOWN]
    log.refresh_from_db()
    assert (log.state, log.sending_until, log.attempts) == (State.SENT, None, 1)
    assert len(mail.outbox) == 1
