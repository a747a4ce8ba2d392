"""Admin: authoring pathways, and looking up enrolments and reminders.

Django's admin cannot nest inlines, so a pathway's phases are edited inline for their order, title and
duration, and each phase links to its own page where its tasks and resources are edited.
"""

from django import forms
from django.contrib import admin
from django.db import models
from django.utils import timezone

from careers import reminders, services
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
)


class CompactInline(admin.TabularInline):
    """A tabular inline whose text fields are short text areas, so a row stays readable."""

    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 48})}}
    extra = 0


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


@admin.register(Pathway)
class PathwayAdmin(admin.ModelAdmin):
    list_display = ("title", "from_role", "to_role", "duration_months", "difficulty", "updated_at")
    list_filter = ("difficulty", "to_role")
    search_fields = ("title", "slug", "from_role", "to_role", "overview")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("title", "slug", "from_role", "to_role")}),
        ("Facts", {"fields": FACT_FIELDS}),
        ("Overview", {"fields": ("overview",)}),
        ("History", {"fields": ("created_at", "updated_at"), "classes": ("collapse",)}),
    )
    inlines = (
        PhaseInline,
        TransferableSkillInline,
        SkillToLearnInline,
        RealityCheckItemInline,
        ActionItemInline,
        FaqEntryInline,
    )


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
class PhaseAdmin(admin.ModelAdmin):
    list_display = ("title", "pathway", "order", "duration_label", "duration_weeks")
    list_display_links = ("title",)
    list_filter = ("pathway",)
    list_select_related = ("pathway",)
    search_fields = ("title", "summary", "pathway__title")
    ordering = ("pathway__title", "order")
    fields = ("pathway", "order", "title", "duration_weeks", "duration_label", "summary")
    inlines = (TaskInline, ResourceInline)


class EnrolmentForm(forms.ModelForm):
    """A status the learner's rules refuse (completed with tasks still open, say) is a form error."""

    class Meta:
        model = Enrolment
        fields = ["user", "pathway", "start_date", "status", "reminders_enabled"]

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
        """Status and reminder switches go through the learner's services, never a bare save."""
        now = timezone.now()
        if not change:
            enrolment, _created = services.enrol(
                user=obj.user, pathway=obj.pathway, start_date=obj.start_date, now=now
            )
            obj.pk = enrolment.pk
        else:
            status, obj.status = obj.status, form.initial["status"]
            enabled, obj.reminders_enabled = obj.reminders_enabled, form.initial["reminders_enabled"]
            obj.save()
            if "status" in form.changed_data:
                services.change_status(enrolment=obj, status=status, now=now)
            if "reminders_enabled" in form.changed_data:
                reminders.set_pathway_reminders(enrolment=obj, enabled=enabled, now=now)
        obj.refresh_from_db()


@admin.register(DigestLog)
class DigestLogAdmin(admin.ModelAdmin):
    """Who got (or did not get) their weekly digest: a failed one shows its attempts and error, and
    is claimed again by a later run (careers.reminders)."""

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
