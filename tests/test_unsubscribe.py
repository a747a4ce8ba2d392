"""One-click unsubscribe (RFC 8058) and the learner's reminder controls: mute one pathway, get
this week's email now, turn reminders back on."""

from datetime import date
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.tokens import unsubscribe_token
from careers.reminders import unsubscribe_url
from careers.services import enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def link(learner):
    return urlsplit(unsubscribe_url(learner)).path


def test_get_only_asks_so_mail_scanners_unsubscribe_nobody(client, learner, link):
    response = client.get(link)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Stop the weekly reminders?" in html
    assert "l••••••@example.com" in html and "learner@example.com" not in html
    learner.profile.refresh_from_db()
    assert learner.profile.reminders_enabled


def test_one_click_post_without_session_or_csrf_token_unsubscribes(learner, link):
    client = Client(enforce_csrf_checks=True)
    response = client.post(link, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    learner.profile.refresh_from_db()
    assert not learner.profile.reminders_enabled
    assert client.post(link).status_code == 200  # a second click is harmless


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "not-a-token", lambda t: t[5:]])
def test_tampered_or_unknown_token_is_400(client, learner, mangle):
    token = mangle(unsubscribe_token(learner))
    response = client.post(reverse("accounts:unsubscribe", args=[token]))
    assert response.status_code == 400
    assert "This unsubscribe link is not valid" in response.content.decode()
    learner.profile.refresh_from_db()
    assert learner.profile.reminders_enabled


def test_token_of_a_deleted_account_is_400(client, learner, link):
    learner.delete()
    assert client.post(link).status_code == 400


def test_old_links_keep_working(learner, link):
    assert unsubscribe_token(learner) == link.rstrip("/").rsplit("/", 1)[1]  # no expiry in the token


def test_reminders_turn_back_on_in_preferences(learner_client, learner, link):
    Client().post(link)
    response = learner_client.post(
        reverse("accounts:preferences"),
        {"time_zone": "UTC", "reminder_weekday": "0", "reminder_hour": "8", "reminders_enabled": "on"},
    )
    assert response.status_code == 302
    learner.profile.refresh_from_db()
    assert learner.profile.reminders_enabled


def test_mute_one_pathway(learner_client, learner, speech_pathway):
    enrolment, _ = enrol(user=learner, pathway=speech_pathway, start_date=date.today())
    page = learner_client.get(reverse("accounts:preferences")).content.decode()
    assert speech_pathway.title in page and "Weekly email on." in page
    response = learner_client.post(
        reverse("careers:set_reminders", args=[enrolment.id]), {"enabled": "false"}
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert not enrolment.reminders_enabled
    assert "Weekly email muted." in learner_client.get(reverse("accounts:preferences")).content.decode()
    learner_client.post(reverse("careers:set_reminders", args=[enrolment.id]), {"enabled": "true"})
    enrolment.refresh_from_db()
    assert enrolment.reminders_enabled and enrolment.next_reminder_at is not None
    bad = learner_client.post(reverse("careers:set_reminders", args=[enrolment.id]), {"enabled": "sometimes"})
    assert bad.status_code == 400


def test_send_this_weeks_email_now(learner_client, learner, speech_pathway):
    enrolment, _ = enrol(user=learner, pathway=speech_pathway, start_date=date.today())
    response = learner_client.post(reverse("careers:send_preview", args=[enrolment.id]), follow=True)
    assert "is on its way to learner@example.com" in response.content.decode()
    [message] = mail.outbox
    assert message.subject.startswith("This week on your path to Speech AI Engineer")
    assert not enrolment.reminders.exists()  # a preview is not the week's reminder


def test_reminder_controls_belong_to_their_owner(client, make_learner, speech_pathway):
    enrolment, _ = enrol(
        user=make_learner("owner@example.com"), pathway=speech_pathway, start_date=date.today()
    )
    client.force_login(make_learner("other@example.com"))
    assert (
        client.post(reverse("careers:set_reminders", args=[enrolment.id]), {"enabled": "false"}).status_code
        == 404
    )
    assert client.post(reverse("careers:send_preview", args=[enrolment.id])).status_code == 404
    assert mail.outbox == []
    enrolment.refresh_from_db()
    assert enrolment.reminders_enabled
