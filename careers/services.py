"""The learner's writes: enrolling, pausing, leaving, ticking, and their reminder switches.

(Guides are written to the database by careers.importer.)
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from careers import reminders
from careers.models import ActionItemCompletion, Enrolment, TaskCompletion


class EnrolmentClosed(Exception):
    """The learner left this pathway: its history can be read but not changed."""


def enrol(*, user, pathway, start_date, now=None):
    """Enrol `user` in `pathway`. Returns (enrolment, created).

    Enrolling again in a pathway one follows changes nothing; enrolling again after leaving it
    re-opens the same enrolment from the new start date, with its ticks kept.
    """
    now = now or timezone.now()
    enrolment = Enrolment.objects.filter(user=user, pathway=pathway).first()
    if enrolment is None:
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(user=user, pathway=pathway, start_date=start_date)
        except IntegrityError:  # a double submit won the race: theirs is the enrolment
            return Enrolment.objects.get(user=user, pathway=pathway), False
    elif enrolment.is_left:
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.start_date = start_date
        enrolment.left_at = enrolment.paused_at = None
        enrolment.paused_days = 0
        enrolment.save()
    else:
        return enrolment, False
    _reschedule(enrolment, user.profile, now)
    return enrolment, True


def pause(*, enrolment, now):
    if enrolment.is_active:
        enrolment.status = Enrolment.Status.PAUSED
        enrolment.paused_at = now
        enrolment.save(update_fields=["status", "paused_at"])


def resume(*, enrolment, now):
    if enrolment.is_paused:
        _end_pause(enrolment, now)
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.save(update_fields=["status", "paused_at", "paused_days"])
        _reschedule(enrolment, enrolment.user.profile, now)


def leave(*, enrolment, now):
    if not enrolment.is_left:
        _end_pause(enrolment, now)
        enrolment.status = Enrolment.Status.LEFT
        enrolment.left_at = now
        enrolment.save(update_fields=["status", "paused_at", "paused_days", "left_at"])


def change_status(*, enrolment, status, now):
    """Move `enrolment` to `status` (from the admin) the way the learner's own buttons do: paused
    time is counted, leaving keeps the ticks, and coming back from "left" re-opens the enrolment
    from its start date."""
    if status not in Enrolment.Status.values:
        raise ValueError(f"Unknown enrolment status {status!r}")
    if enrolment.is_left and status != Enrolment.Status.LEFT:
        enrol(user=enrolment.user, pathway=enrolment.pathway, start_date=enrolment.start_date, now=now)
        enrolment.refresh_from_db()
    if status == Enrolment.Status.ACTIVE:
        resume(enrolment=enrolment, now=now)
    elif status == Enrolment.Status.PAUSED:
        pause(enrolment=enrolment, now=now)
    else:
        leave(enrolment=enrolment, now=now)


def set_reminders(*, enrolment, enabled, now):
    """Turn one pathway's weekly reminder on or off; the learner's other pathways keep theirs."""
    enrolment.reminders_enabled = enabled
    enrolment.save(update_fields=["reminders_enabled"])
    if enabled:
        _reschedule(enrolment, enrolment.user.profile, now)


def reschedule_reminders(*, user, now):
    """After a change of reminder day, hour or time zone: every enrolment's next slot moves."""
    reminders.reschedule(Enrolment.objects.filter(user=user), user.profile, now)


def send_preview(*, enrolment, now):
    """Email this week's reminder now, as a preview: it does not count as the week's reminder."""
    reminders.build_message(enrolment.id, now).send()


def _reschedule(enrolment, profile, now):
    reminders.reschedule(Enrolment.objects.filter(pk=enrolment.pk), profile, now)


def _end_pause(enrolment, now):
    if enrolment.paused_at:
        enrolment.paused_days += max(0, (now - enrolment.paused_at).days)
        enrolment.paused_at = None


def set_task_done(*, enrolment, task, done, now):
    """Record that `task` is done (or not) in `enrolment`. Setting the state it already has
    changes nothing, so a repeated request or a second tab cannot undo a tick."""
    _set_done(TaskCompletion, enrolment=enrolment, field_name="task", item=task, done=done, now=now)


def set_action_item_done(*, enrolment, action_item, done, now):
    _set_done(
        ActionItemCompletion,
        enrolment=enrolment,
        field_name="action_item",
        item=action_item,
        done=done,
        now=now,
    )


def _set_done(model, *, enrolment, field_name, item, done, now):
    if enrolment.is_left:
        raise EnrolmentClosed
    lookup = {"enrolment": enrolment, field_name: item}
    if not done:
        model.objects.filter(**lookup).delete()
        return
    try:
        with transaction.atomic():
            model.objects.get_or_create(**lookup, defaults={"done_at": now})
    except IntegrityError:  # the same tick arrived twice at once: it is recorded either way
        pass
