from django.urls import path

from careers import views

app_name = "careers"

urlpatterns = [
    path("", views.home, name="home"),
    path("pathways/", views.catalogue, name="catalogue"),
    path("which-pathway/", views.fit, name="fit"),
    path("pathways/<slug:slug>/", views.pathway_detail, name="pathway"),
    path("pathways/<slug:slug>/enrol/", views.enrol, name="enrol"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("enrolments/<int:enrolment_id>/pause/", views.pause, name="pause"),
    path("enrolments/<int:enrolment_id>/resume/", views.resume, name="resume"),
    path("enrolments/<int:enrolment_id>/leave/", views.leave, name="leave"),
    path("enrolments/<int:enrolment_id>/pace/", views.change_pace, name="change_pace"),
    path("enrolments/<int:enrolment_id>/reminders/", views.set_reminders, name="set_reminders"),
    path("reminders/preview/", views.send_preview, name="send_preview"),
    path("enrolments/<int:enrolment_id>/tasks/<int:task_id>/", views.tick_task, name="tick_task"),
    path("enrolments/<int:enrolment_id>/tasks/<int:task_id>/skip/", views.skip_task, name="skip_task"),
    path(
        "enrolments/<int:enrolment_id>/actions/<int:action_item_id>/",
        views.tick_action_item,
        name="tick_action_item",
    ),
    path(
        "enrolments/<int:enrolment_id>/actions/<int:action_item_id>/skip/",
        views.skip_action_item,
        name="skip_action_item",
    ),
    # Signed links in the weekly email (careers.inbox): no session needed, GET asks, POST acts.
    path("inbox/tasks/<str:token>/", views.inbox_task, name="inbox_task"),
    path("inbox/pause/<str:token>/", views.inbox_pause, name="inbox_pause"),
]
