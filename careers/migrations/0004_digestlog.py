"""One digest per learner and week: DigestLog (one documented state machine, see
careers.reminders) replaces ReminderLog (one row per enrolment and week). Its history is kept:
one row per learner and week, sent when any of that week's reminders was sent."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def from_reminder_logs(apps, schema_editor):
    ReminderLog = apps.get_model("careers", "ReminderLog")
    DigestLog = apps.get_model("careers", "DigestLog")
    weeks = {}
    for row in ReminderLog.objects.select_related("enrolment").order_by("pk").iterator():
        key = (row.enrolment.user_id, row.week)
        merged = weeks.setdefault(key, {"claimed_at": row.claimed_at, "sent_at": None, "attempts": 0})
        merged["claimed_at"] = min(merged["claimed_at"], row.claimed_at)
        if row.sent_at:
            merged["sent_at"] = min(merged["sent_at"] or row.sent_at, row.sent_at)
        merged["attempts"] = max(merged["attempts"], row.attempts)
    DigestLog.objects.bulk_create(
        (
            DigestLog(
                user_id=user_id,
                week=week,
                # An unsent claim stays a claim: the dispatcher re-queues it once it is stale.
                state="sent" if merged["sent_at"] else "claimed",
                claimed_at=merged["claimed_at"],
                sent_at=merged["sent_at"],
                attempts=merged["attempts"],
            )
            for (user_id, week), merged in weeks.items()
        ),
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("careers", "0003_habits_and_completions_from_ticks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="DigestLog",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("week", models.DateField(help_text="Monday of the learner's local week the digest is for.")),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("claimed", "Claimed"),
                            ("sending", "Sending"),
                            ("sent", "Sent"),
                            ("failed", "Failed"),
                            ("skipped", "Nothing to send"),
                        ],
                        default="claimed",
                        max_length=10,
                    ),
                ),
                (
                    "claimed_at",
                    models.DateTimeField(help_text="When a dispatcher claimed (or re-queued) it, on its clock."),
                ),
                ("sending_until", models.DateTimeField(blank=True, null=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                ("last_error", models.TextField(blank=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="digest_logs",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="digestlog",
            index=models.Index(fields=["state", "claimed_at"], name="digest_unsent"),
        ),
        migrations.AddConstraint(
            model_name="digestlog",
            constraint=models.UniqueConstraint(fields=("user", "week"), name="one_digest_per_learner_and_week"),
        ),
        migrations.RunPython(from_reminder_logs, migrations.RunPython.noop),
        migrations.DeleteModel(name="ReminderLog"),
    ]
