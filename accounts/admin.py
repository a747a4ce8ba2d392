from django.contrib import admin

from accounts.models import Profile


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
