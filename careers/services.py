"""The learner's writes: enrolling, pausing, leaving, ticking and skipping. Their reminder
switches (mute, preview, schedule) live in careers.reminders, which these call after a pathway
opens again (enrol, resume, reopen) to keep the learner's weekly slot.

A task or an action-plan step is resolved by one row (TaskCompletion, ActionItemCompletion): done
when its `skip_reason` is blank, skipped otherwise. A task of an ongoing phase is a weekly habit,
ticked per plan week (HabitTick). When every task of the timed phases is resolved the enrolment is
completed, and it opens again when one is not.

(Guides are written to the database by careers.importer.)
"""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, FilteredRelation, Max, OuterRef, Q
from django.utils import timezone

from careers import reminders
from careers.models import ActionItemCompletion, Enrolment, HabitTick, SkipReason, Task, TaskCompletion
from careers.schedule import week_window


class EnrolmentClosed(Exception):
    """The learner left this pathway: its history can be read but not changed."""


class PathwayArchived(Exception):
    """The pathway was withdrawn from the catalogue: nobody joins it any more (its learners keep it)."""


def enrol(*, user, pathway, start_date, now=None, hours_per_week=None, already_done=()):
    """Enrol `user` in `pathway`. Returns (enrolment, created).

    `hours_per_week` is the learner's pace (None: the guide's full-time pace, careers.pace).
    `already_done` are tasks of the pathway's timed phases the learner had done before: they are
    resolved as skipped "already done" before the plan begins (at the start of the start date, or
    now if that is earlier), so the plan lays out only what is left (careers.schedule). A task of
    another pathway, or of an ongoing phase, raises ValueError and nothing is written.

    Enrolling again in a pathway one follows changes nothing; enrolling again after leaving it
    re-opens the same enrolment from the new start date and pace, with its ticks kept. An archived
    pathway refuses newcomers and returning learners alike (PathwayArchived).
    """
    now = now or timezone.now()
    already_done = list(already_done)
    if any(task.phase.pathway_id != pathway.pk or task.phase.is_ongoing for task in already_done):
        raise ValueError("Only tasks of this pathway's timed phases can be marked already done.")
    with transaction.atomic():
        enrolment = Enrolment.objects.filter(user=user, pathway=pathway).first()
        if enrolment is not None and not enrolment.is_left:
            return enrolment, False
        if pathway.archived_at is not None:
            raise PathwayArchived
        if enrolment is None:
            try:
                with transaction.atomic():
                    enrolment = Enrolment.objects.create(
                        user=user, pathway=pathway, start_date=start_date, hours_per_week=hours_per_week
                    )
            except IntegrityError:  # a double submit won the race: theirs is the enrolment
                return Enrolment.objects.get(user=user, pathway=pathway), False
        else:
            enrolment.status = Enrolment.Status.ACTIVE
            enrolment.start_date = start_date
            enrolment.hours_per_week = hours_per_week
            enrolment.left_at = enrolment.paused_at = enrolment.completed_at = None
            enrolment.paused_days = 0
            enrolment.save()
        _mark_already_done(enrolment, already_done, now)
        if is_complete(enrolment=enrolment):  # every task was resolved (before leaving, or before)
            _complete(enrolment, now)
            return enrolment, True
    reminders.pathway_opened(user=user, now=now)
    return enrolment, True


def _mark_already_done(enrolment, tasks, now):
    """Resolve `tasks` as done before the plan began; a task the learner already resolved keeps its
    resolution (a tick kept from before leaving, say)."""
    if not tasks:
        return
    zone = ZoneInfo(enrolment.user.profile.time_zone)
    plan_begins = datetime.combine(enrolment.start_date, time(), tzinfo=zone)
    resolved = set(TaskCompletion.objects.filter(enrolment=enrolment).values_list("task_id", flat=True))
    TaskCompletion.objects.bulk_create(
        TaskCompletion(
            enrolment=enrolment, task=task, done_at=min(now, plan_begins), skip_reason=SkipReason.ALREADY_DONE
        )
        for task in dict.fromkeys(tasks)
        if task.pk not in resolved
    )


def change_pace(*, enrolment, hours_per_week):
    """Set the learner's pace (None: the guide's full-time pace). The plan re-lays from its start
    at the new pace (careers.schedule reads it through the snapshot); every tick is kept. A left
    enrolment refuses (EnrolmentClosed)."""
    with transaction.atomic():
        _lock_open(enrolment)
        enrolment.hours_per_week = hours_per_week
        enrolment.save(update_fields=["hours_per_week"])


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
        reminders.pathway_opened(user=enrolment.user, now=now)


def leave(*, enrolment, now):
    """Leave from any state; a completed enrolment keeps its `completed_at` as history."""
    if not enrolment.is_left:
        _end_pause(enrolment, now)
        enrolment.status = Enrolment.Status.LEFT
        enrolment.left_at = now
        enrolment.save(update_fields=["status", "paused_at", "paused_days", "left_at"])


def check_status_change(*, enrolment, status):
    """Raise ValueError (with a message for the admin) when `enrolment` cannot move to `status`:
    "completed" needs every task of the timed phases done or skipped, and a completed enrolment
    is only reopened by un-resolving a task, not by a status."""
    if status not in Enrolment.Status.values:
        raise ValueError(f"Unknown enrolment status {status!r}")
    if status == enrolment.status:
        return
    if status == Enrolment.Status.COMPLETED and not is_complete(enrolment=enrolment):
        raise ValueError(
            "This pathway is not complete: some tasks of its timed phases are neither done nor skipped."
        )
    if enrolment.is_completed and status in (Enrolment.Status.ACTIVE, Enrolment.Status.PAUSED):
        raise ValueError(
            "Every task of this pathway is done or skipped: untick one to reopen it, or set it to left."
        )
    if enrolment.is_left and enrolment.pathway.archived_at is not None:
        raise ValueError("This pathway is archived: a learner who left it cannot join it again.")


def change_status(*, enrolment, status, now):
    """Move `enrolment` to `status` (from the admin) the way the learner's own buttons do: paused
    time is counted, leaving keeps the ticks, and coming back from "left" re-opens the enrolment
    from its start date. Raises ValueError for a move `check_status_change` refuses."""
    check_status_change(enrolment=enrolment, status=status)
    if enrolment.is_left and status != Enrolment.Status.LEFT:
        enrol(
            user=enrolment.user,
            pathway=enrolment.pathway,
            start_date=enrolment.start_date,
            now=now,
            hours_per_week=enrolment.hours_per_week,
        )
        enrolment.refresh_from_db()
    if status == Enrolment.Status.COMPLETED:
        if not enrolment.is_completed:
            _complete(enrolment, now)
    elif status == Enrolment.Status.ACTIVE:
        resume(enrolment=enrolment, now=now)
    elif status == Enrolment.Status.PAUSED:
        pause(enrolment=enrolment, now=now)
    else:
        leave(enrolment=enrolment, now=now)


def _end_pause(enrolment, now):
    if enrolment.paused_at:
        enrolment.paused_days += max(0, (now - enrolment.paused_at).days)
        enrolment.paused_at = None


def set_task_done(*, enrolment, task, done, now):
    """Record that `task` is done (or not) in `enrolment`. Setting the state it already has
    changes nothing, so a repeated request or a second tab cannot undo a tick. Done replaces a
    skip; not done removes any resolution (it is also "undo skip"). A task of an ongoing phase is
    a weekly habit: done for the learner's current week only (set_habit_done)."""
    if task.phase.is_ongoing:
        set_habit_done(enrolment=enrolment, task=task, done=done, now=now)
        return
    _resolve(
        TaskCompletion,
        enrolment=enrolment,
        field_name="task",
        item=task,
        reason="" if done else None,
        now=now,
    )


def skip_task(*, enrolment, task, reason, now):
    """Resolve `task` without doing it: `reason` is a SkipReason ("not_for_me", "already_done")."""
    _resolve(TaskCompletion, enrolment=enrolment, field_name="task", item=task, reason=_skip(reason), now=now)


def set_action_item_done(*, enrolment, action_item, done, now):
    _resolve(
        ActionItemCompletion,
        enrolment=enrolment,
        field_name="action_item",
        item=action_item,
        reason="" if done else None,
        now=now,
    )


def skip_action_item(*, enrolment, action_item, reason, now):
    _resolve(
        ActionItemCompletion,
        enrolment=enrolment,
        field_name="action_item",
        item=action_item,
        reason=_skip(reason),
        now=now,
    )


def set_habit_done(*, enrolment, task, done, now):
    """Tick (or untick) the habit `task` for the learner's plan week holding `now` (from their
    reminder day, in their time zone): done adds a tick unless the week has one; not done removes
    the week's ticks."""
    if not task.phase.is_ongoing:
        raise ValueError(f"Task {task.pk} is not a weekly habit: its phase has a duration.")
    profile = enrolment.user.profile
    week_start, week_end = week_window(now, profile.time_zone, profile.reminder_weekday)
    with transaction.atomic():
        _lock_open(enrolment)  # serialises the learner's writes, so two ticks add one row
        this_week = HabitTick.objects.filter(
            enrolment=enrolment, task=task, done_at__gte=week_start, done_at__lt=week_end
        )
        if not done:
            this_week.delete()
        elif not this_week.exists():
            HabitTick.objects.create(enrolment=enrolment, task=task, done_at=now)


# The tasks that count towards completing a pathway: those of its timed phases (not its habits).
_TIMED = Q(phase__duration_weeks__isnull=False)


def is_complete(*, enrolment):
    """Whether every task of the pathway's timed phases is done or skipped in `enrolment` (a
    pathway with no timed task is never complete: its habits go on). One query."""
    timed = Task.objects.filter(_TIMED, phase__pathway=enrolment.pathway_id)
    resolved = TaskCompletion.objects.filter(enrolment=enrolment, task=OuterRef("pk"))
    counts = timed.aggregate(total=Count("pk"), open=Count("pk", filter=~Exists(resolved)))
    return counts["total"] > 0 and counts["open"] == 0


def _skip(reason):
    if reason not in SkipReason.values:
        raise ValueError(f"Unknown skip reason {reason!r}")
    return reason


def _lock_open(enrolment):
    """Lock the enrolment's row for this transaction and return it as stored; a left one refuses."""
    locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if locked.is_left:
        raise EnrolmentClosed
    return locked


def _resolve(model, *, enrolment, field_name, item, reason, now):
    """Set the resolution of `item`: None (open), "" (done) or a skip reason. The enrolment's row
    is locked meanwhile, so concurrent writes of one learner apply one after the other and the
    completion check sees them all."""
    with transaction.atomic():
        locked = _lock_open(enrolment)
        lookup = {"enrolment": locked, field_name: item}
        if reason is None:
            changed = model.objects.filter(**lookup).delete()[0] > 0
            complete = False  # a timed task no longer resolved leaves the pathway incomplete
        else:
            if model is TaskCompletion:
                current, complete = _task_resolution(locked, item)
            else:
                current = model.objects.filter(**lookup).values_list("skip_reason", flat=True).first()
            changed = _put(model, lookup, reason, now, current)
        # Only the tasks of timed phases count towards completion.
        if changed and model is TaskCompletion and not item.phase.is_ongoing:
            update_completion(enrolment=locked, now=now, complete=complete)
    # The caller's instance tells the truth afterwards (a tick's answer is read from it).
    for field in Enrolment._meta.concrete_fields:
        setattr(enrolment, field.attname, getattr(locked, field.attname))


def _task_resolution(enrolment, task):
    """The resolution `task` (one of the pathway's) has in `enrolment` (None: open, "": done, else a
    skip reason), and whether the pathway is complete once it is resolved, as is_complete() counts:
    one query, made with the enrolment locked, so no other tick of it changes either meanwhile."""
    timed = Q(archived_at__isnull=True) & _TIMED  # the live ones, as Task.objects has them
    this = Q(pk=task.pk)
    counts = (
        Task.all_objects.filter(phase__pathway=enrolment.pathway_id)
        .annotate(mine=FilteredRelation("completions", condition=Q(completions__enrolment=enrolment)))
        .aggregate(
            timed=Count("pk", filter=timed),
            others_open=Count("pk", filter=timed & ~this & Q(mine__isnull=True)),
            current=Max("mine__skip_reason", filter=this),
        )
    )
    return counts["current"], counts["timed"] > 0 and counts["others_open"] == 0


def _put(model, lookup, reason, now, current):
    """Store `reason` for the item, resolved as `current` until now (None: open); True when
    something changed. A repeat changes nothing (the first time is kept); a change of resolution is
    stamped `now`. Called with the enrolment locked (_resolve), so no other tick of it writes
    meanwhile; a row another writer slipped in is overwritten (an upsert), never an IntegrityError."""
    if current == reason:
        return False
    if current is None:
        model.objects.bulk_create(
            [model(**lookup, done_at=now, skip_reason=reason)],
            update_conflicts=True,
            unique_fields=list(lookup),
            update_fields=["done_at", "skip_reason"],
        )
    else:
        model.objects.filter(**lookup).update(skip_reason=reason, done_at=now)
    return True


def update_completion(*, enrolment, now, complete=None):
    """After a task was resolved or un-resolved, or the pathway's tasks changed: complete the
    enrolment, or reopen it, as is_complete() says (or `complete`, when the caller knows). A left
    enrolment is history and stays as it is."""
    if enrolment.is_left:
        return
    if complete is None:
        complete = is_complete(enrolment=enrolment)
    if complete and not enrolment.is_completed:
        _complete(enrolment, now)
    elif not complete and enrolment.is_completed:
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.completed_at = None
        enrolment.save(update_fields=["status", "completed_at"])
        reminders.pathway_opened(user=enrolment.user, now=now)
        enrolment.refresh_from_db(fields=["next_reminder_at"])


def _complete(enrolment, now):
    """Mark `enrolment` completed (from active or paused): its weekly reminders stop."""
    _end_pause(enrolment, now)
    enrolment.status = Enrolment.Status.COMPLETED
    enrolment.completed_at = now
    enrolment.save(update_fields=["status", "completed_at", "paused_at", "paused_days"])
