"""Guide -> database: `import_pathway()` upserts a parsed guide's pathway in one transaction.

Rows are matched by their natural key (a task's text, a phase's title, ...), so a task that is
still in the guide keeps its identity (and the learners' ticks on it) even when it moves to
another phase or position. Each section of a guide is described once, in the tables below.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models, transaction

from careers import guides
from careers.models import (
    ActionItem,
    FaqEntry,
    Pathway,
    Phase,
    RealityCheckItem,
    Resource,
    SkillToLearn,
    Task,
    TransferableSkill,
)

# A row to sync: (natural key, the other fields), in guide order.
Row = tuple[str, dict]


@dataclass
class ImportResult:
    pathway: Pathway
    created: bool = False
    changes: Counter = field(default_factory=Counter)  # e.g. {"task added": 3}

    def summary(self):
        if self.created:
            return "created"
        if not self.changes:
            return "unchanged"
        return (
            "updated (" + ", ".join(f"{count} {what}" for what, count in sorted(self.changes.items())) + ")"
        )


@dataclass(frozen=True)
class Section:
    """One section of a guide and the model that stores it."""

    label: str  # as counted in ImportResult.changes: "task added", ...
    model: type[models.Model]
    key: str  # the natural key field rows are matched on
    rows: Callable[[guides.Guide, list[Phase]], list[Row]]  # (guide, the saved phases) -> rows
    in_phase: bool = False  # the rows name their phase; else they belong to the pathway directly

    def queryset(self, pathway):
        return self.model.objects.filter(**{"phase__pathway" if self.in_phase else "pathway": pathway})

    def parent(self, pathway):
        """Fields a new row gets besides its own: the pathway, unless the row names its phase."""
        return {} if self.in_phase else {"pathway": pathway}


def _phase_rows(guide, _phases):
    return [
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


def _task_rows(guide, phases):
    return [
        (text, {"phase": phases[p], "order": order})
        for p, phase in enumerate(guide.phases)
        for order, text in enumerate(phase.tasks, start=1)
    ]


def _resource_rows(guide, phases):
    return [
        (resource.title, {"phase": phases[p], "order": order, "url": resource.url})
        for p, phase in enumerate(guide.phases)
        for order, resource in enumerate(phase.resources, start=1)
    ]


def _transferable_skill_rows(guide, _phases):
    return [
        (skill.name, {"order": order, "description": skill.description})
        for order, skill in enumerate(guide.transferable_skills, start=1)
    ]


def _skill_to_learn_rows(guide, _phases):
    return [
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
    ]


def _grouped_rows(group_field, groups):
    items = [(group, text) for group, texts in groups.items() for text in texts]
    return [
        (text, {group_field: group, "order": order}) for order, (group, text) in enumerate(items, start=1)
    ]


def _action_item_rows(guide, _phases):
    return _grouped_rows("horizon", guide.action_plan)


def _reality_check_rows(guide, _phases):
    return _grouped_rows("kind", guide.reality_check)


def _faq_rows(guide, _phases):
    return [
        (entry.answer, {"order": order, "question": entry.question})
        for order, entry in enumerate(guide.faq, 1)
    ]


PHASES = Section("phase", Phase, "title", _phase_rows)
# The sections within a phase are synced while stale phases still exist: a task of a phase the
# guide no longer has moves to its new phase before the old phase (and what it holds) goes.
PHASE_SECTIONS = (
    Section("task", Task, "text", _task_rows, in_phase=True),
    Section("resource", Resource, "title", _resource_rows, in_phase=True),
)
PATHWAY_SECTIONS = (
    Section("transferable skill", TransferableSkill, "name", _transferable_skill_rows),
    Section("skill to learn", SkillToLearn, "name", _skill_to_learn_rows),
    Section("action item", ActionItem, "text", _action_item_rows),
    Section("reality check item", RealityCheckItem, "text", _reality_check_rows),
    Section("FAQ entry", FaqEntry, "answer", _faq_rows),
)


def _pathway_fields(guide):
    return {
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


@transaction.atomic
def import_pathway(guide: guides.Guide) -> ImportResult:
    """Create or update the pathway described by `guide`, matched by slug.

    Rows no longer in the guide are removed. Re-importing an unchanged guide writes nothing.
    """
    fields = _pathway_fields(guide)
    pathway = Pathway.objects.filter(slug=guide.slug).first()
    result = ImportResult(pathway=pathway)
    if pathway is None:
        result.pathway = pathway = Pathway.objects.create(slug=guide.slug, **fields)
        result.created = True
    elif _assign(pathway, fields):
        pathway.save()
        result.changes["pathway field updated"] += 1

    phases = _sync(result, PHASES, pathway, PHASES.rows(guide, []))
    for section in PHASE_SECTIONS:
        _replace(result, section, pathway, section.rows(guide, phases))
    _delete_stale(result, PHASES, pathway, phases)
    for section in PATHWAY_SECTIONS:
        _replace(result, section, pathway, section.rows(guide, phases))

    if result.changes and not result.created:
        # Children changed: the pathway's own row records when its content last changed.
        pathway.save(update_fields=["updated_at"])
    return result


def _assign(instance, values):
    """Set `values` on `instance`; return whether anything differed."""
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _sync(result, section, pathway, rows):
    """Create or update `section`'s rows of `pathway` to hold `rows`, without deleting any.

    Existing rows are matched on the key; a key that repeats is matched occurrence by
    occurrence. Returns the saved instances in the order of `rows`.
    """
    existing = {}
    for instance in section.queryset(pathway).order_by("pk"):
        existing.setdefault(getattr(instance, section.key), []).append(instance)
    kept = []
    for key, values in rows:
        matches = existing.get(key)
        if matches:
            instance = matches.pop(0)
            if _assign(instance, values):
                instance.save()
                result.changes[f"{section.label} updated"] += 1
        else:
            instance = section.model.objects.create(**{section.key: key}, **values, **section.parent(pathway))
            if not result.created:
                result.changes[f"{section.label} added"] += 1
        kept.append(instance)
    return kept


def _replace(result, section, pathway, rows):
    """Make `section`'s rows of `pathway` exactly `rows`."""
    _delete_stale(result, section, pathway, _sync(result, section, pathway, rows))


def _delete_stale(result, section, pathway, kept):
    """Delete `section`'s rows of `pathway` other than `kept`."""
    stale = section.queryset(pathway).exclude(pk__in=[instance.pk for instance in kept])
    deleted = stale.delete()[1].get(section.model._meta.label, 0)
    if deleted:
        result.changes[f"{section.label} removed"] += deleted
