"""Enrolling in a pathway, pausing, resuming and leaving it, through the pages; who may do what.

(The rules behind them, on a fixed clock, are in test_services.py.)"""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from careers import services
from careers.models import Enrolment, Pathway, TaskCompletion
from careers.schedule import local_date
from tests.factories import all_tasks, habits, tick, timed_tasks
from tests.pages import checkboxes, is_checked, meters, name_read, read_page

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
    assert f"You're enrolled in “{pathway.short_title}”. Here is your first week." in dashboard.text
    mine = dashboard.find(id=f"enrolment-{enrolment.id}")
    assert mine.find("h2").text == name_read(pathway)
    # Week 1, or the head start before it (plan weeks start on the learner's reminder day), with
    # week 1's work: the first task of the first phase and the step due this week.
    assert "Week 1 of 5" in mine.text or "Week 1 starts" in mine.text
    first_task = all_tasks(pathway)[0]
    this_week_step = pathway.action_items.get(horizon="this_week")
    assert {first_task.text, this_week_step.text} <= set(checkboxes(mine))

    again = learner_client.post(enrol_url(pathway), {"start_date": today()}, follow=True)
    assert Enrolment.objects.count() == 1
    assert f"You already follow “{pathway.short_title}”." in read_page(again).text


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
    assert page.find("h1").text == pathway.short_title
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
    other = make_pathway(to_role="Data Engineer")  # a short title of its own
    learner_client.post(enrol_url(pathway), {"start_date": today()})
    learner_client.post(enrol_url(other), {"start_date": today()})
    assert Enrolment.objects.count() == 2
    dashboard = read_page(learner_client.get(DASHBOARD))
    assert [article.find("h2").text for article in dashboard.find_all("article", class_="enrolment")] == [
        name_read(pathway),
        name_read(other),
    ]


def test_pause_and_resume(learner_client, enrolment, pathway):
    paused = learner_client.post(reverse("careers:pause", args=[enrolment.id]), follow=True)
    enrolment.refresh_from_db()
    assert enrolment.status == "paused" and enrolment.paused_at is not None
    page = read_page(paused)
    assert f"Paused “{pathway.short_title}”. Your plan waits until you resume." in page.text
    mine = page.find(id=f"enrolment-{enrolment.id}")
    assert "Paused since" in mine.text
    buttons = {button.text for button in mine.find_all("button")}
    assert f"Resume {name_read(pathway)}" in buttons and f"Pause {name_read(pathway)}" not in buttons

    # Nine days later:
    Enrolment.objects.filter(pk=enrolment.pk).update(paused_at=timezone.now() - timedelta(days=9))
    resumed = learner_client.post(reverse("careers:resume", args=[enrolment.id]), follow=True)
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.paused_at, enrolment.paused_days) == ("active", None, 9)
    page = read_page(resumed)
    assert f"Resumed “{pathway.short_title}”. Welcome back!" in page.text
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
    assert page.find("h1").text == f"Leave “{name_read(pathway)}”?"
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
    assert f"You left “{pathway.short_title}”. Your ticks are kept if you come back." in dashboard.text
    assert not dashboard.find(id=f"enrolment-{enrolment.id}")
    left = dashboard.find("section", class_="left-pathways")
    assert left.find("h2").text == "Pathways you left"
    assert left.find("a", href=pathway.get_absolute_url()).text == name_read(pathway)


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


@pytest.mark.parametrize(("pace", "offered"), [(12, "12"), (None, None)])
def test_enrolling_again_offers_the_pace_the_learner_had(
    learner_client, learner, enrolment, pathway, pace, offered
):
    learner.profile.hours_per_week = 30  # their answer to "Which pathway fits me?": not this pathway's pace
    learner.profile.save()
    services.change_pace(enrolment=enrolment, hours_per_week=pace)
    services.leave(enrolment=enrolment, now=timezone.now())

    form = read_page(learner_client.get(pathway.get_absolute_url())).find("form", action=enrol_url(pathway))
    assert form.find("input", name="hours_per_week").attrs.get("value") == offered


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
    assert name_read(pathway) not in read_page(client.get(DASHBOARD)).text


# --- Pace and tasks already done ---------------------------------------------------------------


def enrol_form(page, pathway):
    return page.find("form", action=enrol_url(pathway))


def test_the_enrol_form_asks_the_hours_and_offers_the_timed_tasks_as_already_done(learner_client, pathway):
    form = enrol_form(read_page(learner_client.get(pathway.get_absolute_url())), pathway)
    hours = form.find("input", name="hours_per_week")
    assert form.find("label", for_=hours.attrs["id"]).text == "Hours a week (optional)"
    assert "value" not in hours.attrs  # empty: the full-time pace
    help_text = form.find(id=hours.attrs["aria-describedby"]).text
    assert help_text.startswith("The guide's 5 weeks assume full-time study, about 40 hours a week.")
    # The tasks of the timed phases, by phase, in a disclosure; not the weekly habit.
    details = form.find("details", class_="already-done")
    assert details.find("summary").text == "Tasks you have already done (optional)"
    assert [legend.text for legend in details.find_all("legend")] == [
        phase.title for phase in pathway.phases.filter(duration_weeks__isnull=False).order_by("order")
    ]
    assert list(checkboxes(details)) == [task.text for task in timed_tasks(pathway)]


def test_the_hours_are_prefilled_from_the_profile_or_a_recommendations_link(client, make_learner, pathway):
    client.force_login(make_learner(hours_per_week=12))
    page = read_page(client.get(pathway.get_absolute_url()))
    assert enrol_form(page, pathway).find("input", name="hours_per_week").attrs["value"] == "12"
    page = read_page(client.get(f"{pathway.get_absolute_url()}?hours=6"))
    assert enrol_form(page, pathway).find("input", name="hours_per_week").attrs["value"] == "6"
    page = read_page(client.get(f"{pathway.get_absolute_url()}?hours=999"))  # not a pace: ignored
    assert enrol_form(page, pathway).find("input", name="hours_per_week").attrs["value"] == "12"


def test_enrolling_with_hours_and_tasks_already_done(learner_client, pathway):
    first, second, third = timed_tasks(pathway)
    response = learner_client.post(
        enrol_url(pathway),
        {"start_date": today(), "hours_per_week": "20", "already_done": [first.id, third.id]},
        follow=True,
    )
    enrolment = Enrolment.objects.get()
    assert enrolment.hours_per_week == 20
    assert {(row.task_id, row.skip_reason) for row in TaskCompletion.objects.filter(enrolment=enrolment)} == {
        (first.id, "already_done"),
        (third.id, "already_done"),
    }

    mine = read_page(response).find(id=f"enrolment-{enrolment.id}")
    # Resolved, honestly said; not in the streak; the plan starts from what is left: the second
    # foundation task, in a plan of 3 weeks (the foundations' 6 weeks at 20 hours a week, halved
    # for the task done; none for the projects, all done).
    assert meters(mine)["Overall progress"] == "0 of 3 tasks done, 2 already done before you started (67%)"
    assert second.text in checkboxes(mine.find("section", class_="week"))
    length = read_page(learner_client.get(pathway.get_absolute_url())).find("div", class_="fact--length")
    assert length.text.endswith("Your plan: 3 weeks at 20 hours a week")
    assert "Streak 0 weeks" in mine.text


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"hours_per_week": "lots"}, "hours_per_week", "Enter a whole number of hours, like 10."),
        ({"hours_per_week": "0"}, "hours_per_week", "Give at least 1 hour a week."),
        ({"hours_per_week": "81"}, "hours_per_week", "Give at most 80 hours a week."),
        ({"already_done": "not-a-task"}, "already_done", "Choose only tasks of this pathway."),
    ],
)
def test_bad_hours_or_tasks_are_a_form_error_and_nothing_is_written(
    learner_client, pathway, data, field, error
):
    response = learner_client.post(enrol_url(pathway), {"start_date": today(), **data})
    assert response.status_code == 400
    form = enrol_form(read_page(response), pathway)
    assert [alert.text for alert in form.find_all(role="alert")] == [error]
    assert not Enrolment.objects.exists() and not TaskCompletion.objects.exists()


def test_a_task_of_another_pathway_or_a_habit_cannot_be_marked_already_done(
    learner_client, pathway, make_pathway
):
    for task in (timed_tasks(make_pathway())[0], habits(pathway)[0]):
        response = learner_client.post(enrol_url(pathway), {"start_date": today(), "already_done": task.id})
        assert response.status_code == 400
        assert "Choose only tasks of this pathway." in enrol_form(read_page(response), pathway).text
    assert not Enrolment.objects.exists() and not TaskCompletion.objects.exists()


# --- An archived pathway -------------------------------------------------------------------------


def test_an_archived_pathway_refuses_a_direct_enrol_post(learner_client, pathway):
    Pathway.objects.filter(pk=pathway.pk).update(archived_at=timezone.now())
    page = read_page(learner_client.get(pathway.get_absolute_url()))
    assert enrol_form(page, pathway) is None
    assert "No longer offered" in page.find("section", id="follow").text

    response = learner_client.post(enrol_url(pathway), {"start_date": today()})
    assert response.status_code == 409
    assert f"“{pathway.short_title}” is no longer offered: it cannot be joined." in read_page(response).text
    assert not Enrolment.objects.exists()


def test_the_learners_of_an_archived_pathway_keep_it(learner_client, enrolment, pathway):
    Pathway.objects.filter(pk=pathway.pk).update(archived_at=timezone.now())
    response = learner_client.post(enrol_url(pathway), {"start_date": today()}, follow=True)
    assert f"You already follow “{pathway.short_title}”." in read_page(response).text
    page = read_page(learner_client.get(pathway.get_absolute_url()))
    assert page.find("section", id="follow").find("h2").text == "Your progress"


# --- Changing pace -------------------------------------------------------------------------------


def pace_url(enrolment):
    return reverse("careers:change_pace", args=[enrolment.id])


def test_changing_pace_relays_the_plan_keeps_the_ticks_and_says_what_changed(
    learner_client, enrolment, pathway
):
    tick(enrolment, all_tasks(pathway)[0])
    page = read_page(learner_client.get(pathway.get_absolute_url()))
    pace = page.find("details", id="pace")
    assert pace.find("summary").text == "Your pace: full time, about 40 hours a week · change"
    assert pace.find("form").attrs["action"] == pace_url(enrolment)

    response = learner_client.post(
        pace_url(enrolment), {"hours_per_week": "10", "next": pathway.get_absolute_url()}, follow=True
    )
    assert response.redirect_chain == [(pathway.get_absolute_url(), 302)]
    page = read_page(response)
    assert "Your plan is now 20 weeks at 10 hours a week (it was 5 weeks). Your ticks are kept." in page.text
    length = page.find("div", class_="fact--length").text
    assert length == (
        "Length 5 weeks, about 1 month at the full-time pace "
        "Your plan: 20 weeks, about 4½ months at 10 hours a week"
    )
    assert is_checked(checkboxes(page)[all_tasks(pathway)[0].text])
    assert page.find("details", id="pace").find("summary").text == "Your pace: 10 hours a week · change"

    response = learner_client.post(pace_url(enrolment), {"hours_per_week": ""}, follow=True)
    assert "Your plan is now 5 weeks at the full-time pace (it was 20 weeks)." in read_page(response).text
    enrolment.refresh_from_db()
    assert enrolment.hours_per_week is None


def test_a_bad_pace_is_a_form_error_and_changes_nothing(learner_client, enrolment, pathway):
    response = learner_client.post(pace_url(enrolment), {"hours_per_week": "-3"})
    assert response.status_code == 400
    pace = read_page(response).find("details", id="pace")
    assert "open" in pace.attrs
    assert [alert.text for alert in pace.find_all(role="alert")] == ["Give at least 1 hour a week."]
    enrolment.refresh_from_db()
    assert enrolment.hours_per_week is None


def test_pace_of_another_learner_is_404_and_of_a_left_pathway_409(
    client, learner_client, make_learner, make_enrolment, enrolment, pathway
):
    services.leave(enrolment=enrolment, now=timezone.now())
    assert learner_client.post(pace_url(enrolment), {"hours_per_week": "10"}).status_code == 409
    other = make_enrolment(user=make_learner("other@example.com"), pathway=pathway)
    assert learner_client.post(pace_url(other), {"hours_per_week": "10"}).status_code == 404
    assert learner_client.get(pace_url(other)).status_code == 405
    assert {e.hours_per_week for e in Enrolment.objects.all()} == {None}


# --- A learner at 5 hours a week sees a longer plan than one at 20 -------------------------------


def test_a_learner_at_five_hours_a_week_sees_a_longer_plan_than_one_at_twenty(client, make_learner, pathway):
    monday = timezone.now().date() - timedelta(days=timezone.now().weekday())  # this is week 1

    def plan_seen(hours):
        client.force_login(make_learner())
        client.post(enrol_url(pathway), {"start_date": monday.isoformat(), "hours_per_week": hours})
        page = read_page(client.get(pathway.get_absolute_url()))
        dashboard = read_page(client.get(DASHBOARD))
        return page.find("section", id="follow").text, page.find("div", class_="fact--length").text, dashboard

    slow, slow_length, slow_dashboard = plan_seen(5)
    fast, fast_length, fast_dashboard = plan_seen(20)
    assert "Week 1 of 40" in slow and "Week 1 of 40" in slow_dashboard.text
    assert "Week 1 of 10" in fast and "Week 1 of 10" in fast_dashboard.text
    assert slow_length.endswith("Your plan: 40 weeks, about 9 months at 5 hours a week")
    assert fast_length.endswith("Your plan: 10 weeks, about 2½ months at 20 hours a week")
