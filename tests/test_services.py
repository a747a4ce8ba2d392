"""careers.services: the learner's writes (enrol, pause, resume, leave, change_status, ticks,
skips, habits, completion).

On a fixed clock: each test passes `now`, so the counted days do not depend on when the suite runs.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from careers import reminders, services
from careers.models import ActionItemCompletion, Enrolment, HabitTick, TaskCompletion
from careers.schedule import week_window
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

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
START = date(2026, 3, 2)


@pytest.fixture
def enrolment(make_enrolment, learner, pathway):
    return make_enrolment(user=learner, pathway=pathway, start_date=START, now=NOW)


def reloaded(enrolment):
    return Enrolment.objects.get(pk=enrolment.pk)


# --- enrol ------------------------------------------------------------------------------------


def test_enrol_creates_an_active_enrolment_from_the_start_date(learner, pathway):
    enrolment, created = services.enrol(user=learner, pathway=pathway, start_date=START, now=NOW)
    assert created
    stored = reloaded(enrolment)
    assert (stored.user, stored.pathway, stored.start_date, stored.status) == (
        learner,
        pathway,
        START,
        Enrolment.Status.ACTIVE,
    )


def test_enrolling_twice_keeps_one_enrolment_unchanged(enrolment, learner, pathway):
    again, created = services.enrol(
        user=learner, pathway=pathway, start_date=START + timedelta(days=7), now=NOW
    )
    assert not created
    assert again.pk == enrolment.pk
    assert Enrolment.objects.count() == 1
    assert reloaded(enrolment).start_date == START


def test_enrolling_again_after_leaving_reopens_the_enrolment_with_its_ticks(enrolment, learner, pathway):
    task = all_tasks(pathway)[0]
    tick(enrolment, task, at=NOW)
    services.pause(enrolment=enrolment, now=NOW)
    services.leave(enrolment=enrolment, now=NOW + timedelta(days=3))

    new_start = START + timedelta(days=30)
    again, created = services.enrol(user=learner, pathway=pathway, start_date=new_start, now=NOW)
    assert created and again.pk == enrolment.pk
    stored = reloaded(enrolment)
    assert stored.status == Enrolment.Status.ACTIVE
    assert (stored.start_date, stored.left_at, stored.paused_at, stored.paused_days) == (
        new_start,
        None,
        None,
        0,
    )
    assert list(TaskCompletion.objects.filter(enrolment=enrolment).values_list("task", flat=True)) == [
        task.id
    ]
    assert Enrolment.objects.count() == 1


def test_enrol_keeps_the_learners_pace(learner, pathway):
    enrolment, _created = services.enrol(
        user=learner, pathway=pathway, start_date=START, now=NOW, hours_per_week=10
    )
    assert reloaded(enrolment).hours_per_week == 10


def test_tasks_already_done_are_resolved_before_the_plan_begins(make_learner, pathway):
    learner = make_learner(time_zone="Europe/Berlin")
    first, second, third = timed_tasks(pathway)
    later = NOW - timedelta(days=7)  # enrolling a week before the start date
    enrolment, _created = services.enrol(
        user=learner, pathway=pathway, start_date=START, now=later, already_done=[first, third, first]
    )
    rows = TaskCompletion.objects.filter(enrolment=enrolment)
    assert {(row.task_id, row.skip_reason, row.done_at) for row in rows} == {
        (first.id, "already_done", later),
        (third.id, "already_done", later),
    }
    # Enrolling on (or after) the start date: stamped at the plan's first moment, in the learner's zone.
    other = make_learner(time_zone="Europe/Berlin")
    enrolment, _created = services.enrol(
        user=other, pathway=pathway, start_date=START, now=NOW, already_done=[second]
    )
    assert TaskCompletion.objects.get(enrolment=enrolment).done_at == datetime(2026, 3, 1, 23, 0, tzinfo=UTC)


def test_marking_every_timed_task_already_done_completes_the_enrolment(learner, pathway):
    enrolment, created = services.enrol(
        user=learner, pathway=pathway, start_date=START, now=NOW, already_done=timed_tasks(pathway)
    )
    assert created and reloaded(enrolment).status == Enrolment.Status.COMPLETED


def test_a_task_of_another_pathway_or_a_habit_is_refused_and_nothing_is_written(
    learner, pathway, make_pathway
):
    elsewhere = timed_tasks(make_pathway())[0]
    for task in (elsewhere, habits(pathway)[0]):
        with pytest.raises(ValueError, match="timed phases"):
            services.enrol(user=learner, pathway=pathway, start_date=START, now=NOW, already_done=[task])
    assert not Enrolment.objects.exists() and not TaskCompletion.objects.exists()


def test_enrolling_again_after_leaving_keeps_a_tick_over_already_done(enrolment, learner, pathway):
    first, second, _third = timed_tasks(pathway)
    tick(enrolment, first, at=NOW)
    services.leave(enrolment=enrolment, now=NOW)
    services.enrol(
        user=learner,
        pathway=pathway,
        start_date=START,
        now=NOW,
        hours_per_week=20,
        already_done=[first, second],
    )
    stored = {row.task_id: row.skip_reason for row in TaskCompletion.objects.filter(enrolment=enrolment)}
    assert stored == {first.id: "", second.id: "already_done"}
    assert reloaded(enrolment).hours_per_week == 20


def test_an_archived_pathway_refuses_newcomers_and_returning_learners(
    enrolment, learner, make_learner, pathway
):
    pathway.archived_at = NOW
    pathway.save()
    newcomer = make_learner()
    with pytest.raises(services.PathwayArchived):
        services.enrol(user=newcomer, pathway=pathway, start_date=START, now=NOW)
    assert not Enrolment.objects.filter(user=newcomer).exists()
    # Its learners keep it: enrolling again changes nothing, and still works.
    assert services.enrol(user=learner, pathway=pathway, start_date=START, now=NOW) == (enrolment, False)
    services.leave(enrolment=enrolment, now=NOW)
    with pytest.raises(services.PathwayArchived):
        services.enrol(user=learner, pathway=pathway, start_date=START, now=NOW)
    assert reloaded(enrolment).status == Enrolment.Status.LEFT
    with pytest.raises(ValueError, match="archived"):
        services.change_status(enrolment=reloaded(enrolment), status=Enrolment.Status.ACTIVE, now=NOW)


def test_change_pace_keeps_every_tick_and_a_left_enrolment_refuses(enrolment, pathway):
    tick(enrolment, all_tasks(pathway)[0], at=NOW)
    services.change_pace(enrolment=enrolment, hours_per_week=5)
    assert reloaded(enrolment).hours_per_week == 5
    services.change_pace(enrolment=enrolment, hours_per_week=None)
    assert reloaded(enrolment).hours_per_week is None
    assert TaskCompletion.objects.filter(enrolment=enrolment).count() == 1
    services.leave(enrolment=enrolment, now=NOW)
    with pytest.raises(services.EnrolmentClosed):
        services.change_pace(enrolment=enrolment, hours_per_week=10)
    assert reloaded(enrolment).hours_per_week is None


def test_change_status_from_left_keeps_the_pace(enrolment):
    services.change_pace(enrolment=enrolment, hours_per_week=12)
    services.leave(enrolment=enrolment, now=NOW)
    services.change_status(enrolment=reloaded(enrolment), status=Enrolment.Status.ACTIVE, now=NOW)
    assert reloaded(enrolment).hours_per_week == 12


# --- pause, resume, leave ----------------------------------------------------------------------


def test_pause_then_resume_counts_the_days_paused(enrolment):
    services.pause(enrolment=enrolment, now=NOW)
    paused = reloaded(enrolment)
    assert (paused.status, paused.paused_at) == (Enrolment.Status.PAUSED, NOW)

    services.resume(enrolment=paused, now=NOW + timedelta(days=9))
    resumed = reloaded(enrolment)
    assert (resumed.status, resumed.paused_at, resumed.paused_days) == (Enrolment.Status.ACTIVE, None, 9)
    # The plan moved back by the pause, in whole weeks so weeks still start on the reminder day.
    assert resumed.plan_start_date == START + timedelta(weeks=1)

    # A second pause adds to the first.
    services.pause(enrolment=resumed, now=NOW + timedelta(days=20))
    services.resume(enrolment=resumed, now=NOW + timedelta(days=22))
    assert reloaded(enrolment).paused_days == 11


def test_pausing_a_paused_or_resuming_an_active_enrolment_changes_nothing(enrolment):
    services.resume(enrolment=enrolment, now=NOW + timedelta(days=5))
    assert (reloaded(enrolment).status, reloaded(enrolment).paused_days) == (Enrolment.Status.ACTIVE, 0)

    services.pause(enrolment=enrolment, now=NOW)
    services.pause(enrolment=enrolment, now=NOW + timedelta(days=4))
    assert reloaded(enrolment).paused_at == NOW


def test_leave_keeps_the_ticks_and_counts_a_pause_in_progress(enrolment, pathway):
    tick(enrolment, all_tasks(pathway)[0], at=NOW)
    tick_action_item(enrolment, pathway.action_items.first(), at=NOW)
    services.pause(enrolment=enrolment, now=NOW)

    services.leave(enrolment=enrolment, now=NOW + timedelta(days=4))
    left = reloaded(enrolment)
    assert (left.status, left.left_at, left.paused_at, left.paused_days) == (
        Enrolment.Status.LEFT,
        NOW + timedelta(days=4),
        None,
        4,
    )
    assert TaskCompletion.objects.filter(enrolment=enrolment).count() == 1
    assert ActionItemCompletion.objects.filter(enrolment=enrolment).count() == 1

    services.leave(enrolment=left, now=NOW + timedelta(days=10))  # leaving again changes nothing
    assert reloaded(enrolment).left_at == NOW + timedelta(days=4)


# --- ticks ------------------------------------------------------------------------------------


def test_set_task_done_sets_a_state_and_repeating_it_changes_nothing(enrolment, pathway):
    task = all_tasks(pathway)[0]
    services.set_task_done(enrolment=enrolment, task=task, done=True, now=NOW)
    services.set_task_done(enrolment=enrolment, task=task, done=True, now=NOW + timedelta(hours=1))
    assert list(TaskCompletion.objects.values_list("enrolment", "task", "done_at")) == [
        (enrolment.id, task.id, NOW)  # the first tick's time: a repeat does not move it
    ]

    services.set_task_done(enrolment=enrolment, task=task, done=False, now=NOW)
    assert not TaskCompletion.objects.exists()
    services.set_task_done(enrolment=enrolment, task=task, done=False, now=NOW)  # no error, still none
    assert not TaskCompletion.objects.exists()


def test_set_action_item_done_sets_a_state_the_same_way(enrolment, pathway):
    item = pathway.action_items.first()
    for _ in range(2):
        services.set_action_item_done(enrolment=enrolment, action_item=item, done=True, now=NOW)
    assert list(ActionItemCompletion.objects.values_list("action_item", "done_at")) == [(item.id, NOW)]
    for _ in range(2):
        services.set_action_item_done(enrolment=enrolment, action_item=item, done=False, now=NOW)
    assert not ActionItemCompletion.objects.exists()


@pytest.mark.parametrize("done", [True, False])
def test_a_left_enrolment_refuses_ticks(enrolment, pathway, done):
    task, other_task = all_tasks(pathway)[:2]
    tick(enrolment, task, at=NOW)
    services.leave(enrolment=enrolment, now=NOW)
    enrolment = reloaded(enrolment)

    with pytest.raises(services.EnrolmentClosed):
        services.set_task_done(enrolment=enrolment, task=task if not done else other_task, done=done, now=NOW)
    with pytest.raises(services.EnrolmentClosed):
        services.set_action_item_done(
            enrolment=enrolment, action_item=pathway.action_items.first(), done=done, now=NOW
        )
    assert list(TaskCompletion.objects.values_list("task", flat=True)) == [task.id]
    assert not ActionItemCompletion.objects.exists()


# --- change_status (the admin's status field) ----------------------------------------------------


def test_change_status_pauses_resumes_and_leaves_as_the_learner_would(enrolment, pathway):
    tick(enrolment, all_tasks(pathway)[0], at=NOW)

    services.change_status(enrolment=enrolment, status=Enrolment.Status.PAUSED, now=NOW)
    assert (reloaded(enrolment).status, reloaded(enrolment).paused_at) == (Enrolment.Status.PAUSED, NOW)

    services.change_status(enrolment=enrolment, status=Enrolment.Status.ACTIVE, now=NOW + timedelta(days=3))
    active = reloaded(enrolment)
    assert (active.status, active.paused_at, active.paused_days) == (Enrolment.Status.ACTIVE, None, 3)

    later = NOW + timedelta(days=5)
    services.change_status(enrolment=enrolment, status=Enrolment.Status.LEFT, now=later)
    assert (reloaded(enrolment).status, reloaded(enrolment).left_at) == (Enrolment.Status.LEFT, later)
    assert TaskCompletion.objects.filter(enrolment=enrolment).count() == 1


@pytest.mark.parametrize("status", [Enrolment.Status.ACTIVE, Enrolment.Status.PAUSED])
def test_change_status_from_left_reopens_from_the_start_date_with_the_ticks(enrolment, pathway, status):
    tick(enrolment, all_tasks(pathway)[0], at=NOW)
    services.leave(enrolment=enrolment, now=NOW)

    services.change_status(enrolment=reloaded(enrolment), status=status, now=NOW + timedelta(days=1))
    stored = reloaded(enrolment)
    assert (stored.status, stored.start_date, stored.left_at) == (status, START, None)
    assert TaskCompletion.objects.filter(enrolment=enrolment).count() == 1


def test_change_status_to_an_unknown_status_is_refused(enrolment):
    with pytest.raises(ValueError, match="archived"):
        services.change_status(enrolment=enrolment, status="archived", now=NOW)
    assert reloaded(enrolment).status == Enrolment.Status.ACTIVE


def test_change_status_to_completed_needs_every_timed_task_resolved(enrolment, pathway):
    first, second, third = timed_tasks(pathway)
    tick(enrolment, first, at=NOW)
    skip(enrolment, second, at=NOW)
    with pytest.raises(ValueError, match="not complete"):
        services.change_status(enrolment=reloaded(enrolment), status=Enrolment.Status.COMPLETED, now=NOW)
    assert reloaded(enrolment).status == Enrolment.Status.ACTIVE

    # Resolved behind the services' back (say, before completion existed): the admin may complete it.
    TaskCompletion.objects.create(enrolment=enrolment, task=third, done_at=NOW)
    later = NOW + timedelta(days=1)
    services.change_status(enrolment=reloaded(enrolment), status=Enrolment.Status.COMPLETED, now=later)
    assert (reloaded(enrolment).status, reloaded(enrolment).completed_at) == (
        Enrolment.Status.COMPLETED,
        later,
    )


@pytest.mark.parametrize("status", [Enrolment.Status.ACTIVE, Enrolment.Status.PAUSED])
def test_change_status_does_not_reopen_a_completed_enrolment(enrolment, pathway, status):
    for task in timed_tasks(pathway):
        tick(enrolment, task, at=NOW)
    with pytest.raises(ValueError, match="untick one"):
        services.change_status(enrolment=reloaded(enrolment), status=status, now=NOW)
    assert reloaded(enrolment).is_completed


def test_change_status_from_left_to_completed_reopens_it_completed(enrolment, pathway):
    for task in timed_tasks(pathway):
        tick(enrolment, task, at=NOW)
    services.leave(enrolment=reloaded(enrolment), now=NOW)
    later = NOW + timedelta(days=2)
    services.change_status(enrolment=reloaded(enrolment), status=Enrolment.Status.COMPLETED, now=later)
    stored = reloaded(enrolment)
    assert (stored.status, stored.completed_at, stored.left_at) == (Enrolment.Status.COMPLETED, later, None)


# --- skips ----------------------------------------------------------------------------------------


def resolutions(model=TaskCompletion):
    return list(model.objects.order_by("pk").values_list("done_at", "skip_reason"))


def test_skip_task_resolves_it_with_a_reason_and_repeating_it_changes_nothing(enrolment, pathway):
    task = all_tasks(pathway)[0]
    for hours in (0, 1):
        services.skip_task(
            enrolment=enrolment, task=task, reason="not_for_me", now=NOW + timedelta(hours=hours)
        )
    assert resolutions() == [(NOW, "not_for_me")]

    later = NOW + timedelta(days=1)
    services.skip_task(enrolment=enrolment, task=task, reason="already_done", now=later)
    assert resolutions() == [(later, "already_done")]  # one row per task: its reason changed


def test_ticking_a_skipped_task_makes_it_done_and_unticking_undoes_either(enrolment, pathway):
    task = all_tasks(pathway)[0]
    skip(enrolment, task, "already_done", at=NOW)
    later = NOW + timedelta(hours=2)
    services.set_task_done(enrolment=enrolment, task=task, done=True, now=later)
    assert resolutions() == [(later, "")]
    services.skip_task(enrolment=enrolment, task=task, reason="not_for_me", now=later)
    services.set_task_done(enrolment=enrolment, task=task, done=False, now=later)  # undo skip
    assert resolutions() == []


def test_action_items_skip_the_same_way(enrolment, pathway):
    item = pathway.action_items.first()
    for _ in range(2):
        services.skip_action_item(enrolment=enrolment, action_item=item, reason="already_done", now=NOW)
    assert resolutions(ActionItemCompletion) == [(NOW, "already_done")]
    services.set_action_item_done(enrolment=enrolment, action_item=item, done=True, now=NOW)
    assert resolutions(ActionItemCompletion) == [(NOW, "")]
    services.set_action_item_done(enrolment=enrolment, action_item=item, done=False, now=NOW)
    assert resolutions(ActionItemCompletion) == []


def test_an_unknown_skip_reason_is_refused(enrolment, pathway):
    with pytest.raises(ValueError, match="bored"):
        services.skip_task(enrolment=enrolment, task=all_tasks(pathway)[0], reason="bored", now=NOW)
    with pytest.raises(ValueError, match="''"):
        services.skip_action_item(
            enrolment=enrolment, action_item=pathway.action_items.first(), reason="", now=NOW
        )
    assert not TaskCompletion.objects.exists() and not ActionItemCompletion.objects.exists()


def test_a_left_enrolment_refuses_skips(enrolment, pathway):
    services.leave(enrolment=enrolment, now=NOW)
    with pytest.raises(services.EnrolmentClosed):
        skip(reloaded(enrolment), all_tasks(pathway)[0], at=NOW)
    with pytest.raises(services.EnrolmentClosed):
        skip_action_item(reloaded(enrolment), pathway.action_items.first(), at=NOW)
    assert not TaskCompletion.objects.exists() and not ActionItemCompletion.objects.exists()


def test_a_tick_from_a_stale_page_of_a_left_enrolment_is_refused(enrolment, pathway):
    stale = reloaded(enrolment)  # read before the learner left in another tab
    services.leave(enrolment=enrolment, now=NOW)
    with pytest.raises(services.EnrolmentClosed):
        tick(stale, all_tasks(pathway)[0], at=NOW)
    assert not TaskCompletion.objects.exists()


def test_a_duplicate_written_meanwhile_is_read_back_not_assumed(enrolment, pathway, monkeypatch):
    """A row another request stored after this one looked makes the insert fail: the stored row is
    read back and given this request's reason, rather than the skip being assumed saved."""
    task = all_tasks(pathway)[0]
    TaskCompletion.objects.create(enrolment=enrolment, task=task, done_at=NOW - timedelta(hours=1))
    real_resolution, missed = services._task_resolution, []

    def resolution_misses_it_once(enrolment, task):
        current, complete = real_resolution(enrolment, task)
        if not missed:
            missed.append(True)
            return None, complete  # as if read just before the other request's insert
        return current, complete

    monkeypatch.setattr(services, "_task_resolution", resolution_misses_it_once)
    services.skip_task(enrolment=enrolment, task=task, reason="not_for_me", now=NOW)
    assert missed and resolutions() == [(NOW, "not_for_me")]


# --- habits ---------------------------------------------------------------------------------------


@pytest.fixture
def habit(pathway):
    return habits(pathway)[0]


def habit_ticks():
    return list(HabitTick.objects.order_by("done_at").values_list("done_at", flat=True))


def test_a_habit_is_ticked_once_per_week_and_unticked_for_that_week_only(enrolment, habit):
    week = week_window(NOW, "UTC", 0)  # NOW is a Monday: Monday 00:00 to the next Monday
    assert week == (datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 9, tzinfo=UTC))
    for hours in (0, 5):
        services.set_habit_done(enrolment=enrolment, task=habit, done=True, now=NOW + timedelta(hours=hours))
    assert habit_ticks() == [NOW]

    next_week = NOW + timedelta(days=7)
    tick_habit(enrolment, habit, at=next_week)
    assert habit_ticks() == [NOW, next_week]

    tick_habit(enrolment, habit, at=next_week + timedelta(days=1), done=False)
    assert habit_ticks() == [NOW]  # last week's tick stays
    tick_habit(enrolment, habit, at=next_week, done=False)  # nothing to remove: no error
    assert habit_ticks() == [NOW]


def test_a_habit_week_is_the_learners_week(make_enrolment, make_learner, pathway):
    """In Tokyo with Wednesday reminders, the week runs from Wednesday 00:00 Tokyo time."""
    learner = make_learner(time_zone="Asia/Tokyo", reminder_weekday=2)
    enrolment = make_enrolment(user=learner, pathway=pathway, start_date=START, now=NOW)
    habit = habits(pathway)[0]
    tuesday_night = datetime(2026, 3, 3, 14, 59, tzinfo=UTC)  # Tuesday 23:59 in Tokyo
    wednesday = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)  # Wednesday 00:00 in Tokyo
    tick_habit(enrolment, habit, at=tuesday_night)
    tick_habit(enrolment, habit, at=wednesday)
    assert habit_ticks() == [tuesday_night, wednesday]  # two weeks, one tick each


def test_set_habit_done_refuses_a_timed_task_and_a_left_enrolment(enrolment, pathway, habit):
    with pytest.raises(ValueError, match="not a weekly habit"):
        services.set_habit_done(enrolment=enrolment, task=timed_tasks(pathway)[0], done=True, now=NOW)
    services.leave(enrolment=enrolment, now=NOW)
    with pytest.raises(services.EnrolmentClosed):
        services.set_habit_done(enrolment=enrolment, task=habit, done=True, now=NOW)
    assert not HabitTick.objects.exists()


# --- completion -----------------------------------------------------------------------------------


def test_resolving_every_timed_task_completes_the_enrolment_and_its_reminders_stop(enrolment, pathway):
    first, second, third = timed_tasks(pathway)
    tick(enrolment, first, at=NOW)
    skip(enrolment, second, "already_done", at=NOW)
    assert reloaded(enrolment).is_active  # one task still open; the habit never counts
    assert list(reminders.due(reloaded(enrolment).next_reminder_at)) == [enrolment.user]

    finished = NOW + timedelta(days=3)
    skip(enrolment, third, "not_for_me", at=finished)
    stored = reloaded(enrolment)
    assert (stored.status, stored.completed_at, stored.is_completed) == (
        Enrolment.Status.COMPLETED,
        finished,
        True,
    )
    assert list(reminders.due(finished + timedelta(days=30))) == []  # no weekly email for it any more


def test_the_callers_enrolment_tells_the_new_status(enrolment, pathway):
    for task in timed_tasks(pathway):
        tick(enrolment, task, at=NOW)
    assert enrolment.is_completed and enrolment.completed_at == NOW


def test_unresolving_a_task_reopens_a_completed_enrolment_and_reschedules_its_reminder(enrolment, pathway):
    for task in timed_tasks(pathway):
        tick(enrolment, task, at=NOW)
    Enrolment.objects.filter(pk=enrolment.pk).update(next_reminder_at=None)
    later = NOW + timedelta(days=10)  # Thursday 12 March: next reminder Monday 16 March, 08:00 UTC
    tick(reloaded(enrolment), timed_tasks(pathway)[1], at=later, done=False)
    stored = reloaded(enrolment)
    assert (stored.status, stored.completed_at) == (Enrolment.Status.ACTIVE, None)
    assert stored.next_reminder_at == datetime(2026, 3, 16, 8, 0, tzinfo=UTC)
    # Skipping it completes it again; changing a skip's reason changes nothing more.
    skip(stored, timed_tasks(pathway)[1], at=later)
    skip(stored, timed_tasks(pathway)[1], "already_done", at=later + timedelta(days=1))
    assert (reloaded(enrolment).status, reloaded(enrolment).completed_at) == (
        Enrolment.Status.COMPLETED,
        later,
    )


def test_a_paused_enrolment_completes_and_its_pause_ends(enrolment, pathway):
    services.pause(enrolment=enrolment, now=NOW)
    for task in timed_tasks(pathway):
        tick(reloaded(enrolment), task, at=NOW + timedelta(days=2))
    stored = reloaded(enrolment)
    assert (stored.status, stored.paused_at, stored.paused_days) == (Enrolment.Status.COMPLETED, None, 2)


def test_habits_and_action_items_do_not_complete_a_pathway(enrolment, pathway):
    tick_habit(enrolment, habits(pathway)[0], at=NOW)
    for item in pathway.action_items.all():
        tick_action_item(enrolment, item, at=NOW)
    assert reloaded(enrolment).is_active


def test_a_pathway_of_habits_only_is_never_completed(make_enrolment, learner, make_pathway):
    enrolment = make_enrolment(
        user=learner, pathway=make_pathway(phases=[(None, 2)]), start_date=START, now=NOW
    )
    for habit in habits(enrolment.pathway):
        tick_habit(enrolment, habit, at=NOW)
    assert not services.is_complete(enrolment=enrolment)
    assert reloaded(enrolment).is_active


def test_pause_and_resume_leave_a_completed_enrolment_alone_and_leave_works(enrolment, pathway):
    for task in timed_tasks(pathway):
        tick(enrolment, task, at=NOW)
    services.pause(enrolment=reloaded(enrolment), now=NOW)
    services.resume(enrolment=reloaded(enrolment), now=NOW)
    assert reloaded(enrolment).is_completed and reloaded(enrolment).paused_at is None

    services.leave(enrolment=reloaded(enrolment), now=NOW + timedelta(days=1))
    left = reloaded(enrolment)
    assert (left.status, left.completed_at) == (Enrolment.Status.LEFT, NOW)  # when it was completed, kept
    with pytest.raises(services.EnrolmentClosed):
        tick(left, timed_tasks(pathway)[0], at=NOW, done=False)


def test_enrolling_again_in_a_completed_pathway_one_left_finds_it_completed(enrolment, learner, pathway):
    for task in timed_tasks(pathway):
        tick(enrolment, task, at=NOW)
    services.leave(enrolment=reloaded(enrolment), now=NOW)
    again = NOW + timedelta(days=5)
    reopened, created = services.enrol(user=learner, pathway=pathway, start_date=START, now=again)
    assert created
    stored = reloaded(reopened)
    assert (stored.status, stored.completed_at, stored.left_at) == (Enrolment.Status.COMPLETED, again, None)


def test_ticking_a_habit_as_a_task_ticks_it_for_this_week(enrolment, habit):
    services.set_task_done(enrolment=enrolment, task=habit, done=True, now=NOW)
    assert habit_ticks() == [NOW]
    assert not TaskCompletion.objects.filter(task=habit).exists()
    services.set_task_done(enrolment=enrolment, task=habit, done=False, now=NOW + timedelta(hours=1))
    assert habit_ticks() == []
