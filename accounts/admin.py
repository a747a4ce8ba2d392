from django.contrib import admin
from django.utils import timezone

from accounts.models import Profile
from careers import reminders


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = [
        "user",
        "time_zone",
        "reminders_enabled",
        "reminder_weekday",
        "reminder_hour",
        "created_at",
    ]
    list_filter = ["reminders_enabled", "reminder_weekday"]
    search_fields = ["user__email", "user__username", "time_zone"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"

    def save_model(self, request, obj, form, change):
        # The same rule as the preferences page: a new day, hour or zone moves the next reminder.
        reminders.save_preferences(profile=obj, changed_fields=form.changed_data, now=timezone.now())
