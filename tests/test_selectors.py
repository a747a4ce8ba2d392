"""careers.selectors: the catalogue's counts (its search and filters: test_search.py), the featured
pathways, the pathway page and the dashboard, read in a constant number of queries."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from careers import selectors, services
from careers.models import SkillToLearn
from careers.schedule import Completions
from tests.factories import (
    all_tasks,
    habits,
    skip,
    skip_action_item,
    tick,
    tick_action_item,
    tick_habit,
    timed_tasks,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)
START = date(2026, 3, 2)  # NOW is in week 2


def titles(pathways):
    return [pathway.title for pathway in pathways]


# --- Catalogue (its search and filters: tests/test_search.py) -------------------------------------


def test_catalogue_lists_every_pathway_by_title_with_its_counts(make_pathway):
    make_pathway(title="Zoo Keeper", phases=[(1, 1)])
    make_pathway(title="Archivist", phases=[(3, 2), (2, 1), (None, 1)], skills_to_learn=3)
    listed = list(selectors.catalogue())
    assert titles(listed) == ["Archivist", "Zoo Keeper"]
    assert [(p.phase_count, p.task_count, p.plan_weeks) for p in listed] == [(3, 4, 5), (1, 1, 1)]


def test_matching_a_task_does_not_change_the_counts(make_pathway):
    pathway = make_pathway(phases=[(3, 2), (2, 1), (None, 1)], skills_to_learn=2)
    found = selectors.catalogue(query=all_tasks(pathway)[0].text).get()
    assert (found.phase_count, found.task_count) == (3, 4)


def test_featured_pathways_are_the_newest_three_with_counts(make_pathway):
    made = [make_pathway(phases=[(2, n)]) for n in (1, 2, 3, 4)]
    featured = list(selectors.featured_pathways())
    assert titles(featured) == titles(reversed(made[1:]))
    assert [p.task_count for p in featured] == [4, 3, 2]


# --- Pathway page --------------------------------------------------------------------------------


def test_pathway_page_gives_each_phase_its_week_range(make_pathway):
    pathway = make_pathway(phases=[(3, 1), (3, 1), (4, 1), (2, 1), (None, 1)])
    page = selectors.pathway_page(pathway.slug, AnonymousUser(), NOW)
    assert [phase.weeks.label for phase in page.phases] == [
        "Weeks 1–3",
        "Weeks 4–6",
        "Weeks 7–10",
        "Weeks 11–12",
        "Week 13 onwards",
    ]
    assert [phase.phase.title for phase in page.phases] == [p.title for p in pathway.phases.order_by("order")]


def test_pathway_page_of_an_unknown_slug_is_none(pathway):
    assert selectors.pathway_page("no-such-pathway", AnonymousUser(), NOW) is None


def test_pathway_page_for_a_visitor_and_for_a_learner_who_does_not_follow_it(pathway, learner):
    visitor = selectors.pathway_page(pathway.slug, AnonymousUser(), NOW)
    assert visitor.progress is None and not visitor.can_enrol
    newcomer = selectors.pathway_page(pathway.slug, learner, NOW)
    assert newcomer.progress is None and newcomer.can_enrol


def test_pathway_page_for_a_learner_who_follows_it_carries_their_progress(make_enrolment, learner, pathway):
    enrolment = make_enrolment(user=learner, pathway=pathway, start_date=START, now=NOW)
    first_task = all_tasks(pathway)[0]
    tick(enrolment, first_task, at=NOW)

    page = selectors.pathway_page(pathway.slug, learner, NOW)
    assert not page.can_enrol
    assert page.progress.enrolment == enrolment
    assert page.progress.done_tasks == {first_task.id}
    assert page.progress.plan.week == 2
    assert [(phase.progress.done, phase.progress.total) for phase in page.phases] == [(1, 2), (0, 1), (0, 1)]

    services.leave(enrolment=enrolment, now=NOW)
    left = selectors.pathway_page(pathway.slug, learner, NOW)
    assert left.can_enrol and left.progress.enrolment.is_left
    assert left.progress.done_tasks == {first_task.id}  # the ticks are kept


def test_pathway_page_groups_sections_in_their_display_order(make_pathway):
    pathway = make_pathway(
        action_items={"next_90_days": 1, "this_week": 1, "this_month": 1},
        reality_checks={"challenge": 1, "love": 1, "miss": 1},
    )
    page = selectors.pathway_page(pathway.slug, AnonymousUser(), NOW)
    assert [group.label for group in page.action_groups] == ["This Week", "This Month", "Next 90 Days"]
    assert [group.label for group in page.reality_groups] == [
        "What you'll love",
        "What you might miss",
        "Biggest challenges",
    ]


def test_skills_are_grouped_by_priority_only_when_the_guide_gives_one(make_pathway):
    pathway = make_pathway(skills_to_learn=4)
    skills = list(pathway.skills_to_learn.order_by("order"))
    assert [(g.label, g.items) for g in selectors.skills_by_priority(skills)] == [("", skills)]

    for skill, priority in zip(skills, ["nice_to_have", "", "critical", "important"], strict=True):
        skill.priority = priority
    SkillToLearn.objects.bulk_update(skills, ["priority"])
    groups = selectors.skills_by_priority(skills)
    assert [(g.label, [s.name for s in g.items]) for g in groups] == [
        ("Critical", [skills[2].name]),
        ("Important", [skills[3].name]),
        ("Nice to have", [skills[0].name]),
        ("Other skills", [skills[1].name]),
    ]


# --- Dashboard -----------------------------------------------------------------------------------


def test_dashboard_lists_followed_pathways_in_enrolment_order_and_left_ones_apart(
    make_enrolment, make_pathway, learner
):
    first, second, gone = (
        make_enrolment(user=learner, pathway=make_pathway(), start_date=START, now=NOW) for _ in range(3)
    )
    services.pause(enrolment=second, now=NOW)
    services.leave(enrolment=gone, now=NOW)
    make_enrolment(pathway=first.pathway)  # someone else's

    board = selectors.dashboard_for(learner, NOW)
    assert [progress.enrolment for progress in board.following] == [first, second]
    assert board.left == [gone]


def test_dashboard_progress_is_the_week_plan_at_now(make_enrolment, learner, pathway):
    enrolment = make_enrolment(user=learner, pathway=pathway, start_date=START, now=NOW)
    tick(enrolment, all_tasks(pathway)[0], at=NOW)
    (progress,) = selectors.dashboard_for(learner, NOW).following
    plan = progress.plan
    assert (plan.week, plan.total_weeks, plan.tasks_done, plan.tasks_total) == (2, 5, 1, 3)
    assert plan.current_phase.phase.title == pathway.phases.get(order=1).title


def test_dashboard_reads_in_a_constant_number_of_queries(make_enrolment, make_pathway, make_learner):
    learner = make_learner()

    def read_dashboard():
        user = get_user_model().objects.get(pk=learner.pk)  # a fresh user: its profile is read too
        selectors.dashboard_for(user, NOW)  # a pathway's content is read once per version (pathway_content)
        with CaptureQueriesContext(connection) as queries:
            board = selectors.dashboard_for(user, NOW)
            assert all(progress.plan for progress in board.following)
        return len(queries.captured_queries)

    enrolment = make_enrolment(user=learner, pathway=make_pathway(), start_date=START, now=NOW)
    tick(enrolment, all_tasks(enrolment.pathway)[0], at=NOW)
    one = read_dashboard()
    assert one <= 4  # the enrolments (with their pathways and the profile), and their rows
    for shape in ([(3, 2), (2, 1), (None, 1)], [(4, 6), (4, 6), (None, 3)]):
        more = make_enrolment(
            user=learner, pathway=make_pathway(phases=shape, action_items={"this_week": 2}), now=NOW
        )
        tick(more, all_tasks(more.pathway)[1], at=NOW)
    services.leave(enrolment=enrolment, now=NOW + timedelta(days=1))
    assert read_dashboard() == one


# --- Skips, habits and completion ---------------------------------------------------------------


def test_completions_split_done_from_skipped_and_list_habit_ticks_in_time_order(
    make_enrolment, make_learner, pathway
):
    learner = make_learner(reminder_weekday=2, time_zone="Europe/Berlin")
    enrolment = make_enrolment(user=learner, pathway=pathway, start_date=START, now=NOW)
    first, second, third = timed_tasks(pathway)
    step, other_step, _ = pathway.action_items.order_by("order")
    habit = habits(pathway)[0]
    earlier = NOW - timedelta(days=7)
    tick(enrolment, first, at=NOW)
    skip(enrolment, second, "already_done", at=earlier)  # on the start date: done before the plan
    tick_action_item(enrolment, step, at=NOW)
    skip_action_item(enrolment, other_step, "not_for_me", at=NOW)
    tick_habit(enrolment, habit, at=NOW)
    tick_habit(enrolment, habit, at=earlier)

    progress = selectors.enrolment_progress(enrolment.id, NOW)
    assert selectors.completions_of(progress.enrolment, learner.profile) == Completions(
        tasks={first.id: NOW},
        action_items={step.id: NOW},
        skipped_tasks={second.id: earlier},
        skipped_action_items={other_step.id: NOW},
        habits={habit.id: (earlier, NOW)},
        before_start=frozenset({second.id}),
    )
    snapshot = selectors.snapshot_of(progress.enrolment, learner.profile)
    assert (snapshot.week_starts_on, snapshot.time_zone, snapshot.start_date) == (2, "Europe/Berlin", START)
    # What the rows need: done, skipped (with the reason), habits ticked this week.
    assert progress.done_tasks == {first.id}
    assert progress.skipped_tasks == {second.id: "already_done"}
    assert progress.skipped_action_items == {other_step.id: "not_for_me"}
    assert progress.habits_done == {habit.id}
    assert progress.task_ticks.done_ids == {first.id, habit.id}
    assert (progress.task_ticks.skip_url_name, progress.task_ticks.skipped) == (
        "careers:skip_task",
        {second.id: "already_done"},
    )
    assert (progress.action_ticks.skip_url_name, progress.action_ticks.skipped) == (
        "careers:skip_action_item",
        {other_step.id: "not_for_me"},
    )
    assert third.id not in progress.done_tasks | set(progress.skipped_tasks)
    next_week = selectors.enrolment_progress(enrolment.id, NOW + timedelta(days=7))
    assert next_week.habits_done == set()  # a habit is done for the week it was ticked in


def test_the_pathway_page_carries_skips_and_habits_too(make_enrolment, learner, pathway):
    enrolment = make_enrolment(user=learner, pathway=pathway, start_date=START, now=NOW)
    skip(enrolment, timed_tasks(pathway)[0], at=NOW)
    tick_habit(enrolment, habits(pathway)[0], at=NOW)
    progress = selectors.pathway_page(pathway.slug, learner, NOW).progress
    assert progress.skipped_tasks == {timed_tasks(pathway)[0].id: "not_for_me"}
    assert progress.habits_done == {habits(pathway)[0].id}


def complete(enrolment, at):
    for task in timed_tasks(enrolment.pathway):
        tick(enrolment, task, at=at)


def test_dashboard_lists_completed_pathways_apart_newest_first(make_enrolment, make_pathway, learner):
    following, older, newer, gone = (
        make_enrolment(user=learner, pathway=make_pathway(), start_date=START, now=NOW) for _ in range(4)
    )
    complete(older, NOW)
    complete(newer, NOW + timedelta(days=1))
    complete(gone, NOW)
    services.leave(enrolment=gone, now=NOW)

    board = selectors.dashboard_for(learner, NOW + timedelta(days=2))
    assert [progress.enrolment for progress in board.following] == [following]
    assert [progress.enrolment for progress in board.completed] == [newer, older]
    assert board.completed[0].enrolment.completed_at == NOW + timedelta(days=1)
    assert board.completed[0].plan  # with its plan, for the celebration
    assert board.left == [gone]


def test_dashboard_suggests_pathways_that_start_from_a_role_reached(make_enrolment, make_pathway, learner):
    reached = make_pathway(from_role="Teacher", to_role="Data Analyst")
    next_step = make_pathway(title="B next step", from_role="data analyst ", phases=[(2, 3), (None, 1)])
    also = make_pathway(title="A also next", from_role="DATA ANALYST")
    already_followed = make_pathway(from_role="Data Analyst")
    once_left = make_pathway(from_role="Data Analyst")
    make_pathway(from_role="Data Engineer")  # another role
    make_pathway(from_role="")
    make_enrolment(user=learner, pathway=already_followed, start_date=START, now=NOW)
    services.leave(
        enrolment=make_enrolment(user=learner, pathway=once_left, start_date=START, now=NOW), now=NOW
    )
    enrolment = make_enrolment(user=learner, pathway=reached, start_date=START, now=NOW)
    assert selectors.dashboard_for(learner, NOW).suggestions == []  # nothing completed yet

    complete(enrolment, NOW)
    suggestions = selectors.dashboard_for(learner, NOW).suggestions
    # "data analyst " has a trailing space: as the catalogue filter, matching ignores case only.
    assert [fit.pathway.title for fit in suggestions] == [also.title]
    next_step.from_role = "Data analyst"
    next_step.save()
    suggestions = selectors.dashboard_for(learner, NOW).suggestions
    # Ranked as "Which pathway fits me?" ranks them, with the reasons: both start from the role
    # reached, so the shorter plan comes first.
    assert [fit.pathway.title for fit in suggestions] == [next_step.title, also.title]
    assert [(fit.pathway.phase_count, fit.pathway.task_count) for fit in suggestions] == [(2, 4), (2, 3)]
    assert suggestions[0].reasons == ("Starts from your role (Data Analyst)", "2 weeks at the full-time pace")

    # The learner's saved answers count: their skills rank, their hours stretch the plans.
    learner.profile.hours_per_week, learner.profile.skills = 20, ["Spreadsheets"]
    learner.profile.save()
    also.transferable_skills.create(order=1, name="spreadsheets")
    suggestions = selectors.dashboard_for(learner, NOW).suggestions
    assert [fit.pathway.title for fit in suggestions] == [also.title, next_step.title]
    assert suggestions[0].reasons == (
        "Starts from your role (Data Analyst)",
        "You already have 1 of its 1 transferable skill",
        "About 1½ months at 20 hours a week (6 weeks)",
    )


def test_dashboard_with_completions_habits_and_suggestions_reads_in_a_constant_number_of_queries(
    make_enrolment, make_pathway, make_learner
):
    learner = make_learner()
    make_pathway(from_role="Machine Learning Engineer")  # what every factory pathway leads to

    def read_dashboard():
        user = get_user_model().objects.get(pk=learner.pk)
        selectors.dashboard_for(user, NOW)  # a pathway's content is read once per version (pathway_content)
        with CaptureQueriesContext(connection) as queries:
            board = selectors.dashboard_for(user, NOW)
        return board, len(queries.captured_queries)

    def add_enrolment(shape):
        enrolment = make_enrolment(
            user=learner,
            pathway=make_pathway(phases=shape, action_items={"this_week": 2}),
            start_date=START,
            now=NOW,
        )
        skip(enrolment, timed_tasks(enrolment.pathway)[0], at=NOW)
        skip_action_item(enrolment, enrolment.pathway.action_items.first(), at=NOW)
        tick_habit(enrolment, habits(enrolment.pathway)[0], at=NOW)
        return enrolment

    complete(add_enrolment([(2, 2), (None, 1)]), NOW)
    add_enrolment([(3, 2), (None, 1)])
    board, one = read_dashboard()
    assert (len(board.following), len(board.completed), len(board.suggestions)) == (1, 1, 1)
    assert one <= 7  # the 4 of a dashboard, and three for the suggestions (with phases and skills)

    complete(add_enrolment([(4, 6), (4, 6), (None, 3)]), NOW)
    add_enrolment([(1, 2), (None, 2)])
    board, three = read_dashboard()
    assert (len(board.following), len(board.completed)) == (2, 2)
    assert three == one


def test_dashboard_summary_counts_this_weeks_work_across_pathways(make_enrolment, make_pathway, learner):
    shape = {"phases": [(2, 4), (None, 1)]}
    behind = make_enrolment(
        user=learner, pathway=make_pathway(**shape), start_date=START - timedelta(days=7), now=NOW
    )
    on_time = make_enrolment(user=learner, pathway=make_pathway(**shape), start_date=START, now=NOW)
    make_enrolment(
        user=learner, pathway=make_pathway(**shape), start_date=START + timedelta(days=30), now=NOW
    )
    paused = make_enrolment(user=learner, pathway=make_pathway(**shape), start_date=START, now=NOW)
    services.pause(enrolment=paused, now=NOW)

    board = selectors.dashboard_for(learner, NOW)
    plans = [progress.plan for progress in board.following[:2]]
    assert [progress.enrolment for progress in board.following[:2]] == [behind, on_time]
    assert board.summary == selectors.WeekSummary(
        pathways=2,
        to_do=sum(len(plan.this_week) for plan in plans),
        late=sum(plan.late_count for plan in plans),
        not_started=1,
        paused=1,
    )
    assert board.summary.late >= 1 and board.summary.to_do > board.summary.late
