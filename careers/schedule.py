"""The learner's week plan, as pure functions: no queries, no clock.

`week_plan()` answers "where does this enrolment stand at this moment, and what do I do this
week?" for the dashboard, the pathway page, the weekly email and the calendar alike. Its inputs
are plain snapshots (built from the database by `careers.selectors`), and `now` is an argument.

How the plan is laid out:
- **Weeks.** Plan weeks start on the learner's reminder weekday (`week_starts_on`, in their time
  zone), so the email that arrives that day shows the week that starts that day. Week 1 starts
  on the first such weekday on or after the start date; the days before it are a head start,
  which shows week 1's work early.
- **Phases.** Timed phases follow each other from week 1, each lasting its `duration_weeks`. Their
  tasks are spread in order over the phase's weeks (4 tasks over 8 weeks: one every two weeks; 3
  over 2 weeks: two, then one); the planned line of the chart uses the same spread.
- **Action plan.** Each horizon's steps are spread over its weeks (careers.horizons).
- **Habits.** The tasks of an ongoing phase (no duration) are weekly habits, done for a week when
  ticked in it; they show once the timed phases are over and never block completion.
- **Resolved.** A task or step is resolved when done or skipped ("not for me", "already done").
  Skipped items count for the plan's pace and completion, not as done.
- **Done before the start.** Tasks the learner had already done when they started
  (`Completions.before_start`) are resolved from the start and take no plan time: each timed
  phase spreads only the tasks left over its weeks, shortened in proportion (rounded up, so no
  week holds more than the guide's own share), and a phase with nothing left takes no week. They
  are never "done this week" and never in the streak.
"""

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from careers import horizons

# Recent weeks weigh most in the learner's pace: the last full week counts four times the fourth.
PACE_WEIGHTS = (4, 3, 2, 1)
# Full weeks of ticks needed before a finish date is projected from the learner's own pace.
PACE_MIN_WEEKS = 2


@dataclass(frozen=True)
class WeekRange:
    first: int
    last: int | None  # None: open-ended (an ongoing phase)

    @property
    def label(self):
        if self.last is None:
            return f"Week {self.first} onwards"
        if self.is_empty:
            return "No weeks"
        if self.first == self.last:
            return f"Week {self.first}"
        return f"Weeks {self.first}\u2013{self.last}"

    @property
    def is_empty(self):
        """A timed phase with no week: every task was done before the start."""
        return self.last is not None and self.last < self.first

    def __contains__(self, week):
        return self.first <= week and (self.last is None or week <= self.last)

    def __str__(self):
        return self.label


def phase_week_ranges(durations):
    """Week range of each phase, given each phase's duration in weeks (None for ongoing; 0 for a
    timed phase that takes no week, whose range is empty)."""
    timed_weeks = sum(weeks for weeks in durations if weeks)
    ranges = []
    next_week = 1
    for weeks in durations:
        if weeks is not None:
            ranges.append(WeekRange(next_week, next_week + weeks - 1))
            next_week += weeks
        else:
            ranges.append(WeekRange(timed_weeks + 1, None))
    return ranges


def spread(count, first_week, weeks):
    """The week (from `first_week`, over `weeks` weeks) each of `count` items in order is planned
    for: evenly, never more than ceil(count / weeks) in one week, earlier weeks first."""
    return [first_week + (i * weeks) // count for i in range(count)]


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

    @property
    def is_ongoing(self):
        return self.duration_weeks is None


@dataclass(frozen=True)
class PlanActionItem:
    id: int
    text: str
    horizon: str


@dataclass(frozen=True)
class EnrolmentSnapshot:
    """What the schedule needs to know of an enrolment, its pathway and its learner."""

    start_date: date  # moved on by the weeks spent paused (Enrolment.plan_start_date)
    phases: tuple[PlanPhase, ...]
    action_items: tuple[PlanActionItem, ...] = ()
    time_zone: str = "UTC"
    paused_at: datetime | None = None  # while paused, the plan stands still at this moment
    week_starts_on: int = 0  # the learner's reminder weekday: 0 is Monday


@dataclass(frozen=True)
class Completions:
    """What the learner resolved and when: {id: moment}; habits: {task id: (moments ticked)}."""

    tasks: dict[int, datetime] = field(default_factory=dict)
    action_items: dict[int, datetime] = field(default_factory=dict)
    skipped_tasks: dict[int, datetime] = field(default_factory=dict)
    skipped_action_items: dict[int, datetime] = field(default_factory=dict)
    habits: dict[int, tuple[datetime, ...]] = field(default_factory=dict)
    # Skipped tasks the learner had already done when they started: outside the plan's weeks.
    before_start: frozenset[int] = frozenset()


# --- Output ---------------------------------------------------------------------------------

TASK, STEP, HABIT = "task", "step", "habit"
DUE, LATE, AHEAD = "due", "late", "ahead"
BEFORE_START = "before_start"  # a task already done when the learner started: in no week


@dataclass(frozen=True)
class PlanItem:
    """A task, an action-plan step or a habit, as it stands in the plan at the moment."""

    kind: str  # TASK, STEP or HABIT
    id: int
    text: str
    week: int | None  # the plan week it is planned for; None for a habit (every week) or BEFORE_START
    week_starts: date | None  # the first day of that week
    phase: PlanPhase | None  # a task's or habit's phase
    horizon: horizons.Horizon | None  # a step's horizon
    # DUE (planned this week), LATE (planned earlier), AHEAD (a later week's), BEFORE_START (done
    # before the plan began); habits: DUE
    state: str
    done: bool = False  # for a habit: ticked this week
    skipped: bool = False

    @property
    def is_late(self):
        return self.state == LATE

    @property
    def is_ahead(self):
        return self.state == AHEAD

    @property
    def is_resolved(self):
        return self.done or self.skipped


@dataclass(frozen=True)
class PhaseProgress:
    phase: PlanPhase
    weeks: WeekRange
    first_day: date
    last_day: date | None  # None for an ongoing phase
    done: int  # tasks done; for an ongoing phase, habits ticked this week
    skipped: int  # tasks skipped, but not those done before the start
    total: int
    is_current: bool
    done_before_start: int = 0

    @property
    def resolved(self):
        return self.done + self.skipped + self.done_before_start

    @property
    def percent(self):
        return round(100 * self.resolved / self.total) if self.total else 0


@dataclass(frozen=True)
class ChartPoint:
    week: int
    planned: int  # tasks the plan expects resolved by the end of this week
    done: int | None  # tasks resolved by the end of this week; None for weeks still to come


@dataclass(frozen=True)
class WeekPlan:
    today: date
    start_date: date  # the start date, moved on by any time spent paused
    week_one_starts: date
    week: int  # 1 in the first plan week; 0 before it (head start, or not started yet)
    week_starts: date  # the current week's first day (the start date before week 1)
    week_ends: date  # its last day
    total_weeks: int | None  # weeks of the timed phases; None when all phases are ongoing
    phases: list[PhaseProgress]
    current_phase: PhaseProgress | None
    tasks: list[PlanItem]  # every task of the timed phases, in plan order, with its planned week
    steps: list[PlanItem]  # every action-plan step, by horizon, with its planned week
    habits: list[PlanItem]  # the ongoing phases' tasks, done if ticked this week
    this_week: list[PlanItem]  # what is left to do this week, in order: due, late, habits
    get_ahead: PlanItem | None  # once all tasks due so far are resolved: the next one, optional
    done_this_week: list[PlanItem]  # resolved during this week (in the head start: so far)
    done_last_week: list[PlanItem]
    tasks_done: int  # tasks of the timed phases
    tasks_skipped: int  # skipped in the plan (not those done before the start)
    tasks_done_before_start: int
    tasks_total: int
    action_items_done: int
    action_items_skipped: int
    action_items_total: int
    expected_done: int  # tasks the plan expects resolved by the end of last week
    behind_by: int  # tasks behind that; 0 when on track or ahead
    ahead_by: int  # tasks resolved beyond the end of this week's share
    planned_finish: date | None
    projected_finish: date | None  # at the learner's own pace; None when it cannot be told
    projection_note: str  # why there is no projected finish, or ""
    completed_on: date | None  # when the last task of the timed phases was resolved
    chart: list[ChartPoint]
    streak_weeks: int

    @property
    def has_started(self):
        return self.today >= self.start_date

    @property
    def in_head_start(self):
        return self.week == 0 and self.has_started

    @property
    def starts_in_days(self):
        return max(0, (self.start_date - self.today).days)

    @property
    def is_completed(self):
        return self.completed_on is not None

    @property
    def weeks_taken(self):
        return max(1, _week_number(self.completed_on, self.week_one_starts)) if self.completed_on else None

    @property
    def is_past_plan(self):
        return self.total_weeks is not None and self.week > self.total_weeks

    @property
    def weeks_since_plan_ended(self):
        return self.week - self.total_weeks if self.is_past_plan else 0

    @property
    def on_track(self):
        return self.behind_by == 0 and self.ahead_by == 0

    @property
    def tasks_resolved(self):
        return self.tasks_done + self.tasks_skipped + self.tasks_done_before_start

    @property
    def action_items_resolved(self):
        return self.action_items_done + self.action_items_skipped

    @property
    def percent(self):
        return round(100 * self.tasks_resolved / self.tasks_total) if self.tasks_total else 0

    @property
    def late_count(self):
        return sum(item.is_late for item in self.this_week)

    @property
    def week_label(self):
        if self.week == 0:
            day = self.week_one_starts
            return f"Week 1 starts {day:%A} {day.day} {day:%B}"
        if self.total_weeks is None:
            return f"Week {self.week}"
        if self.is_past_plan:
            ago = self.weeks_since_plan_ended
            weeks_ago = f"{ago} week{'s' if ago != 1 else ''} ago"
            return f"Week {self.week} · the {self.total_weeks}-week plan ended {weeks_ago}"
        return f"Week {self.week} of {self.total_weeks}"


def local_date(moment, time_zone):
    return moment.astimezone(ZoneInfo(time_zone)).date()


def week_one_start(start_date, week_starts_on):
    """The first plan week's first day: the first `week_starts_on` weekday on or after the start."""
    return start_date + timedelta(days=(week_starts_on - start_date.weekday()) % 7)


def week_window(now, time_zone, week_starts_on):
    """The learner's week around `now`, as aware UTC datetimes [start, end): from local midnight of
    the latest `week_starts_on` weekday on or before today, for seven days."""
    zone = ZoneInfo(time_zone)
    today = local_date(now, time_zone)
    first = today - timedelta(days=(today.weekday() - week_starts_on) % 7)
    start = datetime.combine(first, time(), tzinfo=zone)
    end = datetime.combine(first + timedelta(days=7), time(), tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def _week_number(day, week_one):
    """The plan week (1-based) of a local date; 0 before week 1."""
    return max(0, (day - week_one).days // 7 + 1)


def week_plan(enrolment: EnrolmentSnapshot, completions: Completions, now: datetime) -> WeekPlan:
    """Where `enrolment` stands at `now` (an aware datetime), and what to do this week."""
    zone = enrolment.time_zone
    start = enrolment.start_date
    week_one = week_one_start(start, enrolment.week_starts_on)
    today = local_date(enrolment.paused_at or now, zone)
    week = _week_number(today, week_one)
    if week >= 1:
        week_starts = week_one + timedelta(weeks=week - 1)
        week_ends = week_starts + timedelta(days=6)
    elif week_one > start:  # the head start (or the days before it): up to the day before week 1
        week_starts, week_ends = start, week_one - timedelta(days=1)
    else:  # not started yet, and week 1 starts on the start date
        week_starts, week_ends = week_one, week_one + timedelta(days=6)
    plan_week = max(week, 1)  # before week 1, its work is shown early

    def day_of(week_number):
        return week_one + timedelta(weeks=week_number - 1)

    def week_of(moment):
        return max(1, _week_number(local_date(moment, zone), week_one))

    phases = enrolment.phases
    done, skipped = completions.tasks, completions.skipped_tasks
    before = completions.before_start & skipped.keys()  # done before the start, so resolved
    durations = [_weeks_left(phase, before) for phase in phases]
    ranges = phase_week_ranges(durations)
    total_weeks = sum(weeks or 0 for weeks in durations) or None
    steps_done, steps_skipped = completions.action_items, completions.skipped_action_items

    # Each timed task's planned week, in plan order: the tasks left spread over the phase's weeks,
    # those done before the start in no week (None).
    timed = []
    for phase, weeks, duration in zip(phases, ranges, durations, strict=True):
        if phase.is_ongoing:
            continue
        left = [task.id for task in phase.tasks if task.id not in before]
        planned = dict(zip(left, spread(len(left), weeks.first, duration), strict=True))
        timed += [(task, phase, planned.get(task.id)) for task in phase.tasks]
    before_count = sum(task.id in before for task, _phase, _week in timed)
    steps = []
    for horizon in horizons.HORIZONS:
        items = [item for item in enrolment.action_items if item.horizon == horizon.key]
        steps += zip(items, spread(len(items), horizon.weeks.start, len(horizon.weeks)), strict=True)
    for item in enrolment.action_items:
        horizons.horizon(item.horizon)  # an unknown horizon is an error, never silently not due
    habits = [(task, phase) for phase in phases if phase.is_ongoing for task in phase.tasks]

    def task_item(task, phase, task_week):
        if task_week is None:
            return PlanItem(TASK, task.id, task.text, None, None, phase, None, BEFORE_START, skipped=True)
        return PlanItem(
            TASK, task.id, task.text, task_week, day_of(task_week), phase, None, state_of(task_week),
            done=task.id in done, skipped=task.id in skipped,
        )  # fmt: skip

    def step_item(item, step_week, state):
        return PlanItem(
            STEP, item.id, item.text, step_week, day_of(step_week), None, horizons.horizon(item.horizon),
            state, done=item.id in steps_done, skipped=item.id in steps_skipped,
        )  # fmt: skip

    def state_of(item_week):
        return DUE if item_week == plan_week else LATE if item_week < plan_week else AHEAD

    def habit_done_in(task, week_number):
        return any(week_of(at) == week_number for at in completions.habits.get(task.id, ()))

    tasks = [task_item(task, phase, w) for task, phase, w in timed]
    step_items = [step_item(item, w, state_of(w)) for item, w in steps]
    habits_shown = week >= 1 and (total_weeks is None or week > total_weeks)
    habit_items = [
        PlanItem(HABIT, task.id, task.text, None, None, phase, None, DUE, done=habit_done_in(task, week))
        for task, phase in habits
    ]

    def open_items(items, state):
        return [item for item in items if item.state == state and not item.is_resolved]

    this_week = [
        *open_items(tasks, DUE),
        *open_items(step_items, DUE),
        *open_items(tasks, LATE),
        *open_items(step_items, LATE),
        *([habit for habit in habit_items if not habit.done] if habits_shown else []),
    ]
    # Getting ahead is offered once every task planned up to this week is resolved.
    caught_up = not open_items(tasks, DUE) and not open_items(tasks, LATE)
    get_ahead = next(iter(open_items(tasks, AHEAD)), None) if caught_up else None

    def resolved_at(item):
        table = {
            TASK: (done, skipped),
            STEP: (steps_done, steps_skipped),
        }[item.kind]
        return table[0].get(item.id) or table[1].get(item.id)

    def resolved_in(week_number):
        items = [item for item in (*tasks, *step_items) if item.is_resolved and item.state != BEFORE_START]
        return [
            *(item for item in items if week_of(resolved_at(item)) == week_number),
            *(
                PlanItem(HABIT, task.id, task.text, None, None, phase, None, DUE, done=True)
                for task, phase in habits
                if habit_done_in(task, week_number)
            ),
        ]

    # Sorted, so the chart counts up to each week without going over every task for each.
    planned_weeks = sorted(task_week for _task, _phase, task_week in timed if task_week is not None)

    def planned_through(week_number):
        """Tasks the plan expects resolved by the end of `week_number`: from the start, those done
        before it."""
        return before_count + bisect_right(planned_weeks, week_number)

    resolved_times = sorted(
        at for task, _phase, _week in timed if (at := done.get(task.id) or skipped.get(task.id))
    )
    resolved_count = len(resolved_times)
    # When each task resolved during the plan was: those done before the start count from week 1.
    resolved_weeks = [
        week_of(at)
        for task, _phase, _week in timed
        if task.id not in before and (at := done.get(task.id) or skipped.get(task.id))
    ]
    expected = planned_through(week - 1)
    behind_by = max(0, expected - resolved_count)
    ahead_by = max(0, resolved_count - planned_through(plan_week))
    completed_on = local_date(resolved_times[-1], zone) if timed and resolved_count == len(timed) else None
    planned_finish = day_of(total_weeks + 1) - timedelta(days=1) if total_weeks else None
    projected_finish, projection_note = _projection(
        resolved_weeks=resolved_weeks,
        remaining=len(timed) - resolved_count,
        week=week,
        today=today,
        completed_on=completed_on,
    )

    current_index = None
    if week >= 1:
        current_index = next((i for i, weeks in enumerate(ranges) if week in weeks), None)
    progress = []
    for i, (phase, weeks) in enumerate(zip(phases, ranges, strict=True)):
        if phase.is_ongoing:
            counts = (sum(habit_done_in(task, week) for task in phase.tasks), 0, 0)
        else:
            counts = (
                sum(t.id in done for t in phase.tasks),
                sum(t.id in skipped and t.id not in done and t.id not in before for t in phase.tasks),
                sum(t.id in before for t in phase.tasks),
            )
        progress.append(
            PhaseProgress(
                phase=phase,
                weeks=weeks,
                first_day=day_of(weeks.first),
                last_day=day_of(weeks.last + 1) - timedelta(days=1) if weeks.last else None,
                done=counts[0],
                skipped=counts[1],
                done_before_start=counts[2],
                total=len(phase.tasks),
                is_current=i == current_index,
            )
        )

    tick_weeks = {
        week_of(at)
        for at in (
            *done.values(),
            *steps_done.values(),
            *(at for moments in completions.habits.values() for at in moments),
        )
    }
    chart_weeks = max(total_weeks or 0, week)
    resolved_by_week = sorted(resolved_weeks)
    chart = (
        [
            ChartPoint(
                week=w,
                planned=planned_through(w),
                done=before_count + bisect_right(resolved_by_week, w) if w <= week else None,
            )
            for w in range(1, chart_weeks + 1)
        ]
        if timed
        else []
    )
    return WeekPlan(
        today=today,
        start_date=start,
        week_one_starts=week_one,
        week=week,
        week_starts=week_starts,
        week_ends=week_ends,
        total_weeks=total_weeks,
        phases=progress,
        current_phase=progress[current_index] if current_index is not None else None,
        tasks=tasks,
        steps=step_items,
        habits=habit_items,
        this_week=this_week,
        get_ahead=get_ahead,
        done_this_week=resolved_in(plan_week),
        done_last_week=resolved_in(week - 1) if week >= 2 else [],
        tasks_done=sum(task.id in done for task, _phase, _week in timed),
        tasks_skipped=sum(
            task.id in skipped and task.id not in done and task.id not in before
            for task, _phase, _week in timed
        ),
        tasks_done_before_start=before_count,
        tasks_total=len(timed),
        action_items_done=sum(item.id in steps_done for item in enrolment.action_items),
        action_items_skipped=sum(
            item.id in steps_skipped and item.id not in steps_done for item in enrolment.action_items
        ),
        action_items_total=len(enrolment.action_items),
        expected_done=expected,
        behind_by=behind_by,
        ahead_by=ahead_by,
        planned_finish=planned_finish,
        projected_finish=projected_finish,
        projection_note=projection_note,
        completed_on=completed_on,
        chart=chart,
        streak_weeks=_streak(tick_weeks, week),
    )


def _weeks_left(phase, before):
    """A timed phase's weeks once the tasks done before the start (`before`) are taken out: in
    proportion to the tasks left, rounded up (no week gets more than the guide's share); 0 when
    none is left. An ongoing phase, or one without tasks, keeps its duration."""
    if phase.is_ongoing or not phase.tasks:
        return phase.duration_weeks
    left = sum(task.id not in before for task in phase.tasks)
    return math.ceil(phase.duration_weeks * left / len(phase.tasks))


def _projection(*, resolved_weeks, remaining, week, today, completed_on):
    """The projected finish at the learner's own pace (recent full weeks weigh most), or None and
    why not. Never before today."""
    if completed_on or not remaining:
        return None, ""
    full_weeks = [w for w in range(week - 1, week - 1 - len(PACE_WEIGHTS), -1) if w >= 1]
    if len(full_weeks) < PACE_MIN_WEEKS:
        return None, "Too early to project a finish: it needs two full weeks of your own pace."
    weights = PACE_WEIGHTS[: len(full_weeks)]
    pace = sum(weight * resolved_weeks.count(w) for weight, w in zip(weights, full_weeks, strict=True))
    pace /= sum(weights)  # tasks per week
    if not pace:
        return None, f"No task done in the last {len(full_weeks)} weeks, so no finish date can be projected."
    return today + timedelta(days=math.ceil(7 * remaining / pace)), ""


def _streak(active_weeks, week):
    """Consecutive weeks with at least one tick, up to this week (or last week, while this
    week has no tick yet: the streak is still alive)."""
    current = week if week in active_weeks else week - 1
    streak = 0
    while current >= 1 and current in active_weeks:
        streak += 1
        current -= 1
    return streak
