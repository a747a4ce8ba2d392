"""Admin: authoring pathways, and looking up enrolments and reminders.

Django's admin cannot nest inlines, so a pathway's phases are edited inline for their order, title and
duration, and each phase links to its own page where its tasks and resources are edited.

Nothing a learner ticked is lost here either: deleting a phase, a task, an action-plan step or any
other guide row (its own delete button, the "delete" box of an inline, the bulk action) archives it
(careers.models.Archivable) and says so; the ticks on it stay. A pathway that has learners cannot be
deleted: it is archived instead (the "Archive" action), which takes it out of the catalogue.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from careers import content_version, importer, reminders, search, services
from careers.models import (
    ActionItem,
    DigestLog,
    Enrolment,
    FaqEntry,
    Pathway,
    Phase,
    RealityCheckItem,
    Resource,
    SkillToLearn,
    Task,
    TransferableSkill,
    record_update,
)


def _set_archived_at(model, queryset, value):
    """Set `archived_at` on the rows of `queryset` (locked), record it in their history; returns
    the rows."""
    rows = list(queryset.select_for_update())
    model._base_manager.filter(pk__in=[row.pk for row in rows]).update(archived_at=value)
    for row in rows:
        row.archived_at = value
    record_update(model, rows)
    return rows


def _archive_rows(model, rows, now):
    """Archive the live ones of `rows` and record it in their history; returns how many."""
    rows = list(rows)
    archived = _set_archived_at(
        model, model.all_objects.filter(pk__in=[row.pk for row in rows], archived_at__isnull=True), now
    )
    for row in rows:
        row.archived_at = now
    return len(archived)


def archive(objs, now):
    """Archive guide rows (and a phase's tasks and resources with it), each recorded in its
    history, then let the pathways' learners see it: the pathway's `updated_at` moves (calendar
    feeds follow) and its enrolments are checked for completion again. Returns how many rows were
    archived."""
    archived, pathways = 0, set()
    for obj in objs:
        archived += _archive_rows(type(obj), [obj], now)
        if isinstance(obj, Phase):
            for model in (Task, Resource):
                _archive_rows(model, model.objects.filter(phase=obj), now)
        pathway_id = obj.phase.pathway_id if hasattr(obj, "phase_id") else obj.pathway_id
        pathways.add(pathway_id)
    for pathway in Pathway.objects.filter(pk__in=pathways):
        pathway.save(update_fields=["updated_at"])
        importer.recheck_completion(pathway, now)
        search.refresh(pathway)
    return archived


def restore(objs, now):
    """Bring archived guide rows back into their pathway (a phase with the tasks and resources
    archived with it), each recorded in its history; the learners' ticks on them count again.
    A row whose phase is still archived stays out. Returns (restored, refused) counts."""
    restored, refused, pathways = 0, 0, set()
    for obj in objs:
        if getattr(obj, "phase_id", None) and obj.phase.is_archived:
            refused += 1
            continue
        model = type(obj)
        if not obj.is_archived:
            continue
        restored += len(_set_archived_at(model, model.all_objects.filter(pk=obj.pk), None))
        if isinstance(obj, Phase):
            for row_model in (Task, Resource):
                _set_archived_at(
                    row_model, row_model.all_objects.filter(phase=obj, archived_at=obj.archived_at), None
                )
        pathways.add(obj.phase.pathway_id if hasattr(obj, "phase_id") else obj.pathway_id)
    for pathway in Pathway.objects.filter(pk__in=pathways):
        pathway.save(update_fields=["updated_at"])
        importer.recheck_completion(pathway, now)
        search.refresh(pathway)
    return restored, refused


class ArchivedRowFilter(admin.SimpleListFilter):
    """Lists show the rows in the guide; archived ones are one click away, to read or restore."""

    title = "in the guide"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("yes", "Archived"), ("all", "Both")]

    def choices(self, changelist):
        choices = list(super().choices(changelist))
        choices[0]["display"] = "In the guide"
        return choices

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset
        return queryset.filter(archived_at__isnull=self.value() != "yes")


def _pathway_of(obj):
    if isinstance(obj, Pathway):
        return obj
    return obj.phase.pathway if hasattr(obj, "phase_id") else obj.pathway


class RefreshesSearch:
    """After any edit of a pathway's content here (its page and inlines, a phase's or a row's page,
    a revert from History), its search document follows (careers.search.refresh)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        search.refresh(_pathway_of(obj))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # the inlines
        search.refresh(_pathway_of(form.instance))


class ArchivingAdmin(RefreshesSearch, SimpleHistoryAdmin):
    """Delete archives: the object, the bulk action and the messages say so. "History" lists
    every change (careers.models.ContentHistory) with its diff, and reverts one. Archived rows
    are listed under the "Archived" filter, open as any row (with their History), and come back with the
    "Restore" action."""

    actions = ("restore_rows",)

    def get_queryset(self, request):
        queryset = self.model.all_objects.get_queryset()
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_list_filter(self, request):
        return (ArchivedRowFilter, *super().get_list_filter(request))

    def get_list_display(self, request):
        return (*super().get_list_display(request), "archived_at")

    @admin.action(description="Restore selected archived rows to their pathway")
    @transaction.atomic
    def restore_rows(self, request, queryset):
        restored, refused = restore(list(queryset), timezone.now())
        self.message_user(
            request, f"{restored} row(s) restored: learners' ticks on them count again.", messages.SUCCESS
        )
        if refused:
            self.message_user(
                request, f"{refused} row(s) not restored: restore their phase first.", messages.WARNING
            )

    @transaction.atomic
    def delete_model(self, request, obj):
        archive([obj], timezone.now())

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        archive(list(queryset), timezone.now())

    def get_deleted_objects(self, objs, request):
        """The confirmation lists what is archived (the learners' ticks are not deleted)."""
        objs = list(objs)
        label = self.model._meta.verbose_name_plural if len(objs) != 1 else self.model._meta.verbose_name
        return [f"{obj} (archived, not deleted)" for obj in objs], {label: len(objs)}, set(), []

    def response_delete(self, request, obj_display, obj_id):
        self.message_user(
            request,
            f"“{obj_display}” was archived, not deleted: it left the pathway, and learners' ticks "
            "on it are kept.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse(f"admin:careers_{self.model._meta.model_name}_changelist"))

    def log_deletions(self, request, queryset):
        super().log_deletions(request, queryset)
        if len(queryset) > 0:
            self.message_user(
                request,
                f"Archived, not deleted: {len(queryset)} row(s) left the pathway; learners' ticks on "
                "them are kept.",
                messages.INFO,
            )


class ArchivingInlineFormSet(forms.BaseInlineFormSet):
    """An inline row marked "delete" is archived, not deleted."""

    def delete_existing(self, obj, commit=True):
        if commit:
            archive([obj], timezone.now())


class CompactInline(admin.TabularInline):
    """A tabular inline whose text fields are short text areas, so a row stays readable. Its
    "delete" box archives the row (ArchivingInlineFormSet)."""

    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 48})}}
    extra = 0
    formset = ArchivingInlineFormSet
    show_change_link = True  # the row's own page, with its History


class PhaseInline(CompactInline):
    model = Phase
    fields = ("order", "title", "duration_weeks", "duration_label")
    ordering = ("order",)
    show_change_link = True


class TransferableSkillInline(CompactInline):
    model = TransferableSkill
    fields = ("order", "name", "description")
    ordering = ("order",)


class SkillToLearnInline(CompactInline):
    model = SkillToLearn
    fields = ("order", "name", "priority", "weeks", "duration_label", "description")
    ordering = ("order",)


class ActionItemInline(CompactInline):
    model = ActionItem
    fields = ("order", "horizon", "text")
    ordering = ("horizon", "order")


class RealityCheckItemInline(CompactInline):
    model = RealityCheckItem
    fields = ("order", "kind", "text")
    ordering = ("kind", "order")


class FaqEntryInline(CompactInline):
    model = FaqEntry
    fields = ("order", "question", "answer")
    ordering = ("order",)


FACT_FIELDS = ("duration_months", "difficulty", "timeline", "salary_change", "demand", "other_facts")


class ArchivedFilter(admin.SimpleListFilter):
    title = "offered"
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("no", "In the catalogue"), ("yes", "Archived")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(archived_at__isnull=self.value() == "no")
        return queryset


@admin.register(Pathway)
class PathwayAdmin(RefreshesSearch, SimpleHistoryAdmin):
    list_display = (
        "title",
        "from_role",
        "to_role",
        "duration_months",
        "difficulty",
        "archived_at",
        "updated_at",
    )
    list_filter = (ArchivedFilter, "difficulty", "to_role")
    actions = ("archive_pathways", "restore_pathways")
    search_fields = ("title", "slug", "from_role", "to_role", "overview")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("created_at", "updated_at", "archived_at")
    fieldsets = (
        (None, {"fields": ("title", "slug", "from_role", "to_role")}),
        ("Facts", {"fields": FACT_FIELDS}),
        ("Overview", {"fields": ("overview",)}),
        ("History", {"fields": ("created_at", "updated_at", "archived_at"), "classes": ("collapse",)}),
    )
    inlines = (
        PhaseInline,
        TransferableSkillInline,
        SkillToLearnInline,
        RealityCheckItemInline,
        ActionItemInline,
        FaqEntryInline,
    )

    REFUSED = "“{}” has learners: it cannot be deleted. Archive it instead (the “Archive” action)."

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one by one, so a pathway with learners is refused
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        pathway = self.get_object(request, object_id)
        if pathway is not None and pathway.enrolments.exists():
            self.message_user(request, self.REFUSED.format(pathway), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:careers_pathway_change", args=[pathway.pk]))
        return super().delete_view(request, object_id, extra_context)

    def delete_model(self, request, obj):
        if obj.enrolments.exists():  # learners enrolled while the confirmation page was open
            raise PermissionDenied(self.REFUSED.format(obj))
        super().delete_model(request, obj)

    @admin.action(description="Archive selected pathways (out of the catalogue; learners keep them)")
    def archive_pathways(self, request, queryset):
        count = self._set_archived_at(queryset.filter(archived_at__isnull=True), timezone.now())
        self.message_user(request, f"{count} pathway(s) archived: they left the catalogue.", messages.SUCCESS)

    @admin.action(description="Restore selected pathways to the catalogue")
    def restore_pathways(self, request, queryset):
        count = self._set_archived_at(queryset.filter(archived_at__isnull=False), None)
        self.message_user(request, f"{count} pathway(s) back in the catalogue.", messages.SUCCESS)

    @staticmethod
    @transaction.atomic
    def _set_archived_at(queryset, value):
        rows = _set_archived_at(Pathway, queryset, value)
        # Its page and the catalogue change with it: a new content version (careers.content_version).
        content_version.touch(Pathway.objects.filter(pk__in=[row.pk for row in rows]))
        return len(rows)


class TaskInline(CompactInline):
    model = Task
    fields = ("order", "text")
    ordering = ("order",)


class ResourceInline(CompactInline):
    model = Resource
    fields = ("order", "title", "url")
    ordering = ("order",)
    # A link typed without a scheme is https (Django 6's default, asked for explicitly until then).
    formfield_overrides = {
        **CompactInline.formfield_overrides,
        models.URLField: {"assume_scheme": "https"},
    }


@admin.register(Phase)
class PhaseAdmin(ArchivingAdmin):
    list_display = ("title", "pathway", "order", "duration_label", "duration_weeks")
    list_display_links = ("title",)
    list_filter = ("pathway",)
    list_select_related = ("pathway",)
    search_fields = ("title", "summary", "pathway__title")
    ordering = ("pathway__title", "order")
    fields = ("pathway", "order", "title", "duration_weeks", "duration_label", "summary")
    inlines = (TaskInline, ResourceInline)


class ContentRowAdmin(ArchivingAdmin):
    """A single guide row (a task, a resource, a row of a pathway section), reached from the
    "Change" link of its inline row: its "History" lists every edit of it, made inline or here or
    by an import, with the diff and a revert."""


@admin.register(Task)
class TaskAdmin(ContentRowAdmin):
    list_display_links = ("text",)
    list_display = ("text", "phase", "order")
    list_filter = ("phase__pathway",)
    list_select_related = ("phase__pathway",)
    search_fields = ("text", "phase__title", "phase__pathway__title")
    fields = ("phase", "order", "text")
    ordering = ("phase__pathway__title", "phase__order", "order")


@admin.register(Resource)
class ResourceAdmin(ContentRowAdmin):
    list_display = ("title", "phase", "order")
    list_display_links = ("title",)
    list_filter = ("phase__pathway",)
    list_select_related = ("phase__pathway",)
    search_fields = ("title", "url", "phase__title")
    fields = ("phase", "order", "title", "url")
    ordering = ("phase__pathway__title", "phase__order", "order")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


def _section_admin(model, text_fields):
    """Register the admin page of a pathway section's rows."""

    class SectionAdmin(ContentRowAdmin):
        list_display = (*text_fields[:1], "pathway", "order")
        list_display_links = text_fields[:1]
        list_filter = ("pathway",)
        list_select_related = ("pathway",)
        search_fields = text_fields
        ordering = ("pathway__title", "order")

    SectionAdmin.__name__ = SectionAdmin.__qualname__ = f"{model.__name__}Admin"
    admin.site.register(model, SectionAdmin)


_section_admin(TransferableSkill, ("name", "description"))
_section_admin(SkillToLearn, ("name", "description"))
_section_admin(ActionItem, ("text",))
_section_admin(RealityCheckItem, ("text",))
_section_admin(FaqEntry, ("answer", "question"))


class EnrolmentForm(forms.ModelForm):
    """A status the learner's rules refuse (completed with tasks still open, say), or a new
    enrolment in an archived pathway, is a form error."""

    class Meta:
        model = Enrolment
        fields = ["user", "pathway", "start_date", "hours_per_week", "status", "reminders_enabled"]
        help_texts = {"hours_per_week": "The learner's pace. Empty: the guide's full-time pace (40 hours)."}

    def clean(self):
        data = super().clean()
        stays_left = self.instance.is_left and data.get("status") == Enrolment.Status.LEFT
        if self.instance.pk and stays_left and "hours_per_week" in self.changed_data:
            self.add_error(
                "hours_per_week", "The learner left this pathway: make it active to change the pace."
            )
        return data

    def clean_pathway(self):
        pathway = self.cleaned_data["pathway"]
        if self.instance.pk is None and pathway.archived_at is not None:
            raise forms.ValidationError("This pathway is archived: nobody can join it any more.")
        return pathway

    def clean_status(self):
        status = self.cleaned_data["status"]
        if self.instance.pk is None:
            if status == Enrolment.Status.COMPLETED:
                raise forms.ValidationError("A new enrolment has nothing done yet: it cannot be completed.")
        elif "status" in self.changed_data:
            try:
                services.check_status_change(enrolment=self.instance, status=status)
            except ValueError as error:
                raise forms.ValidationError(str(error)) from None
        return status


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    form = EnrolmentForm
    list_display = ["user", "pathway", "status", "start_date", "reminders_enabled", "next_reminder_at"]
    list_filter = ["status", "reminders_enabled", "pathway"]
    search_fields = ["user__email", "pathway__title"]
    raw_id_fields = ["user"]
    date_hierarchy = "start_date"
    fields = [
        "user",
        "pathway",
        "start_date",
        "hours_per_week",
        "status",
        "reminders_enabled",
        "paused_at",
        "paused_days",
        "left_at",
        "completed_at",
        "next_reminder_at",
        "created_at",
    ]
    # Kept by the services below, as the learner's own buttons keep them.
    readonly_fields = [
        "paused_at",
        "paused_days",
        "left_at",
        "completed_at",
        "next_reminder_at",
        "created_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields + (["user", "pathway"] if obj else [])

    def save_model(self, request, obj, form, change):
        """Status, pace and reminder switches go through the learner's services, never a bare save."""
        now = timezone.now()
        if not change:
            enrolment, _created = services.enrol(
                user=obj.user,
                pathway=obj.pathway,
                start_date=obj.start_date,
                now=now,
                hours_per_week=obj.hours_per_week,
            )
            obj.pk = enrolment.pk
        else:
            status, obj.status = obj.status, form.initial["status"]
            enabled, obj.reminders_enabled = obj.reminders_enabled, form.initial["reminders_enabled"]
            hours, obj.hours_per_week = obj.hours_per_week, form.initial["hours_per_week"]
            obj.save()
            # A left enrolment's pace changes once it is open again; an open one's before it may leave.
            pace_changed, was_left = "hours_per_week" in form.changed_data, obj.is_left
            if pace_changed and not was_left:
                services.change_pace(enrolment=obj, hours_per_week=hours)
            if "status" in form.changed_data:
                services.change_status(enrolment=obj, status=status, now=now)
            if pace_changed and was_left:
                services.change_pace(enrolment=obj, hours_per_week=hours)
            if "reminders_enabled" in form.changed_data:
                reminders.set_pathway_reminders(enrolment=obj, enabled=enabled, now=now)
        obj.refresh_from_db()


@admin.register(DigestLog)
class DigestLogAdmin(admin.ModelAdmin):
    """Who got (or did not get) their weekly digest: a failed one shows its attempts and error, and
    is claimed again by a later run; one whose outcome is unknown (the mail server may have taken
    it) says why and is never sent again (careers.reminders)."""

    list_display = ["user", "week", "state", "attempts", "last_error", "claimed_at", "sent_at"]
    list_filter = ["state", "week"]
    search_fields = ["user__email"]
    raw_id_fields = ["user"]
    date_hierarchy = "week"
    readonly_fields = [
        "user",
        "week",
        "state",
        "claimed_at",
        "sending_until",
        "sent_at",
        "attempts",
        "last_error",
    ]

    def has_add_permission(self, request):
        return False  # rows are claims, written by the dispatcher only
