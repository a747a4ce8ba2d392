from django.urls import path, re_path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("preferences/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    # The calendar feed's secret address: only token characters reach the view (others are a 404).
    re_path(r"^calendar/(?P<token>[A-Za-z0-9_-]{1,64})\.ics$", views.calendar_feed, name="calendar_feed"),
    path("calendar/reset/", views.reset_calendar, name="reset_calendar"),
    path("data/", views.download_data, name="download_data"),
    path("delete/", views.delete_account_view, name="delete_account"),
    path("delete/done/", views.account_deleted, name="account_deleted"),
]
