"""Read functions for pathways: every query the pages make lives here (HackSoft styleguide selectors).

They return data (querysets, model instances, plain dataclasses) and never HTTP errors: what is
missing comes back as None, and the view decides what the visitor sees.

Archived content (careers.models.Archivable) is left out everywhere: related managers and
prefetches leave it out by themselves (the default manager sees live rows only), and the joins
below (counts, search) filter on `archived_at` by hand. An archived pathway leaves the catalogue,
the home page and suggestions; its page stays for the learners who follow it, without enrolling.
"""

from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Case,
    Count,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.models import Profile
from careers import pace, recommendations, search
from careers.charts import ProgressChart, progress_chart
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
    SkipReason,
    Task,
    TaskCompletion,
    TransferableSkill,
)
from careers.schedule import (
    Completions,
    EnrolmentSnapshot,
    PhaseProgress,
    PlanActionItem,
    PlanItem,
    PlanPhase,
    PlanTask,
    WeekPlan,
    WeekRange,
    local_date,
    phase_week_ranges,
    week_plan,
    week_window,
)

User = get_user_model()

CATALOGUE_PAGE_SIZE = 24  # pathways a catalogue page lists

# The catalogue's length filter, on the plan's own weeks (its timed phases, as the pathway page
# counts them; not the guide's claim in its title): key -> (label, fewest weeks, most weeks or None).
LENGTH_BUCKETS = {
    "short": ("Up to 3 months (13 weeks)", 1, 13),
    "medium": ("3 to 6 months (14–26 weeks)", 14, 26),
    "long": ("Over 6 months (27 weeks or more)", 27, None),
}


@dataclass(frozen=True)
class FilterChoices:
    from_roles: list[str]
    to_roles: list[str]
    difficulties: list[str]


@dataclass(frozen=True)
class CatalogueResults:
    """What the catalogue shows: the matching pathways (as catalogue() returns them; when paged,
    those of `page` only), the words searched for when a typo was corrected, and the closest
    pathway when nothing matched."""

    pathways: list
    corrected: str = ""
    suggestion: Pathway | None = None
    page: Page | None = None  # where `pathways` are among all the matches, when paged


@dataclass(frozen=True)
class Group:
    """Items of one section shown under a shared heading; `key`/`label` are empty when ungrouped."""

    key: str
    label: str
    items: list


def _count_of(rows):
    """How many of `rows` (a queryset filtered on OuterRef("pk")) there are: 0 for none."""
    return Coalesce(Subquery(rows.order_by().values(one=Value(1)).annotate(n=Count("*")).values("n")), 0)


def _plan_weeks():
    """The weeks of a pathway's plan: its live timed phases, added up (0 when it has none)."""
    weeks = (
        Phase.objects.filter(pathway=OuterRef("pk"), duration_weeks__isnull=False)
        .order_by()
        .values("pathway")
        .annotate(weeks=Sum("duration_weeks"))
        .values("weeks")
    )
    return Coalesce(Subquery(weeks), 0)


def _with_counts(queryset):
    """`queryset` with `phase_count` and `task_count` (live phases and their live tasks) and
    `plan_weeks`: subqueries, so a page of pathways counts for its own rows only."""
    return queryset.annotate(
        phase_count=_count_of(Phase.objects.filter(pathway=OuterRef("pk"))),
        task_count=_count_of(
            Task.objects.filter(phase__pathway=OuterRef("pk"), phase__archived_at__isnull=True)
        ),
        plan_weeks=_plan_weeks(),
    )


def offered_pathways():
    """Pathways in the catalogue: every one but the archived."""
    return Pathway.objects.filter(archived_at__isnull=True)


def catalogue(query="", from_role="", to_role="", length="", difficulty=""):
    """Pathways matching the catalogue's search (careers.search: best match first) and filters
    (by title without a search), each annotated as _with_counts() does. Raises ValueError for an
    unknown length bucket."""
    return _catalogue(search.understand(query), from_role, to_role, length, difficulty)


def catalogue_results(query="", from_role="", to_role="", length="", difficulty="", page=None):
    """catalogue(), with what the page says about the search: the corrected words, and when
    nothing matched, the offered pathway closest to the search (whatever the filters). With
    `page` (a page number as an address gives it: any value reads as the nearest page), only that
    page of CATALOGUE_PAGE_SIZE pathways is read."""
    terms = search.understand(query)
    matching = _catalogue(terms, from_role, to_role, length, difficulty)
    listed = None
    if page is None:
        pathways = list(matching)
    else:
        listed = Paginator(matching, CATALOGUE_PAGE_SIZE).get_page(page)
        pathways = list(listed)
    suggestion = None
    if terms and not pathways:
        closest = search.ranked(offered_pathways(), terms, every=False)[:1]
        suggestion = Pathway.objects.filter(pk__in=closest).first()
    return CatalogueResults(
        pathways, corrected=terms.corrected if pathways else "", suggestion=suggestion, page=listed
    )


# The two version reads below are the one query of a page served from what is kept
# (careers.page_cache): plain SQL, as the ORM takes longer to build them than the database to run
# them.


def catalogue_version():
    """What the catalogue's pages depend on, in one small query: how many pathways there are and
    the latest content version among them (careers.content_version: an edit, an import, an archive
    moves it; a deletion changes the count)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), MAX(updated_at) FROM {Pathway._meta.db_table}")  # noqa: S608
        return cursor.fetchone()


def pathway_version(slug):
    """(pk, content version) of the pathway `slug`, or None when there is no such pathway."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, updated_at FROM {Pathway._meta.db_table} WHERE slug = %s", [slug])  # noqa: S608
        row = cursor.fetchone()
    return _version_of(row) if row else None


def _version_of(row):
    """(pk, content version) from a hand-written query's (id, updated_at): the version as the ORM
    reads it everywhere else (a datetime on SQLite too), so every reader keys the same cache entry."""
    return row[0], _reading(Pathway._meta.get_field("updated_at"))(row[1])


def _catalogue(terms, from_role, to_role, length, difficulty):
    pathways = offered_pathways()
    if from_role:
        pathways = pathways.filter(from_role__iexact=from_role)
    if to_role:
        pathways = pathways.filter(to_role__iexact=to_role)
    if difficulty:
        pathways = pathways.filter(difficulty__iexact=difficulty)
    if length:
        try:
            _label, fewest, most = LENGTH_BUCKETS[length]
        except KeyError:
            raise ValueError(f"Unknown length bucket {length!r}") from None
        pathways = pathways.alias(weeks=_plan_weeks()).filter(weeks__gte=fewest)
        if most is not None:
            pathways = pathways.filter(weeks__lte=most)
    if not terms:
        return _with_counts(pathways).order_by("title", "pk")
    best_first = search.ranked(pathways, terms)
    if not best_first:
        return _with_counts(pathways.none())
    order = Case(*[When(pk=pk, then=Value(position)) for position, pk in enumerate(best_first)])
    return _with_counts(pathways.filter(pk__in=best_first)).order_by(order)


def _distinct_values(field):
    values = offered_pathways().exclude(**{field: ""}).order_by().values_list(field, flat=True)
    return _distinct(values.distinct())


def _distinct(values):
    """`values` stripped, without blanks, each once whatever its case, sorted."""
    unique = {}
    for value in values:
        value = value.strip()
        if value:
            unique.setdefault(value.casefold(), value)  # the filters match case-insensitively
    return sorted(unique.values(), key=str.casefold)


def catalogue_filter_choices():
    """The distinct, non-blank roles and difficulties present, sorted, for the filter form (one query)."""
    rows = list(offered_pathways().order_by().values_list("from_role", "to_role", "difficulty").distinct())
    return FilterChoices(
        from_roles=_distinct([row[0] for row in rows]),
        to_roles=_distinct([row[1] for row in rows]),
        difficulties=_distinct([row[2] for row in rows]),
    )


def featured_pathways(limit=3):
    """A few pathways for the home page, newest first, with the same counts as the catalogue."""
    return _with_counts(offered_pathways()).order_by("-created_at", "title")[:limit]


def skills_by_priority(skills):
    """Skills to learn grouped Critical, Important, Nice to have, then those without a priority.

    Guide order is kept within each group. When no skill has a priority, one ungrouped list is returned.
    """
    skills = list(skills)
    if not any(skill.priority for skill in skills):
        return [Group("", "", skills)] if skills else []
    groups = [
        Group(value, label, [skill for skill in skills if skill.priority == value])
        for value, label in SkillToLearn.Priority.choices
    ]
    known = {value for value, _label in SkillToLearn.Priority.choices}
    groups.append(Group("other", "Other skills", [skill for skill in skills if skill.priority not in known]))
    return [group for group in groups if group.items]


def _by_choice(items, field, choices):
    """Items grouped by `field` in the order of `choices`; unknown values go last, under "Other"."""
    grouped = {key: [] for key, _label in choices}
    others = []
    for item in items:
        grouped.get(getattr(item, field), others).append(item)
    groups = [Group(key, label, grouped[key]) for key, label in choices]
    groups.append(Group("other", "Other", others))
    return [group for group in groups if group.items]


def reality_checks_by_kind(items):
    """Reality check items grouped: what you'll love, what you might miss, biggest challenges."""
    return _by_choice(items, "kind", RealityCheckItem.Kind.choices)


def action_items_by_horizon(items):
    """Action plan steps grouped: this week, this month, next 90 days."""
    return _by_choice(items, "horizon", ActionItem.Horizon.choices)


# --- Learners: enrolments, progress and the week plan -----------------------------------------


@dataclass(frozen=True)
class Ticks:
    """What a tickable row of one kind needs (careers/templatetags/progress_html.py tick_row)."""

    kind: str  # "task" or "action": the start of the row's HTML ids
    url_name: str  # the view that records a tick, given the enrolment id and the item id
    done_ids: frozenset[int]  # the items of this kind that are ticked (habits: this week)
    skip_url_name: str = ""  # the view that records a skip, given the enrolment id and the item id
    skipped: dict[int, str] = field(default_factory=dict)  # skipped items: {id: SkipReason value}


@dataclass(frozen=True)
class EnrolmentProgress:
    """An enrolment with its week plan at a moment, ready for a page or an email."""

    enrolment: Enrolment
    plan: WeekPlan
    done_tasks: frozenset[int]  # tasks done (not skipped)
    done_action_items: frozenset[int]
    skipped_tasks: dict[int, str]  # {task id: SkipReason value ("not_for_me", "already_done")}
    skipped_action_items: dict[int, str]
    habits_done: frozenset[int]  # habits (tasks of ongoing phases) ticked in the current week

    @property
    def pathway(self):
        return self.enrolment.pathway

    @cached_property
    def chart(self) -> ProgressChart | None:
        """Drawn when a page shows it (the weekly email does not)."""
        timed_tasks = sum(phase.total for phase in self.plan.phases if phase.weeks.last is not None)
        return progress_chart(self.plan.chart, timed_tasks)

    # Cached: every row of a page asks for them.
    @cached_property
    def task_ticks(self):
        return Ticks(
            "task",
            "careers:tick_task",
            self.done_tasks | self.habits_done,
            "careers:skip_task",
            self.skipped_tasks,
        )

    @cached_property
    def action_ticks(self):
        return Ticks(
            "action",
            "careers:tick_action_item",
            self.done_action_items,
            "careers:skip_action_item",
            self.skipped_action_items,
        )


@dataclass(frozen=True)
class LearnerRows:
    """An enrolment's own rows its plan reads (`enrolment.learner_rows`, set by the selectors that
    read enrolments): what the learner resolved in it and their habit ticks."""

    tasks: list  # (task id, when, skip reason: "" when done)
    action_items: list  # (action item id, when, skip reason: "" when done)
    habits: list  # (task id, when), in time order

    @property
    def last_at(self):
        """When the learner last ticked or skipped anything in the enrolment; None if never."""
        return max((row[1] for row in (*self.tasks, *self.action_items, *self.habits)), default=None)


# The learner's rows of a page's enrolments in one query, written by hand: through the ORM (three
# prefetches, a model instance a row) they were a third of a signed-in pathway page's or a
# dashboard's time, compiling the queries and building instances; running them is a fraction.
# Plain SQL that PostgreSQL and SQLite both read; "{ids}" stands for the enrolments' ids.
_LEARNER_ROWS_SQL = (
    " UNION ALL ".join(
        f"SELECT {meta.get_field('enrolment').column}, '{kind}', {meta.get_field(item).column}, "  # noqa: S608
        f"{meta.get_field('done_at').column}, {reason}, {meta.pk.column} FROM {meta.db_table} "
        f"WHERE {meta.get_field('enrolment').column} IN ({{ids}})"
        for kind, meta, item, reason in (
            ("task", TaskCompletion._meta, "task", "skip_reason"),
            ("action", ActionItemCompletion._meta, "action_item", "skip_reason"),
            ("habit", HabitTick._meta, "task", "''"),
        )
    )
    + " ORDER BY 4, 6"  # by time: habit ticks in the order they were ticked
)


def _with_rows(enrolments):
    """`enrolments` (a list) with their LearnerRows as `learner_rows`, read in one query."""
    rows = {enrolment.pk: LearnerRows([], [], []) for enrolment in enrolments}
    if not rows:
        return enrolments
    read_when = _reading(TaskCompletion._meta.get_field("done_at"))
    with connection.cursor() as cursor:
        cursor.execute(_LEARNER_ROWS_SQL.replace("{ids}", ", ".join(["%s"] * len(rows))), [*rows] * 3)
        fetched = cursor.fetchall()
    for enrolment_id, kind, item_id, when, skip_reason, _id in fetched:
        when = read_when(when)
        enrolment_rows = rows[enrolment_id]
        if kind == "habit":
            enrolment_rows.habits.append((item_id, when))
        elif kind == "task":
            enrolment_rows.tasks.append((item_id, when, skip_reason))
        else:
            enrolment_rows.action_items.append((item_id, when, skip_reason))
    for enrolment in enrolments:
        enrolment.learner_rows = rows[enrolment.pk]
    return enrolments


def _columns(model, alias):
    return ", ".join(f"{alias}.{model_field.column}" for model_field in model._meta.concrete_fields)


def _reading(model_field):
    """A function giving a value of `model_field`'s column, as a hand-written query returns it, as
    the ORM sets it on an instance: the backend's conversions (SQLite's text to an aware datetime)
    and the field's. Worked out once per query, then applied to every row."""
    column = model_field.get_col(model_field.model._meta.db_table)
    converters = (*connection.ops.get_db_converters(column), *column.get_db_converters(connection))

    def read(value):
        for convert in converters:
            value = convert(value, column, connection)
        return value

    return read


def _instances(model):
    """A function making the `model` instance whose concrete columns a hand-written query returned
    as `values` (each read as _reading() says)."""
    readers = [_reading(model_field) for model_field in model._meta.concrete_fields]

    def instance(values):
        converted = [read(value) for read, value in zip(readers, values, strict=True)]
        return model.from_db(connection.alias, None, converted)

    return instance


# The enrolments of the dashboard, a tick's answer and the digest, written by hand as the rows above:
# with their pathway's content version and their learner with the profile.
_ENROLMENTS_SQL = (
    f"SELECT {_columns(Enrolment, 'e')}, p.updated_at, {_columns(User, 'u')}, {_columns(Profile, 'r')} "  # noqa: S608
    f"FROM {Enrolment._meta.db_table} e "
    f"JOIN {Pathway._meta.db_table} p ON p.id = e.pathway_id "
    f"JOIN {User._meta.db_table} u ON u.id = e.user_id "
    f"LEFT JOIN {Profile._meta.db_table} r ON r.user_id = e.user_id "
    "WHERE {where} ORDER BY e.created_at, e.id"
)


def _learners_enrolments(where, params):
    """The enrolments `where` (a condition on `e`, the enrolments, with `params`), oldest first,
    with their learner and the learner's profile, each pathway's content from pathway_content()
    (read once per process and content version) and their rows (_with_rows()): two queries once
    the content is cached, however many enrolments."""
    with connection.cursor() as cursor:
        cursor.execute(_ENROLMENTS_SQL.replace("{where}", where), params)
        fetched = cursor.fetchall()
    widths = [len(model._meta.concrete_fields) for model in (Enrolment, User, Profile)]
    enrolment_of, user_of, profile_of = _instances(Enrolment), _instances(User), _instances(Profile)
    read_version = _reading(Pathway._meta.get_field("updated_at"))
    users = {}
    enrolments = []
    for row in fetched:
        enrolment = enrolment_of(row[: widths[0]])
        version = read_version(row[widths[0]])
        enrolment.pathway = pathway_content(enrolment.pathway_id, version).pathway
        user_values = row[widths[0] + 1 : widths[0] + 1 + widths[1]]
        if enrolment.user_id not in users:
            users[enrolment.user_id] = user_of(user_values)
            profile_values = row[widths[0] + 1 + widths[1] :]
            if profile_values[0] is not None:
                users[enrolment.user_id].profile = profile_of(profile_values)
        enrolment.user = users[enrolment.user_id]
        enrolments.append(enrolment)
    return _with_rows(enrolments)


def learner_enrolments(*, user_id):
    """The learner's enrolments, oldest first, with their pathways' content prefetched (not from
    pathway_content(): a constant number of queries even for pathways not read before) and their
    rows (_with_rows())."""
    phases = Phase.objects.order_by("order").prefetch_related(
        Prefetch("tasks", queryset=Task.objects.order_by("order"))
    )
    enrolments = (
        Enrolment.objects.filter(user_id=user_id)
        .select_related("pathway", "user__profile")
        .prefetch_related(
            Prefetch("pathway__phases", queryset=phases),
            Prefetch("pathway__action_items", queryset=ActionItem.objects.order_by("order")),
        )
        .order_by("created_at", "pk")
    )
    return _with_rows(list(enrolments))


def reminded_enrolments(*, user_id):
    """The learner's enrolments their weekly digest covers (active, reminders on), oldest first,
    as _learners_enrolments() reads them (careers.digest)."""
    return _learners_enrolments(
        "e.user_id = %s AND e.status = %s AND e.reminders_enabled = %s",
        [user_id, Enrolment.Status.ACTIVE, True],
    )


def snapshot_of(enrolment, profile):
    """The schedule's view of an enrolment whose pathway content is prefetched, for the learner
    whose `profile` (time zone, reminder weekday) it is. Its phases last as long as the learner's
    pace makes them (careers.pace): the schedule itself knows nothing of hours."""
    pathway = enrolment.pathway
    return EnrolmentSnapshot(
        start_date=enrolment.plan_start_date,
        phases=tuple(
            PlanPhase(
                id=phase.id,
                title=phase.title,
                duration_weeks=pace.phase_weeks(phase.duration_weeks, enrolment.hours_per_week),
                tasks=tuple(PlanTask(task.id, task.text) for task in phase.tasks.all()),
            )
            for phase in pathway.phases.all()
        ),
        action_items=tuple(
            PlanActionItem(item.id, item.text, item.horizon) for item in pathway.action_items.all()
        ),
        time_zone=profile.time_zone,
        paused_at=enrolment.paused_at,
        week_starts_on=profile.reminder_weekday,
    )


def completions_of(enrolment, profile):
    """What the learner resolved in an enrolment read with its rows (`learner_rows`).

    Tasks skipped as already done up to the start date (in the learner's time zone, from their
    `profile`) were done before the plan began (services.enrol records those marked on enrolling
    so): the schedule leaves them out of the plan's weeks."""
    rows = enrolment.learner_rows
    habits = {}
    for task_id, when in rows.habits:  # in time order
        habits.setdefault(task_id, []).append(when)
    return Completions(
        tasks={task_id: when for task_id, when, reason in rows.tasks if not reason},
        action_items={item_id: when for item_id, when, reason in rows.action_items if not reason},
        skipped_tasks={task_id: when for task_id, when, reason in rows.tasks if reason},
        skipped_action_items={item_id: when for item_id, when, reason in rows.action_items if reason},
        habits={task_id: tuple(moments) for task_id, moments in habits.items()},
        before_start=frozenset(
            task_id
            for task_id, when, reason in rows.tasks
            if reason == SkipReason.ALREADY_DONE
            and local_date(when, profile.time_zone) <= enrolment.start_date
        ),
    )


def enrolment_state(enrolment):
    """Everything of an enrolment (read with its rows, `learner_rows`) that its plan and its pages
    read: its fields, and each resolution and habit tick with its time and reason. Equal states make
    equal plans at the same moment (an ETag's part)."""
    rows = enrolment.learner_rows
    return (
        tuple(getattr(enrolment, field.attname) for field in Enrolment._meta.concrete_fields),
        sorted(rows.tasks),
        sorted(rows.action_items),
        rows.habits,
    )


def progress_of(enrolment, profile, now):
    rows = enrolment.learner_rows
    completions = completions_of(enrolment, profile)
    plan = week_plan(snapshot_of(enrolment, profile), completions, now)
    week_start, week_end = week_window(now, profile.time_zone, profile.reminder_weekday)
    return EnrolmentProgress(
        enrolment=enrolment,
        plan=plan,
        done_tasks=frozenset(completions.tasks),
        done_action_items=frozenset(completions.action_items),
        skipped_tasks={task_id: reason for task_id, _when, reason in rows.tasks if reason},
        skipped_action_items={item_id: reason for item_id, _when, reason in rows.action_items if reason},
        habits_done=frozenset(
            task_id
            for task_id, moments in completions.habits.items()
            if any(week_start <= moment < week_end for moment in moments)
        ),
    )


@dataclass(frozen=True)
class WeekSummary:
    """This week across the pathways followed: "5 to do this week across 3 pathways, 2 late"."""

    pathways: int  # active pathways under way (past their start date)
    to_do: int  # what is left to do this week across them (WeekPlan.this_week)
    late: int  # of which planned for an earlier week
    not_started: int  # active pathways whose start date is still ahead
    paused: int


@dataclass(frozen=True)
class Dashboard:
    profile: Profile  # the learner's
    following: list[EnrolmentProgress]  # active and paused, in enrolment order
    completed: list[EnrolmentProgress]  # the newest completion first
    left: list[Enrolment]
    # Pathways that start from a role a completed pathway led to, which the learner has never
    # enrolled in (a left one is listed under `left`), ranked with their reasons as "Which
    # pathway fits me?" ranks them (careers.recommendations); each pathway has the catalogue's counts.
    suggestions: list[recommendations.Fit]

    def progress_in(self, enrolment_id):
        """The progress of the enrolment `enrolment_id`, followed or completed; None if left."""
        return next((p for p in (*self.following, *self.completed) if p.enrolment.id == enrolment_id), None)

    @property
    def summary(self):
        active = [progress for progress in self.following if progress.enrolment.is_active]
        under_way = [progress for progress in active if progress.plan.has_started]
        return WeekSummary(
            pathways=len(under_way),
            to_do=sum(len(progress.plan.this_week) for progress in under_way),
            late=sum(progress.plan.late_count for progress in under_way),
            not_started=len(active) - len(under_way),
            paused=len(self.following) - len(active),
        )


def dashboard_for(user, now, *, with_suggestions=True):
    """Every pathway `user` follows, with its week plan at `now`, in a constant number of queries
    once the pathways' content is cached (pathway_content()); without the suggestions, which a tick's
    answer does not show, in as many as enrolment_progress()."""
    enrolments = _learners_enrolments("e.user_id = %s", [user.pk])
    profile = enrolments[0].user.profile if enrolments else user.profile  # read with the enrolments
    completed = sorted(
        (e for e in enrolments if e.is_completed), key=lambda e: (e.completed_at, e.pk), reverse=True
    )
    suggestions = []
    if with_suggestions:
        suggestions = _suggestions_after(completed, {e.pathway_id for e in enrolments}, profile)
    return Dashboard(
        profile=profile,
        following=[progress_of(e, profile, now) for e in enrolments if e.is_active or e.is_paused],
        completed=[progress_of(e, profile, now) for e in completed],
        left=[e for e in enrolments if e.is_left],
        suggestions=suggestions,
    )


def _suggestions_after(completed, exclude, profile):
    """Pathways whose starting role is (in any case) the target role of a `completed` enrolment's
    pathway, leaving out those in `exclude`, ranked for that role and the learner's saved answers
    (`profile`: skills, hours, the role they want), the newest completion's first. Three queries,
    none when nothing is completed."""
    roles = {e.pathway.to_role.strip().casefold(): e.pathway.to_role.strip() for e in completed}
    roles.pop("", None)
    if not roles:
        return []
    starts_there = Q()
    for role in roles.values():
        starts_there |= Q(from_role__iexact=role)
    candidates = [
        _candidate(pathway)
        for pathway in _with_counts(_with_fit_content(offered_pathways().filter(starts_there)))
        .exclude(pk__in=exclude)
        .order_by("title", "pk")
    ]
    fits = {}
    for role in roles.values():
        answers = replace(fit_answers_of(profile), current_role=role)
        starting = [c for c in candidates if c.from_role.casefold() == role.casefold()]
        for fit in recommendations.rank(starting, answers):
            fits.setdefault(fit.pathway.pk, fit)
    return list(fits.values())


# --- Which pathway fits me? ------------------------------------------------------------------------


@dataclass(frozen=True)
class FitChoices:
    """What the "Which pathway fits me?" form offers, from the pathways offered."""

    current_roles: list[str]  # the roles pathways start from
    target_roles: list[str]  # the roles they lead to
    skills: list[str]  # the transferable skills of every guide, each name once


def fit_choices():
    """The roles and the transferable skills of the pathways offered, each once (whatever its case
    or spacing), sorted."""
    names = (
        TransferableSkill.objects.filter(pathway__in=offered_pathways())
        .order_by("name")
        .values_list("name", flat=True)
    )
    skills = {}
    for name in names:
        name = " ".join(name.split())
        if name:
            skills.setdefault(name.casefold(), name)
    return FitChoices(
        current_roles=_distinct_values("from_role"),
        target_roles=_distinct_values("to_role"),
        skills=sorted(skills.values(), key=str.casefold),
    )


def fit_answers_of(profile):
    """The answers a learner gave last time, kept in their profile (accounts.services)."""
    return recommendations.Answers(
        current_role=profile.current_role,
        skills=tuple(profile.skills or ()),
        hours_per_week=profile.hours_per_week,
        target_role=profile.target_role,
    )


def pathway_fits(answers):
    """Every pathway offered, ranked for `answers` with its reasons (careers.recommendations), each
    with the catalogue's counts: three queries."""
    pathways = _with_counts(_with_fit_content(offered_pathways())).order_by("title", "pk")
    return recommendations.rank([_candidate(pathway) for pathway in pathways], answers)


def _with_fit_content(pathways):
    """`pathways` with what the ranking reads prefetched: phases (their weeks) and transferable skills."""
    return pathways.prefetch_related(
        Prefetch("phases", queryset=Phase.objects.order_by("order")),
        Prefetch("transferable_skills", queryset=TransferableSkill.objects.order_by("order")),
    )


def _candidate(pathway):
    return recommendations.Candidate(
        pathway=pathway,
        title=pathway.short_title,
        from_role=pathway.from_role,
        to_role=pathway.to_role,
        durations=tuple(phase.duration_weeks for phase in pathway.phases.all()),
        skills=tuple(skill.name for skill in pathway.transferable_skills.all()),
    )


# --- The pathway page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PagePhase:
    """A phase of the roadmap as the pathway page shows it."""

    phase: Phase
    tasks: list[Task]
    resources: list[Resource]
    weeks: WeekRange  # where the phase sits in the plan (the learner's own, when they follow it)
    progress: PhaseProgress | None  # the learner's, when they follow the pathway
    # The learner's tasks (habits, for an ongoing phase) as their plan has them; none for a visitor.
    plan_items: list[PlanItem] = field(default_factory=list)


@dataclass(frozen=True)
class PlanLength:
    """How long a pathway takes: its plan at the full-time pace, the guide's own claim beside it
    when they disagree, and the plan of the learner who follows it."""

    weeks: int  # the timed phases at the full-time pace (0: only ongoing phases)
    guide_claim: str  # the guide's own words ("9 months", "4-6 months") unless they agree, else ""
    learner_weeks: int | None = None  # the learner's plan: their pace, less what they had done
    learner_hours: int | None = None  # the learner's pace (None: full time)

    @property
    def full_time(self):
        """As the page says it: "28 weeks, about 6½ months at the full-time pace"."""
        return f"{pace.describe_length(self.weeks)} {pace.describe_pace(None)}"

    @property
    def learner(self):
        """The learner's own plan, "56 weeks, about 13 months at 20 hours a week", or "" when it is
        the full-time plan (nothing new to say)."""
        if self.learner_weeks is None or (self.learner_hours is None and self.learner_weeks == self.weeks):
            return ""
        return f"{pace.describe_length(self.learner_weeks)} {pace.describe_pace(self.learner_hours)}"


def plan_length(pathway, phases, progress=None):
    """The PlanLength of `pathway` with its live `phases`, and the plan of a learner who follows it
    (`progress`, an EnrolmentProgress) if any."""
    weeks = pace.plan_weeks([phase.duration_weeks for phase in phases])
    months = pathway.duration_months
    claim = pathway.timeline.strip() or (f"{months} month{'s' * (months != 1)}" if months else "")
    following = progress is not None and not progress.enrolment.is_left
    return PlanLength(
        weeks=weeks,
        guide_claim=claim if claim and (not weeks or pace.claim_differs(claim, weeks)) else "",
        learner_weeks=(progress.plan.total_weeks or 0) if following else None,
        learner_hours=progress.enrolment.hours_per_week if following else None,
    )


@dataclass(frozen=True)
class PathwayPage:
    """Everything the pathway page shows, for one visitor."""

    pathway: Pathway
    phases: list[PagePhase]
    transferable_skills: list[TransferableSkill]
    skill_groups: list[Group]
    reality_groups: list[Group]
    action_groups: list[Group]
    faq_entries: list[FaqEntry]
    progress: EnrolmentProgress | None  # the visitor's enrolment (maybe one they left), if any
    can_enrol: bool  # a learner who does not follow it (or left it) may enrol, unless archived
    length: PlanLength

    @property
    def timed_phases(self):
        """The phases with a duration, whose tasks a learner may mark already done on enrolling."""
        return [page_phase for page_phase in self.phases if not page_phase.phase.is_ongoing]


@dataclass(frozen=True)
class PathwayContent:
    """A pathway's guide as its page shows it to everyone, read once per content version."""

    # Its live phases (with their tasks) and action items prefetched, as snapshot_of() reads them.
    pathway: Pathway
    phases: list[tuple[Phase, list[Task], list[Resource]]]
    transferable_skills: list[TransferableSkill]
    skill_groups: list[Group]
    reality_groups: list[Group]
    action_groups: list[Group]
    faq_entries: list[FaqEntry]


def pathway_content(pathway_id, version):
    """The PathwayContent of a pathway at its content version `version` (its `updated_at`,
    careers.content_version), read from the database once per version and kept in this process
    (the latest few pathways read): a page that finds it here makes no query for the guide.

    Shared by every request of this process: read it, never change it."""
    return _pathway_content(pathway_id, version)


@lru_cache(maxsize=128)
def _pathway_content(pathway_id, version):
    # The version is only the key: what is read here is at least as new as it. (A version read just
    # before an edit may so keep the edited content; no harm: the edit's own version is another key.)
    phases = Phase.objects.order_by("order").prefetch_related(
        Prefetch("tasks", queryset=Task.objects.order_by("order")),
        Prefetch("resources", queryset=Resource.objects.order_by("order")),
    )
    pathway = Pathway.objects.prefetch_related(
        Prefetch("phases", queryset=phases),
        Prefetch("transferable_skills", queryset=TransferableSkill.objects.order_by("order")),
        Prefetch("skills_to_learn", queryset=SkillToLearn.objects.order_by("order")),
        Prefetch("action_items", queryset=ActionItem.objects.order_by("order")),
        Prefetch("reality_checks", queryset=RealityCheckItem.objects.order_by("order")),
        Prefetch("faq_entries", queryset=FaqEntry.objects.order_by("order")),
    ).get(pk=pathway_id)
    return PathwayContent(
        pathway=pathway,
        phases=[
            (phase, list(phase.tasks.all()), list(phase.resources.all())) for phase in pathway.phases.all()
        ],
        transferable_skills=list(pathway.transferable_skills.all()),
        skill_groups=skills_by_priority(pathway.skills_to_learn.all()),
        reality_groups=reality_checks_by_kind(pathway.reality_checks.all()),
        action_groups=action_items_by_horizon(pathway.action_items.all()),
        faq_entries=list(pathway.faq_entries.all()),
    )


def pathway_page(slug, user, now, *, version=None):
    """The pathway page of `slug` for `user` (maybe anonymous) at `now`, or None when there is no
    such pathway. A constant number of queries, however long the pathway: for a visitor one for its
    version (none when `version`, pathway_version()'s answer, is given), for a learner one for its
    version with their profile and enrolment, and the enrolment's rows; the guide from
    pathway_content()."""
    enrolment = None
    if user.is_authenticated:
        version, enrolment = _version_for_learner(slug, user)
    else:
        version = version or pathway_version(slug)
    if version is None:
        return None
    try:
        content = pathway_content(*version)
    except Pathway.DoesNotExist:  # deleted since its version was read
        return None
    pathway = content.pathway
    progress = None
    if enrolment is not None:
        enrolment.pathway = pathway
        progress = progress_of(_with_rows([enrolment])[0], user.profile, now)
    phase_progress = {p.phase.id: p for p in progress.plan.phases} if progress else {}
    phase_list = [phase for phase, _tasks, _resources in content.phases]
    plan_items = {}
    if progress:  # the learner's own weeks: their pace, less what they had done before
        week_ranges = [phase_progress[phase.id].weeks for phase in phase_list]
        for item in (*progress.plan.tasks, *progress.plan.habits):
            plan_items.setdefault(item.phase.id, []).append(item)
    else:
        week_ranges = phase_week_ranges([phase.duration_weeks for phase in phase_list])
    return PathwayPage(
        pathway=pathway,
        phases=[
            PagePhase(
                phase=phase,
                tasks=tasks,
                resources=resources,
                weeks=weeks,
                progress=phase_progress.get(phase.id),
                plan_items=plan_items.get(phase.id, []),
            )
            for (phase, tasks, resources), weeks in zip(content.phases, week_ranges, strict=True)
        ],
        transferable_skills=content.transferable_skills,
        skill_groups=content.skill_groups,
        reality_groups=content.reality_groups,
        action_groups=content.action_groups,
        faq_entries=content.faq_entries,
        progress=progress,
        can_enrol=user.is_authenticated
        and pathway.archived_at is None
        and (progress is None or progress.enrolment.is_left),
        length=plan_length(pathway, phase_list, progress),
    )


def as_guide(page):
    """The pathway page `page` as a visitor reads it: the guide's own weeks, nobody's progress."""
    if page.progress is None:
        return page
    phases = [page_phase.phase for page_phase in page.phases]
    week_ranges = phase_week_ranges([phase.duration_weeks for phase in phases])
    return replace(
        page,
        phases=[
            replace(page_phase, weeks=weeks, progress=None, plan_items=[])
            for page_phase, weeks in zip(page.phases, week_ranges, strict=True)
        ],
        progress=None,
        can_enrol=False,
        length=plan_length(page.pathway, phases),
    )


# A signed-in pathway page's first read, written by hand as the rows above (through the ORM, the
# enrolment's query took longer to build than its page took to read the learner's rows).
_VERSION_FOR_LEARNER_SQL = (
    f"SELECT p.id, p.updated_at, {_columns(Profile, 'r')}, {_columns(Enrolment, 'e')} "  # noqa: S608
    f"FROM {Pathway._meta.db_table} p "
    f"LEFT JOIN {Profile._meta.db_table} r ON r.user_id = %s "
    f"LEFT JOIN {Enrolment._meta.db_table} e ON e.pathway_id = p.id AND e.user_id = %s "
    "WHERE p.slug = %s"
)


def _version_for_learner(slug, user):
    """(pathway_version(slug), the learner's enrolment in it or None), in one query that also reads
    `user`'s profile (the page asks `user` for it); (None, None) when there is no such pathway."""
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_FOR_LEARNER_SQL, [user.pk, user.pk, slug])
        row = cursor.fetchone()
    if row is None:
        return None, None
    profile_width = len(Profile._meta.concrete_fields)
    profile_values, enrolment_values = row[2 : 2 + profile_width], row[2 + profile_width :]
    if profile_values[0] is not None:
        user.profile = _instances(Profile)(profile_values)
    enrolment = None
    if enrolment_values[0] is not None:
        enrolment = _instances(Enrolment)(enrolment_values)
        enrolment.user = user
    return _version_of(row[:2]), enrolment


def enrolment_progress(enrolment_id, now):
    """Progress of one enrolment (after a tick, say), read from the database."""
    (enrolment,) = _learners_enrolments("e.id = %s", [enrolment_id])
    return progress_of(enrolment, enrolment.user.profile, now)


def progress_after_write(enrolment, now):
    """Progress of `enrolment` as a view that just wrote to it holds it: read with its pathway and
    its learner's profile, its state kept true by careers.services. Only its rows are read."""
    _with_rows([enrolment])
    enrolment.pathway = pathway_content(enrolment.pathway_id, enrolment.pathway.updated_at).pathway
    return progress_of(enrolment, enrolment.user.profile, now)


def live_task(enrolment, task_id):
    """The task `task_id` of the enrolment's pathway, with its phase, if it is in the guide (not
    archived); else None. From the pathway's cached content (pathway_content()): no query."""
    content = pathway_content(enrolment.pathway_id, enrolment.pathway.updated_at)
    for _phase, tasks, _resources in content.phases:
        for task in tasks:
            if task.id == task_id:
                return task
    return None


def live_action_item(enrolment, action_item_id):
    """The action-plan step `action_item_id` of the enrolment's pathway if it is in the guide, else
    None; no query, as live_task()."""
    content = pathway_content(enrolment.pathway_id, enrolment.pathway.updated_at)
    return next((item for item in content.pathway.action_items.all() if item.id == action_item_id), None)


def reminder_settings_for(user):
    """The pathways a learner follows, for the per-pathway reminder switches."""
    return list(
        Enrolment.objects.filter(user=user)
        .exclude(status=Enrolment.Status.LEFT)
        .select_related("pathway")
        .order_by("created_at", "pk")
    )
