import contextvars
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from careers import horizons

_change_reason = contextvars.ContextVar("history_change_reason", default=None)


@contextmanager
def change_reason(reason):
    """Every history row written inside the block (saves, bulk history) carries `reason`, e.g.
    "import_guide: guides/speech-ai.txt", unless an instance sets its own `_change_reason`."""
    token = _change_reason.set(reason)
    try:
        yield
    finally:
        _change_reason.reset(token)


def record_update(model, instances):
    """Write the history of rows changed by `QuerySet.update()` (which sends no signal, so writes
    none): `instances` already hold their new values. The user comes from the request, as for a
    save, and the reason from `change_reason()`."""
    if instances:
        model.history.bulk_history_create(instances, update=True, default_change_reason=_change_reason.get())


class ContentHistory(HistoricalRecords):
    """django-simple-history for guide content: who (the admin user, from the request), when and
    what changed, with the block's `change_reason()` (an import names its file). Each model gets a
    `history` manager and a Historical<Model> table; admin edits show it under "History", with the
    diff and a revert. Archiving is an edit like any other (a row with `archived_at` set), so an
    archived row keeps its history. `bulk_create` and `QuerySet.update` write none: use
    `Model.history.bulk_history_create()` (as careers.admin.archive and the importer do)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("history_change_reason_field", models.TextField(null=True))
        super().__init__(**kwargs)

    def get_change_reason_for_object(self, instance, history_type, using):
        return super().get_change_reason_for_object(instance, history_type, using) or _change_reason.get()


class LiveManager(models.Manager):
    """The rows still in the guide: what pages, the plan and completion see (`objects`)."""

    def get_queryset(self):
        return super().get_queryset().filter(archived_at__isnull=True)


class Archivable(models.Model):
    """Content a guide edit (re-import or admin) can remove. It is archived, never deleted, so the
    learners' ticks on it keep pointing at it (their history and export still read it).

    `objects`, the default manager (and so every related manager: `phase.tasks`, prefetches, the
    admin, views' lookups), sees live rows only; `all_objects` sees archived ones too (the
    importer, which brings an archived row back when a guide has it again). Relations followed
    from a tick (`completion.task`) use the plain base manager, so they reach archived rows.
    Joins in queries (`Count("phases__tasks")`) do not go through managers: filter them on
    `archived_at` by hand (careers.selectors)."""

    archived_at = models.DateTimeField(
        null=True, blank=True, help_text="When an edit removed it; empty while it is in the guide."
    )

    objects = LiveManager()
    all_objects = models.Manager()  # noqa: DJ012 (a manager, not a field)
    # Every concrete subclass (phases, tasks, resources, the pathway sections) records its history.
    history = ContentHistory(inherit=True)

    class Meta:
        abstract = True

    @property
    def is_archived(self):
        return self.archived_at is not None


class Pathway(models.Model):
    """A career-transition guide: the content a learner follows week by week."""

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    from_role = models.CharField(max_length=150, blank=True)
    to_role = models.CharField(max_length=150, blank=True)
    duration_months = models.PositiveSmallIntegerField(null=True, blank=True)
    difficulty = models.CharField(max_length=100, blank=True)
    timeline = models.CharField(max_length=100, blank=True)
    salary_change = models.TextField(blank=True)
    demand = models.TextField(blank=True)
    # Facts a guide states beyond the four above, as [label, value] pairs, so none is lost.
    other_facts = models.JSONField(default=list, blank=True)
    overview = models.TextField(help_text="Paragraphs separated by a blank line.")
    created_at = models.DateTimeField(auto_now_add=True)
    # The content version: every edit of the pathway or of its guide's rows moves it, and what is
    # cached of its content is keyed by it (careers.content_version).
    updated_at = models.DateTimeField(auto_now=True)
    # An archived pathway leaves the catalogue, the home page and suggestions; its learners keep
    # it (and its page). Pathways are never filtered by a manager: their learners still read them.
    archived_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was withdrawn from the catalogue; empty while offered."
    )
    history = ContentHistory()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("careers:pathway", args=[self.slug])

    @property
    def short_title(self):
        """What cards, navigation and the dashboard show ("Software Engineer → Deep Learning
        Engineer"); the guide's own title is the subtitle on its page."""
        if self.from_role and self.to_role:
            return f"{self.from_role} \u2192 {self.to_role}"
        return self.title

    @property
    def overview_paragraphs(self):
        return [part.strip() for part in self.overview.split("\n\n") if part.strip()]


class Phase(Archivable):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField()
    title = models.TextField()
    duration_weeks = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Empty for an ongoing phase, which starts when the timed phases end.",
    )
    duration_label = models.CharField(
        max_length=100, blank=True, help_text='As the guide words it, e.g. "6 weeks" or "Ongoing".'
    )
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["pathway", "order"]

    def __str__(self):
        return self.title

    @property
    def is_ongoing(self):
        return self.duration_weeks is None


class Task(Archivable):
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="tasks")
    order = models.PositiveSmallIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["phase", "order"]

    def __str__(self):
        return self.text


class Resource(Archivable):
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="resources")
    order = models.PositiveSmallIntegerField()
    title = models.TextField()
    url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["phase", "order"]

    def __str__(self):
        return self.title


class PathwayItem(Archivable):
    """A row of one of the pathway-level sections of a guide (skills, action plan, FAQ, ...),
    kept in guide order. Each subclass declares its `pathway` key, with its own related name."""

    order = models.PositiveSmallIntegerField()

    class Meta(Archivable.Meta):
        abstract = True
        ordering = ["pathway", "order"]


class TransferableSkill(PathwayItem):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="transferable_skills")
    name = models.TextField()
    description = models.TextField(blank=True)

    def __str__(self):
        return self.name


class SkillToLearn(PathwayItem):
    class Priority(models.TextChoices):
        CRITICAL = "critical", "Critical"
        IMPORTANT = "important", "Important"
        NICE_TO_HAVE = "nice_to_have", "Nice to have"

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="skills_to_learn")
    name = models.TextField()
    priority = models.CharField(
        max_length=20, choices=Priority.choices, blank=True, help_text="Empty where the guide gives none."
    )
    weeks = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    duration_label = models.CharField(
        max_length=100, blank=True, help_text='As the guide words it, e.g. "6 weeks".'
    )
    description = models.TextField(blank=True)

    class Meta(PathwayItem.Meta):
        verbose_name_plural = "skills to learn"

    def __str__(self):
        return self.name


class ActionItem(PathwayItem):
    """A step of the guide's "Start your journey" plan, grouped by horizon."""

    # THIS_WEEK, THIS_MONTH, NEXT_90_DAYS: the horizons of careers.horizons.
    Horizon = models.TextChoices("Horizon", [(h.key.upper(), (h.key, h.label)) for h in horizons.HORIZONS])

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="action_items")
    horizon = models.CharField(max_length=20, choices=Horizon.choices)
    text = models.TextField()

    def __str__(self):
        return self.text


class RealityCheckItem(PathwayItem):
    class Kind(models.TextChoices):
        LOVE = "love", "What you'll love"
        MISS = "miss", "What you might miss"
        CHALLENGE = "challenge", "Biggest challenges"

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="reality_checks")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.TextField()

    def __str__(self):
        return self.text


class FaqEntry(PathwayItem):
    """An FAQ answer. Scraped guides often lost the question, so it may be empty."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="faq_entries")
    question = models.TextField(blank=True)
    answer = models.TextField()

    class Meta(PathwayItem.Meta):
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"

    def __str__(self):
        return self.question or self.answer[:80]


class SearchDocument(models.Model):
    """A pathway's words for the catalogue search (careers.search), by weight: derived from the
    live content and rebuilt by `careers.search.refresh()` after every import and admin edit. A
    table of its own, so pathway queries never load it and its history never records it.

    On PostgreSQL a trigger (migration 0009) keeps `vector` in step with the three texts, with a
    GIN index; on SQLite `vector` stays empty and careers.search reads the texts."""

    pathway = models.OneToOneField(
        Pathway, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    title = models.TextField(blank=True, help_text="Weight A: the title and the two roles.")
    skills = models.TextField(blank=True, help_text="Weight B: the overview and the skills.")
    body = models.TextField(blank=True, help_text="Weight C: every other section and the facts.")
    vector = SearchVectorField(null=True, editable=False)

    def __str__(self):
        return f"Search document of {self.pathway_id}"


class Enrolment(models.Model):
    """A learner following a pathway. Leaving keeps the row and its ticks as history."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        LEFT = "left", "Left"
        COMPLETED = "completed", "Completed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments")
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="enrolments")
    start_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    paused_at = models.DateTimeField(null=True, blank=True)
    # Days spent paused, which push the plan back so a pause does not leave the learner behind.
    paused_days = models.PositiveIntegerField(default=0)
    left_at = models.DateTimeField(null=True, blank=True)
    # Set when every task of the timed phases is done or skipped (careers.services keeps it).
    completed_at = models.DateTimeField(null=True, blank=True)
    reminders_enabled = models.BooleanField(
        default=True, help_text="The learner can mute one pathway's reminders and keep the others."
    )
    # The learner's pace: the guide's timeline is the full-time pace (careers.pace), stretched or
    # shrunk to the hours the learner can give. Empty: the guide's own pace.
    hours_per_week = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(80)]
    )
    # When the learner's next weekly digest falls due (UTC), kept by careers.reminders: the slot is
    # the learner's, so every enrolment of a learner carries the same value.
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "pathway"], name="one_enrolment_per_pathway"),
        ]
        indexes = [models.Index(fields=["next_reminder_at"], name="enrolment_reminder_due")]

    def __str__(self):
        return f"{self.user} on {self.pathway}"

    @property
    def is_active(self):
        return self.status == self.Status.ACTIVE

    @property
    def is_paused(self):
        return self.status == self.Status.PAUSED

    @property
    def is_left(self):
        return self.status == self.Status.LEFT

    @property
    def is_completed(self):
        return self.status == self.Status.COMPLETED

    @property
    def plan_start_date(self):
        """The start date, moved on by the time spent paused in whole weeks (to the nearest), so
        plan weeks keep starting on the learner's reminder day."""
        return self.start_date + timedelta(weeks=(self.paused_days + 3) // 7)


class SkipReason(models.TextChoices):
    """Why a learner resolved a task or an action-plan step without doing it here."""

    NOT_FOR_ME = "not_for_me", "Not for me"
    ALREADY_DONE = "already_done", "Already done"


class TaskCompletion(models.Model):
    """A task resolved in an enrolment: done (blank `skip_reason`) or skipped. One row per task."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="task_completions")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="completions")
    done_at = models.DateTimeField(help_text="When it was done, or skipped.")
    skip_reason = models.CharField(
        max_length=20, choices=SkipReason.choices, blank=True, help_text="Empty when done."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "task"], name="task_done_once"),
        ]

    def __str__(self):
        state = f"skipped ({self.get_skip_reason_display().lower()})" if self.skip_reason else "done"
        return f"{self.task} {state} {self.done_at:%Y-%m-%d}"


class ActionItemCompletion(models.Model):
    """An action-plan step resolved in an enrolment: done (blank `skip_reason`) or skipped."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="action_item_completions")
    action_item = models.ForeignKey(ActionItem, on_delete=models.CASCADE, related_name="completions")
    done_at = models.DateTimeField(help_text="When it was done, or skipped.")
    skip_reason = models.CharField(
        max_length=20, choices=SkipReason.choices, blank=True, help_text="Empty when done."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "action_item"], name="action_item_done_once"),
        ]

    def __str__(self):
        state = f"skipped ({self.get_skip_reason_display().lower()})" if self.skip_reason else "done"
        return f"{self.action_item} {state} {self.done_at:%Y-%m-%d}"


class HabitTick(models.Model):
    """A task of an ongoing phase is a weekly habit: done in a plan week when ticked in it."""

    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="habit_ticks")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="habit_ticks")
    done_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["enrolment", "done_at"], name="habit_tick_by_time")]

    def __str__(self):
        return f"{self.task} done in the week of {self.done_at:%Y-%m-%d}"


class DigestLog(models.Model):
    """One learner's weekly digest for one week: the claim that makes it go out once.

    The row is written (claimed) before the email is sent; its uniqueness per learner and week is
    what makes the digest go out once. Its `state` moves as careers.reminders documents:
    claimed -> sending -> sent, or back to claimed after a failed attempt, and failed after the last
    one (kept, with its attempts and error, and claimed again by a later run)."""

    class State(models.TextChoices):
        CLAIMED = "claimed", "Claimed"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Nothing to send"
        # The mail server may or may not have taken it (a timeout or disconnect after the message
        # was handed over): not sent again, for the admin to see.
        UNKNOWN = "unknown", "Outcome unknown"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_logs")
    week = models.DateField(help_text="Monday of the learner's local week the digest is for.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.CLAIMED)
    claimed_at = models.DateTimeField(
        help_text="When its send was due (real time): its claim, a re-queue, or a retry's due time."
    )
    # While a worker is sending, no other worker may: a re-queued claim cannot go out twice.
    sending_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "week"], name="one_digest_per_learner_and_week"),
        ]
        indexes = [models.Index(fields=["state", "claimed_at"], name="digest_unsent")]

    def __str__(self):
        return f"Digest for {self.user} in the week of {self.week} ({self.state})"
