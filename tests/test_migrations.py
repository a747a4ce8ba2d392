"""Data migrations: existing ticks under the rules of skips, habits and completion (0003)."""

import importlib
from datetime import UTC, date, datetime, timedelta

import pytest
from django.apps import apps

from careers.models import Enrolment, HabitTick, TaskCompletion
from tests.factories import habits, timed_tasks

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
from_ticks = importlib.import_module("careers.migrations.0003_habits_and_completions_from_ticks")


def test_old_ticks_become_habit_ticks_and_finished_enrolments_completed(
    make_enrolment, make_pathway, learner
):
    finished, unfinished = (
        make_enrolment(
            user=learner,
            pathway=make_pathway(phases=[(2, 2), (None, 1)]),
            start_date=date(2026, 3, 2),
            now=NOW,
        )
        for _ in range(2)
    )
    Enrolment.objects.filter(pk=finished.pk).update(status="paused", paused_at=NOW)
    last = NOW + timedelta(days=3)
    for enrolment in (finished, unfinished):  # rows as the app wrote them before skips and habits
        habit = habits(enrolment.pathway)[0]
        first, second = timed_tasks(enrolment.pathway)
        TaskCompletion.objects.create(enrolment=enrolment, task=habit, done_at=NOW)
        TaskCompletion.objects.create(enrolment=enrolment, task=first, done_at=NOW)
    TaskCompletion.objects.create(enrolment=finished, task=timed_tasks(finished.pathway)[1], done_at=last)

    from_ticks.forwards(apps, schema_editor=None)

    assert sorted(HabitTick.objects.values_list("enrolment", "done_at")) == [
        (finished.pk, NOW),
        (unfinished.pk, NOW),
    ]
    assert not TaskCompletion.objects.filter(task__phase__duration_weeks__isnull=True).exists()
    finished.refresh_from_db()
    unfinished.refresh_from_db()
    assert (finished.status, finished.completed_at, finished.paused_at) == ("completed", last, None)
    assert (unfinished.status, unfinished.completed_at) == ("active", None)
