"""Ticking tasks and action items: a state is set (never flipped), htmx gets the row and every
progress indicator back, a plain form post is redirected, and only the owner may tick."""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from careers import guides
from careers.importer import import_pathway
from careers.models import ActionItemCompletion, TaskCompletion
from careers.services import enrol
from tests.conftest import GUIDES_DIR

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/dashboard/"}


@pytest.fixture
def enrolment(learner, speech_pathway):
    return enrol(user=learner, pathway=speech_pathway, start_date=date.today())[0]


@pytest.fixture
def task(speech_pathway):
    return speech_pathway.phases.get(order=1).tasks.get(order=1)


def tick_url(enrolment, task):
    return reverse("careers:tick_task", args=[enrolment.id, task.id])


def progress_value(html, element_id):
    match = re.search(rf'<progress id="{element_id}"[^>]*value="(\d+)" max="(\d+)"', html)
    return int(match[1]), int(match[2])


def test_pathway_page_of_an_enrolled_learner_has_checkboxes_labelled_by_the_task(
    learner_client, enrolment, speech_pathway, task
):
    html = learner_client.get(speech_pathway.get_absolute_url()).content.decode()
    checkbox_id = f"task-{enrolment.id}-{task.id}-done"
    assert f'type="checkbox" name="done" value="true" id="{checkbox_id}"' in html
    assert f'<label class="tick__label" for="{checkbox_id}">{escape(task.text)}</label>' in html
    assert html.count('class="tick__box" type="checkbox"') == 12 + 9  # every task and action item
    assert progress_value(html, f"overall-{enrolment.id}-bar") == (0, 12)
    assert 'hx-post="/enrolments/' in html and "csrfmiddlewaretoken" in html


def test_htmx_tick_returns_the_row_and_every_progress_bar(learner_client, enrolment, task):
    response = learner_client.post(tick_url(enrolment, task), {"done": ["false", "true"]}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<form id="task-{enrolment.id}-{task.id}" class="tick tick--done"')
    assert f'id="task-{enrolment.id}-{task.id}-done" checked' in html
    assert progress_value(html, f"overall-{enrolment.id}-bar") == (1, 12)
    assert progress_value(html, f"phase-{enrolment.id}-{task.phase_id}-bar") == (1, 3)
    assert html.count('hx-swap-oob="true"') == 3 + 4  # overall, action plan, standing, four phases
    assert 'name="next" value="/dashboard/"' in html
    assert TaskCompletion.objects.filter(enrolment=enrolment, task=task).count() == 1


def test_ticking_sets_a_state_so_repeats_cannot_undo_it(learner_client, enrolment, task):
    learner_client.post(tick_url(enrolment, task), {"done": ["false", "true"]}, **HTMX)
    first = TaskCompletion.objects.get()
    learner_client.post(tick_url(enrolment, task), {"done": ["false", "true"]}, **HTMX)
    assert TaskCompletion.objects.get() == first
    assert TaskCompletion.objects.get().done_at == first.done_at

    response = learner_client.post(tick_url(enrolment, task), {"done": "false"}, **HTMX)
    assert 'class="tick"' in response.content.decode()
    assert progress_value(response.content.decode(), f"overall-{enrolment.id}-bar") == (0, 12)
    learner_client.post(tick_url(enrolment, task), {"done": "false"}, **HTMX)
    assert not TaskCompletion.objects.exists()


def test_tick_without_javascript_redirects_back(learner_client, enrolment, task, speech_pathway):
    page = speech_pathway.get_absolute_url()
    response = learner_client.post(tick_url(enrolment, task), {"done": ["false", "true"], "next": page})
    assert response.status_code == 302 and response["Location"] == page
    html = learner_client.get(page).content.decode()
    assert f'id="task-{enrolment.id}-{task.id}-done" checked' in html
    assert "as done" in html  # the confirmation message


def test_tick_never_redirects_off_site(learner_client, enrolment, task, speech_pathway):
    response = learner_client.post(
        tick_url(enrolment, task), {"done": "true", "next": "https://evil.example/"}
    )
    assert response["Location"] == speech_pathway.get_absolute_url()


def test_action_items_tick_the_same_way(learner_client, enrolment, speech_pathway):
    item = speech_pathway.action_items.get(order=1)
    url = reverse("careers:tick_action_item", args=[enrolment.id, item.id])
    html = learner_client.post(url, {"done": ["false", "true"]}, **HTMX).content.decode()
    assert f'id="action-{enrolment.id}-{item.id}-done" checked' in html
    assert progress_value(html, f"actions-{enrolment.id}-bar") == (1, 9)
    assert ActionItemCompletion.objects.count() == 1
    learner_client.post(url, {"done": "false"}, **HTMX)
    assert ActionItemCompletion.objects.count() == 0


@pytest.mark.parametrize("data", [{}, {"done": "yes"}, {"done": ["true", "maybe"]}])
def test_bad_done_value_is_400_and_changes_nothing(learner_client, enrolment, task, data):
    response = learner_client.post(tick_url(enrolment, task), data)
    assert response.status_code == 400
    assert not TaskCompletion.objects.exists()


def test_unknown_task_or_task_of_another_pathway_is_404(learner_client, enrolment):
    other = import_pathway(guides.read(GUIDES_DIR / "deep-learning-engineer-to-nlp-engineer.txt")).pathway
    foreign_task = other.phases.first().tasks.first()
    assert learner_client.post(tick_url(enrolment, foreign_task), {"done": "true"}).status_code == 404
    assert (
        learner_client.post(f"/enrolments/{enrolment.id}/tasks/999999/", {"done": "true"}).status_code == 404
    )
    assert (
        learner_client.post(f"/enrolments/999999/tasks/{foreign_task.id}/", {"done": "true"}).status_code
        == 404
    )
    assert not TaskCompletion.objects.exists()


def test_tick_needs_post_and_a_csrf_token(learner, enrolment, task):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.get(tick_url(enrolment, task)).status_code == 405
    assert client.post(tick_url(enrolment, task), {"done": "true"}).status_code == 403
    assert not TaskCompletion.objects.exists()


def test_logged_out_htmx_tick_sends_the_browser_to_log_in(client, enrolment, task):
    response = client.post(tick_url(enrolment, task), {"done": "true"}, **HTMX)
    assert response["HX-Redirect"] == "/accounts/login/?next=/dashboard/"
    assert not TaskCompletion.objects.exists()
