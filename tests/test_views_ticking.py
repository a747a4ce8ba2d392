"""Ticking tasks and action items through the pages: each one is a labelled checkbox; an htmx tick
answers with the row and every progress indicator the learner sees; a plain form post is
redirected back; a state is set (never flipped); only the owner of an open enrolment may tick."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from careers import services
from careers.models import ActionItemCompletion, TaskCompletion
from tests.factories import all_tasks
from tests.pages import checkboxes, is_checked, meters, read_page

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("careers:dashboard")
HTMX = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{DASHBOARD}"}
TICK = ["false", "true"]  # what a ticked box posts: the hidden "false", then the box's "true"


@pytest.fixture
def task(pathway):
    return all_tasks(pathway)[0]


def tick_url(enrolment, task):
    return reverse("careers:tick_task", args=[enrolment.id, task.id])


def action_url(enrolment, item):
    return reverse("careers:tick_action_item", args=[enrolment.id, item.id])


def test_a_learner_can_tick_every_task_and_action_item_on_the_pathway_page(
    learner_client, enrolment, pathway
):
    page = read_page(learner_client.get(pathway.get_absolute_url()))
    boxes = checkboxes(page)
    items = [*all_tasks(pathway), *pathway.action_items.order_by("order")]
    assert sorted(boxes) == sorted(item.text for item in items)
    assert not any(is_checked(box) or "disabled" in box.attrs for box in boxes.values())
    assert meters(page)["Overall progress"] == "0 of 3 tasks done (0%)"
    assert meters(page)["Action plan"] == "0 of 3 steps done"
    # Each box is in its own form, posted by htmx when it changes, or by its button without
    # JavaScript; either way with the CSRF token.
    urls = {tick_url(enrolment, t) for t in all_tasks(pathway)} | {
        action_url(enrolment, a) for a in pathway.action_items.all()
    }
    forms = [form for form in page.find_all("form") if form.find("input", type="checkbox")]
    assert {form.attrs["action"] for form in forms} == urls
    for form in forms:
        assert (form.attrs["method"], form.attrs["hx-post"]) == ("post", form.attrs["action"])
        assert form.find("input", name="csrfmiddlewaretoken").attrs["value"]


def test_htmx_tick_answers_with_the_row_and_everything_that_changed(
    learner_client, learner, make_pathway, make_enrolment
):
    pathway = make_pathway(phases=[(1, 2), (2, 2), (None, 1)], action_items={"this_week": 1, "this_month": 1})
    a_week_ago = timezone.now().date() - timedelta(days=7)
    enrolment = make_enrolment(user=learner, pathway=pathway, start_date=a_week_ago)
    task = all_tasks(pathway)[0]
    phases = list(pathway.phases.order_by("order"))
    assert "Behind by 2 tasks" in read_page(learner_client.get(DASHBOARD)).text

    response = learner_client.post(tick_url(enrolment, task), {"done": TICK}, headers=HTMX)
    assert response.status_code == 200
    page = read_page(response)
    # First the row itself, ticked, to replace the one the learner clicked.
    row = page.elements[0]
    assert row.tag == "form" and row.attrs["action"] == tick_url(enrolment, task)
    assert list(checkboxes(row)) == [task.text] and is_checked(checkboxes(row)[task.text])
    assert row.find("input", name="next").attrs["value"] == DASHBOARD  # without JS, back to this page
    # Then what it changed, wherever the learner sees it.
    assert meters(page) == {
        "Overall progress": "1 of 4 tasks done (25%)",
        "Action plan": "0 of 2 steps done",
        phases[0].title: "1 of 2 done",
        phases[1].title: "0 of 2 done",
        phases[2].title: "0 of 1 habit done this week",
    }
    assert "Behind by 1 task" in page.text
    assert "Week 2 of 3" in page.text
    # Each of those replaces its twin on the page the learner ticked from.
    on_dashboard = {e.attrs["id"] for e in read_page(learner_client.get(DASHBOARD)).iter() if "id" in e.attrs}
    out_of_band = [element.attrs.get("id") for element in page.elements[1:]]
    assert all("hx-swap-oob" in element.attrs for element in page.elements[1:])
    assert set(out_of_band) <= on_dashboard
    assert TaskCompletion.objects.filter(enrolment=enrolment, task=task).count() == 1


def test_a_tick_on_the_dashboard_brings_this_weeks_summary_along(
    learner_client, learner, make_pathway, make_enrolment
):
    today = timezone.now().date()
    week_one = today - timedelta(days=today.weekday())  # learner's plan weeks start on Mondays
    first = make_enrolment(user=learner, pathway=make_pathway(phases=[(2, 4)]), start_date=week_one)
    make_enrolment(user=learner, pathway=make_pathway(phases=[(1, 1)]), start_date=week_one)
    summary = read_page(learner_client.get(DASHBOARD)).find(id="week-summary")
    assert summary.text == "3 to do this week across 2 pathways."
    task = all_tasks(first.pathway)[0]

    page = read_page(learner_client.post(tick_url(first, task), {"done": TICK}, headers=HTMX))
    summary = page.find(id="week-summary")
    assert summary.text == "2 to do this week across 2 pathways."
    assert summary.attrs["hx-swap-oob"] == "true"  # in place of the one on the page
    # From the pathway page, which has no summary, the answer has none either.
    on_pathway_page = {
        "HX-Request": "true",
        "HX-Current-URL": f"http://testserver{first.pathway.get_absolute_url()}",
    }
    page = read_page(learner_client.post(tick_url(first, task), {"done": "false"}, headers=on_pathway_page))
    assert page.find(id="week-summary") is None and not is_checked(checkboxes(page)[task.text])


def test_ticking_sets_a_state_so_repeats_cannot_undo_it(learner_client, enrolment, task):
    learner_client.post(tick_url(enrolment, task), {"done": TICK}, headers=HTMX)
    first = TaskCompletion.objects.get()
    again = learner_client.post(tick_url(enrolment, task), {"done": TICK}, headers=HTMX)
    assert TaskCompletion.objects.get() == first
    assert TaskCompletion.objects.get().done_at == first.done_at
    assert is_checked(checkboxes(read_page(again))[task.text])

    response = learner_client.post(tick_url(enrolment, task), {"done": "false"}, headers=HTMX)
    page = read_page(response)
    assert not is_checked(checkboxes(page)[task.text])
    assert meters(page)["Overall progress"] == "0 of 3 tasks done (0%)"
    learner_client.post(tick_url(enrolment, task), {"done": "false"}, headers=HTMX)
    assert not TaskCompletion.objects.exists()


def test_tick_without_javascript_redirects_back(learner_client, enrolment, task, pathway):
    back = pathway.get_absolute_url()
    response = learner_client.post(tick_url(enrolment, task), {"done": TICK, "next": back})
    assert response.status_code == 302 and response["Location"] == back
    page = read_page(learner_client.get(back))
    assert is_checked(checkboxes(page)[task.text])
    assert f"Marked “{task.text}” as done." in page.text


def test_tick_never_redirects_off_site(learner_client, enrolment, task, pathway):
    response = learner_client.post(
        tick_url(enrolment, task), {"done": "true", "next": "https://evil.example/"}
    )
    assert response["Location"] == pathway.get_absolute_url()


def test_action_items_tick_the_same_way(learner_client, enrolment, pathway):
    item = pathway.action_items.order_by("order").first()
    page = read_page(learner_client.post(action_url(enrolment, item), {"done": TICK}, headers=HTMX))
    assert is_checked(checkboxes(page)[item.text])
    assert meters(page)["Action plan"] == "1 of 3 steps done"
    assert meters(page)["Overall progress"] == "0 of 3 tasks done (0%)"
    assert ActionItemCompletion.objects.count() == 1

    page = read_page(learner_client.post(action_url(enrolment, item), {"done": "false"}, headers=HTMX))
    assert not is_checked(checkboxes(page)[item.text])
    assert ActionItemCompletion.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ({}, "This field is required."),
        ({"done": "yes"}, 'done must be "true" or "false".'),
        ({"done": ["true", "maybe"]}, 'done must be "true" or "false".'),
    ],
)
def test_bad_done_value_is_400_and_changes_nothing(learner_client, enrolment, task, data, reason):
    response = learner_client.post(tick_url(enrolment, task), data)
    assert response.status_code == 400
    assert response.content.decode() == reason
    assert not TaskCompletion.objects.exists()


def test_unknown_task_or_task_of_another_pathway_is_404(learner_client, enrolment, make_pathway):
    foreign_task = all_tasks(make_pathway())[0]
    foreign_item = make_pathway(action_items={"this_week": 1}).action_items.get()
    assert learner_client.post(tick_url(enrolment, foreign_task), {"done": "true"}).status_code == 404
    assert learner_client.post(action_url(enrolment, foreign_item), {"done": "true"}).status_code == 404
    assert (
        learner_client.post(f"/enrolments/{enrolment.id}/tasks/999999/", {"done": "true"}).status_code == 404
    )
    assert (
        learner_client.post(f"/enrolments/999999/tasks/{foreign_task.id}/", {"done": "true"}).status_code
        == 404
    )
    assert not TaskCompletion.objects.exists() and not ActionItemCompletion.objects.exists()


def test_a_left_enrolment_refuses_ticks_and_says_why(learner_client, enrolment, task):
    learner_client.post(tick_url(enrolment, task), {"done": TICK})
    services.leave(enrolment=enrolment, now=timezone.now())
    for headers in ({}, HTMX):
        response = learner_client.post(tick_url(enrolment, task), {"done": "false"}, headers=headers)
        assert response.status_code == 409
        assert response.content.decode() == "You left this pathway: rejoin it to tick tasks again."
    assert TaskCompletion.objects.filter(enrolment=enrolment, task=task).exists()


def test_tick_needs_post_and_a_csrf_token(learner, enrolment, task):
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    assert client.get(tick_url(enrolment, task)).status_code == 405
    assert client.post(tick_url(enrolment, task), {"done": "true"}).status_code == 403
    assert not TaskCompletion.objects.exists()


def test_logged_out_htmx_tick_sends_the_browser_to_log_in(client, enrolment, task):
    response = client.post(tick_url(enrolment, task), {"done": "true"}, headers=HTMX)
    assert response["HX-Redirect"] == f"{reverse('account_login')}?next={DASHBOARD}"
    assert not TaskCompletion.objects.exists()
