"""`schedule.week_plan`, the single source of "where am I and what do I do this week"."""

import itertools
import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careers.schedule import (
    AHEAD,
    BEFORE_START,
    DUE,
    HABIT,
    LATE,
    STEP,
    TASK,
    Completions,
    EnrolmentSnapshot,
    PlanActionItem,
    PlanPhase,
    PlanTask,
    WeekRange,
    phase_week_ranges,
    spread,
    week_plan,
    week_window,
)


def phase(pid, weeks, tasks):
    return PlanPhase(
        pid, f"Phase {pid}", weeks, tuple(PlanTask(pid * 100 + i, f"Task {pid}.{i}") for i in range(tasks))
    )


# Three weeks of foundations (3 tasks), four of projects (2 tasks), then ongoing (1 habit).
PHASES = (phase(1, 3, 3), phase(2, 4, 2), phase(3, None, 1))
ACTIONS = (
    PlanActionItem(1, "Install the tools", "this_week"),
    PlanActionItem(2, "Finish a course", "this_month"),
    PlanActionItem(3, "Join a community", "this_month"),
    PlanActionItem(4, "Apply for roles", "next_90_days"),
)
START = date(2026, 3, 2)  # a Monday, the default reminder day


def at(day, hour=12, tz=UTC):
    return datetime(day.year, day.month, day.day, hour, tzinfo=tz)


def in_week(week, day=0, hour=12):
    """A moment in plan week `week` (1-based) of an enrolment starting on START."""
    return at(START + timedelta(weeks=week - 1, days=day), hour)


def plan(now, done=None, steps_done=None, **changes):
    completions = {
        key: changes.pop(key)
        for key in ("skipped_tasks", "skipped_action_items", "habits", "before_start")
        if key in changes
    }
    snapshot = EnrolmentSnapshot(
        **{"start_date": START, "phases": PHASES, "action_items": ACTIONS, **changes}
    )
    return week_plan(snapshot, Completions(done or {}, steps_done or {}, **completions), now)


def listed(items):
    return [(item.kind, item.id, item.state) for item in items]


# --- Weeks ------------------------------------------------------------------------------------


def test_week_ranges_follow_each_other_and_ongoing_starts_after_them():
    assert phase_week_ranges([3, 4, None]) == [WeekRange(1, 3), WeekRange(4, 7), WeekRange(8, None)]
    assert [r.label for r in phase_week_ranges([1, 2, None])] == [
        "Week 1",
        "Weeks 2\u20133",
        "Week 4 onwards",
    ]
    assert phase_week_ranges([None, None]) == [WeekRange(1, None), WeekRange(1, None)]


def test_plan_weeks_start_on_the_reminder_day_after_a_head_start():
    # Enrolled on Wednesday 18 November, reminded on Mondays: week 1 is the week of Monday 23.
    wednesday = date(2026, 11, 18)
    head_start = plan(at(wednesday), start_date=wednesday)
    assert head_start.week == 0 and head_start.in_head_start
    assert head_start.week_label == "Week 1 starts Monday 23 November"
    assert (head_start.week_starts, head_start.week_ends) == (wednesday, date(2026, 11, 22))
    # The head start shows week 1's work early.
    assert listed(head_start.this_week)[:2] == [(TASK, 100, DUE), (STEP, 1, DUE)]

    monday = plan(datetime(2026, 11, 23, 8, tzinfo=UTC), start_date=wednesday)
    assert (monday.week, monday.week_label) == (1, "Week 1 of 7")
    assert (monday.week_starts, monday.week_ends) == (date(2026, 11, 23), date(2026, 11, 29))
    assert monday.phases[0].first_day == date(2026, 11, 23)
    assert monday.planned_finish == date(2026, 11, 23) + timedelta(weeks=7, days=-1)


def test_the_reminder_day_sets_the_weeks_boundary():
    # Reminded on Thursdays, a Monday start has a three-day head start.
    thursday = 3
    assert plan(at(START + timedelta(days=2)), week_starts_on=thursday).week == 0
    assert plan(at(START + timedelta(days=3)), week_starts_on=thursday).week == 1
    assert plan(at(START + timedelta(days=10)), week_starts_on=thursday).week == 2


def test_start_in_the_future():
    week = plan(at(START - timedelta(days=3)))
    assert week.week == 0 and not week.has_started and not week.in_head_start
    assert week.starts_in_days == 3
    assert week.week_label == "Week 1 starts Monday 2 March"
    assert (week.week_starts, week.week_ends) == (START, START + timedelta(days=6))
    assert week.current_phase is None
    assert week.behind_by == 0
    assert all(point.done is None for point in week.chart)


def test_weeks_are_counted_in_the_learners_time_zone():
    # Sunday 1 March 2026, 20:00 UTC: already Monday 2 March in Auckland, still Sunday in New York.
    now = datetime(2026, 3, 1, 20, tzinfo=UTC)
    assert plan(now, time_zone="Pacific/Auckland").week == 1
    assert plan(now, time_zone="America/New_York").week == 0
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


def test_week_window_is_the_learners_week_in_utc():
    # Wednesday 4 March 2026 in Tokyo, weeks starting on Mondays: Monday 2 March 00:00 JST, 7 days.
    start, end = week_window(datetime(2026, 3, 4, 3, tzinfo=UTC), "Asia/Tokyo", 0)
    assert start == datetime(2026, 3, 2, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert end - start == timedelta(days=7)


def test_pause_stops_the_clock_and_resume_pushes_the_plan_back():
    paused = plan(in_week(6), paused_at=in_week(2, day=3))
    assert paused.week == 2
    resumed = plan(in_week(6), start_date=START + timedelta(weeks=4))  # Enrolment.plan_start_date
    assert resumed.week == 2
    assert resumed.planned_finish == date(2026, 4, 19) + timedelta(weeks=4)


# --- Tasks spread over their phase --------------------------------------------------------------


def test_tasks_are_spread_over_their_phase():
    assert spread(4, 1, 8) == [1, 3, 5, 7]  # one every two weeks
    assert spread(3, 1, 2) == [1, 1, 2]  # two, then one
    assert spread(0, 1, 5) == []
    week = plan(in_week(1))
    assert [(item.id, item.week) for item in week.tasks] == [(100, 1), (101, 2), (102, 3), (200, 4), (201, 6)]
    assert week.tasks[1].week_starts == START + timedelta(weeks=1)


def test_this_week_is_the_weeks_share_then_late_work_then_a_get_ahead():
    week1 = plan(in_week(1))
    assert listed(week1.this_week) == [(TASK, 100, DUE), (STEP, 1, DUE), (STEP, 2, DUE)]
    assert week1.get_ahead is None

    week2 = plan(in_week(2))
    assert listed(week2.this_week) == [
        (TASK, 101, DUE),
        (TASK, 100, LATE),
        (STEP, 1, LATE),
        (STEP, 2, LATE),
    ]
    late = week2.this_week[1]
    assert (late.is_late, late.week, late.phase.title) == (True, 1, "Phase 1")
    assert week2.late_count == 3

    # Every task due so far done: the next task is offered, optional.
    share_done = plan(in_week(2), done={100: in_week(1), 101: in_week(2)})
    assert share_done.get_ahead.id == 102 and share_done.get_ahead.state == AHEAD
    assert share_done.get_ahead not in share_done.this_week
    # Not while an earlier week's task is still open.
    assert plan(in_week(2), done={101: in_week(2)}).get_ahead is None


def test_ticked_items_move_to_done_this_week():
    week = plan(in_week(2, day=3), done={100: in_week(2, day=1)}, steps_done={1: in_week(1)})
    assert [(item.kind, item.id) for item in week.done_this_week] == [(TASK, 100)]
    assert (TASK, 100, LATE) not in listed(week.this_week)
    assert [(item.kind, item.id) for item in week.done_last_week] == [(STEP, 1)]


def test_action_plan_steps_are_due_over_their_horizon_and_stay_until_ticked():
    week = plan(in_week(1))
    assert [(item.id, item.horizon.label, item.week) for item in week.steps] == [
        (1, "This Week", 1),
        (2, "This Month", 1),
        (3, "This Month", 3),
        (4, "Next 90 Days", 5),
    ]
    week9 = plan(in_week(9), steps_done={2: in_week(1)})
    assert [(item.id, item.state) for item in week9.this_week if item.kind == STEP] == [
        (1, LATE),
        (3, LATE),
        (4, LATE),
    ]


def test_an_unknown_horizon_is_an_error():
    odd = (PlanActionItem(9, "Someday", "next_decade"),)
    with pytest.raises(ValueError, match="next_decade"):
        plan(in_week(1), action_items=odd)


def test_a_skipped_item_is_resolved_without_counting_as_done():
    week = plan(in_week(2), done={100: in_week(1)}, skipped_tasks={101: in_week(2)})
    assert (week.tasks_done, week.tasks_skipped, week.tasks_resolved) == (1, 1, 2)
    assert 101 not in [item.id for item in week.this_week]
    assert week.on_track
    assert week.phases[0].done == 1 and week.phases[0].skipped == 1
    steps = plan(in_week(1), skipped_action_items={1: in_week(1)})
    assert (steps.action_items_done, steps.action_items_skipped) == (0, 1)


def test_tasks_done_before_the_start_are_resolved_and_take_no_plan_time():
    # Two of the three foundation tasks were already done when the learner started.
    before = {100: at(START), 101: at(START)}
    week = plan(in_week(1), skipped_tasks=before, before_start=frozenset(before))
    # Foundations shrink in proportion to what is left (3 weeks for 3 tasks: 1 week for 1), so the
    # plan is 5 weeks instead of 7 and the projects start in week 2.
    assert [phase.weeks for phase in week.phases] == [WeekRange(1, 1), WeekRange(2, 5), WeekRange(6, None)]
    assert week.total_weeks == 5 and week.week_label == "Week 1 of 5"
    assert [(item.id, item.week, item.state) for item in week.tasks] == [
        (100, None, BEFORE_START),
        (101, None, BEFORE_START),
        (102, 1, DUE),
        (200, 2, AHEAD),
        (201, 4, AHEAD),
    ]
    # They count as resolved, apart from the skips of the plan; the plan expects them from the start.
    assert (week.tasks_done, week.tasks_skipped, week.tasks_done_before_start, week.percent) == (0, 0, 2, 40)
    assert week.phases[0].done_before_start == 2 and week.phases[0].resolved == 2
    assert week.on_track and listed(week.this_week)[0] == (TASK, 102, DUE)
    # Never "done this week", never in the streak; the chart starts from them.
    assert week.done_this_week == [] and week.streak_weeks == 0
    assert [(p.week, p.planned, p.done) for p in week.chart][:2] == [(1, 3, 2), (2, 4, None)]


def test_a_phase_whose_tasks_were_all_done_before_the_start_takes_no_week():
    before = {100: at(START), 101: at(START), 102: at(START)}
    week = plan(in_week(1), skipped_tasks=before, before_start=frozenset(before))
    foundations, projects, _ongoing = week.phases
    assert foundations.weeks.is_empty and foundations.weeks.label == "No weeks"
    assert not foundations.is_current and projects.is_current
    assert projects.weeks == WeekRange(1, 4) and week.total_weeks == 4


def test_a_task_skipped_in_the_plan_still_takes_its_week():
    week = plan(in_week(2), skipped_tasks={100: in_week(1)})
    assert week.total_weeks == 7 and week.tasks[0].week == 1 and week.tasks_done_before_start == 0


# --- Habits -----------------------------------------------------------------------------------


def test_the_ongoing_phase_is_weekly_habits_once_the_timed_phases_are_over():
    assert HABIT not in [item.kind for item in plan(in_week(7)).this_week]
    week8 = plan(in_week(8), habits={300: (in_week(7),)})
    assert (HABIT, 300, DUE) in listed(week8.this_week)  # last week's tick does not count
    ticked = plan(in_week(8, day=2), habits={300: (in_week(7), in_week(8, day=1))})
    assert HABIT not in [item.kind for item in ticked.this_week]
    assert [(item.kind, item.id) for item in ticked.done_this_week] == [(HABIT, 300)]
    assert ticked.habits[0].done
    assert ticked.current_phase.done == 1  # habits ticked this week
    assert ticked.streak_weeks == 2


def test_habits_never_block_completion():
    done = {task.id: in_week(1) for p in PHASES[:2] for task in p.tasks}
    week = plan(in_week(3), done=done)
    assert week.is_completed and week.completed_on == START
    assert (week.weeks_taken, week.total_weeks) == (1, 7)


def test_a_pathway_of_only_ongoing_phases_shows_its_habits_from_week_one():
    snapshot = EnrolmentSnapshot(start_date=START, phases=(phase(1, None, 2),))
    week = week_plan(snapshot, Completions(), in_week(6))
    assert (week.week, week.total_weeks, week.week_label) == (6, None, "Week 6")
    assert listed(week.this_week) == [(HABIT, 100, DUE), (HABIT, 101, DUE)]
    assert not week.is_completed and week.planned_finish is None and week.chart == []


def test_a_pathway_without_phases():
    week = week_plan(EnrolmentSnapshot(start_date=START, phases=()), Completions(), in_week(1))
    assert (week.current_phase, week.this_week, week.tasks_total, week.percent) == (None, [], 0, 0)


# --- Status -----------------------------------------------------------------------------------


def test_behind_and_ahead_count_whole_weeks_of_the_plan():
    assert plan(in_week(1)).on_track
    behind = plan(in_week(4), done={100: in_week(1)})
    assert (behind.expected_done, behind.behind_by, behind.ahead_by) == (3, 2, 0)
    ahead = plan(in_week(1, day=2), done={100: in_week(1), 101: in_week(1), 102: in_week(1)})
    assert (ahead.behind_by, ahead.ahead_by) == (0, 2)


def test_past_the_plan_the_week_says_so():
    nothing_done = plan(in_week(21))
    assert nothing_done.week_label == "Week 21 · the 7-week plan ended 14 weeks ago"
    assert nothing_done.behind_by == 5
    assert nothing_done.projected_finish is None
    assert "No task done in the last 4 weeks" in nothing_done.projection_note
    assert plan(in_week(8)).week_label == "Week 8 · the 7-week plan ended 1 week ago"


def test_projected_finish_follows_the_learners_recent_pace():
    early = plan(in_week(2), done={100: in_week(1)})
    assert early.projected_finish is None and "Too early" in early.projection_note
    # One task a week in each of the last two full weeks; three left: three weeks from today.
    steady = plan(in_week(3, day=1), done={100: in_week(1), 101: in_week(2)})
    assert steady.projected_finish == steady.today + timedelta(days=21)
    # Recent weeks weigh most: two tasks last week, none the week before.
    faster = plan(in_week(3, day=1), done={100: in_week(2), 101: in_week(2)})
    assert faster.projected_finish == faster.today + timedelta(days=math.ceil(7 * 3 / (8 / 7)))


def test_a_completed_pathway_knows_when_it_was_finished():
    done = {task.id: in_week(i + 1) for i, task in enumerate(t for p in PHASES[:2] for t in p.tasks)}
    week = plan(in_week(9), done=done)
    assert week.is_completed and week.percent == 100
    assert week.completed_on == START + timedelta(weeks=4)
    assert week.weeks_taken == 5
    assert week.projected_finish is None


def test_the_chart_counts_every_tick_and_runs_to_this_week_after_the_plan():
    done = {100: in_week(1), 101: in_week(9)}  # one late tick, after the plan's seven weeks
    week = plan(in_week(10), done=done)
    assert [(p.week, p.planned, p.done) for p in week.chart] == [
        (1, 1, 1),
        (2, 2, 1),
        (3, 3, 1),
        (4, 4, 1),
        (5, 4, 1),
        (6, 5, 1),
        (7, 5, 1),
        (8, 5, 1),
        (9, 5, 2),
        (10, 5, 2),
    ]


def test_streak_counts_consecutive_weeks_with_a_tick():
    done = {100: in_week(1), 101: in_week(2), 102: in_week(3)}
    assert plan(in_week(3, day=1), done=done).streak_weeks == 3
    # A week without a tick yet does not break the streak until it is over.
    assert plan(in_week(4), done=done).streak_weeks == 3
    assert plan(in_week(5), done=done).streak_weeks == 0
    assert plan(in_week(3), steps_done={1: in_week(3)}).streak_weeks == 1


# --- Properties over random pathways, learners and tick histories -------------------------------

ZONES = ["UTC", "Europe/London", "America/Los_Angeles", "Pacific/Auckland", "Asia/Kolkata"]


@st.composite
def enrolments(draw):
    durations = draw(st.lists(st.one_of(st.none(), st.integers(1, 20)), min_size=1, max_size=6))
    phases = tuple(phase(pid, weeks, draw(st.integers(0, 20))) for pid, weeks in enumerate(durations, 1))
    horizon_keys = st.sampled_from(["this_week", "this_month", "next_90_days"])
    steps = tuple(PlanActionItem(i, f"Step {i}", draw(horizon_keys)) for i in range(draw(st.integers(0, 8))))
    start = draw(st.dates(date(2025, 1, 1), date(2027, 12, 31)))
    zone = draw(st.sampled_from(ZONES))
    now = datetime.combine(start, datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=draw(st.integers(-24 * 14, 24 * 7 * 60))
    )
    paused_at = draw(st.one_of(st.none(), st.just(now - timedelta(days=draw(st.integers(0, 30))))))
    tasks = [task for p in phases for task in p.tasks]
    moments = st.integers(-24 * 7, 24 * 7 * 60).map(
        lambda hours: datetime.combine(start, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hours)
    )
    ticked = draw(st.lists(st.sampled_from(tasks), unique=True)) if tasks else []
    skipped = [task for task in ticked if draw(st.booleans())]
    before_start = frozenset(task.id for task in skipped if draw(st.booleans()))
    snapshot = EnrolmentSnapshot(
        start_date=start,
        phases=phases,
        action_items=steps,
        time_zone=zone,
        paused_at=paused_at,
        week_starts_on=draw(st.integers(0, 6)),
    )
    completions = Completions(
        tasks={task.id: draw(moments) for task in ticked if task not in skipped},
        skipped_tasks={task.id: draw(moments) for task in skipped},
        habits={task.id: tuple(draw(st.lists(moments, max_size=3))) for task in tasks},
        before_start=before_start,
    )
    return snapshot, completions, now


@settings(max_examples=300, deadline=None)
@given(enrolments())
def test_properties_of_every_week_plan(example):
    snapshot, completions, now = example
    week = week_plan(snapshot, completions, now)
    ranges = [progress.weeks for progress in week.phases]
    timed = [(p, r) for p, r in zip(snapshot.phases, ranges, strict=True) if not p.is_ongoing]

    # Every task of a timed phase is planned in exactly one week of its phase (no week if it was
    # done before the start), and the phases follow each other from week 1.
    assert [item.id for item in week.tasks] == [task.id for p, _r in timed for task in p.tasks]
    for (_before, earlier), (_after, later) in itertools.pairwise(timed):
        assert later.first == earlier.last + 1
    assert not timed or timed[0][1].first == 1
    for p, weeks in timed:
        items = [item for item in week.tasks if item.phase == p]
        assert all((item.state == BEFORE_START) == (item.week is None) for item in items)
        assert {item.id for item in items if item.week is None} == completions.before_start & {
            t.id for t in p.tasks
        }
        planned = [item.week for item in items if item.week is not None]
        assert all(week_number in weeks for week_number in planned)
        assert weeks.is_empty == (not planned and bool(p.tasks))
        # A week's planned tasks number at most the ceiling of the guide's tasks per week.
        if planned:
            most = max(planned.count(w) for w in set(planned))
            assert most <= math.ceil(len(p.tasks) / p.duration_weeks)

    # The planned line rises to the total and never falls; done never exceeds it in total.
    planned_line = [point.planned for point in week.chart]
    assert planned_line == sorted(planned_line)
    if week.chart and week.total_weeks:
        assert week.chart[week.total_weeks - 1].planned == week.tasks_total

    # The status is always possible.
    assert week.projected_finish is None or week.projected_finish >= week.today
    if week.total_weeks and "of" in week.week_label:
        n, m = (int(x) for x in week.week_label.removeprefix("Week ").split(" of "))
        assert n <= m
    assert not (week.behind_by and week.ahead_by)
    assert 0 <= week.tasks_resolved <= week.tasks_total
    assert week.is_completed == (week.tasks_total > 0 and week.tasks_resolved == week.tasks_total)

    # This week lists only open items, each once.
    assert not any(item.is_resolved for item in week.this_week)
    keys = [(item.kind, item.id) for item in week.this_week]
    assert len(keys) == len(set(keys))
