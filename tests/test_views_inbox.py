"""Actions from the inbox (careers.inbox, careers.views.inbox_task / inbox_pause): each task in the
weekly email links to a signed, learner-scoped page; GET shows it (mail scanners follow links and
must tick nothing), POST ticks, unticks or pauses without a session or a CSRF token. The links
expire after two weeks; tampered, unknown or someone else's links are refused."""

import time
from datetime import timedelta
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from careers import inbox, services
from careers.models import Enrolment, HabitTick, TaskCompletion
from tests.factories import habits, skip, tick, tick_habit, timed_tasks
from tests.pages import name_read, read_page

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("careers:dashboard")


def path_of(url):
    return urlsplit(url).path


def token_of(path):
    return path.rstrip("/").rsplit("/", 1)[1]


def built_ago(age, build):
    """What `build()` returns when run `age` ago (a real token, signed at that moment)."""
    with mock.patch("django.core.signing.time.time", return_value=time.time() - age.total_seconds()):
        return build()


def anonymous():
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def task(pathway):
    return timed_tasks(pathway)[0]


@pytest.fixture
def habit(pathway):
    return habits(pathway)[0]


@pytest.fixture
def link(enrolment, task):
    return path_of(inbox.task_action_url(enrolment=enrolment, task=task))


@pytest.fixture
def pause_link(enrolment):
    return path_of(inbox.pause_url(enrolment=enrolment))


def done_tasks(enrolment):
    return set(
        TaskCompletion.objects.filter(enrolment=enrolment, skip_reason="").values_list("task_id", flat=True)
    )


def status_of(enrolment):
    enrolment.refresh_from_db()
    return enrolment.status


# --- The links ---------------------------------------------------------------------------------


def test_links_are_absolute_on_site_url_and_name_their_page(enrolment, task):
    task_url = inbox.task_action_url(enrolment=enrolment, task=task)
    pause = inbox.pause_url(enrolment=enrolment)
    for url, route in ((task_url, "careers:inbox_task"), (pause, "careers:inbox_pause")):
        assert url.startswith(f"{settings.SITE_URL}/")
        token = token_of(path_of(url))
        assert path_of(url) == reverse(route, args=[token])


# --- Ticking a task ----------------------------------------------------------------------------


def test_get_shows_the_task_and_ticks_nothing(enrolment, task, link):
    for response in (anonymous().get(link), anonymous().head(link)):
        assert response.status_code == 200
    html = anonymous().get(link).content.decode()
    assert task.text in html and name_read(enrolment.pathway) in read_page(html).text
    assert "Mark done" in html and "Open my dashboard" in html and DASHBOARD in html
    assert done_tasks(enrolment) == set()
    assert anonymous().get(link)["Cache-Control"].startswith("max-age=0")


def test_post_ticks_without_session_or_csrf_token_and_offers_undo(enrolment, task, link):
    response = anonymous().post(link, {"done": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Marked done" in html and "Undo" in html and "Open my dashboard" in html
    assert done_tasks(enrolment) == {task.id}

    again = anonymous().post(link, {"done": "true"})  # a second click is harmless
    assert again.status_code == 200 and done_tasks(enrolment) == {task.id}
    assert "Undo" in anonymous().get(link).content.decode()  # the page now says it is done


def test_undo_unticks_through_the_same_link(enrolment, task, link):
    anonymous().post(link, {"done": "true"})
    response = anonymous().post(link, {"done": "false"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Marked not done" in html and "Mark done" in html
    assert done_tasks(enrolment) == set()


def test_a_post_without_a_valid_state_is_400_and_changes_nothing(enrolment, link):
    assert anonymous().post(link, {"done": "maybe"}).status_code == 400
    assert anonymous().post(link).status_code == 400
    assert done_tasks(enrolment) == set()


def test_other_methods_are_405(link):
    assert anonymous().put(link).status_code == 405


def test_a_skipped_task_can_be_marked_done(enrolment, task, link):
    skip(enrolment, task)
    assert "You skipped this task" in anonymous().get(link).content.decode()
    anonymous().post(link, {"done": "true"})
    assert done_tasks(enrolment) == {task.id}


def test_a_habit_is_ticked_for_this_week_as_the_dashboard_does(enrolment, habit):
    habit_link = path_of(inbox.task_action_url(enrolment=enrolment, task=habit))
    HabitTick.objects.create(enrolment=enrolment, task=habit, done_at=timezone.now() - timedelta(days=8))
    assert "weekly habit" in anonymous().get(habit_link).content.decode()

    response = anonymous().post(habit_link, {"done": "true"})
    assert "Marked done for this week" in response.content.decode()
    anonymous().post(habit_link, {"done": "true"})
    assert HabitTick.objects.filter(enrolment=enrolment, task=habit).count() == 2  # last week's + this week's
    assert not TaskCompletion.objects.exists()  # a habit is never done once and for all

    anonymous().post(habit_link, {"done": "false"})
    assert HabitTick.objects.filter(enrolment=enrolment, task=habit).count() == 1  # last week's kept


def test_a_habit_ticked_this_week_shows_as_done(enrolment, habit):
    tick_habit(enrolment, habit)
    html = anonymous().get(path_of(inbox.task_action_url(enrolment=enrolment, task=habit))).content.decode()
    assert "Already done this week" in html


def test_a_left_pathway_answers_409_and_changes_nothing(enrolment, task, link):
    services.leave(enrolment=enrolment, now=timezone.now())
    for response in (anonymous().get(link), anonymous().post(link, {"done": "true"})):
        assert response.status_code == 409
        assert "You left" in response.content.decode()
    assert done_tasks(enrolment) == set()
    assert status_of(enrolment) == Enrolment.Status.LEFT


def test_a_left_pathway_refuses_the_undo_too(enrolment, task, link):
    tick(enrolment, task)
    services.leave(enrolment=enrolment, now=timezone.now())
    assert anonymous().post(link, {"done": "false"}).status_code == 409
    assert done_tasks(enrolment) == {task.id}


# --- Expired, tampered, someone else's ---------------------------------------------------------


def test_a_task_link_works_for_two_weeks(enrolment, task):
    fresh_enough = built_ago(
        timedelta(days=13, hours=23), lambda: inbox.task_action_url(enrolment=enrolment, task=task)
    )
    assert anonymous().post(path_of(fresh_enough), {"done": "true"}).status_code == 200
    assert done_tasks(enrolment) == {task.id}


def test_an_expired_task_link_says_so_and_ticks_nothing(enrolment, task):
    old = path_of(
        built_ago(
            timedelta(days=14, minutes=1), lambda: inbox.task_action_url(enrolment=enrolment, task=task)
        )
    )
    for response in (anonymous().get(old), anonymous().post(old, {"done": "true"})):
        assert response.status_code == 410
        html = response.content.decode()
        assert "This link has expired" in html and DASHBOARD in html
    assert done_tasks(enrolment) == set()
    assert inbox.task_link_from_token(token_of(old)) is None


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "not-a-token", lambda t: t[5:]])
def test_a_tampered_or_made_up_task_link_is_400(enrolment, task, link, mangle):
    token = token_of(link)
    bad = reverse("careers:inbox_task", args=[mangle(token)])
    for response in (anonymous().get(bad), anonymous().post(bad, {"done": "true"})):
        assert response.status_code == 400
        assert "This link is not valid" in response.content.decode()
    assert done_tasks(enrolment) == set()


def test_a_pause_link_does_not_tick_and_a_task_link_does_not_pause(enrolment, link, pause_link):
    pause_token = token_of(pause_link)
    task_token = token_of(link)
    as_task = reverse("careers:inbox_task", args=[pause_token])
    assert anonymous().post(as_task, {"done": "true"}).status_code == 400
    assert anonymous().post(reverse("careers:inbox_pause", args=[task_token])).status_code == 400
    assert done_tasks(enrolment) == set() and status_of(enrolment) == Enrolment.Status.ACTIVE


def test_a_link_cannot_be_turned_against_another_learners_plan(
    enrolment, task, make_learner, make_enrolment, pathway, make_pathway
):
    # Another learner on the same pathway, and a task of a pathway the learner does not follow.
    other = make_enrolment(user=make_learner("other@example.com"), pathway=pathway)
    foreign_task = timed_tasks(make_pathway())[0]
    salt = "careers.inbox.task"
    forged = [  # signed with our key (which no learner has): the ids still have to agree
        {"u": enrolment.user_id, "e": other.id, "t": task.id},  # my name on their enrolment
        {"u": other.user_id, "e": enrolment.id, "t": task.id},  # their name on my enrolment
        {"u": enrolment.user_id, "e": enrolment.id, "t": foreign_task.id},  # a task not in my pathway
        {"u": enrolment.user_id, "e": enrolment.id},  # no task
        [enrolment.user_id, enrolment.id, task.id],
    ]
    for payload in forged:
        url = reverse("careers:inbox_task", args=[signing.dumps(payload, salt=salt)])
        assert anonymous().post(url, {"done": "true"}).status_code == 400
    assert not TaskCompletion.objects.exists()

    # The other learner, logged in, posting my link ticks my task, not theirs: the token decides.
    their_client = Client(enforce_csrf_checks=True)
    their_client.force_login(other.user)
    their_client.post(path_of(inbox.task_action_url(enrolment=enrolment, task=task)), {"done": "true"})
    assert done_tasks(enrolment) == {task.id} and done_tasks(other) == set()


def test_a_link_to_a_deleted_enrolment_is_400(enrolment, link):
    enrolment.delete()
    assert anonymous().get(link).status_code == 400


# --- Pausing a pathway -------------------------------------------------------------------------


def test_pause_get_asks_and_changes_nothing(enrolment, pause_link):
    response = anonymous().get(pause_link)
    assert response.status_code == 200
    html = response.content.decode()
    assert read_page(html).find("h1").text == f"Pause “{name_read(enrolment.pathway)}”?"
    assert "Pause pathway" in html
    assert status_of(enrolment) == Enrolment.Status.ACTIVE


def test_pause_post_without_session_or_csrf_token_pauses(enrolment, pause_link):
    response = anonymous().post(pause_link)
    assert response.status_code == 200
    html = response.content.decode()
    assert "is paused" in html and "Paused." in html and DASHBOARD in html
    assert status_of(enrolment) == Enrolment.Status.PAUSED
    paused_at = enrolment.paused_at

    assert anonymous().post(pause_link).status_code == 200  # a second click is harmless
    assert status_of(enrolment) == Enrolment.Status.PAUSED and enrolment.paused_at == paused_at
    assert "Paused." not in anonymous().get(pause_link).content.decode()  # it just says it is paused


def test_pause_leaves_a_completed_pathway_alone(enrolment, pathway, pause_link):
    for task in timed_tasks(pathway):
        tick(enrolment, task)
    assert status_of(enrolment) == Enrolment.Status.COMPLETED
    response = anonymous().post(pause_link)
    assert response.status_code == 200 and "nothing to pause" in response.content.decode()
    assert status_of(enrolment) == Enrolment.Status.COMPLETED


def test_pause_of_a_left_pathway_is_409(enrolment, pause_link):
    services.leave(enrolment=enrolment, now=timezone.now())
    assert anonymous().get(pause_link).status_code == 409
    assert anonymous().post(pause_link).status_code == 409
    assert status_of(enrolment) == Enrolment.Status.LEFT


def test_pause_link_expires_after_two_weeks_and_refuses_tampering(enrolment, pause_link):
    old = path_of(built_ago(timedelta(days=15), lambda: inbox.pause_url(enrolment=enrolment)))
    response = anonymous().post(old)
    assert response.status_code == 410 and "This link has expired" in response.content.decode()
    assert anonymous().post(pause_link[:-3] + "x/").status_code == 400
    assert status_of(enrolment) == Enrolment.Status.ACTIVE


def test_one_link_acts_ten_times_a_minute_then_asks_to_wait(enrolment, task, link):
    client = anonymous()
    answers = [client.post(link, {"done": "true"}) for _ in range(11)]
    assert [answer.status_code for answer in answers] == [200] * 10 + [429]
    assert "Too many requests" in answers[-1].content.decode()
    assert TaskCompletion.objects.filter(enrolment=enrolment, task=task).count() == 1
    # Showing the page changes nothing, so it is never limited (mail scanners open links too).
    assert client.get(link).status_code == 200


def test_one_client_posting_to_many_links_is_slowed_down(enrolment, task, link):
    client = anonymous()
    # Made-up tokens: a guesser is refused (400) until the per-client limit answers 429.
    answers = [client.post(f"{link.rstrip('/')}x{n}/", {"done": "true"}).status_code for n in range(31)]
    assert answers == [400] * 30 + [429]
    assert client.post(link, {"done": "true"}).status_code == 429
    assert not TaskCompletion.objects.filter(enrolment=enrolment, task=task).exists()
