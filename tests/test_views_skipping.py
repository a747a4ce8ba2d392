"""Skipping tasks and action-plan steps through the pages: "not for me" or "already done" resolves
an item without counting it as done. Answered as a tick is: htmx gets the row and the progress
indicators, a plain form post a message and a redirect back; only the owner of an open enrolment
may skip, with a reason the app knows."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from careers import services
from careers.models import ActionItemCompletion, TaskCompletion
from tests.factories import habits, timed_tasks
from tests.pages import read_page

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("careers:dashboard")
HTMX = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{DASHBOARD}"}


@pytest.fixture
def task(pathway):
    return timed_tasks(pathway)[0]


@pytest.fixture
def step(pathway):
    return pathway.action_items.order_by("order").first()


def skip_url(enrolment, task):
    return reverse("careers:skip_task", args=[enrolment.id, task.id])


def skip_step_url(enrolment, item):
    return reverse("careers:skip_action_item", args=[enrolment.id, item.id])


def test_skip_urls_sit_under_the_tick_urls(enrolment, task, step):
    assert skip_url(enrolment, task) == f"/enrolments/{enrolment.id}/tasks/{task.id}/skip/"
    assert skip_step_url(enrolment, step) == f"/enrolments/{enrolment.id}/actions/{step.id}/skip/"


def test_htmx_skip_answers_with_the_row_and_the_progress(learner_client, enrolment, task):
    response = learner_client.post(skip_url(enrolment, task), {"reason": "not_for_me"}, headers=HTMX)
    assert response.status_code == 200
    page = read_page(response)
    row = page.elements[0]
    assert row.tag == "form" and row.attrs["id"] == f"task-{enrolment.id}-{task.id}"
    assert all("hx-swap-oob" in element.attrs for element in page.elements[1:])
    assert list(TaskCompletion.objects.values_list("task", "skip_reason")) == [(task.id, "not_for_me")]


def test_skip_without_javascript_redirects_back_with_a_message(learner_client, enrolment, task, pathway):
    back = pathway.get_absolute_url()
    response = learner_client.post(skip_url(enrolment, task), {"reason": "already_done", "next": back})
    assert response.status_code == 302 and response["Location"] == back
    assert f"Skipped “{task.text}” (already done)." in read_page(learner_client.get(back)).text
    response = learner_client.post(
        skip_url(enrolment, task), {"reason": "not_for_me", "next": "https://evil.example/"}
    )
    assert response["Location"] == back
    assert TaskCompletion.objects.get().skip_reason == "not_for_me"


def test_steps_skip_the_same_way_and_a_tick_undoes_a_skip(learner_client, enrolment, step):
    response = learner_client.post(skip_step_url(enrolment, step), {"reason": "not_for_me"}, headers=HTMX)
    assert response.status_code == 200
    assert read_page(response).elements[0].attrs["id"] == f"action-{enrolment.id}-{step.id}"
    assert list(ActionItemCompletion.objects.values_list("skip_reason", flat=True)) == ["not_for_me"]

    untick = reverse("careers:tick_action_item", args=[enrolment.id, step.id])
    assert learner_client.post(untick, {"done": "false"}, headers=HTMX).status_code == 200
    assert not ActionItemCompletion.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose why you skip it."),
        ({"reason": "bored"}, 'reason must be "not_for_me" or "already_done".'),
        ({"reason": "Not for me"}, 'reason must be "not_for_me" or "already_done".'),
    ],
)
def test_a_bad_reason_is_400_and_changes_nothing(learner_client, enrolment, task, step, data, message):
    for url in (skip_url(enrolment, task), skip_step_url(enrolment, step)):
        response = learner_client.post(url, data, headers=HTMX)
        assert (response.status_code, response.content.decode()) == (400, message)
    assert not TaskCompletion.objects.exists() and not ActionItemCompletion.objects.exists()


def test_a_habit_is_not_skipped(learner_client, enrolment, pathway):
    response = learner_client.post(skip_url(enrolment, habits(pathway)[0]), {"reason": "not_for_me"})
    assert response.status_code == 400
    assert "weekly habit" in response.content.decode()
    assert not TaskCompletion.objects.exists()


def test_unknown_or_foreign_items_and_enrolments_are_404(
    learner_client, enrolment, task, make_pathway, make_enrolment
):
    foreign = make_pathway(action_items={"this_week": 1})
    someone_elses = make_enrolment(pathway=enrolment.pathway)
    data = {"reason": "not_for_me"}
    for url in (
        skip_url(enrolment, timed_tasks(foreign)[0]),
        skip_step_url(enrolment, foreign.action_items.get()),
        f"/enrolments/{enrolment.id}/tasks/999999/skip/",
        f"/enrolments/{enrolment.id}/actions/999999/skip/",
        skip_url(someone_elses, task),
    ):
        assert learner_client.post(url, data).status_code == 404, url
    assert not TaskCompletion.objects.exists() and not ActionItemCompletion.objects.exists()


def test_a_left_enrolment_refuses_skips_with_409(learner_client, enrolment, task, step):
    services.leave(enrolment=enrolment, now=timezone.now())
    for url in (skip_url(enrolment, task), skip_step_url(enrolment, step)):
        for headers in ({}, HTMX):
            response = learner_client.post(url, {"reason": "not_for_me"}, headers=headers)
            assert response.status_code == 409
            assert response.content.decode() == "You left this pathway: rejoin it to tick tasks again."
    assert not TaskCompletion.objects.exists() and not ActionItemCompletion.objects.exists()


def test_skip_needs_post_a_csrf_token_and_a_learner(learner, client, enrolment, task):
    assert client.post(skip_url(enrolment, task), {"reason": "not_for_me"})["Location"].startswith(
        reverse("account_login")
    )
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(learner)
    assert checked.get(skip_url(enrolment, task)).status_code == 405
    assert checked.post(skip_url(enrolment, task), {"reason": "not_for_me"}).status_code == 403
    assert not TaskCompletion.objects.exists()


def test_skipping_the_last_open_task_completes_the_pathway(learner_client, enrolment, pathway):
    first, *others = timed_tasks(pathway)
    for other in others:
        learner_client.post(reverse("careers:tick_task", args=[enrolment.id, other.id]), {"done": "true"})
    learner_client.post(skip_url(enrolment, first), {"reason": "already_done"}, headers=HTMX)
    enrolment.refresh_from_db()
    assert enrolment.is_completed

    learner_client.post(reverse("careers:tick_task", args=[enrolment.id, first.id]), {"done": "false"})
    enrolment.refresh_from_db()
    assert enrolment.is_active and enrolment.completed_at is None


def test_pause_and_resume_say_a_completed_pathway_has_nothing_to_pause(learner_client, enrolment, pathway):
    for task in timed_tasks(pathway):
        services.set_task_done(enrolment=enrolment, task=task, done=True, now=timezone.now())
    for action in ("pause", "resume"):
        response = learner_client.post(reverse(f"careers:{action}", args=[enrolment.id]), {"next": DASHBOARD})
        assert response.status_code == 302
        enrolment.refresh_from_db()
        assert enrolment.is_completed
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        f"You completed “{pathway.short_title}”: there is nothing to {action}."
        for action in ("pause", "resume")
    ]
