"""`manage.py send_weekly_reminders`: the operator's way to send the digests due now (or at --now),
its report, --dry-run (who would get what, planned as the real run plans), a malformed --now, and
replays in the past or the future meeting the workers' claims and leases (one claim clock)."""

import smtplib
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError

from careers import reminders
from careers.models import DigestLog
from tests.factories import make_enrolment_at, make_learner

pytestmark = pytest.mark.django_db

STARTED = date(2026, 2, 23)  # a Monday
ENROLLED = datetime(2026, 2, 28, 7, tzinfo=UTC)  # Saturday: first digest on Monday 2 March, 08:00 UTC


@pytest.fixture
def enrolment(pathway):
    return make_enrolment_at(
        ENROLLED, user=make_learner("ada@example.com"), pathway=pathway, start_date=STARTED
    )


def run(*args):
    out = StringIO()
    call_command("send_weekly_reminders", *args, stdout=out)
    return out.getvalue()


def test_sends_what_is_due_and_reports_each_email(enrolment):
    out = run("--now", "2026-03-02T09:00:00+00:00")

    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert f"Sent “{message.subject}” to ada@example.com" in out
    assert "1 digest sent at 2026-03-02 09:00 UTC." in out
    assert DigestLog.objects.get(user=enrolment.user).state == DigestLog.State.SENT


class RefusesAda(EmailBackend):
    """A mail server that refuses one address and takes the others."""

    def send_messages(self, messages):
        if any("ada@example.com" in message.to for message in messages):
            raise smtplib.SMTPRecipientsRefused({"ada@example.com": (550, b"mailbox unavailable")})
        return super().send_messages(messages)


def test_one_failed_send_does_not_stop_the_others_and_is_recorded(enrolment, pathway, settings):
    make_enrolment_at(ENROLLED, user=make_learner("grace@example.com"), pathway=pathway, start_date=STARTED)
    settings.EMAIL_BACKEND = f"{__name__}.RefusesAda"
    errors = StringIO()

    with pytest.raises(CommandError, match="1 digest could not be sent"):
        call_command(
            "send_weekly_reminders", "--now", "2026-03-02T09:00:00+00:00", stdout=StringIO(), stderr=errors
        )

    assert [message.to for message in mail.outbox] == [["grace@example.com"]]
    assert "SMTPRecipientsRefused" in errors.getvalue()
    failed = DigestLog.objects.get(user=enrolment.user)
    assert failed.state == DigestLog.State.FAILED and "mailbox unavailable" in failed.last_error


def test_a_rerun_in_the_same_week_sends_nothing_more(enrolment):
    assert "1 digest sent" in run("--now", "2026-03-02T09:00:00+00:00")
    assert "0 digests sent" in run("--now", "2026-03-02T09:15:00+00:00")
    assert "0 digests sent" in run("--now", "2026-03-06T12:00:00+00:00")
    assert len(mail.outbox) == 1
    assert "1 digest sent" in run("--now", "2026-03-09T08:00:00+00:00")
    assert len(mail.outbox) == 2


def test_a_moment_without_an_offset_is_utc(enrolment):
    assert "1 digest sent at 2026-03-02 08:30 UTC." in run("--now", "2026-03-02T08:30:00")
    assert len(mail.outbox) == 1


def test_dry_run_lists_who_would_get_what_and_changes_nothing(enrolment, make_pathway):
    make_enrolment_at(ENROLLED, user=enrolment.user, pathway=make_pathway(), start_date=STARTED)
    before = set(enrolment.user.enrolments.values_list("next_reminder_at", flat=True))

    out = run("--now", "2026-03-02T09:00:00+00:00", "--dry-run")

    [listed] = [line for line in out.splitlines() if line.startswith("Would send")]
    assert listed.startswith("Would send “This week: ") and "across 2 pathways" in listed
    assert listed.endswith("” to ada@example.com (week of 2026-03-02)")
    assert "1 digest due at 2026-03-02 09:00 UTC (dry run)." in out
    assert mail.outbox == [] and not DigestLog.objects.exists()
    assert set(enrolment.user.enrolments.values_list("next_reminder_at", flat=True)) == before
    # The real run afterwards sends what the dry run listed, with the same subject.
    run("--now", "2026-03-02T09:00:00+00:00")
    [message] = mail.outbox
    assert listed == f"Would send “{message.subject}” to ada@example.com (week of 2026-03-02)"


def test_dry_run_lists_every_learner_however_many_chunks(enrolment, pathway, monkeypatch):
    monkeypatch.setattr(reminders, "CHUNK_SIZE", 2)
    for n in range(4):
        make_enrolment_at(
            ENROLLED, user=make_learner(f"learner{n}@example.com"), pathway=pathway, start_date=STARTED
        )

    out = run("--now", "2026-03-02T09:00:00+00:00", "--dry-run")

    listed = [line.rsplit(" to ", 1)[1] for line in out.splitlines() if line.startswith("Would send")]
    assert listed == [
        f"{email} (week of 2026-03-02)"
        for email in ("ada@example.com", *(f"learner{n}@example.com" for n in range(4)))
    ]
    assert "5 digests due at 2026-03-02 09:00 UTC (dry run)." in out


def test_dry_run_leaves_out_a_week_already_sent(enrolment):
    run("--now", "2026-03-02T09:00:00+00:00")
    profile = enrolment.user.profile
    profile.reminder_weekday = 3  # Thursday: due again this week, but this week's email went out
    reminders.save_preferences(
        profile=profile, changed_fields=["reminder_weekday"], now=datetime(2026, 3, 2, 10, tzinfo=UTC)
    )

    out = run("--now", "2026-03-05T09:00:00+00:00", "--dry-run")

    assert "Would send" not in out
    assert "0 digests due at 2026-03-05 09:00 UTC (dry run)." in out


def test_refuses_a_malformed_moment(enrolment):
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("send_weekly_reminders", "--now", "next monday")
    assert mail.outbox == [] and not DigestLog.objects.exists()


# --- One clock: a replay meets the workers' claims and leases on their (real) clock ---------------


def wall_clock(moment):
    """Pin the claim clock (the workers' real time, timezone.now()) at `moment`."""
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_a_replay_in_the_future_leaves_a_claim_the_workers_hold_alone(enrolment):
    wall = datetime(2026, 3, 2, 9, tzinfo=UTC)
    claimed = []
    with wall_clock(wall):
        reminders.dispatch(wall, claimed.append)  # beat claimed it; its task is queued for a worker
    with wall_clock(wall + timedelta(minutes=1)):
        out = run("--now", "2026-03-05T09:00:00+00:00")  # the operator replays Thursday

    assert "0 digests sent" in out and mail.outbox == []
    [log] = claimed
    assert reminders.send(log.id, wall) is not None  # the worker's
    assert len(mail.outbox) == 1


def test_a_claim_left_by_an_interrupted_replay_in_the_future_goes_out_at_the_next_beat(enrolment):
    wall = datetime(2026, 3, 2, 7, tzinfo=UTC)  # an hour before the learner's slot
    with (
        wall_clock(wall),
        mock.patch("careers.reminders.send", side_effect=KeyboardInterrupt),
        pytest.raises(KeyboardInterrupt),
    ):
        run("--now", "2026-03-02T09:00:00+00:00")  # replaying two hours ahead; Ctrl-C after the claim
    assert DigestLog.objects.get().state == DigestLog.State.CLAIMED

    beat = wall + reminders.BEAT_PERIOD
    with wall_clock(beat):
        assert reminders.dispatch(beat, lambda log: reminders.send(log.id, beat)) == 1
    assert [message.to for message in mail.outbox] == [["ada@example.com"]]


def test_a_replay_in_the_past_cut_off_while_handing_over_is_never_sent_twice(enrolment):
    wall = datetime(2026, 3, 4, 12, tzinfo=UTC)  # Wednesday: Monday's digest was missed
    with (
        wall_clock(wall),
        mock.patch.object(EmailMultiAlternatives, "send", side_effect=KeyboardInterrupt),
        pytest.raises(KeyboardInterrupt),
    ):
        run("--now", "2026-03-02T09:00:00+00:00")  # replaying Monday, cut off inside the SMTP call
    assert DigestLog.objects.get().state == DigestLog.State.SENDING

    soon = wall + timedelta(minutes=1)
    with wall_clock(soon):  # the lease is still running, on the clock it was taken on
        assert "0 digests sent" in run("--now", "2026-03-02T09:00:00+00:00")
        assert reminders.dispatch(soon, lambda log: pytest.fail("queued again")) == 0
    assert DigestLog.objects.get().state == DigestLog.State.SENDING

    after = wall + reminders.SENDING_LEASE + timedelta(minutes=1)
    with wall_clock(after):  # it ran out: the message may have gone, so it is not sent again
        assert reminders.dispatch(after, lambda log: pytest.fail("queued again")) == 0
        assert "0 digests sent" in run("--now", "2026-03-02T09:00:00+00:00")
    assert DigestLog.objects.get().state == DigestLog.State.UNKNOWN
    assert mail.outbox == []
