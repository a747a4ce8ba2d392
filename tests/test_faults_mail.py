"""The mail server refusing.

Sign-up while it refuses: the account is made, the learner is told the confirmation email is on its
way, and a worker (accounts.tasks.send_confirmation) delivers it once the mail server accepts again;
the link in it works.

Weekly digests while it refuses (451, try again later), through the real worker, Redis and a real
SMTP server on loopback: for a while, then accepting: retried with backoff, one email each; for
good: the claim is released (failed, due again an hour later), logged, and listed in the admin.
And a server that takes the digest but answers after the client's timeout: outcome unknown, never
sent again.
"""

import smtplib
from datetime import UTC, date, datetime

import pytest
from allauth.account.models import EmailAddress
from celery.app import autoretry
from celery.utils.time import get_exponential_backoff_interval
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.urls import reverse
from django.utils import timezone

from accounts import tasks
from careers import reminders
from careers.models import DigestLog
from careers.tasks import dispatch_reminders, send_reminder
from tests.factories import make_enrolment_at, make_learner
from tests.pages import is_logged_in, link_in, path_of, sign_up
from tests.polling import wait_for

VERIFICATION_SENT_URL = "/accounts/confirm-email/"

# What the test backend raises while "down": the mail server dropping us, or not listening at all.
REFUSALS = [
    smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
    ConnectionRefusedError(111, "refused"),
]


class RefusingBackend(LocmemBackend):
    """An email backend whose mail server is down while `RefusingBackend.error` is set."""

    error = None

    def send_messages(self, messages):
        if RefusingBackend.error is not None:
            raise RefusingBackend.error
        return super().send_messages(messages)


@pytest.fixture
def refusing_mail(settings):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    mail.outbox = []
    yield RefusingBackend
    RefusingBackend.error = None


@pytest.mark.django_db
@pytest.mark.parametrize("error", REFUSALS, ids=lambda e: type(e).__name__)
def test_sign_up_while_the_mail_server_refuses_succeeds_and_the_worker_sends_the_link_later(
    client, refusing_mail, settings, django_capture_on_commit_callbacks, caplog, error
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    refusing_mail.error = error

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = sign_up(client, "ada@example.com")

    assert response.status_code == 302
    assert response["Location"] == VERIFICATION_SENT_URL
    page = client.get(VERIFICATION_SENT_URL)
    assert page.status_code == 200
    assert "sent you an email with a link" in page.content.decode()  # "on its way"
    user = get_user_model().objects.get(email="ada@example.com")
    assert not EmailAddress.objects.get(user=user).verified
    assert mail.outbox == []
    assert "confirmation email not sent" in caplog.text
    assert len(queued) == 1  # the retry, queued once the sign-up commits

    refusing_mail.error = None  # the mail server accepts again
    for callback in queued:
        callback()  # the worker's side, here and now (eager)

    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    confirm_path = path_of(link_in(message, "/accounts/confirm-email/"))
    assert client.get(confirm_path).status_code == 200
    response = client.post(confirm_path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert is_logged_in(client)


@pytest.mark.django_db
def test_the_retry_task_raises_while_the_mail_server_still_refuses_and_skips_a_confirmed_address(
    make_learner, refusing_mail
):
    learner = make_learner("bo@example.com", verified=False)
    address = EmailAddress.objects.get(user=learner)

    refusing_mail.error = ConnectionRefusedError(111, "refused")
    with pytest.raises(ConnectionRefusedError):
        tasks.send_confirmation.run(address.pk)  # raised, so Celery's autoretry tries again later
    assert set(tasks.send_confirmation.autoretry_for) >= {smtplib.SMTPException, OSError}

    refusing_mail.error = None
    assert tasks.send_confirmation.run(address.pk) is True
    assert [m.to for m in mail.outbox] == [["bo@example.com"]]

    address.verified = True
    address.save()
    assert tasks.send_confirmation.run(address.pk) is False
    assert len(mail.outbox) == 1


# --- Weekly digests while the mail server refuses: the real worker, Redis and SMTP ------------------

LEARNERS = 5
STARTED = date(2026, 2, 23)  # a Monday
ENROLLED = datetime(2026, 2, 28, 7, tzinfo=UTC)
NOW = "2026-03-02T09:00:00+00:00"  # Monday: every learner's first digest is due


@pytest.fixture
def due_learners(pathway):
    return [
        make_enrolment_at(ENROLLED, user=make_learner(), pathway=pathway, start_date=STARTED).user
        for _ in range(LEARNERS)
    ]


@pytest.fixture
def quick_backoff(monkeypatch):
    """Celery's retry backoff for the reminder tasks (30 s doubling, jittered, at most 15 minutes)
    shortened a thousandfold; yields the delays it chose, in seconds, before shortening."""
    chosen = []

    def shortened(**kwargs):
        delay = get_exponential_backoff_interval(**kwargs)
        chosen.append(delay)
        return delay / 1000

    monkeypatch.setattr(autoretry, "get_exponential_backoff_interval", shortened)
    return chosen


def test_a_mail_server_refusing_for_a_while_then_accepting_delivers_one_digest_each(
    celery_worker_on_redis, smtp_server, quick_backoff, due_learners
):
    smtp_server.refuse(8)  # "451 try again later" to the first eight messages

    dispatch_reminders.delay(now=NOW)

    assert wait_for(lambda: DigestLog.objects.filter(state=DigestLog.State.SENT).count() == LEARNERS)
    assert smtp_server.refused == 8
    assert [smtp_server.delivered[learner.email] for learner in due_learners] == [1] * LEARNERS
    assert smtp_server.total == LEARNERS
    assert len(quick_backoff) == 8  # each refusal waited for a retry
    attempts = list(DigestLog.objects.values_list("attempts", flat=True))
    assert sum(attempts) == LEARNERS + 8
    retried = DigestLog.objects.filter(attempts__gt=1)
    assert retried.exists() and all("451" in log.last_error for log in retried)


def test_a_mail_server_refusing_for_good_releases_the_claim_logs_it_and_the_admin_shows_it(
    celery_worker_on_redis, smtp_server, quick_backoff, due_learners, caplog, client, django_user_model
):
    [learner] = due_learners[:1]
    for other in due_learners[1:]:
        other.profile.reminders_enabled = False
        other.profile.save()
    smtp_server.refuse()  # for good

    dispatch_reminders.delay(now=NOW)

    assert wait_for(lambda: DigestLog.objects.filter(state=DigestLog.State.FAILED).exists())
    attempts = 1 + send_reminder.max_retries
    log = DigestLog.objects.get()
    assert (log.user, log.attempts, log.sent_at) == (learner, attempts, None)
    assert "SMTPDataError" in log.last_error and "451" in log.last_error
    assert smtp_server.refused == attempts and smtp_server.total == 0
    # Released: due again an hour after the last attempt, when a later run claims the same row.
    [due_again] = set(learner.enrolments.values_list("next_reminder_at", flat=True))
    assert timezone.now() < due_again <= timezone.now() + reminders.RETRY_RELEASED_AFTER
    assert any(
        f"digest not sent after {attempts} attempts" in record.getMessage() for record in caplog.records
    )

    admin = django_user_model.objects.create_superuser("admin@example.com", "admin@example.com", "x")
    client.force_login(admin)
    page = client.get(reverse("admin:careers_digestlog_changelist"), {"state": "failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert str(learner) in html and "Failed" in html and "451" in html


@pytest.mark.django_db
def test_a_mail_server_answering_after_the_timeout_gets_the_digest_once_and_it_is_marked_unknown(
    smtp_server, settings, pathway
):
    learner = make_enrolment_at(ENROLLED, user=make_learner(), pathway=pathway, start_date=STARTED).user
    settings.EMAIL_TIMEOUT = 1
    now = datetime.fromisoformat(NOW)
    claimed = []
    reminders.dispatch(now, claimed.append)
    [log] = claimed
    smtp_server.hold_after(0)  # takes the message, answers too late

    assert reminders.send(log.id, now) is None  # not raised: no retry
    smtp_server.release()

    log.refresh_from_db()
    assert log.state == DigestLog.State.UNKNOWN and "SMTPServerDisconnected" in log.last_error
    assert reminders.send(log.id, now) is None
    assert reminders.dispatch(now, lambda log: pytest.fail("queued again")) == 0
    assert smtp_server.delivered[learner.email] == 1 and smtp_server.total == 1
