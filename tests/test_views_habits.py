"""Ticking a habit (a task of an ongoing phase) through the pages: the same checkbox as a task,
ticked for the learner's current plan week, so next week it is open again."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from careers import services
from careers.models import HabitTick, TaskCompletion
from tests.factories import habits
from tests.pages import checkboxes, is_checked, read_page

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("careers:dashboard")
HTMX = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{DASHBOARD}"}
TICK = ["false", "true"]


@pytest.fixture
def habit(pathway):
    return habits(pathway)[0]


def tick_url(enrolment, task):
    return reverse("careers:tick_task", args=[enrolment.id, task.id])


def test_ticking_a_habit_records_it_for_this_week_and_shows_it_ticked(learner_client, enrolment, habit):
    response = learner_client.post(tick_url(enrolment, habit), {"done": TICK}, headers=HTMX)
    assert response.status_code == 200
    assert is_checked(checkboxes(read_page(response))[habit.text])
    again = learner_client.post(tick_url(enrolment, habit), {"done": TICK}, headers=HTMX)
    assert is_checked(checkboxes(read_page(again))[habit.text])
    assert HabitTick.objects.filter(enrolment=enrolment, task=habit).count() == 1
    assert not TaskCompletion.objects.exists()  # a habit is never "done" once and for all

    response = learner_client.post(tick_url(enrolment, habit), {"done": "false"}, headers=HTMX)
    assert not is_checked(checkboxes(read_page(response))[habit.text])
    assert not HabitTick.objects.exists()


def test_last_weeks_tick_leaves_this_weeks_box_open(learner_client, enrolment, habit):
    HabitTick.objects.create(enrolment=enrolment, task=habit, done_at=timezone.now() - timedelta(days=7))
    response = learner_client.post(tick_url(enrolment, habit), {"done": "false"}, headers=HTMX)
    assert not is_checked(checkboxes(read_page(response))[habit.text])
    assert HabitTick.objects.count() == 1  # unticking this week keeps last week's


def test_a_habit_tick_without_javascript_redirects_back(learner_client, enrolment, habit, pathway):
    back = pathway.get_absolute_url()
    response = learner_client.post(tick_url(enrolment, habit), {"done": TICK, "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert f"Marked “{habit.text}” as done." in read_page(learner_client.get(back)).text
    assert HabitTick.objects.count() == 1


def test_a_left_enrolment_refuses_habit_ticks_with_409(learner_client, enrolment, habit):
    services.leave(enrolment=enrolment, now=timezone.now())
    for headers in ({}, HTMX):
        response = learner_client.post(tick_url(enrolment, habit), {"done": "true"}, headers=headers)
        assert response.status_code == 409
    assert not HabitTick.objects.exists()


def test_a_bad_done_value_for_a_habit_is_400(learner_client, enrolment, habit):
    assert learner_client.post(tick_url(enrolment, habit), {"done": "often"}).status_code == 400
    assert not HabitTick.objects.exists()
