"""Guide -> database: `import_pathway()` upserts a parsed guide's pathway in one transaction.

Nothing a learner ticked is ever lost to an import. Each section of a guide is described once, in
the tables below, and its rows are matched to the stored ones in this order:

1. By natural key (a task's text, a phase's title, ...), live rows first, then archived ones: a
   task still in the guide keeps its identity (and the learners' ticks on it) even when it moves
   to another phase or position, and an archived task the guide has again is brought back, ticks
   and all. A key that repeats is matched occurrence by occurrence.
2. A reworded row (tasks, phases, action-plan steps): a guide row left unmatched takes the live
   stored row of the same group (a task: the same phase; a step: the same horizon; a phase: the
   pathway) that is left unmatched too, whose text is most similar to it
   (`difflib.SequenceMatcher` ratio >= SIMILAR, 0.6), the nearest in position breaking ties. A
   stored row whose text the guide still has elsewhere is never taken: it was matched in 1.
3. Any other guide row is created.

A stored row the guide no longer has is archived (`archived_at` set, careers.models.Archivable),
never deleted: it leaves the pages and the plan, and the ticks on it stay. A phase is archived
after the tasks have moved, so an archived phase holds archived tasks only.

The result says what changed and how many learners' ticks each change touches, e.g.
"updated (1 task archived (2 learners' ticks kept), 1 task reworded (3 learners' ticks kept))".
After an update, every enrolment of the pathway is checked for completion again (an archived
task may finish it, an added one reopen it).
"""

import difflib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils import timezone

from careers import guides, search, services
from careers.models import (
    ActionItem,
    ActionItemCompletion,
    Enrolment,
    FaqEntry,
    HabitTick,
    Pathway,
    Phase,
    RealityCheckItem,
    Resource,
    SkillToLearn,
    Task,
    TaskCompletion,
    TransferableSkill,
    change_reason,
    record_update,
)

# How similar (difflib.SequenceMatcher ratio) a reworded row must be to the stored row it replaces.
SIMILAR = 0.6

# A row to sync: (natural key, the other fields), in guide order.
Row = tuple[str, dict]


@dataclass
class ImportResult:
    pathway: Pathway
    created: bool = False
    changes: Counter = field(default_factory=Counter)  # e.g. {"task added": 3}
    # Learners (enrolments) with ticks on the rows of a change, e.g. {"task archived": 2}.
    learners: Counter = field(default_factory=Counter)

    def summary(self):
        if self.created:
            return "created"
        if not self.changes:
            return "unchanged"
        return "updated (" + ", ".join(self._describe(what) for what in sorted(self.changes)) + ")"

    def _describe(self, what):
        text = f"{self.changes[what]} {what}"
        learners = self.learners[what]
        if learners:
            text += (
                f" ({learners} learner's ticks kept)"
                if learners == 1
                else f" ({learners} learners' ticks kept)"
            )
        return text


@dataclass(frozen=True)
class Section:
    """One section of a guide and the model that stores it."""

    label: str  # as counted in ImportResult.changes: "task added", ...
    model: type[models.Model]
    key: str  # the natural key field rows are matched on
    rows: Callable[[guides.Guide, list[Phase]], list[Row]]  # (guide, the saved phases) -> rows
    in_phase: bool = False  # the rows name their phase; else they belong to the pathway directly
    # Rewording: a field whose value groups the rows a reworded row is matched within ("phase",
    # "horizon"), "pathway" for the whole section, or "" when rows are matched by key only.
    reworded_within: str = ""
    # Learners' ticks on a row: (model, its field naming the row), counted in the report.
    ticks: tuple = ()

    def queryset(self, pathway):
        """Every stored row of `pathway`, archived ones included."""
        return self.model.all_objects.filter(**{"phase__pathway" if self.in_phase else "pathway": pathway})

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
    # Scraped guides lost most questions: one an editor added in the admin is kept unless the guide
    # has its own.
    return [
        (entry.answer, {"order": order, **({"question": entry.question} if entry.question else {})})
        for order, entry in enumerate(guide.faq, 1)
    ]


TASK_TICKS = ((TaskCompletion, "task"), (HabitTick, "task"))
PHASES = Section("phase", Phase, "title", _phase_rows, reworded_within="pathway")
# The sections within a phase are synced while stale phases still exist: a task of a phase the
# guide no longer has moves to its new phase before the old phase (and what it holds) is archived.
PHASE_SECTIONS = (
    Section("task", Task, "text", _task_rows, in_phase=True, reworded_within="phase", ticks=TASK_TICKS),
    Section("resource", Resource, "title", _resource_rows, in_phase=True),
)
PATHWAY_SECTIONS = (
    Section("transferable skill", TransferableSkill, "name", _transferable_skill_rows),
    Section("skill to learn", SkillToLearn, "name", _skill_to_learn_rows),
    Section(
        "action item",
        ActionItem,
        "text",
        _action_item_rows,
        reworded_within="horizon",
        ticks=((ActionItemCompletion, "action_item"),),
    ),
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


def import_pathway(guide: guides.Guide, *, now=None, source=None) -> ImportResult:
    """Create or update the pathway described by `guide`, matched by slug.

    Rows no longer in the guide are archived, rows it has again brought back (see the module's
    docstring). Re-importing an unchanged guide writes nothing. Every row it writes is recorded
    in its history (careers.models.ContentHistory) with the reason "import_guide: <source>" (the
    guide's file; its slug when none is given) and no user.
    """
    with change_reason(f"import_guide: {source or guide.slug}"), transaction.atomic():
        return _import_pathway(guide, now or timezone.now())


def _import_pathway(guide, now):
    fields = _pathway_fields(guide)
    pathway = Pathway.objects.filter(slug=guide.slug).first()
    result = ImportResult(pathway=pathway)
    if pathway is None:
        result.pathway = pathway = Pathway.objects.create(slug=guide.slug, **fields)
        result.created = True
    else:
        if pathway.archived_at is not None:  # importing a withdrawn pathway offers it again
            pathway.archived_at = None
            result.changes["pathway restored"] += 1
        if _assign(pathway, fields):
            result.changes["pathway field updated"] += 1
        if result.changes:
            pathway.save()

    phases = _sync(result, PHASES, pathway, PHASES.rows(guide, []))
    for section in PHASE_SECTIONS:
        _replace(result, section, pathway, section.rows(guide, phases), now)
    _archive_stale(result, PHASES, pathway, phases, now)
    for section in PATHWAY_SECTIONS:
        _replace(result, section, pathway, section.rows(guide, phases), now)

    if result.changes and not result.created:
        # Children changed: the pathway's own row records when its content last changed.
        pathway.save(update_fields=["updated_at"])
        result.changes.update(recheck_completion(pathway, now))
    search.refresh(pathway)
    return result


def recheck_completion(pathway, now):
    """Complete or reopen each enrolment of `pathway` as its learner's next tick would (archived
    tasks no longer count, added ones do), after its content changed (here or in the admin).
    Left enrolments are history and stay as they are. Returns the counts of what moved."""
    moved = Counter()
    enrolments = Enrolment.objects.filter(pathway=pathway).exclude(status=Enrolment.Status.LEFT)
    for enrolment in enrolments.select_related("user").select_for_update(of=("self",)).order_by("pk"):
        was_completed = enrolment.is_completed
        services.update_completion(enrolment=enrolment, now=now)
        if enrolment.is_completed != was_completed:
            moved["enrolment completed" if enrolment.is_completed else "enrolment reopened"] += 1
    return moved


def _assign(instance, values):
    """Set `values` on `instance`; return whether anything differed."""
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _similarity(a, b):
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _sync(result, section, pathway, rows):
    """Create, update or bring back `section`'s rows of `pathway` to hold `rows`, archiving none.

    Rows are matched as the module's docstring says. Returns the saved instances in the order of
    `rows`.
    """
    stored = list(section.queryset(pathway).order_by("pk"))
    by_key = {}
    for instance in sorted(stored, key=lambda row: row.archived_at is not None):  # live ones first
        by_key.setdefault(getattr(instance, section.key), []).append(instance)
    matched = [None] * len(rows)
    for index, (key, _values) in enumerate(rows):
        if by_key.get(key):
            matched[index] = by_key[key].pop(0)

    reworded = set()
    if section.reworded_within:
        taken = {instance.pk for instance in matched if instance is not None}
        keys = {key for key, _values in rows}
        free = [
            row
            for row in stored
            if row.pk not in taken and row.archived_at is None and getattr(row, section.key) not in keys
        ]
        for index, (key, values) in enumerate(rows):
            if matched[index] is not None:
                continue
            group = _group(section, values, pathway)
            candidates = [
                (_similarity(key, getattr(row, section.key)), -abs(row.order - values["order"]), row)
                for row in free
                if _group_of(section, row) == group
            ]
            candidates = [c for c in candidates if c[0] >= SIMILAR]
            if candidates:
                row = max(candidates, key=lambda c: c[:2])[2]
                free.remove(row)
                matched[index] = row
                reworded.add(index)

    kept = []
    for index, (key, values) in enumerate(rows):
        instance = matched[index]
        if instance is None:
            instance = section.model.objects.create(**{section.key: key}, **values, **section.parent(pathway))
            if not result.created:
                result.changes[f"{section.label} added"] += 1
        else:
            restored = instance.archived_at is not None
            changed = _assign(instance, {section.key: key, "archived_at": None, **values})
            if changed:
                instance.save()
                what = "restored" if restored else "reworded" if index in reworded else "updated"
                _count(result, section, f"{section.label} {what}", [instance])
        kept.append(instance)
    return kept


def _group(section, values, pathway):
    """The group (a phase id, a horizon, the pathway) a guide row is reworded within."""
    if section.reworded_within == "pathway":
        return pathway.pk
    value = values[section.reworded_within]
    return value.pk if isinstance(value, models.Model) else value


def _group_of(section, instance):
    if section.reworded_within == "pathway":
        return instance.pathway_id
    field = instance._meta.get_field(section.reworded_within)
    return getattr(instance, field.attname)


def _count(result, section, what, instances):
    """Count a change of `instances`, with the learners who ticked them ("updated" needs no tally
    of learners: nothing they see moves but the order)."""
    result.changes[what] += len(instances)
    if not what.endswith(" updated"):
        result.learners[what] += _learners_with_ticks(section, instances)


def _learners_with_ticks(section, instances):
    """How many enrolments have a tick (a completion, a skip, a habit tick) on `instances`."""
    pks = [instance.pk for instance in instances]
    enrolments = set()
    for model, field_name in section.ticks:
        enrolments.update(
            model.objects.filter(**{f"{field_name}__in": pks}).values_list("enrolment_id", flat=True)
        )
    return len(enrolments)


def _replace(result, section, pathway, rows, now):
    """Make `section`'s live rows of `pathway` exactly `rows`."""
    _archive_stale(result, section, pathway, _sync(result, section, pathway, rows), now)


def _archive_stale(result, section, pathway, kept, now):
    """Archive `section`'s live rows of `pathway` other than `kept`."""
    stale = list(
        section.queryset(pathway)
        .filter(archived_at__isnull=True)
        .exclude(pk__in=[instance.pk for instance in kept])
    )
    if stale:
        section.model.all_objects.filter(pk__in=[instance.pk for instance in stale]).update(archived_at=now)
        for instance in stale:
            instance.archived_at = now
        record_update(section.model, stale)
        _count(result, section, f"{section.label} archived", stale)
