"""Every kind of edit of a pathway's content shows on the next view of its page and of the
catalogue, though both keep what they render per content version (careers.content_version,
careers.page_cache): the admin's forms and inlines, a row's own page, archiving and restoring, a
revert from History, archiving the pathway, and a new import. Each page is viewed first, so what
it shows after the edit is not a first rendering."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from careers import calendar, guides
from careers.importer import import_pathway
from careers.models import FaqEntry, Pathway, Task
from tests.factories import GUIDES_DIR, SPEECH_GUIDE, import_guide, make_enrolment, make_learner, timed_tasks
from tests.pages import phase_form_data, read_page

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("careers:catalogue")


@pytest.fixture
def readers(pathway):
    """A visitor and an enrolled learner, each having viewed the pathway page and the catalogue."""
    learner = make_learner("reader@example.com")
    make_enrolment(user=learner, pathway=pathway)
    signed_in = Client()
    signed_in.force_login(learner)
    visitor = Client()
    for client in (visitor, signed_in):
        assert client.get(pathway.get_absolute_url()).status_code == 200
        assert client.get(CATALOGUE).status_code == 200
    return visitor, signed_in


def page_text(client, pathway):
    response = client.get(pathway.get_absolute_url())
    assert response.status_code == 200
    return read_page(response).find("main").text


def card_text(client, pathway):
    results = read_page(client.get(CATALOGUE)).find(id="results")
    cards = [
        card
        for card in results.find_all("article")
        if card.find("a").attrs["href"] == pathway.get_absolute_url()
    ]
    return cards[0].text if cards else None


def test_a_task_reworded_in_its_phase_page_shows_at_once(admin_client, pathway, readers):
    task = timed_tasks(pathway)[0]
    url, data = phase_form_data(admin_client, task.phase, {task.pk: "Read the second edition"})
    assert admin_client.post(url, data).status_code == 302
    for reader in readers:
        text = page_text(reader, pathway)
        assert "Read the second edition" in text and task.text not in text


def test_a_task_added_in_its_phase_page_shows_on_the_page_and_its_card(admin_client, pathway, readers):
    phase = timed_tasks(pathway)[0].phase
    before = card_text(readers[0], pathway)
    url, data = phase_form_data(admin_client, phase)
    index = data["tasks-TOTAL_FORMS"]
    data.update({"tasks-TOTAL_FORMS": index + 1, f"tasks-{index}-phase": phase.pk, f"tasks-{index}-order": 9})
    data[f"tasks-{index}-text"] = "Sketch the pipeline on paper"
    assert admin_client.post(url, data).status_code == 302
    assert "4 tasks" in before and "5 tasks" in card_text(readers[0], pathway)
    for reader in readers:
        assert "Sketch the pipeline on paper" in page_text(reader, pathway)


def test_a_task_edited_on_its_own_page_shows_at_once(admin_client, pathway, readers):
    task = timed_tasks(pathway)[0]
    url = reverse("admin:careers_task_change", args=[task.pk])
    data = {"phase": task.phase_id, "order": task.order, "text": "Pair with a data engineer"}
    assert admin_client.post(url, data).status_code == 302
    for reader in readers:
        assert "Pair with a data engineer" in page_text(reader, pathway)


def test_a_task_archived_then_restored_leaves_the_page_and_comes_back(admin_client, pathway, readers):
    task = timed_tasks(pathway)[0]
    admin_client.post(reverse("admin:careers_task_delete", args=[task.pk]), {"post": "yes"})
    assert all(task.text not in page_text(reader, pathway) for reader in readers)
    assert "3 tasks" in card_text(readers[0], pathway)
    admin_client.post(
        reverse("admin:careers_task_changelist") + "?archived=all",
        {"action": "restore_rows", "_selected_action": [task.pk]},
    )
    assert all(task.text in page_text(reader, pathway) for reader in readers)
    assert "4 tasks" in card_text(readers[0], pathway)


def test_a_revert_from_history_shows_at_once(admin_client, pathway, readers):
    task = timed_tasks(pathway)[0]
    old = task.text
    Task.objects.get(pk=task.pk).save()  # the factories bulk_create: history starts at a save
    url, data = phase_form_data(admin_client, task.phase, {task.pk: "Read the second edition"})
    admin_client.post(url, data)
    assert "Read the second edition" in page_text(readers[0], pathway)
    original = task.history.earliest("history_date")
    revert = reverse("admin:careers_task_simple_history", args=[task.pk, original.history_id])
    assert (
        admin_client.post(revert, {"phase": task.phase_id, "order": task.order, "text": old}).status_code
        == 302
    )
    for reader in readers:
        text = page_text(reader, pathway)
        assert old in text and "Read the second edition" not in text


def test_a_pathway_section_row_edited_on_its_own_page_shows_at_once(admin_client, pathway, readers):
    entry = FaqEntry.objects.get(pathway=pathway)
    url = reverse("admin:careers_faqentry_change", args=[entry.pk])
    data = {
        "pathway": pathway.pk,
        "order": entry.order,
        "question": "Is it worth it?",
        "answer": "Mostly, yes.",
    }
    assert admin_client.post(url, data).status_code == 302
    for reader in readers:
        assert "Is it worth it? Mostly, yes." in page_text(reader, pathway)


def test_a_pathway_archived_leaves_the_catalogue_and_its_page_says_so_until_restored(
    admin_client, pathway, readers
):
    visitor, _learner = readers
    changelist = reverse("admin:careers_pathway_changelist")
    admin_client.post(changelist, {"action": "archive_pathways", "_selected_action": [pathway.pk]})
    assert card_text(visitor, pathway) is None
    assert "No longer offered" in page_text(Client(), pathway)
    admin_client.post(changelist, {"action": "restore_pathways", "_selected_action": [pathway.pk]})
    assert card_text(visitor, pathway) is not None
    assert "No longer offered" not in page_text(visitor, pathway)


def test_a_pathway_field_saved_shows_at_once(pathway, readers):
    Pathway.objects.filter(pk=pathway.pk).get().save()  # as the admin's change form saves it
    pathway = Pathway.objects.get(pk=pathway.pk)
    pathway.title = "A brand new title"
    pathway.save()
    assert all("A brand new title" in page_text(reader, pathway) for reader in readers)


def test_a_new_import_of_the_guide_shows_at_once(client):
    pathway = import_guide(SPEECH_GUIDE)
    guide = guides.read(GUIDES_DIR / SPEECH_GUIDE)
    old = guide.phases[0].tasks[0]
    assert old in page_text(client, pathway)
    guide.phases[0].tasks[0] = "Record ten minutes of your own speech"
    import_pathway(guide)
    text = page_text(client, pathway)
    assert "Record ten minutes of your own speech" in text and old not in text


def test_the_calendar_follows_a_task_edited_in_the_admin(admin_client, pathway):
    learner = make_learner("calendar@example.com")
    make_enrolment(user=learner, pathway=pathway)
    profile = Profile.objects.get(user=learner)
    now = timezone.now() + timedelta(days=1)
    before = calendar.feed_version(profile, now)
    task = timed_tasks(pathway)[0]
    url, data = phase_form_data(admin_client, task.phase, {task.pk: "Read the second edition"})
    admin_client.post(url, data)
    assert calendar.feed_version(profile, now) != before
