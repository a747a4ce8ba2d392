"""The learner's calendar, as pure functions: no queries, no clock.

`week_plan()` answers "where does this enrolment stand at this moment, and what is due this
week?" for the dashboard, the reminder email and the calendar alike. Its inputs are plain
snapshots (built from the database by `careers.selectors`), and `now` is an argument.

Timed phases follow each other from the start date, each lasting its `duration_weeks`. An
ongoing phase (no duration) starts when the timed phases end and carries on from there. Weeks
are counted in the learner's time zone: week 1 starts at local midnight of the start date.
"""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from careers import horizons


@dataclass(frozen=True)
class WeekRange:
    first: int
    last: int | None  # None: open-ended (an ongoing phase)

    @property
    def label(self):
        if self.last is None:
            return f"Week {self.first} onwards"
        if self.first == self.last:
            return f"Week {self.first}"
        return f"Weeks {self.first}\u2013{self.last}"

    def __contains__(self, week):
        return self.first <= week and (self.last is None or week <= self.last)

    def __str__(self):
        return self.label


def phase_week_ranges(durations):
    """Week range of each phase, given each phase's duration in weeks (None for ongoing)."""
    timed_weeks = sum(weeks for weeks in durations if weeks)
    ranges = []
    next_week = 1
    for weeks in durations:
        if weeks:
            ranges.append(WeekRange(next_week, next_week + weeks - 1))
            next_week += weeks
        else:
            ranges.append(WeekRange(timed_weeks + 1, None))
    return ranges


# --- Inputs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanTask:
    id: int
    text: str


@dataclass(frozen=True)
class PlanPhase:
    id: int
    title: str
    duration_weeks: int | None
    tasks: tuple[PlanTask, ...] = ()


@dataclass(frozen=True)
class PlanActionItem:
    id: int
    text: str
    horizon: str


@dataclass(frozen=True)
class EnrolmentSnapshot:
    """What the schedule needs to know of an enrolment, its pathway and its learner."""

    start_date: date  # where week 1 begins: moved on by days spent paused (Enrolment.plan_start_date)
    phases: tuple[PlanPhase, ...]
    action_items: tuple[PlanActionItem, ...] = ()
    time_zone: str = "UTC"
    paused_at: datetime | None = None  # while paused, the plan stands still at this moment


@dataclass(frozen=True)
class Completions:
    """When each task and action item was ticked: {id: done_at}."""

    tasks: dict[int, datetime] = field(default_factory=dict)
    action_items: dict[int, datetime] = field(default_factory=dict)


# --- Output ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhaseProgress:
    phase: PlanPhase
    weeks: WeekRange
    done: int
    total: int
    is_current: bool

    @property
    def percent(self):
        return round(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class DueTask:
    task: PlanTask
    phase: PlanPhase
    overdue: bool


@dataclass(frozen=True)
class ChartPoint:
    week: int
    planned: float  # tasks the plan expects done by the end of this week
    done: int | None  # tasks done by the end of this week; None for weeks still to come


@dataclass(frozen=True)
class WeekPlan:
    today: date
    start_date: date  # the start date, moved on by any time spent paused
    week: int  # 1 in the first week; 0 or less before the start
    total_weeks: int | None  # weeks of the timed phases; None when all phases are ongoing
    phases: list[PhaseProgress]
    current_phase: PhaseProgress | None
    due_tasks: list[DueTask]
    due_action_items: list[PlanActionItem]
    tasks_done: int
    tasks_total: int
    action_items_done: int
    action_items_total: int
    expected_done: float  # tasks of the timed phases the plan expects done by today
    behind_by: int  # whole tasks behind the plan; 0 when on track
    planned_finish: date | None
    projected_finish: date | None
    chart: list[ChartPoint]
    streak_weeks: int
    done_last_week: list[PlanTask]

    @property
    def has_started(self):
        return self.week >= 1

    @property
    def starts_in_days(self):
        return max(0, (self.start_date - self.today).days)

    @property
    def is_finished(self):
        return self.tasks_total > 0 and self.tasks_done == self.tasks_total

    @property
    def is_past_timeline(self):
        return self.total_weeks is not None and self.week > self.total_weeks

    @property
    def on_track(self):
        return self.behind_by == 0

    @property
    def percent(self):
        return round(100 * self.tasks_done / self.tasks_total) if self.tasks_total else 0

    @property
    def overdue_tasks(self):
        return [due for due in self.due_tasks if due.overdue]

    @property
    def new_tasks(self):
        """Due tasks of the phases running this week, as opposed to those left from earlier weeks."""
        return [due for due in self.due_tasks if not due.overdue]

    @property
    def nothing_new(self):
        """Whether this week brings no task of its own (the weekly email says so)."""
        return not self.new_tasks

    @property
    def week_label(self):
        if not self.has_started:
            return "Not started"
        if self.total_weeks is None:
            return f"Week {self.week}"
        return f"Week {self.week} of {self.total_weeks}"


def local_date(moment, time_zone):
    return moment.astimezone(ZoneInfo(time_zone)).date()


def week_number(day, start_date):
    """The pathway week (1-based) that a local date falls in; 0 or less before the start."""
    return (day - start_date).days // 7 + 1


def week_plan(enrolment: EnrolmentSnapshot, completions: Completions, now: datetime) -> WeekPlan:
    """Where `enrolment` stands at `now` (an aware datetime), and what is due this week."""
    zone = enrolment.time_zone
    start = enrolment.start_date
    today = local_date(enrolment.paused_at or now, zone)
    week = week_number(today, start)
    phases = enrolment.phases
    ranges = phase_week_ranges([phase.duration_weeks for phase in phases])
    timed_total = sum(phase.duration_weeks or 0 for phase in phases)
    total_weeks = timed_total or None

    done = completions.tasks
    if not phases or week < 1:
        current_index = None
    else:
        current_index = next((i for i, weeks in enumerate(ranges) if week in weeks), None)

    progress = [
        PhaseProgress(
            phase=phase,
            weeks=weeks,
            done=sum(task.id in done for task in phase.tasks),
            total=len(phase.tasks),
            is_current=i == current_index,
        )
        for i, (phase, weeks) in enumerate(zip(phases, ranges, strict=True))
    ]

    due_tasks = []
    if week >= 1:
        for phase, weeks in zip(phases, ranges, strict=True):
            if weeks.first > week:
                continue
            overdue = weeks.last is not None and weeks.last < week
            due_tasks.extend(DueTask(task, phase, overdue) for task in phase.tasks if task.id not in done)

    due_action_items = [
        item
        for item in enrolment.action_items
        if week in horizons.horizon(item.horizon).weeks and item.id not in completions.action_items
    ]

    all_tasks = [task for phase in phases for task in phase.tasks]
    timed_tasks = [task for phase in phases if phase.duration_weeks for task in phase.tasks]
    elapsed_weeks = (today - start).days / 7
    expected = _planned_by(phases, ranges, elapsed_weeks)
    timed_done = sum(task.id in done for task in timed_tasks)
    behind_by = max(0, math.floor(expected - timed_done + 1e-9))

    planned_finish = start + timedelta(weeks=timed_total, days=-1) if timed_total else None
    projected_finish = _projected_finish(timed_tasks, done, zone, start, today, planned_finish, behind_by)

    completion_weeks = [
        max(1, week_number(local_date(at, zone), start))
        for at in (*completions.tasks.values(), *completions.action_items.values())
    ]
    return WeekPlan(
        today=today,
        start_date=start,
        week=week,
        total_weeks=total_weeks,
        phases=progress,
        current_phase=progress[current_index] if current_index is not None else None,
        due_tasks=due_tasks,
        due_action_items=due_action_items,
        tasks_done=sum(task.id in done for task in all_tasks),
        tasks_total=len(all_tasks),
        action_items_done=sum(item.id in completions.action_items for item in enrolment.action_items),
        action_items_total=len(enrolment.action_items),
        expected_done=expected,
        behind_by=behind_by,
        planned_finish=planned_finish,
        projected_finish=projected_finish,
        chart=_chart(phases, ranges, timed_tasks, done, zone, start, week),
        streak_weeks=_streak(completion_weeks, week),
        done_last_week=[
            task
            for task in all_tasks
            if task.id in done and week_number(local_date(done[task.id], zone), start) == week - 1
        ],
    )


def _planned_by(phases, ranges, weeks_elapsed):
    """Tasks of the timed phases the plan expects done after `weeks_elapsed` weeks, spreading
    each phase's tasks evenly over its weeks."""
    expected = 0.0
    for phase, weeks in zip(phases, ranges, strict=True):
        if weeks.last is None:
            continue
        phase_start = weeks.first - 1
        share = (weeks_elapsed - phase_start) / phase.duration_weeks
        expected += len(phase.tasks) * min(1.0, max(0.0, share))
    return expected


def _projected_finish(timed_tasks, done, zone, start, today, planned_finish, behind_by):
    if not timed_tasks:
        return None
    timed_done = sum(task.id in done for task in timed_tasks)
    if timed_done == len(timed_tasks):
        return local_date(max(done[task.id] for task in timed_tasks), zone)
    days_elapsed = (today - start).days + 1
    if behind_by == 0 or timed_done == 0 or days_elapsed < 7:
        return planned_finish
    # Behind the plan: at the pace kept so far, the remaining tasks take this long.
    days_per_task = days_elapsed / timed_done
    return today + timedelta(days=math.ceil(days_per_task * (len(timed_tasks) - timed_done)))


def _chart(phases, ranges, timed_tasks, done, zone, start, week):
    if not timed_tasks:
        return []
    total_weeks = max(weeks.last for weeks in ranges if weeks.last is not None)
    done_weeks = sorted(
        max(1, week_number(local_date(done[t.id], zone), start)) for t in timed_tasks if t.id in done
    )
    return [
        ChartPoint(
            week=w,
            planned=round(_planned_by(phases, ranges, w), 2),
            done=sum(done_week <= w for done_week in done_weeks) if w <= max(week, 0) else None,
        )
        for w in range(1, total_weeks + 1)
    ]


def _streak(completion_weeks, week):
    """Consecutive weeks with at least one tick, up to this week (or last week, while this
    week has no tick yet: the streak is still alive)."""
    active = set(completion_weeks)
    current = week if week in active else week - 1
    streak = 0
    while current >= 1 and current in active:
        streak += 1
        current -= 1
    return streak
