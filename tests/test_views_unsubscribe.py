"""One-click unsubscribe (RFC 8058, accounts.views.unsubscribe): GET asks, POST turns the weekly
reminders off, without a session; made-up or stale links are refused; old links keep working."""

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tokens import unsubscribe_token
from careers.reminders import unsubscribe_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(learner):
    return urlsplit(unsubscribe_url(learner)).path


def reminders_enabled(user):
    user.profile.refresh_from_db()
    return user.profile.reminders_enabled


def test_get_only_asks_so_mail_scanners_unsubscribe_nobody(client, learner, link):
    response = client.get(link)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Stop the weekly reminders?" in html
    assert "l••••••@example.com" in html and "learner@example.com" not in html  # masked
    assert reminders_enabled(learner)


def test_one_click_post_without_session_or_csrf_token_unsubscribes(learner, link):
    client = Client(enforce_csrf_checks=True)
    response = client.post(link, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "You are unsubscribed" in html
    assert "l••••••@example.com" in html and "learner@example.com" not in html
    assert not reminders_enabled(learner)
    assert client.post(link).status_code == 200  # a second click is harmless
    assert not reminders_enabled(learner)


def test_unsubscribing_one_learner_leaves_the_others_alone(learner, make_learner, link):
    other = make_learner("other@example.com")
    Client().post(link)
    assert not reminders_enabled(learner)
    assert reminders_enabled(other)


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "not-a-token", lambda t: t[5:]])
def test_tampered_or_unknown_token_is_400(client, learner, mangle):
    token = mangle(unsubscribe_token(learner))
    response = client.post(reverse("accounts:unsubscribe", args=[token]))
    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.content.decode()
    assert reminders_enabled(learner)


def test_token_of_a_deleted_account_is_400(client, learner, link):
    learner.delete()
    assert client.post(link).status_code == 400


def test_old_links_keep_working(client, learner, link):
    # No expiry and nothing tied to the password or the address: the link of any past email is
    # the same link, and still works after the learner changed both.
    assert unsubscribe_token(learner) == link.rstrip("/").rsplit("/", 1)[1]
    learner.set_password("a-whole-new-password-91")
    learner.email = "renamed@example.com"
    learner.save()
    assert client.post(link).status_code == 200
    assert not reminders_enabled(learner)


def test_reminders_turn_back_on_in_preferences(learner_client, learner, link):
    Client().post(link)
    response = learner_client.post(
        reverse("accounts:preferences"),
        {"time_zone": "UTC", "reminder_weekday": "0", "reminder_hour": "8", "reminders_enabled": "on"},
    )
    assert response.status_code == 302
    assert reminders_enabled(learner)
