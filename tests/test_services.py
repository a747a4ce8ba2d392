"""careers.services: the learner's writes (enrol, pause, resume, leave, change_status, ticks).

On a fixed clock: each test passes `now`, so the counted days do not depend on when the suite runs.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from careers import services
from careers.models import ActionItemCompletion, Enrolment, TaskCompletion
from tests.factories import all_tasks, tick, tick_action_item

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


# --- pause, resume, leave ----------------------------------------------------------------------


def test_pause_then_resume_counts_the_days_paused(enrolment):
    services.pause(enrolment=enrolment, now=NOW)
    paused = reloaded(enrolment)
    assert (paused.status, paused.paused_at) == (Enrolment.Status.PAUSED, NOW)

    services.resume(enrolment=paused, now=NOW + timedelta(days=9))
    resumed = reloaded(enrolment)
    assert (resumed.status, resumed.paused_at, resumed.paused_days) == (Enrolment.Status.ACTIVE, None, 9)
    assert resumed.plan_start_date == START + timedelta(days=9)  # the plan moved back by the pause

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
