"""Sign-up while the mail server refuses: the account is made, the learner is told the confirmation
email is on its way, and a worker (accounts.tasks.send_confirmation) delivers it once the mail server
accepts again; the link in it works."""

import smtplib

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from accounts import tasks
from tests.pages import is_logged_in, link_in, path_of, sign_up

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
