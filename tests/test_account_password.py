"""Passwords: reset by an emailed link (on SITE_URL), and change while logged in."""

import pytest
from django.test import Client

from tests.factories import PASSWORD
from tests.pages import is_logged_in, link_in, log_in, path_of

DASHBOARD_URL = "/dashboard/"
NEW_PASSWORD = "plum-orbit-harbour-47"

pytestmark = pytest.mark.django_db


def test_password_reset_by_emailed_link(client, learner, mailoutbox, settings):
    settings.SITE_URL = "https://pathways.example"

    response = client.post("/accounts/password/reset/", {"email": learner.email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    [message] = mailoutbox
    assert message.to == [learner.email]
    assert message.subject == "[Career Pathways] Reset your password"
    link = link_in(message, "/accounts/password/reset/key/")
    assert link.startswith("https://pathways.example/")

    # allauth moves the key into the session, then shows the form on a key-less URL.
    response = client.get(path_of(link))
    assert response.status_code == 302
    form_url = response["Location"]
    assert client.get(form_url).status_code == 200
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/key/done/"

    assert log_in(client, learner.email, NEW_PASSWORD)["Location"] == DASHBOARD_URL
    old_password = log_in(Client(), learner.email, PASSWORD)
    assert old_password.status_code == 200 and old_password.context["form"].errors  # refused


def test_changing_the_password_keeps_you_logged_in_and_emails_a_notice(
    learner_client, learner, mailoutbox, settings
):
    settings.SITE_URL = "https://pathways.example"
    response = learner_client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert is_logged_in(learner_client)
    assert [m.subject for m in mailoutbox] == ["[Career Pathways] Your password was changed"]
    assert "https://pathways.example/accounts/password/reset/" in mailoutbox[0].body
    learner.refresh_from_db()
    assert learner.check_password(NEW_PASSWORD)
