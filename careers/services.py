"""Writes: importing pathways, enrolling, and recording a learner's progress."""

from collections import Counter
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.selectors import profile_for
from careers import guides, reminders
from careers.models import (
    ActionItemCompletion,
    Enrolment,
    Pathway,
    Phase,
    Resource,
    Task,
    TaskCompletion,
)


@dataclass
class ImportResult:
    pathway: Pathway
    created: bool = False
    changes: Counter = field(default_factory=Counter)  # e.g. {"task created": 3}

    @property
    def changed(self):
        return self.created or bool(self.changes)

    def summary(self):
        if self.created:
            return "created"
        if not self.changes:
            return "unchanged"
        return (
            "updated (" + ", ".join(f"{count} {what}" for what, count in sorted(self.changes.items())) + ")"
        )


@transaction.atomic
def import_pathway(guide: guides.Guide) -> ImportResult:
    """Create or update the pathway described by `guide`, matched by slug.

    Rows are matched by their text, so a task that is still in the guide keeps its identity
    (and the learners' ticks on it) even when it moves to another phase or position. Rows no
    longer in the guide are removed. Re-importing an unchanged guide writes nothing.
    """
    fields = {
        "title": guide.title,
        "from_role": guide.from_role,
        "to_role": guide.to_role,
        "duration_months": guide.duration_months,
        "difficulty": guide.difficulty,
        "timeline": guide.timeline,
        "salary_change": guide.salary_change,
        "demand": guide.demand,
        "other_facts": guide.other_facts,
        "overview": "\n\n".join(guide.overview),
    }
    pathway = Pathway.objects.filter(slug=guide.slug).first()
    result = ImportResult(pathway=pathway)
    if pathway is None:
        result.pathway = pathway = Pathway.objects.create(slug=guide.slug, **fields)
        result.created = True
    elif _assign(pathway, fields):
        pathway.save()
        result.changes["pathway field updated"] += 1

    phase_rows = [
        (
            phase.title,
            {
                "order": order,
                "duration_weeks": phase.duration_weeks,
                "duration_label": phase.duration_label,
                "summary": phase.summary,
            },
        )
        for order, phase in enumerate(guide.phases, start=1)
    ]
    # Stale phases go last, once the tasks they still hold have moved to their new phases.
    phases = _sync(
        result,
        "phase",
        Phase.objects.filter(pathway=pathway),
        "title",
        phase_rows,
        delete=False,
        pathway=pathway,
    )
    _sync(
        result,
        "task",
        Task.objects.filter(phase__pathway=pathway),
        "text",
        [
            (text, {"phase": phases[p], "order": order})
            for p, phase in enumerate(guide.phases)
            for order, text in enumerate(phase.tasks, start=1)
        ],
    )
    _sync(
        result,
        "resource",
        Resource.objects.filter(phase__pathway=pathway),
        "title",
        [
            (resource.title, {"phase": phases[p], "order": order, "url": resource.url})
            for p, phase in enumerate(guide.phases)
            for order, resource in enumerate(phase.resources, start=1)
        ],
    )
    _delete_stale(result, "phase", Phase.objects.filter(pathway=pathway), phases)
    _sync(
        result,
        "transferable skill",
        pathway.transferable_skills.all(),
        "name",
        [
            (skill.name, {"order": order, "description": skill.description})
            for order, skill in enumerate(guide.transferable_skills, start=1)
        ],
        pathway=pathway,
    )
    _sync(
        result,
        "skill to learn",
        pathway.skills_to_learn.all(),
        "name",
        [
            (
                skill.name,
                {
                    "order": order,
                    "priority": skill.priority,
                    "weeks": skill.weeks,
                    "duration_label": skill.duration_label,
                    "description": skill.description,
                },
            )
            for order, skill in enumerate(guide.skills_to_learn, start=1)
        ],
        pathway=pathway,
    )
    _sync(
        result,
        "action item",
        pathway.action_items.all(),
        "text",
        _grouped_rows(guide.action_plan, "horizon"),
        pathway=pathway,
    )
    _sync(
        result,
        "reality check item",
        pathway.reality_checks.all(),
        "text",
        _grouped_rows(guide.reality_check, "kind"),
        pathway=pathway,
    )
    _sync(
        result,
        "FAQ entry",
        pathway.faq_entries.all(),
        "answer",
        [
            (entry.answer, {"order": order, "question": entry.question})
            for order, entry in enumerate(guide.faq, 1)
        ],
        pathway=pathway,
    )
    if result.changes and not result.created:
        # Children changed: the pathway's own row records when its content last changed.
        pathway.save(update_fields=["updated_at"])
    return result


def _grouped_rows(groups, group_field):
    items = [(group, text) for group, texts in groups.items() for text in texts]
    return [
        (text, {group_field: group, "order": order}) for order, (group, text) in enumerate(items, start=1)
    ]


def _assign(instance, values):
    """Set `values` on `instance`; return whether anything differed."""
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _sync(result, label, queryset, key_field, rows, delete=True, **parent):
    """Make `queryset` hold exactly `rows`, given as (natural key, other fields) in order.

    Existing rows are matched on the key; a key that repeats is matched occurrence by
    occurrence. Returns the saved instances in the order of `rows`.
    """
    existing = {}
    for instance in queryset.order_by("pk"):
        existing.setdefault(getattr(instance, key_field), []).append(instance)
    kept = []
    for key, values in rows:
        matches = existing.get(key)
        if matches:
            instance = matches.pop(0)
            if _assign(instance, values):
                instance.save()
                result.changes[f"{label} updated"] += 1
        else:
            instance = queryset.model.objects.create(**{key_field: key}, **values, **parent)
            if not result.created:
                result.changes[f"{label} added"] += 1
        kept.append(instance)
    if delete:
        _delete_stale(result, label, queryset, kept)
    return kept


def _delete_stale(result, label, queryset, kept):
    deleted = (
        queryset.exclude(pk__in=[instance.pk for instance in kept])
        .delete()[1]
        .get(queryset.model._meta.label, 0)
    )
    if deleted:
        result.changes[f"{label} removed"] += deleted


# --- Enrolment and progress -----------------------------------------------------------------


class EnrolmentClosed(Exception):
    """The learner left this pathway: its history can be read but not changed."""


def enrol(user, pathway, start_date, now=None):
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
    elif enrolment.status == Enrolment.Status.LEFT:
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.start_date = start_date
        enrolment.left_at = enrolment.paused_at = None
        enrolment.paused_days = 0
        enrolment.save()
    else:
        return enrolment, False
    reminders.reschedule(Enrolment.objects.filter(pk=enrolment.pk), profile_for(user), now)
    return enrolment, True


def pause(enrolment, now):
    if enrolment.status == Enrolment.Status.ACTIVE:
        enrolment.status = Enrolment.Status.PAUSED
        enrolment.paused_at = now
        enrolment.save(update_fields=["status", "paused_at"])


def resume(enrolment, now):
    if enrolment.status == Enrolment.Status.PAUSED:
        _end_pause(enrolment, now)
        enrolment.status = Enrolment.Status.ACTIVE
        enrolment.save(update_fields=["status", "paused_at", "paused_days"])
        reminders.reschedule(Enrolment.objects.filter(pk=enrolment.pk), profile_for(enrolment.user), now)


def leave(enrolment, now):
    if enrolment.status != Enrolment.Status.LEFT:
        _end_pause(enrolment, now)
        enrolment.status = Enrolment.Status.LEFT
        enrolment.left_at = now
        enrolment.save(update_fields=["status", "paused_at", "paused_days", "left_at"])


def set_reminders(enrolment, enabled, now):
    """Turn one pathway's weekly reminder on or off; the learner's other pathways keep theirs."""
    enrolment.reminders_enabled = enabled
    enrolment.save(update_fields=["reminders_enabled"])
    if enabled:
        reminders.reschedule(Enrolment.objects.filter(pk=enrolment.pk), profile_for(enrolment.user), now)


def reschedule_reminders(user, now):
    """After a change of reminder day, hour or time zone: every enrolment's next slot moves."""
    reminders.reschedule(Enrolment.objects.filter(user=user), profile_for(user), now)


def send_preview(enrolment, now):
    """Email this week's reminder now, as a preview: it does not count as the week's reminder."""
    reminders.build_message(enrolment.id, now).send()


def _end_pause(enrolment, now):
    if enrolment.paused_at:
        enrolment.paused_days += max(0, (now - enrolment.paused_at).days)
        enrolment.paused_at = None


def set_task_done(enrolment, task, done, now):
    """Record that `task` is done (or not) in `enrolment`. Setting the state it already has
    changes nothing, so a repeated request or a second tab cannot undo a tick."""
    _set_done(TaskCompletion, enrolment, "task", task, done, now)


def set_action_item_done(enrolment, action_item, done, now):
    _set_done(ActionItemCompletion, enrolment, "action_item", action_item, done, now)


def _set_done(model, enrolment, field_name, item, done, now):
    if enrolment.status == Enrolment.Status.LEFT:
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
