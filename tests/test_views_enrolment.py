"""Enrolling in a pathway, pausing, resuming and leaving it, through the pages; who may do what.

(The rules behind them, on a fixed clock, are in test_services.py.)"""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from careers import services
from careers.models import Enrolment, TaskCompletion
from careers.schedule import local_date
from tests.factories import all_tasks, tick
from tests.pages import checkboxes, is_checked, read_page

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("careers:dashboard")


def enrol_url(pathway):
    return reverse("careers:enrol", args=[pathway.slug])


def today():
    return timezone.now().date().isoformat()  # `learner` lives in UTC


def test_enrol_form_defaults_to_today_in_the_learners_time_zone(client, make_learner, pathway):
    client.force_login(make_learner(time_zone="Pacific/Kiritimati"))  # UTC+14: often a day ahead of UTC
    page = read_page(client.get(pathway.get_absolute_url()))
    form = page.find("form", action=enrol_url(pathway))
    start = form.find("input", name="start_date")
    assert start.attrs["value"] == f"{local_date(timezone.now(), 'Pacific/Kiritimati'):%Y-%m-%d}"
    assert form.find("label", for_=start.attrs["id"]).text == "Start date"
    assert form.find("button").text == "Enrol in this pathway"


def test_enrol_makes_one_enrolment_and_shows_the_first_week(learner_client, learner, pathway):
    response = learner_client.post(enrol_url(pathway), {"start_date": today()})
    enrolment = Enrolment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{DASHBOARD}#enrolment-{enrolment.id}"
    assert (enrolment.user, enrolment.pathway, enrolment.start_date.isoformat(), enrolment.status) == (
        learner,
        pathway,
        today(),
        "active",
    )

    dashboard = read_page(learner_client.get(response["Location"]))
    assert f"You're enrolled in “{pathway.title}”. Here is your first week." in dashboard.text
    mine = dashboard.find(id=f"enrolment-{enrolment.id}")
    assert mine.find("h2").text == pathway.title
    # Week 1, or the head start before it (plan weeks start on the learner's reminder day), with
    # week 1's work: the first task of the first phase and the step due this week.
    assert "Week 1 of 5" in mine.text or "Week 1 starts" in mine.text
    first_task = all_tasks(pathway)[0]
    this_week_step = pathway.action_items.get(horizon="this_week")
    assert {first_task.text, this_week_step.text} <= set(checkboxes(mine))

    again = learner_client.post(enrol_url(pathway), {"start_date": today()}, follow=True)
    assert Enrolment.objects.count() == 1
    assert f"You already follow “{pathway.title}”." in read_page(again).text


@pytest.mark.parametrize(
    ("start_date", "error"),
    [
        ("not-a-date", "Enter a date like 2026-03-02."),
        ("", "Choose the day you start."),
        ("2031-02-30", "Enter a date like 2026-03-02."),
        ((date.today() + timedelta(days=800)).isoformat(), "Choose a start date within a year of today."),
    ],
)
def test_bad_start_date_is_shown_on_the_pathway_page(learner_client, pathway, start_date, error):
    response = learner_client.post(enrol_url(pathway), {"start_date": start_date})
    assert response.status_code == 400
    page = read_page(response)
    assert page.find("h1").text == pathway.title
    assert [alert.text for alert in page.find("form", action=enrol_url(pathway)).find_all(role="alert")] == [
        error
    ]
    assert Enrolment.objects.count() == 0


def test_enrol_needs_a_log_in(client, pathway):
    response = client.post(enrol_url(pathway), {"start_date": "2026-01-05"})
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('account_login')}?next=")
    assert Enrolment.objects.count() == 0


def test_enrol_in_unknown_pathway_is_404(learner_client):
    response = learner_client.post("/pathways/no-such-thing/enrol/", {"start_date": "2026-01-05"})
    assert response.status_code == 404


def test_enrol_by_get_is_not_allowed(learner_client, pathway):
    assert learner_client.get(enrol_url(pathway)).status_code == 405
    assert Enrolment.objects.count() == 0


def test_a_learner_can_follow_several_pathways(learner_client, pathway, make_pathway):
    other = make_pathway()
    learner_client.post(enrol_url(pathway), {"start_date": today()})
    learner_client.post(enrol_url(other), {"start_date": today()})
    assert Enrolment.objects.count() == 2
    dashboard = read_page(learner_client.get(DASHBOARD))
    assert [article.find("h2").text for article in dashboard.find_all("article", class_="enrolment")] == [
        pathway.title,
        other.title,
    ]


def test_pause_and_resume(learner_client, enrolment, pathway):
    paused = learner_client.post(reverse("careers:pause", args=[enrolment.id]), follow=True)
    enrolment.refresh_from_db()
    assert enrolment.status == "paused" and enrolment.paused_at is not None
    page = read_page(paused)
    assert f"Paused “{pathway.title}”. Your plan waits until you resume." in page.text
    mine = page.find(id=f"enrolment-{enrolment.id}")
    assert "Paused since" in mine.text
    buttons = {button.text for button in mine.find_all("button")}
    assert f"Resume {pathway.title}" in buttons and f"Pause {pathway.title}" not in buttons

    # Nine days later:
    Enrolment.objects.filter(pk=enrolment.pk).update(paused_at=timezone.now() - timedelta(days=9))
    resumed = learner_client.post(reverse("careers:resume", args=[enrolment.id]), follow=True)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.paused_at, enrolment.paused_days) == ("active", None, 9)
    page = read_page(resumed)
    assert f"Resumed “{pathway.title}”. Welcome back!" in page.text
    assert "Paused since" not in page.text


@pytest.mark.parametrize(
    ("next_url", "lands_on"),
    [
        ("/pathways/", "/pathways/"),
        ("https://evil.example/", DASHBOARD),
        ("", DASHBOARD),
    ],
)
def test_pause_and_resume_return_to_the_page_they_came_from(learner_client, enrolment, next_url, lands_on):
    for action in ("careers:pause", "careers:resume"):
        response = learner_client.post(reverse(action, args=[enrolment.id]), {"next": next_url})
        assert (response.status_code, response["Location"]) == (302, lands_on)


def test_leave_asks_for_confirmation_first(learner_client, enrolment, pathway):
    confirm = learner_client.get(reverse("careers:leave", args=[enrolment.id]))
    assert confirm.status_code == 200
    page = read_page(confirm)
    assert page.find("h1").text == f"Leave “{pathway.title}”?"
    assert "Your ticks are kept" in page.text
    assert page.find("main").find("form", method="post").find("button").text == "Leave pathway"
    enrolment.refresh_from_db()
    assert enrolment.status == "active"


def test_leaving_keeps_the_ticks_and_lists_the_pathway_as_left(learner_client, enrolment, pathway):
    tick(enrolment, all_tasks(pathway)[0])
    response = learner_client.post(reverse("careers:leave", args=[enrolment.id]), follow=True)
    enrolment.refresh_from_db()
    assert enrolment.status == "left" and enrolment.left_at is not None
    assert TaskCompletion.objects.filter(enrolment=enrolment).count() == 1

    dashboard = read_page(response)
    assert response.redirect_chain == [(DASHBOARD, 302)]
    assert f"You left “{pathway.title}”. Your ticks are kept if you come back." in dashboard.text
    assert not dashboard.find(id=f"enrolment-{enrolment.id}")
    left = dashboard.find("section", class_="left-pathways")
    assert left.find("h2").text == "Pathways you left"
    assert left.find("a", href=pathway.get_absolute_url()).text == pathway.title


def test_enrolling_again_after_leaving_picks_up_the_ticks(learner_client, enrolment, pathway):
    first_task = all_tasks(pathway)[0]
    tick(enrolment, first_task)
    services.leave(enrolment=enrolment, now=timezone.now())

    page = read_page(learner_client.get(pathway.get_absolute_url()))
    follow = page.find("section", class_="follow")
    assert follow.find("h2").text == "Follow this pathway again"
    assert "Enrol again to pick up where you were: your ticks are kept." in follow.text
    assert follow.find("button").text == "Enrol again"
    # The kept ticks show, but cannot be changed while left.
    kept = checkboxes(page)[first_task.text]
    assert is_checked(kept) and "disabled" in kept.attrs

    learner_client.post(enrol_url(pathway), {"start_date": today()})
    enrolment.refresh_from_db()
    assert enrolment.status == "active"
    assert Enrolment.objects.count() == 1
    assert TaskCompletion.objects.filter(enrolment=enrolment).count() == 1
    assert is_checked(checkboxes(read_page(learner_client.get(pathway.get_absolute_url())))[first_task.text])


def test_another_learners_enrolment_is_404_and_unchanged(client, make_learner, make_enrolment, pathway):
    enrolment = make_enrolment(user=make_learner("owner@example.com"), pathway=pathway)
    task = all_tasks(pathway)[0]
    client.force_login(make_learner("intruder@example.com"))

    tick_url = reverse("careers:tick_task", args=[enrolment.id, task.id])
    assert client.post(tick_url, {"done": "true"}).status_code == 404
    for action in ("careers:pause", "careers:resume", "careers:leave"):
        assert client.post(reverse(action, args=[enrolment.id])).status_code == 404
    assert client.get(reverse("careers:leave", args=[enrolment.id])).status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == "active"
    assert not TaskCompletion.objects.exists()
    assert pathway.title not in read_page(client.get(DASHBOARD)).text
