"""Accounts' reads: data (dicts, strings), never HTTP."""

from allauth.account.models import EmailAddress

from accounts.models import Profile, Weekday
from careers.models import ActionItemCompletion, DigestLog, Enrolment, HabitTick, TaskCompletion

EXPORT_FORMAT = "career-pathways-export"
EXPORT_VERSION = 1


def masked_email(email):
    """ "learner@example.com" -> "l••••••@example.com": enough to recognise, not to harvest."""
    name, at, domain = email.partition("@")
    return f"{name[:1]}{'•' * max(len(name) - 1, 1)}{at}{domain}"


def _archived(item):
    """Whether a piece of content was archived: removed from the plan by a guide edit and kept as
    history (careers.models.Archivable). Content that is gone altogether counts as archived."""
    return item is None or getattr(item, "archived_at", None) is not None


def _resolution(completion):
    return {
        "state": "skipped" if completion.skip_reason else "done",
        "skip_reason": completion.skip_reason or None,  # "not_for_me" or "already_done"
        "at": completion.done_at,
    }


def learner_data(*, user, now):
    """Everything Career Pathways keeps about `user`, as a JSON-ready dict (datetimes and dates
    left as objects for the caller's encoder): the account, preferences, every enrolment with its
    ticks, skips and habit ticks (archived content included, flagged), and every weekly digest sent
    or attempted. Seven queries, however much there is. Secrets (the password hash, the calendar
    feed's address) are not included: the export says they exist."""
    emails = EmailAddress.objects.filter(user=user).order_by("-primary", "email")
    profile = Profile.objects.get(user=user)
    enrolments = list(
        Enrolment.objects.filter(user=user).select_related("pathway").order_by("created_at", "pk")
    )
    # Through the completion tables (their own managers, joins to the content): content that a
    # content manager may hide once archived still comes along.
    task_completions = (
        TaskCompletion.objects.filter(enrolment__user=user)
        .select_related("task__phase")
        .order_by("done_at", "pk")
    )
    step_completions = (
        ActionItemCompletion.objects.filter(enrolment__user=user)
        .select_related("action_item")
        .order_by("done_at", "pk")
    )
    habit_ticks = (
        HabitTick.objects.filter(enrolment__user=user).select_related("task__phase").order_by("done_at", "pk")
    )
    digests = DigestLog.objects.filter(user=user).order_by("week", "pk")

    by_enrolment = {
        enrolment.pk: {"tasks": [], "action_steps": [], "habit_ticks": []} for enrolment in enrolments
    }
    for completion in task_completions:
        task = completion.task
        by_enrolment[completion.enrolment_id]["tasks"].append(
            {
                "task": task.text if task else None,
                "phase": task.phase.title if task else None,
                "archived": _archived(task) or _archived(task.phase),
                **_resolution(completion),
            }
        )
    for completion in step_completions:
        step = completion.action_item
        by_enrolment[completion.enrolment_id]["action_steps"].append(
            {
                "step": step.text if step else None,
                "horizon": step.get_horizon_display() if step else None,
                "archived": _archived(step),
                **_resolution(completion),
            }
        )
    for habit_tick in habit_ticks:
        task = habit_tick.task
        by_enrolment[habit_tick.enrolment_id]["habit_ticks"].append(
            {
                "task": task.text if task else None,
                "phase": task.phase.title if task else None,
                "archived": _archived(task) or _archived(task.phase),
                "at": habit_tick.done_at,
            }
        )

    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "exported_at": now,
        "account": {
            "email_addresses": [
                {"email": address.email, "primary": address.primary, "verified": address.verified}
                for address in emails
            ],
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "preferences": {
            "time_zone": profile.time_zone,
            "reminder_day": Weekday(profile.reminder_weekday).label,
            "reminder_time": f"{profile.reminder_hour:02d}:00",
            "weekly_reminders": profile.reminders_enabled,
            "calendar_feed": "You have a private calendar address. It is a secret, so it is not in "
            "this file: see it or reset it on your preferences page.",
        },
        "enrolments": [
            {
                "pathway": {
                    "title": enrolment.pathway.title,
                    "slug": enrolment.pathway.slug,
                    "archived": _archived(enrolment.pathway),
                },
                "status": enrolment.status,
                "enrolled_at": enrolment.created_at,
                "start_date": enrolment.start_date,
                "paused_at": enrolment.paused_at,
                "paused_days": enrolment.paused_days,
                "left_at": enrolment.left_at,
                "completed_at": enrolment.completed_at,
                "reminders": enrolment.reminders_enabled,
                **by_enrolment[enrolment.pk],
            }
            for enrolment in enrolments
        ],
        "weekly_digests": [
            {
                "week": digest.week,
                "state": digest.state,
                "claimed_at": digest.claimed_at,
                "sent_at": digest.sent_at,
                "attempts": digest.attempts,
            }
            for digest in digests
        ],
    }
