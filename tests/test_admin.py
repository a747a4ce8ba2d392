"""The admin: pathways with their inlines, phases with tasks and resources; learners' profiles and
enrolments, whose edits follow the same rules as the learner's own."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from careers import selectors
from careers.models import DigestLog, Enrolment, Pathway, Phase, Task, TaskCompletion
from tests.factories import all_tasks, tick, timed_tasks
from tests.pages import phase_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def authored(make_pathway):
    """A pathway with one item in every section, and one of another target role."""
    make_pathway(to_role="Data Engineer", difficulty="Hard")
    return make_pathway(
        phases=[(2, 2), (None, 1)],
        resources_per_phase=1,
        action_items={"this_week": 1},
        transferable_skills=1,
        skills_to_learn=1,
        reality_checks={"love": 1},
        faq=1,
        to_role="Speech AI Engineer",
        difficulty="Moderate",
    )


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:careers_pathway_changelist",
        "admin:careers_pathway_add",
        "admin:careers_phase_changelist",
        "admin:careers_enrolment_changelist",
        "admin:careers_enrolment_add",
        "admin:careers_digestlog_changelist",
        "admin:accounts_profile_changelist",
    ],
)
def test_admin_lists_and_forms_load(admin_client, authored, enrolment, url_name):
    assert admin_client.get(reverse(url_name)).status_code == 200


def test_pathway_change_page_has_its_sections_inline(admin_client, authored):
    html = admin_client.get(reverse("admin:careers_pathway_change", args=[authored.pk])).content.decode()
    sections = [
        *authored.phases.values_list("title", flat=True),
        *authored.transferable_skills.values_list("name", flat=True),
        *authored.skills_to_learn.values_list("name", flat=True),
        *authored.action_items.values_list("text", flat=True),
        *authored.reality_checks.values_list("text", flat=True),
        *authored.faq_entries.values_list("answer", flat=True),
    ]
    assert len(sections) == 7
    for text in sections:
        assert text in html


def test_phase_change_page_has_tasks_and_resources(admin_client, authored):
    phase = authored.phases.get(order=1)
    html = admin_client.get(reverse("admin:careers_phase_change", args=[phase.pk])).content.decode()
    for text in [
        *phase.tasks.values_list("text", flat=True),
        *phase.resources.values_list("title", flat=True),
    ]:
        assert text in html


def titles_listed(response):
    return {pathway.title for pathway in response.context["cl"].result_list}


def test_admin_search_and_filters(admin_client, authored):
    changelist = reverse("admin:careers_pathway_changelist")
    assert titles_listed(admin_client.get(changelist, {"q": "speech"})) == {authored.title}
    assert titles_listed(admin_client.get(changelist, {"difficulty": "Moderate"})) == {authored.title}


# --- Admin edits go through the learner's own rules ---------------------------------------------


def next_local_slot(after, time_zone, weekday, hour):
    """The first moment strictly after `after` that is `weekday` at `hour`:00 in `time_zone`."""
    local = after.astimezone(ZoneInfo(time_zone))
    day = local.date()
    while True:
        slot = datetime.combine(day, time(hour), tzinfo=ZoneInfo(time_zone))
        if day.weekday() == weekday and slot > local:
            return slot
        day += timedelta(days=1)


def change_profile_in_admin(admin_client, user, **values):
    profile = user.profile
    data = {
        "user": user.pk,
        "time_zone": profile.time_zone,
        "reminder_weekday": profile.reminder_weekday,
        "reminder_hour": profile.reminder_hour,
        "reminders_enabled": "on" if profile.reminders_enabled else "",
        **values,
    }
    url = reverse("admin:accounts_profile_change", args=[profile.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()


def test_a_new_reminder_slot_set_in_the_admin_moves_the_next_reminder_as_preferences_do(
    admin_client, client, make_learner, make_enrolment, pathway
):
    by_admin, by_learner = make_learner(), make_learner()
    for user in (by_admin, by_learner):
        make_enrolment(user=user, pathway=pathway)
    new_slot = {"time_zone": "Asia/Tokyo", "reminder_weekday": 4, "reminder_hour": 7}

    change_profile_in_admin(admin_client, by_admin, **new_slot)
    client.force_login(by_learner)
    response = client.post(reverse("accounts:preferences"), {**new_slot, "reminders_enabled": "on"})
    assert response.status_code == 302

    expected = next_local_slot(timezone.now(), "Asia/Tokyo", weekday=4, hour=7)
    for user in (by_admin, by_learner):
        assert Enrolment.objects.get(user=user).next_reminder_at == expected


def change_enrolment_in_admin(admin_client, enrolment, **values):
    data = {
        "start_date": enrolment.start_date.isoformat(),
        "status": enrolment.status,
        "reminders_enabled": "on" if enrolment.reminders_enabled else "",
        **values,
    }
    response = admin_client.post(reverse("admin:careers_enrolment_change", args=[enrolment.pk]), data)
    assert response.status_code == 302, response.content.decode()
    enrolment.refresh_from_db()


def test_status_changed_in_the_admin_pauses_resumes_and_leaves_as_the_learner_would(
    admin_client, enrolment, pathway
):
    task = all_tasks(pathway)[0]
    tick(enrolment, task)

    change_enrolment_in_admin(admin_client, enrolment, status="paused")
    assert enrolment.is_paused and enrolment.paused_at is not None

    # Six days later, resumed in the admin: the plan moves back by the time paused (a week).
    Enrolment.objects.filter(pk=enrolment.pk).update(paused_at=timezone.now() - timedelta(days=6))
    enrolment.refresh_from_db()
    change_enrolment_in_admin(admin_client, enrolment, status="active")
    assert enrolment.is_active and enrolment.paused_at is None
    assert enrolment.paused_days == 6
    assert enrolment.plan_start_date == enrolment.start_date + timedelta(weeks=1)

    change_enrolment_in_admin(admin_client, enrolment, status="left")
    assert enrolment.is_left and enrolment.left_at is not None
    assert TaskCompletion.objects.filter(enrolment=enrolment, task=task).exists()  # ticks are kept

    change_enrolment_in_admin(admin_client, enrolment, status="active")
    assert enrolment.is_active and enrolment.left_at is None
    assert enrolment.next_reminder_at > timezone.now()
    assert TaskCompletion.objects.filter(enrolment=enrolment, task=task).exists()


def test_a_pathway_unmuted_in_the_admin_gets_its_next_reminder_back(admin_client, enrolment):
    Enrolment.objects.filter(pk=enrolment.pk).update(reminders_enabled=False, next_reminder_at=None)
    enrolment.refresh_from_db()
    change_enrolment_in_admin(admin_client, enrolment, reminders_enabled="on")
    assert enrolment.reminders_enabled
    assert enrolment.next_reminder_at == next_local_slot(timezone.now(), "UTC", weekday=0, hour=8)


def test_an_enrolment_added_in_the_admin_is_scheduled_like_one_made_by_the_learner(
    admin_client, learner, pathway
):
    response = admin_client.post(
        reverse("admin:careers_enrolment_add"),
        {
            "user": learner.pk,
            "pathway": pathway.pk,
            "start_date": "2026-12-07",
            "status": "active",
            "reminders_enabled": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()
    enrolment = Enrolment.objects.get(user=learner, pathway=pathway)
    assert enrolment.start_date == date(2026, 12, 7)
    assert enrolment.next_reminder_at == next_local_slot(timezone.now(), "UTC", weekday=0, hour=8)


def post_enrolment_status(admin_client, enrolment, status):
    data = {
        "start_date": enrolment.start_date.isoformat(),
        "status": status,
        "reminders_enabled": "on" if enrolment.reminders_enabled else "",
    }
    return admin_client.post(reverse("admin:careers_enrolment_change", args=[enrolment.pk]), data)


def test_the_admin_refuses_to_complete_an_unfinished_pathway_with_a_form_error(
    admin_client, enrolment, pathway
):
    tick(enrolment, all_tasks(pathway)[0])
    response = post_enrolment_status(admin_client, enrolment, "completed")
    assert response.status_code == 200  # the form again, not a 500
    assert response.context["adminform"].form.errors["status"] == [
        "This pathway is not complete: some tasks of its timed phases are neither done nor skipped."
    ]
    enrolment.refresh_from_db()
    assert enrolment.is_active and enrolment.completed_at is None


def test_the_admin_completes_a_finished_pathway_and_will_not_reopen_it_by_status(
    admin_client, enrolment, pathway
):
    for task in timed_tasks(pathway):  # resolved behind the services' back
        TaskCompletion.objects.create(enrolment=enrolment, task=task, done_at=timezone.now())
    change_enrolment_in_admin(admin_client, enrolment, status="completed")
    assert enrolment.is_completed and enrolment.completed_at is not None

    response = post_enrolment_status(admin_client, enrolment, "active")
    assert response.status_code == 200
    assert "untick one to reopen it" in response.context["adminform"].form.errors["status"][0]
    change_enrolment_in_admin(admin_client, enrolment, status="left")
    assert enrolment.is_left


def test_a_new_enrolment_cannot_be_added_completed(admin_client, learner, pathway):
    response = admin_client.post(
        reverse("admin:careers_enrolment_add"),
        {"user": learner.pk, "pathway": pathway.pk, "start_date": "2026-12-07", "status": "completed"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["status"]
    assert not Enrolment.objects.exists()


def test_the_pace_set_in_the_admin_goes_through_the_learners_service(admin_client, enrolment, pathway):
    tick(enrolment, all_tasks(pathway)[0])
    change_enrolment_in_admin(admin_client, enrolment, hours_per_week="10")
    assert enrolment.hours_per_week == 10
    assert TaskCompletion.objects.filter(enrolment=enrolment).count() == 1
    # Left, then back in the admin with a new pace: re-opened first, then paced.
    change_enrolment_in_admin(admin_client, enrolment, status="left", hours_per_week="10")
    change_enrolment_in_admin(admin_client, enrolment, status="active", hours_per_week="20")
    assert (enrolment.status, enrolment.hours_per_week) == ("active", 20)


def test_the_pace_of_a_left_enrolment_is_a_form_error_in_the_admin(admin_client, enrolment):
    Enrolment.objects.filter(pk=enrolment.pk).update(status="left", left_at=timezone.now())
    url = reverse("admin:careers_enrolment_change", args=[enrolment.pk])
    data = {"start_date": enrolment.start_date.isoformat(), "status": "left", "hours_per_week": "5"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "make it active to change the pace" in response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.hours_per_week is None


def test_a_new_enrolment_in_an_archived_pathway_is_a_form_error(admin_client, learner, pathway):
    Pathway.objects.filter(pk=pathway.pk).update(archived_at=timezone.now())
    data = {"user": learner.pk, "pathway": pathway.pk, "start_date": "2026-12-07", "status": "active"}
    response = admin_client.post(reverse("admin:careers_enrolment_add"), data)
    assert response.status_code == 200
    assert "This pathway is archived: nobody can join it any more." in response.content.decode()
    assert not Enrolment.objects.exists()


def test_the_admin_shows_failed_digests_with_their_attempts_and_error(admin_client, enrolment, make_learner):
    DigestLog.objects.create(
        user=enrolment.user,
        week=date(2026, 3, 2),
        state=DigestLog.State.FAILED,
        claimed_at=timezone.now(),
        attempts=6,
        last_error="SMTPServerDisconnected: connection dropped",
    )
    DigestLog.objects.create(
        user=make_learner("sent@example.com"),
        week=date(2026, 3, 2),
        state=DigestLog.State.SENT,
        claimed_at=timezone.now(),
        sent_at=timezone.now(),
        attempts=1,
    )

    response = admin_client.get(reverse("admin:careers_digestlog_changelist"), {"state__exact": "failed"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "SMTPServerDisconnected: connection dropped" in html
    assert enrolment.user.username in html and "sent@example.com" not in html
    assert list(response.context["cl"].queryset.values_list("attempts", flat=True)) == [6]


# --- Nothing a learner ticked is deleted ---------------------------------------------------------


def test_the_admin_refuses_to_delete_a_pathway_with_learners_and_archives_it_instead(admin_client, enrolment):
    pathway = enrolment.pathway
    delete = reverse("admin:careers_pathway_delete", args=[pathway.pk])

    response = admin_client.post(delete, {"post": "yes"}, follow=True)

    assert Pathway.objects.filter(pk=pathway.pk).exists()
    assert "has learners: it cannot be deleted" in response.content.decode()
    admin_client.post(
        reverse("admin:careers_pathway_changelist"),
        {"action": "archive_pathways", "_selected_action": [pathway.pk]},
    )
    pathway.refresh_from_db()
    assert pathway.archived_at is not None
    assert not selectors.catalogue().filter(pk=pathway.pk).exists()
    assert not any(p.pk == pathway.pk for p in selectors.featured_pathways())


def listed_tasks(admin_client, **query):
    response = admin_client.get(reverse("admin:careers_task_changelist"), query)
    return {task.pk for task in response.context["cl"].result_list}


def restore_rows(admin_client, model_name, rows):
    return admin_client.post(
        reverse(f"admin:careers_{model_name}_changelist") + "?archived=all",
        {"action": "restore_rows", "_selected_action": [row.pk for row in rows]},
        follow=True,
    )


def test_archived_tasks_are_listed_apart_and_a_restored_one_counts_again(admin_client, enrolment):
    first, *rest = timed_tasks(enrolment.pathway)
    tick(enrolment, first)
    admin_client.post(reverse("admin:careers_task_delete", args=[first.pk]), {"post": "yes"})

    assert listed_tasks(admin_client) == {task.pk for task in rest} | {
        task.pk for task in Task.objects.filter(phase__pathway=enrolment.pathway, phase__duration_weeks=None)
    }
    assert listed_tasks(admin_client, archived="yes") == {first.pk}
    archived_page = admin_client.get(reverse("admin:careers_task_change", args=[first.pk]))
    assert archived_page.status_code == 200

    response = restore_rows(admin_client, "task", [first])

    assert "1 row(s) restored" in response.content.decode()
    assert first in Task.objects.all()
    progress = selectors.enrolment_progress(enrolment.pk, timezone.now())
    assert first.pk in progress.task_ticks.done_ids


def test_restoring_a_phase_brings_back_the_tasks_archived_with_it_not_a_task_archived_before(
    admin_client, enrolment
):
    first, second = timed_tasks(enrolment.pathway)[:2]
    phase = first.phase
    admin_client.post(reverse("admin:careers_task_delete", args=[first.pk]), {"post": "yes"})
    admin_client.post(reverse("admin:careers_phase_delete", args=[phase.pk]), {"post": "yes"})

    refused = restore_rows(admin_client, "task", [second])
    assert "restore their phase first" in refused.content.decode()
    assert second not in Task.objects.all()

    restore_rows(admin_client, "phase", [phase])

    assert phase in enrolment.pathway.phases.all()
    assert list(phase.tasks.all()) == [second]


def test_a_pathway_without_learners_can_still_be_deleted(admin_client, pathway):
    admin_client.post(reverse("admin:careers_pathway_delete", args=[pathway.pk]), {"post": "yes"})

    assert not Pathway.objects.filter(pk=pathway.pk).exists()


def test_a_task_deleted_in_its_phase_inline_is_archived_with_its_ticks(admin_client, enrolment):
    first = timed_tasks(enrolment.pathway)[0]
    tick(enrolment, first)
    phase = first.phase
    others = list(phase.tasks.exclude(pk=first.pk).order_by("order"))
    url, data = phase_form_data(admin_client, phase)
    data["tasks-0-DELETE"] = "on"

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"] if response.context else ""
    assert Task.all_objects.get(pk=first.pk).archived_at is not None
    assert list(phase.tasks.order_by("order")) == others
    assert TaskCompletion.objects.filter(enrolment=enrolment, task=first).exists()


def test_a_phase_deleted_in_the_admin_is_archived_with_its_tasks_and_says_so(admin_client, enrolment):
    first = timed_tasks(enrolment.pathway)[0]
    tick(enrolment, first)
    phase = first.phase

    response = admin_client.post(
        reverse("admin:careers_phase_delete", args=[phase.pk]), {"post": "yes"}, follow=True
    )

    assert "archived, not deleted" in response.content.decode()
    assert Phase.all_objects.get(pk=phase.pk).archived_at is not None
    assert not Task.objects.filter(phase=phase).exists()
    assert Task.all_objects.filter(phase=phase).count() == 2
    assert TaskCompletion.objects.filter(enrolment=enrolment, task=first).exists()
    assert phase not in enrolment.pathway.phases.all()
