"""`manage.py send_weekly_reminders`: the operator's way to send what is due now (or at --now),
its report, --dry-run, and a malformed --now."""

from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError

from careers.models import ReminderLog
from careers.services import reschedule_reminders
from tests.factories import make_enrolment_at, make_learner

pytestmark = pytest.mark.django_db

STARTED = date(2026, 2, 23)  # a Monday
ENROLLED = datetime(2026, 2, 28, 7, tzinfo=UTC)  # Saturday: first reminder on Monday 2 March, 08:00 UTC


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
    assert "1 reminder sent at 2026-03-02 09:00 UTC." in out
    assert ReminderLog.objects.get(enrolment=enrolment).sent_at is not None


def test_a_rerun_in_the_same_week_sends_nothing_more(enrolment):
    assert "1 reminder sent" in run("--now", "2026-03-02T09:00:00+00:00")
    assert "0 reminders sent" in run("--now", "2026-03-02T09:15:00+00:00")
    assert "0 reminders sent" in run("--now", "2026-03-06T12:00:00+00:00")
    assert len(mail.outbox) == 1
    assert "1 reminder sent" in run("--now", "2026-03-09T08:00:00+00:00")
    assert len(mail.outbox) == 2


def test_a_moment_without_an_offset_is_utc(enrolment):
    assert "1 reminder sent at 2026-03-02 08:30 UTC." in run("--now", "2026-03-02T08:30:00")
    assert len(mail.outbox) == 1


def test_dry_run_lists_and_changes_nothing(enrolment):
    out = run("--now", "2026-03-02T09:00:00+00:00", "--dry-run")

    assert f"Would send to ada@example.com: {enrolment.pathway.title} (week of 2026-03-02)" in out
    assert "1 reminder due at 2026-03-02 09:00 UTC (dry run)." in out
    assert mail.outbox == [] and not ReminderLog.objects.exists()
    before = enrolment.next_reminder_at
    enrolment.refresh_from_db()
    assert enrolment.next_reminder_at == before
    # The real run afterwards sends what the dry run listed.
    assert "1 reminder sent" in run("--now", "2026-03-02T09:00:00+00:00")


def test_dry_run_leaves_out_a_week_already_sent(enrolment):
    run("--now", "2026-03-02T09:00:00+00:00")
    profile = enrolment.user.profile
    profile.reminder_weekday = 3  # Thursday: due again this week, but this week's email went out
    profile.save()
    reschedule_reminders(user=enrolment.user, now=datetime(2026, 3, 2, 10, tzinfo=UTC))

    out = run("--now", "2026-03-05T09:00:00+00:00", "--dry-run")

    assert "Would send" not in out
    assert "0 reminders due at 2026-03-05 09:00 UTC (dry run)." in out


def test_refuses_a_malformed_moment(enrolment):
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("send_weekly_reminders", "--now", "next monday")
    assert mail.outbox == [] and not ReminderLog.objects.exists()
