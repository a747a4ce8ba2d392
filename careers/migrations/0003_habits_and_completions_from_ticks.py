"""Existing ticks under the new rules: a tick of an ongoing phase's task becomes a habit tick of
that week, and an enrolment whose timed tasks are all done is completed (when its last one was)."""

from django.db import migrations
from django.db.models import Exists, Max, OuterRef


def forwards(apps, schema_editor):
    TaskCompletion = apps.get_model("careers", "TaskCompletion")
    HabitTick = apps.get_model("careers", "HabitTick")
    Enrolment = apps.get_model("careers", "Enrolment")
    Task = apps.get_model("careers", "Task")

    ongoing = TaskCompletion.objects.filter(task__phase__duration_weeks__isnull=True)
    HabitTick.objects.bulk_create(
        HabitTick(enrolment_id=row.enrolment_id, task_id=row.task_id, done_at=row.done_at)
        for row in ongoing.iterator()
    )
    ongoing.delete()

    for enrolment in Enrolment.objects.filter(status__in=["active", "paused"]).iterator():
        timed = Task.objects.filter(phase__pathway_id=enrolment.pathway_id, phase__duration_weeks__isnull=False)
        resolved = TaskCompletion.objects.filter(enrolment_id=enrolment.pk, task=OuterRef("pk"))
        if not timed.exists() or timed.filter(~Exists(resolved)).exists():
            continue
        last = TaskCompletion.objects.filter(enrolment_id=enrolment.pk, task__in=timed).aggregate(
            last=Max("done_at")
        )["last"]
        Enrolment.objects.filter(pk=enrolment.pk).update(status="completed", completed_at=last, paused_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("careers", "0002_skips_habits_completion"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
