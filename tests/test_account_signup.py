"""Sign-up with a mandatory emailed confirmation link (allauth, accounts.adapter): the link, where
confirming lands you, form errors, and email links on SITE_URL whatever the request's host."""

from html import escape

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.adapter import site_url
from tests.pages import is_logged_in, link_in, log_in, path_of, sign_up

SIGNUP_URL = "/accounts/signup/"
LOGIN_URL = "/accounts/login/"
VERIFICATION_SENT_URL = "/accounts/confirm-email/"
DASHBOARD_URL = "/dashboard/"

User = get_user_model()


@pytest.mark.django_db
def test_sign_up_sends_a_confirmation_link_and_blocks_log_in_until_confirmed(client, mailoutbox):
    response = sign_up(client, "ada@example.com")

    assert response.status_code == 302
    assert response["Location"] == VERIFICATION_SENT_URL
    user = User.objects.get(email="ada@example.com")
    assert user.username  # filled in by allauth: nobody types one
    assert not EmailAddress.objects.get(user=user).verified
    assert not is_logged_in(client)

    [message] = mailoutbox
    assert message.to == ["ada@example.com"]
    assert message.subject.startswith("[Career Pathways] ")
    assert "Career Pathways" in message.body
    link_in(message, "/accounts/confirm-email/")

    # Mandatory verification: the right password still does not log you in.
    other_browser = Client()
    response = log_in(other_browser, "ada@example.com")
    assert response.status_code == 302
    assert response["Location"] == VERIFICATION_SENT_URL
    assert not is_logged_in(other_browser)


@pytest.mark.django_db
def test_confirming_in_the_browser_that_signed_up_logs_in_and_lands_on_the_dashboard(client, mailoutbox):
    sign_up(client, "ada@example.com")
    confirm_path = path_of(link_in(mailoutbox[0], "/accounts/confirm-email/"))

    page = client.get(confirm_path)
    assert page.status_code == 200
    assert b"ada@example.com" in page.content
    assert not EmailAddress.objects.get(email="ada@example.com").verified  # GET changes nothing

    response = client.post(confirm_path)
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD_URL
    assert EmailAddress.objects.get(email="ada@example.com").verified
    assert is_logged_in(client)


@pytest.mark.django_db
def test_confirming_elsewhere_then_logging_in_redirects_to_the_dashboard(client, mailoutbox):
    sign_up(client, "ada@example.com")
    confirm_path = path_of(link_in(mailoutbox[0], "/accounts/confirm-email/"))

    other_browser = Client()
    response = other_browser.post(confirm_path)
    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert not is_logged_in(other_browser)

    response = log_in(other_browser, "ada@example.com")
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD_URL  # not followed: the dashboard is another app's page
    assert is_logged_in(other_browser)


@pytest.mark.django_db
def test_invalid_sign_up_shows_errors_next_to_the_fields(client, mailoutbox):
    response = client.post(SIGNUP_URL, {"email": "not-an-email", "password1": "a", "password2": "b"})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "email" in errors
    html = response.content.decode()
    for messages in errors.values():
        for message in messages:
            assert escape(message) in html
    assert 'aria-invalid="true"' in html
    assert not User.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_email_links_use_site_url_not_the_request_host(client, mailoutbox, settings):
    settings.SITE_URL = "https://pathways.example"
    sign_up(client, "ada@example.com")
    assert link_in(mailoutbox[0], "/accounts/confirm-email/").startswith(
        "https://pathways.example/accounts/confirm-email/"
    )
    assert "https://pathways.example/" in mailoutbox[0].body


def test_site_url_keeps_path_and_query(settings):
    settings.SITE_URL = "https://pathways.example"
    assert site_url("http://internal:8000/a/b/?x=1#f") == "https://pathways.example/a/b/?x=1#f"
    assert site_url("/accounts/login/") == "https://pathways.example/accounts/login/"
