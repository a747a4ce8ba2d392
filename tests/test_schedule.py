"""`schedule.week_plan`, the single source of "where am I and what is due this week"."""

from datetime import UTC, date, datetime, timedelta

import pytest

from careers.schedule import (
    Completions,
    EnrolmentSnapshot,
    PlanActionItem,
    PlanPhase,
    PlanTask,
    WeekRange,
    phase_week_ranges,
    week_plan,
)


def phase(pid, weeks, tasks):
    return PlanPhase(
        pid, f"Phase {pid}", weeks, tuple(PlanTask(pid * 100 + i, f"Task {pid}.{i}") for i in range(tasks))
    )


# Three weeks of foundations (3 tasks), four of projects (2 tasks), then ongoing (1 task).
PHASES = (phase(1, 3, 3), phase(2, 4, 2), phase(3, None, 1))
ACTIONS = (
    PlanActionItem(1, "Install the tools", "this_week"),
    PlanActionItem(2, "Finish a course", "this_month"),
    PlanActionItem(3, "Apply for roles", "next_90_days"),
)
START = date(2026, 3, 2)  # a Monday


def at(day, hour=12, tz=UTC):
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz)


def plan(now, done=None, actions_done=None, **changes):
    snapshot = EnrolmentSnapshot(
        **{"start_date": START, "phases": PHASES, "action_items": ACTIONS, **changes}
    )
    return week_plan(snapshot, Completions(done or {}, actions_done or {}), now)


def ids(due_tasks):
    return [due.task.id for due in due_tasks]


def test_week_ranges_follow_each_other_and_ongoing_starts_after_them():
    assert phase_week_ranges([3, 4, None]) == [WeekRange(1, 3), WeekRange(4, 7), WeekRange(8, None)]
    assert [r.label for r in phase_week_ranges([1, 2, None])] == [
        "Week 1",
        "Weeks 2\u20133",
        "Week 4 onwards",
    ]
    assert phase_week_ranges([None, None]) == [WeekRange(1, None), WeekRange(1, None)]


def test_first_week():
    week = plan(at(START))
    assert (week.week, week.total_weeks, week.week_label) == (1, 7, "Week 1 of 7")
    assert week.current_phase.phase.id == 1
    assert week.current_phase.weeks.label == "Weeks 1\u20133"
    assert ids(week.due_tasks) == [100, 101, 102]
    assert not week.overdue_tasks
    assert [item.id for item in week.due_action_items] == [1, 2, 3]
    assert (week.tasks_done, week.tasks_total, week.percent) == (0, 6, 0)
    assert week.on_track and week.behind_by == 0
    assert week.planned_finish == date(2026, 4, 19)
    assert week.projected_finish == week.planned_finish


def test_action_items_follow_their_horizon():
    assert [item.id for item in plan(at(START + timedelta(weeks=1))).due_action_items] == [2, 3]
    assert [item.id for item in plan(at(START + timedelta(weeks=4))).due_action_items] == [3]
    assert plan(at(START + timedelta(weeks=13))).due_action_items == []
    assert [item.id for item in plan(at(START), actions_done={1: at(START)}).due_action_items] == [2, 3]


def test_an_unknown_horizon_is_an_error():
    odd = (PlanActionItem(9, "Someday", "next_decade"),)
    with pytest.raises(ValueError, match="next_decade"):
        plan(at(START), action_items=odd)


def test_later_phase_lists_overdue_tasks_of_earlier_phases():
    week = plan(at(START + timedelta(weeks=3, days=2)), done={100: at(START)})
    assert week.week == 4
    assert week.current_phase.phase.id == 2
    assert week.current_phase.weeks == WeekRange(4, 7)
    assert [(due.task.id, due.overdue) for due in week.due_tasks] == [
        (101, True),
        (102, True),
        (200, False),
        (201, False),
    ]
    # Three weeks and two days in, the plan expects phase 1 done and 2/7 of phase 2.
    assert round(week.expected_done, 2) == 3.14
    assert week.behind_by == 2
    assert not week.on_track
    assert [p.done for p in week.phases] == [1, 0, 0]


def test_nothing_new_when_only_earlier_weeks_tasks_are_open():
    week4 = at(START + timedelta(weeks=3, days=2))
    fresh = plan(week4, done={100: at(START)})
    assert [due.task.id for due in fresh.new_tasks] == [200, 201] and not fresh.nothing_new
    only_overdue = plan(week4, done={100: at(START), 200: week4, 201: week4})
    assert only_overdue.new_tasks == [] and only_overdue.overdue_tasks and only_overdue.nothing_new
    assert plan(at(START - timedelta(days=3))).nothing_new  # before the start nothing is due


def test_on_track_when_done_matches_time_elapsed():
    done = {100: at(START), 101: at(START + timedelta(days=8)), 102: at(START + timedelta(days=15))}
    week = plan(at(START + timedelta(weeks=3)), done=done)
    assert week.on_track
    assert week.projected_finish == week.planned_finish


def test_behind_projects_finish_from_the_pace_kept():
    done = {100: at(START + timedelta(days=3))}
    week = plan(at(START + timedelta(days=27)), done=done)
    assert round(week.expected_done, 2) == 3.43
    assert week.behind_by == 2
    # One of the five timed tasks in 28 days: the four left take 112 days more.
    assert week.projected_finish == week.today + timedelta(days=112)


def test_start_in_the_future():
    week = plan(at(START - timedelta(days=3)))
    assert week.week <= 0 and not week.has_started
    assert week.starts_in_days == 3
    assert week.week_label == "Not started"
    assert week.current_phase is None
    assert week.due_tasks == [] and week.due_action_items == []
    assert week.behind_by == 0
    assert all(point.done is None for point in week.chart)


def test_past_the_timeline_the_ongoing_phase_is_current():
    week = plan(at(START + timedelta(weeks=10)), done={100: at(START)})
    assert week.week == 11 and week.is_past_timeline
    assert week.current_phase.phase.id == 3
    assert week.current_phase.weeks.label == "Week 8 onwards"
    assert [(due.task.id, due.overdue) for due in week.due_tasks] == [
        (101, True),
        (102, True),
        (200, True),
        (201, True),
        (300, False),
    ]
    assert week.behind_by == 4


def test_finished_pathway():
    done = {
        task.id: at(START + timedelta(days=i)) for i, task in enumerate(t for p in PHASES for t in p.tasks)
    }
    week = plan(at(START + timedelta(weeks=20)), done=done)
    assert week.is_finished and week.percent == 100
    assert week.due_tasks == []
    assert week.on_track
    assert week.projected_finish == START + timedelta(days=4)  # the last timed task's day


def test_pathway_of_only_ongoing_phases():
    snapshot = EnrolmentSnapshot(start_date=START, phases=(phase(1, None, 2), phase(2, None, 1)))
    week = week_plan(snapshot, Completions(), at(START + timedelta(weeks=5)))
    assert (week.week, week.total_weeks, week.week_label) == (6, None, "Week 6")
    assert week.current_phase.phase.id == 1
    assert ids(week.due_tasks) == [100, 101, 200]
    assert week.on_track and week.planned_finish is None and week.projected_finish is None
    assert week.chart == []


def test_pathway_without_phases():
    week = week_plan(EnrolmentSnapshot(start_date=START, phases=()), Completions(), at(START))
    assert (week.current_phase, week.due_tasks, week.tasks_total, week.percent) == (None, [], 0, 0)


def test_weeks_are_counted_in_the_learners_time_zone():
    # Sunday 1 March 2026, 20:00 UTC: already Monday 2 March in Auckland, still Sunday in New York.
    now = datetime(2026, 3, 1, 20, tzinfo=UTC)
    assert plan(now, time_zone="Pacific/Auckland").week == 1
    assert plan(now, time_zone="America/New_York").week == 0
    assert plan(now).week == 0
    # Monday 9 March, 03:00 UTC: week 2 in UTC and Auckland, still week 1 in Los Angeles.
    now = datetime(2026, 3, 9, 3, tzinfo=UTC)
    assert plan(now, time_zone="America/Los_Angeles").week == 1
    assert plan(now, time_zone="Pacific/Auckland").week == 2


def test_week_boundary_survives_daylight_saving_change():
    # Europe/London moves its clocks forward on 29 March 2026; weeks stay seven calendar days.
    just_before = datetime(2026, 3, 29, 22, 59, tzinfo=UTC)  # Sunday 23:59 BST
    just_after = datetime(2026, 3, 29, 23, 0, tzinfo=UTC)  # Monday 00:00 BST
    assert plan(just_before, time_zone="Europe/London").week == 4
    assert plan(just_after, time_zone="Europe/London").week == 5


def test_pause_stops_the_clock_and_resume_pushes_the_plan_back():
    paused_at = at(START + timedelta(days=10))
    later = at(START + timedelta(days=40))
    paused = plan(later, paused_at=paused_at)
    assert paused.week == 2
    resumed = plan(later, start_date=START + timedelta(days=30))  # Enrolment.plan_start_date
    assert resumed.week == 2
    assert resumed.start_date == START + timedelta(days=30)
    assert resumed.planned_finish == date(2026, 4, 19) + timedelta(days=30)


def test_chart_of_planned_and_done_tasks():
    done = {100: at(START), 101: at(START + timedelta(days=9))}
    week = plan(at(START + timedelta(days=15)), done=done)
    assert [(p.week, p.planned, p.done) for p in week.chart] == [
        (1, 1.0, 1),
        (2, 2.0, 2),
        (3, 3.0, 2),
        (4, 3.5, None),
        (5, 4.0, None),
        (6, 4.5, None),
        (7, 5.0, None),
    ]


def test_streak_counts_consecutive_weeks_with_a_tick():
    done = {100: at(START), 101: at(START + timedelta(days=8)), 102: at(START + timedelta(days=15))}
    assert plan(at(START + timedelta(days=16)), done=done).streak_weeks == 3
    # A week without a tick yet does not break the streak until it is over.
    assert plan(at(START + timedelta(days=22)), done=done).streak_weeks == 3
    assert plan(at(START + timedelta(days=29)), done=done).streak_weeks == 0
    assert (
        plan(at(START + timedelta(days=16)), actions_done={1: at(START + timedelta(days=15))}).streak_weeks
        == 1
    )


def test_done_last_week():
    done = {100: at(START + timedelta(days=2)), 101: at(START + timedelta(days=9))}
    week = plan(at(START + timedelta(days=15)), done=done)
    assert [task.id for task in week.done_last_week] == [101]
