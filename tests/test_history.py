"""Guide content edits are recorded (careers.models.ContentHistory, django-simple-history): who,
when and what changed, for admin edits and imports alike, and an editor can undo one."""

import copy

import pytest
from django.apps import apps
from django.urls import reverse

from careers import guides
from careers.importer import import_pathway
from careers.models import Pathway, Phase, Task
from tests.factories import GUIDES_DIR, SPEECH_GUIDE, timed_tasks
from tests.pages import phase_form_data

pytestmark = pytest.mark.django_db

SOURCE = f"fixtures/guides/{SPEECH_GUIDE}"


def edit_in_phase_inline(admin_client, task, text):
    url, data = phase_form_data(admin_client, task.phase, {task.pk: text})
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else ""


def test_an_admin_edit_of_a_task_records_who_when_and_the_old_and_new_text(admin_client, admin_user, pathway):
    task = timed_tasks(pathway)[0]
    old = task.text
    Task.objects.filter(pk=task.pk).get().save()  # factories bulk_create: history starts at a save

    edit_in_phase_inline(admin_client, task, "Read the new chapter")

    latest, before = task.history.order_by("-history_date", "-history_id")[:2]
    assert latest.history_type == "~"
    assert latest.history_user == admin_user
    assert latest.history_date is not None
    delta = latest.diff_against(before)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("text", old, "Read the new chapter")]
    # Only the edited task: a formset saves its changed rows only.
    assert Task.history.filter(history_user=admin_user).count() == 1


def test_the_task_history_page_shows_the_change_and_reverting_restores_the_old_text(
    admin_client, admin_user, pathway
):
    task = timed_tasks(pathway)[0]
    old = task.text
    Task.objects.get(pk=task.pk).save()
    edit_in_phase_inline(admin_client, task, "Read the new chapter")
    original = task.history.earliest("history_date")

    page = admin_client.get(reverse("admin:careers_task_history", args=[task.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert old in html and "Read the new chapter" in html and admin_user.username in html

    revert_url = reverse("admin:careers_task_simple_history", args=[task.pk, original.history_id])
    form = admin_client.get(revert_url).context["adminform"].form
    assert form.initial["text"] == old
    response = admin_client.post(revert_url, {"phase": task.phase_id, "order": task.order, "text": old})

    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).text == old
    reverted = task.history.latest("history_date")
    assert reverted.history_user == admin_user
    assert reverted.text == old


def test_reverting_in_code_restores_the_old_text(pathway):
    task = timed_tasks(pathway)[0]
    old = task.text
    task.save()
    task.text = "Reworded"
    task.save()

    task.history.earliest("history_date").instance.save()

    assert Task.objects.get(pk=task.pk).text == old
    assert task.history.count() == 3


def test_an_import_records_every_row_with_its_change_reason_and_no_user():
    guide = guides.read(GUIDES_DIR / SPEECH_GUIDE)
    pathway = import_pathway(guide, source=SOURCE).pathway
    reason = f"import_guide: {SOURCE}"

    tasks = Task.objects.filter(phase__pathway=pathway)
    history = Task.history.filter(id__in=tasks.values("pk"))
    assert history.count() == tasks.count() > 0
    assert set(history.values_list("history_type", "history_change_reason", "history_user")) == {
        ("+", reason, None)
    }
    assert pathway.history.get().history_change_reason == reason
    assert Phase.history.filter(pathway_id=pathway.pk, history_change_reason=reason).count() == 4

    # A re-import that drops a task archives it: recorded too, and its earlier history stays.
    edited = copy.deepcopy(guide)
    removed = edited.phases[0].tasks.pop()
    import_pathway(edited, source="edited.txt")

    archived = Task.all_objects.get(phase__pathway=pathway, text=removed)
    assert archived.archived_at is not None
    rows = list(archived.history.order_by("history_date", "history_id"))
    assert [(r.history_type, r.history_change_reason, r.archived_at) for r in rows] == [
        ("+", reason, None),
        ("~", "import_guide: edited.txt", archived.archived_at),
    ]


def test_an_import_without_a_file_names_the_guide():
    guide = guides.read(GUIDES_DIR / SPEECH_GUIDE)
    pathway = import_pathway(guide).pathway

    assert pathway.history.get().history_change_reason == f"import_guide: {guide.slug}"


def test_a_task_archived_in_the_admin_keeps_its_history_and_records_who_archived_it(
    admin_client, admin_user, pathway
):
    task = timed_tasks(pathway)[0]
    Task.objects.get(pk=task.pk).save()
    edit_in_phase_inline(admin_client, task, "Read the new chapter")

    admin_client.post(reverse("admin:careers_task_delete", args=[task.pk]), {"post": "yes"})

    archived = Task.all_objects.get(pk=task.pk)
    assert archived.archived_at is not None
    rows = list(task.history.order_by("history_date", "history_id"))
    assert len(rows) == 3
    assert (rows[-1].history_type, rows[-1].history_user, rows[-1].archived_at) == (
        "~",
        admin_user,
        archived.archived_at,
    )
    assert rows[-1].text == "Read the new chapter"
    # Its history page still opens, from the history alone (the admin lists live rows only).
    assert admin_client.get(reverse("admin:careers_task_history", args=[task.pk])).status_code == 200


def test_a_phase_archived_in_the_admin_records_its_tasks_archived_with_it(admin_client, admin_user, pathway):
    phase = pathway.phases.first()
    tasks = list(phase.tasks.all())

    admin_client.post(reverse("admin:careers_phase_delete", args=[phase.pk]), {"post": "yes"})

    archived = Task.history.filter(id__in=[t.pk for t in tasks], archived_at__isnull=False)
    assert archived.count() == len(tasks)
    assert set(archived.values_list("history_user", flat=True)) == {admin_user.pk}
    assert phase.history.latest("history_date").archived_at is not None


def test_archiving_and_restoring_a_pathway_are_recorded(admin_client, admin_user, pathway):
    changelist = reverse("admin:careers_pathway_changelist")
    for action in ("archive_pathways", "restore_pathways"):
        admin_client.post(changelist, {"action": action, "_selected_action": [pathway.pk]})

    rows = list(pathway.history.order_by("history_date", "history_id"))
    assert [(r.archived_at is not None, r.history_user) for r in rows] == [
        (False, None),  # created by the factory
        (True, admin_user),
        (False, admin_user),
    ]
    assert Pathway.objects.get(pk=pathway.pk).archived_at is None


@pytest.mark.parametrize(
    "model_name",
    ["task", "resource", "transferableskill", "skilltolearn", "actionitem", "realitycheckitem", "faqentry"],
)
def test_each_content_row_has_its_admin_page_with_a_history(admin_client, make_pathway, model_name):
    make_pathway(
        resources_per_phase=1,
        action_items={"this_week": 1},
        transferable_skills=1,
        skills_to_learn=1,
        reality_checks={"love": 1},
        faq=1,
    )
    assert admin_client.get(reverse(f"admin:careers_{model_name}_changelist")).status_code == 200
    row = apps.get_model("careers", model_name).objects.filter(pk__isnull=False).first()
    assert row is not None
    for view in ("change", "history"):
        assert (
            admin_client.get(reverse(f"admin:careers_{model_name}_{view}", args=[row.pk])).status_code == 200
        )
