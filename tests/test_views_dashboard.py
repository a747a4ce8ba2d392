"""The learner's dashboard: this week's plan and progress for every pathway they follow.

(What dashboard_for reads is in test_selectors.py; the page's queries, in test_query_counts_dashboard.py.)"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from careers import services
from tests.factories import all_tasks, tick
from tests.pages import checkboxes, is_checked, meters, name_read, read_page, words

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("careers:dashboard")


def dashboard(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return read_page(response)


def test_dashboard_needs_a_log_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={DASHBOARD}"


def test_dashboard_empty_state(learner_client):
    page = dashboard(learner_client)
    assert "You are not following a pathway yet" in page.text
    assert page.find("a", class_="button", href=reverse("careers:catalogue")).text == "Browse pathways"


def this_monday():
    """Week 1 of a plan started today's week: `learner` lives in UTC and is reminded on Mondays."""
    today = timezone.now().date()
    return today - timedelta(days=today.weekday())


def test_dashboard_shows_this_weeks_plan_and_progress(learner_client, make_enrolment, learner, pathway):
    first_phase, second_phase, ongoing = pathway.phases.order_by("order")
    enrolment = make_enrolment(user=learner, pathway=pathway, start_date=this_monday())
    ticked, left_to_do = first_phase.tasks.order_by("order")
    tick(enrolment, ticked)
    mine = dashboard(learner_client).find(id=f"enrolment-{enrolment.id}")

    assert mine.find("h2").text == name_read(pathway)  # its short title
    assert mine.find("h2").find("a").attrs["href"] == f"{pathway.get_absolute_url()}#roadmap"
    assert "On track" in mine.text and "Week 1 of 5" in mine.text
    week = mine.find("section", class_="week")
    # The phase is said once, for the week, not under every task.
    assert f"Phase: {words(first_phase.title)} Weeks 1–3" in week.text
    assert week.text.count(first_phase.title) == 1
    # This week: the week-1 task is done (ticked, in "Done this week", where it can be unticked);
    # the step due this week and the first of this month's are to do; the next task is optional.
    to_do = week.find("ul", class_="plan-list")
    this_week_step, this_month_step, _later = pathway.action_items.order_by("order")
    assert list(checkboxes(to_do)) == [this_week_step.text, this_month_step.text]
    assert "Action plan · This Week" in to_do.text and "Action plan · This Month" in to_do.text
    ahead = week.find("ul", class_="plan-list--ahead")
    assert list(checkboxes(ahead)) == [left_to_do.text] and "Planned for week 2" in ahead.text
    done = week.find("ul", class_="plan-list--done")
    assert list(checkboxes(done)) == [ticked.text] and is_checked(checkboxes(done)[ticked.text])
    # Meters and chart sit behind a disclosure that remembers its state.
    details = mine.find("details", class_="progress-details")
    assert details.attrs["data-remember-open"] == f"progress-{enrolment.id}" and "open" not in details.attrs
    assert meters(details) == {
        "Overall progress": "1 of 3 tasks done (33%)",
        "Action plan": "0 of 3 steps done",
        first_phase.title: "1 of 2 done",
        second_phase.title: "0 of 1 done",
        ongoing.title: "0 of 1 habit done this week",
    }
    assert "Tasks planned and done, week by week" in details.text  # the chart's title
    assert "Weeks 1–3 · " in details.text and "you are here" in details.text


def test_summary_counts_this_weeks_work_across_pathways(
    learner_client, make_enrolment, make_pathway, learner
):
    shape = {"phases": [(2, 4), (None, 1)]}
    make_enrolment(user=learner, pathway=make_pathway(**shape), start_date=this_monday() - timedelta(weeks=1))
    make_enrolment(user=learner, pathway=make_pathway(**shape), start_date=this_monday())
    paused = make_enrolment(user=learner, pathway=make_pathway(**shape), start_date=this_monday())
    services.pause(enrolment=paused, now=timezone.now())
    # Behind: week 1's two tasks are late, week 2's two are due; on time: week 1's two are due.
    summary = dashboard(learner_client).find(id="week-summary")
    assert summary.text == "6 to do this week across 2 pathways, 2 late. 1 paused."


def test_a_learner_behind_sees_late_items_marked_with_their_week(
    learner_client, make_enrolment, make_pathway, learner
):
    pathway = make_pathway(phases=[(2, 2), (2, 2), (None, 1)], action_items={"this_week": 1})
    enrolment = make_enrolment(user=learner, pathway=pathway, start_date=this_monday() - timedelta(weeks=2))
    first, second, third, fourth, _habit = all_tasks(pathway)
    mine = dashboard(learner_client).find(id=f"enrolment-{enrolment.id}")

    assert "Behind by 2 tasks" in mine.text and "Week 3 of 4" in mine.text
    rows = mine.find("ul", class_="plan-list").find_all("li", class_="plan-item")
    # Due first, then the late ones with the week they were due (and their phase, an earlier one).
    assert [list(checkboxes(row))[0] for row in rows] == [
        third.text,
        first.text,
        second.text,
        *[item.text for item in pathway.action_items.all()],
    ]
    assert rows[0].find(class_="badge--late") is None
    assert rows[1].find(class_="badge--late").text == "Late · due week 1"
    assert first.phase.title in rows[1].text
    assert rows[2].find(class_="badge--late").text == "Late · due week 2"
    assert rows[3].find(class_="badge--late").text == "Late · due week 1"
    assert fourth.text not in mine.text.split("Progress, phases and chart")[0]


def test_a_learner_past_the_plans_end_sees_an_honest_week(
    learner_client, make_enrolment, make_pathway, learner
):
    pathway = make_pathway(phases=[(2, 2), (None, 1)])
    enrolment = make_enrolment(user=learner, pathway=pathway, start_date=this_monday() - timedelta(weeks=6))
    mine = dashboard(learner_client).find(id=f"enrolment-{enrolment.id}")
    standing = mine.find(id=f"standing-{enrolment.id}")
    assert "Week 7 · the 2-week plan ended 5 weeks ago" in standing.text
    assert "of 2" not in standing.text
    assert "Behind by 2 tasks" in standing.text
    assert "Projected finish" not in standing.text
    # Habits join the week once the timed phases are over.
    habit_row = mine.find("li", class_="plan-item--habit")
    assert "Weekly habit" in habit_row.text
    # The chart runs to the current week.
    labels = [text.text for text in mine.find("svg").find_all("text")]
    assert "7" in labels


def test_skipped_items_show_as_skipped_with_an_undo(learner_client, make_enrolment, learner, pathway):
    enrolment = make_enrolment(user=learner, pathway=pathway, start_date=this_monday())
    step = pathway.action_items.order_by("order").first()
    services.skip_action_item(
        enrolment=enrolment, action_item=step, reason="already_done", now=timezone.now()
    )
    mine = dashboard(learner_client).find(id=f"enrolment-{enrolment.id}")
    done = mine.find("ul", class_="plan-list--done")
    row = done.find("form", id=f"action-{enrolment.id}-{step.id}")
    assert "Skipped: already done" in row.text
    undo = row.find("button", name="done")
    assert undo.attrs["value"] == "false" and undo.text.startswith("Undo skip")
    # Open items offer the skip, as a real form per item.
    task = all_tasks(pathway)[0]
    skip = mine.find("form", action=reverse("careers:skip_task", args=[enrolment.id, task.id]))
    assert [(b.attrs["name"], b.attrs["value"], b.text) for b in skip.find_all("button")] == [
        ("reason", "not_for_me", "Not for me"),
        ("reason", "already_done", "Already done"),
    ]


def test_completed_pathways_are_celebrated_apart_with_suggestions(
    learner_client, make_enrolment, make_pathway, learner
):
    reached = make_pathway(title="To analyst", phases=[(2, 2), (None, 1)], to_role="Data Analyst")
    next_step = make_pathway(title="Analyst onwards", from_role="Data Analyst", to_role="Data Scientist")
    enrolment = make_enrolment(user=learner, pathway=reached, start_date=this_monday() - timedelta(weeks=2))
    for task in all_tasks(reached)[:2]:
        tick(enrolment, task)

    page = dashboard(learner_client)
    assert not page.find("article", id=f"enrolment-{enrolment.id}")
    completed = page.find("section", id="completed")
    assert completed.find("h2").text == "Completed"
    item = completed.find(id=f"enrolment-{enrolment.id}")
    assert "Finished in 3 weeks — planned 2" in item.text
    assert "You are not following a pathway yet" not in page.text
    assert [a.text for a in completed.find("ul", class_="suggestions").find_all("a")] == [
        name_read(next_step)
    ]


def test_dashboard_of_a_plan_that_starts_later(learner_client, make_enrolment, learner, pathway):
    starts = timezone.now().date() + timedelta(days=3)
    enrolment = make_enrolment(user=learner, pathway=pathway, start_date=starts)
    mine = dashboard(learner_client).find(id=f"enrolment-{enrolment.id}")
    assert "(in 3 days)" in mine.text
    # A preview of the first week, nothing to tick yet.
    week = mine.find("section", class_="week")
    assert week.find("h3").text.startswith("Your first week")
    assert all_tasks(pathway)[0].text in week.text
    assert checkboxes(mine) == {}


def test_a_head_start_says_when_week_one_starts(learner_client, make_enrolment, learner, pathway):
    today = timezone.now().date()
    learner.profile.reminder_weekday = (today.weekday() + 2) % 7  # week 1 starts in two days
    learner.profile.save()
    enrolment = make_enrolment(user=learner, pathway=pathway, start_date=today)
    mine = dashboard(learner_client).find(id=f"enrolment-{enrolment.id}")
    week_one = today + timedelta(days=2)
    assert f"Week 1 starts {week_one:%A} {week_one.day} {week_one:%B}; until then, a head start" in mine.text
    assert mine.find("section", class_="week").find("h3").text.startswith("Head start")
    assert all_tasks(pathway)[0].text in checkboxes(mine)


def test_dashboard_shows_each_pathway_followed_and_the_ones_left(
    learner_client, make_enrolment, make_pathway, learner
):
    active, paused, left = (
        make_enrolment(user=learner, pathway=make_pathway(to_role=role))
        for role in ("Actor", "Pilot", "Lawyer")
    )
    services.pause(enrolment=paused, now=timezone.now())
    services.leave(enrolment=left, now=timezone.now())
    make_enrolment(pathway=make_pathway())  # another learner's

    page = dashboard(learner_client)
    followed = page.find_all("article", class_="enrolment")
    assert [article.find("h2").text for article in followed] == [
        name_read(active.pathway),
        name_read(paused.pathway),
    ]
    assert "Paused since" in followed[1].text
    assert "1 paused." in page.find(id="week-summary").text
    left_list = page.find("section", class_="left-pathways")
    assert left_list.find("h2").text == "Pathways you left"
    assert [a.text for a in left_list.find_all("a")] == [name_read(left.pathway)]
