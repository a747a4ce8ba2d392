"""The calendar feed's address (accounts.views.calendar_feed): no session needed, 404 for anything
but a live token, conditional GET and a cached feed; resetting the address; and the "Add to
calendar" offers on the preferences page and the dashboard."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from icalendar import Calendar

from accounts.models import Profile
from careers import services
from tests.factories import all_tasks, tick

pytestmark = pytest.mark.django_db

HOST = "pathways.example"
PREFERENCES_URL = "/accounts/preferences/"
RESET_URL = "/accounts/calendar/reset/"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = f"https://{HOST}"


def token_of(user):
    return Profile.objects.get(user=user).calendar_token


def feed_url(token):
    return f"/accounts/calendar/{token}.ics"


def summaries(response):
    return {str(event.uid): str(event["SUMMARY"]) for event in Calendar.from_ical(response.content).events}


def test_a_calendar_app_fetches_the_feed_without_a_session(client, enrolment, learner):
    response = client.get(feed_url(token_of(learner)))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, no-cache"
    assert response["ETag"].startswith('"')
    assert f"enrolment-{enrolment.pk}-week-1@{HOST}" in summaries(response)
    assert "sessionid" not in response.cookies


def test_head_answers_like_get(client, enrolment, learner):
    response = client.head(feed_url(token_of(learner)))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"


@pytest.mark.parametrize(
    "token",
    ["x" * 43, "a", "not-a-token", "../preferences", "token%00", "a" * 65],
)
def test_a_made_up_address_is_a_404(client, learner, token):
    assert client.get(feed_url(token)).status_code == 404


def test_a_tampered_address_is_a_404(client, learner):
    token = token_of(learner)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(feed_url(tampered)).status_code == 404


def test_the_feed_cannot_be_written_to(client, learner):
    assert client.post(feed_url(token_of(learner))).status_code == 405


def test_an_unchanged_plan_answers_304_and_a_tick_changes_the_feed(client, enrolment, learner):
    url = feed_url(token_of(learner))
    first = client.get(url)
    etag = first["ETag"]

    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""

    tick(enrolment, all_tasks(enrolment.pathway)[0], at=timezone.now())
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    week_one = f"enrolment-{enrolment.pk}-week-1@{HOST}"
    assert summaries(first)[week_one] != summaries(changed)[week_one]


def test_a_pause_shows_on_the_next_fetch(client, enrolment, learner):
    url = feed_url(token_of(learner))
    before = summaries(client.get(url))
    services.pause(enrolment=enrolment, now=timezone.now())
    after = summaries(client.get(url))
    assert set(after) == set(before)  # the same events, updated
    assert all(name.endswith("(paused)") for name in after.values())


def test_a_cached_fetch_costs_two_small_queries(client, enrolment, learner, django_assert_num_queries):
    url = feed_url(token_of(learner))
    client.get(url)  # builds and caches the feed
    # The profile by its token; the enrolments' state; their ticks and skips (one UNION query).
    with django_assert_num_queries(3):
        cached = client.get(url)
    assert cached.status_code == 200
    with django_assert_num_queries(3):
        assert client.get(url, headers={"If-None-Match": cached["ETag"]}).status_code == 304


def test_a_fresh_build_costs_a_constant_number_of_queries(
    client, learner, make_pathway, make_enrolment, django_assert_max_num_queries
):
    url = feed_url(token_of(learner))
    make_enrolment(user=learner, pathway=make_pathway())
    with django_assert_max_num_queries(12) as one:
        client.get(url)
    for _ in range(2):
        make_enrolment(
            user=learner, pathway=make_pathway(phases=[(4, 5), (None, 2)], action_items={"this_month": 3})
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)


# --- Resetting the address -------------------------------------------------------------------------


def test_reset_gives_a_new_address_and_the_old_one_stops_working(learner_client, learner, enrolment):
    client = Client()  # a calendar app: no session
    old = token_of(learner)
    assert client.get(feed_url(old)).status_code == 200

    response = learner_client.post(RESET_URL, follow=True)
    assert response.redirect_chain == [(f"{PREFERENCES_URL}#calendar", 302)]
    assert "Calendar address reset. The old address no longer works" in response.content.decode()

    new = token_of(learner)
    assert new != old
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200
    assert feed_url(new) in response.content.decode()


def test_reset_needs_a_logged_in_post(learner_client, learner):
    old = token_of(learner)
    assert learner_client.get(RESET_URL).status_code == 405
    response = Client().post(RESET_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert token_of(learner) == old


# --- Add to calendar --------------------------------------------------------------------------------


def test_preferences_offer_the_calendar_and_its_reset(learner_client, learner):
    html = learner_client.get(PREFERENCES_URL).content.decode()
    path = feed_url(token_of(learner))
    assert f'href="webcal://{HOST}{path}"' in html
    assert '<label for="calendar-url">' in html
    assert f'id="calendar-url" value="https://{HOST}{path}" readonly' in html
    assert f'action="{RESET_URL}"' in html
    assert "Reset calendar address</button>" in html


def test_the_dashboard_offers_add_to_calendar(learner_client, learner, enrolment):
    html = learner_client.get("/dashboard/").content.decode()
    assert f'<a href="webcal://{HOST}{feed_url(token_of(learner))}">Add to calendar</a>' in html
    assert f'href="{PREFERENCES_URL}#calendar"' in html


def test_the_dashboard_of_someone_following_nothing_does_not(learner_client):
    assert "Add to calendar" not in learner_client.get("/dashboard/").content.decode()


def test_an_enrolment_starting_later_is_in_the_feed_already(client, learner, make_enrolment, pathway):
    later = timezone.localdate() + timedelta(days=30)
    enrolment = make_enrolment(user=learner, pathway=pathway, start_date=later)
    names = summaries(client.get(feed_url(token_of(learner))))
    assert f"enrolment-{enrolment.pk}-week-1@{HOST}" in names
