"""Progress is never lost: what a re-import removes is archived (its ticks kept), a reworded task
keeps its identity, and what comes back brings its ticks back (careers.importer).

The main test re-imports an edited copy of the Speech AI seed guide under five learners who
ticked every task and every action-plan step, and counts every tick before and after.
"""

import copy

import pytest
from django.urls import reverse
from django.utils import timezone

from careers import guides, search, selectors, services
from careers.importer import import_pathway
from careers.models import ActionItem, ActionItemCompletion, Enrolment, Task, TaskCompletion
from tests.factories import (
    GUIDES_DIR,
    SPEECH_GUIDE,
    all_tasks,
    make_enrolment,
    make_learner,
    tick,
    tick_action_item,
)

pytestmark = pytest.mark.django_db

LEARNERS = 5
REWORDED = (
    "Implement a custom ASR pipeline with CTC loss",
    "Implement a custom ASR pipeline with CTC loss in PyTorch",
)
REMOVED = "Optimize model inference for real-time applications"
MOVED = "Network with speech AI professionals on LinkedIn or at conferences like INTERSPEECH"
RENAMED = ("Job Search and Interview Prep", "Job Search and Interview Preparation")


def original():
    return guides.read(GUIDES_DIR / SPEECH_GUIDE)


def edited():
    """The seed guide with one task reworded, one removed, one moved to another phase and a phase
    renamed."""
    guide = copy.deepcopy(original())
    foundation, deep_dive, project, job_search = guide.phases
    deep_dive.tasks[deep_dive.tasks.index(REWORDED[0])] = REWORDED[1]
    project.tasks.remove(REMOVED)
    job_search.tasks.remove(MOVED)
    project.tasks.append(MOVED)
    assert job_search.title == RENAMED[0]
    job_search.title = RENAMED[1]
    return guide


def ticks():
    """Every learner's tick, as (enrolment, task or step id) pairs: what must never be lost."""
    return (
        set(TaskCompletion.objects.values_list("enrolment_id", "task_id")),
        set(ActionItemCompletion.objects.values_list("enrolment_id", "action_item_id")),
    )


@pytest.fixture
def ticked():
    """The Speech AI pathway with five learners who ticked every task and every step."""
    pathway = import_pathway(original()).pathway
    enrolments = [make_enrolment(pathway=pathway) for _ in range(LEARNERS)]
    for enrolment in enrolments:
        for task in all_tasks(pathway):
            tick(enrolment, task)
        for step in ActionItem.objects.filter(pathway=pathway):
            tick_action_item(enrolment, step)
    return pathway, enrolments


def task_id(text):
    return Task.all_objects.get(text=text).pk


def test_an_edited_guide_keeps_every_tick_and_the_identity_of_reworded_and_moved_tasks(ticked):
    pathway, enrolments = ticked
    before = ticks()
    assert (len(before[0]), len(before[1])) == (LEARNERS * 12, LEARNERS * 9)
    reworded_id, removed_id, moved_id = task_id(REWORDED[0]), task_id(REMOVED), task_id(MOVED)
    phase_id = pathway.phases.get(title=RENAMED[0]).pk

    result = import_pathway(edited())

    assert ticks() == before  # 60 task ticks and 45 step ticks, every one on the row it was on
    assert result.summary() == (
        "updated (1 phase reworded, 1 task archived (5 learners' ticks kept), "
        "1 task reworded (5 learners' ticks kept), 2 task updated)"
    )
    assert Task.objects.get(text=REWORDED[1]).pk == reworded_id
    moved = Task.objects.get(text=MOVED)
    assert (moved.pk, moved.phase.title) == (moved_id, "Project Development and Portfolio")
    assert pathway.phases.get(title=RENAMED[1]).pk == phase_id
    archived = Task.all_objects.get(pk=removed_id)
    assert archived.archived_at is not None
    assert not Task.objects.filter(pk=removed_id).exists()
    # Still complete: every live task is ticked.
    assert set(Enrolment.objects.values_list("status", flat=True)) == {"completed"}


def test_importing_the_original_again_brings_the_archived_task_back_with_its_ticks(ticked):
    pathway, _enrolments = ticked
    before = ticks()
    ids = {task.text: task.pk for task in all_tasks(pathway)}
    import_pathway(edited())

    result = import_pathway(original())

    assert ticks() == before
    assert {task.text: task.pk for task in all_tasks(pathway)} == ids
    assert not Task.all_objects.filter(archived_at__isnull=False).exists()
    assert "1 task restored (5 learners' ticks kept)" in result.summary()
    assert "1 task reworded (5 learners' ticks kept)" in result.summary()
    assert import_pathway(original()).summary() == "unchanged"


def test_the_pages_and_the_plan_no_longer_show_archived_items(ticked, client):
    pathway, enrolments = ticked
    removed_id = task_id(REMOVED)
    import_pathway(edited())
    now = timezone.now()
    enrolment = enrolments[0]

    page = selectors.pathway_page(pathway.slug, enrolment.user, now)
    shown = [task.text for phase in page.phases for task in phase.tasks]
    assert REMOVED not in shown and len(shown) == 11
    (stored,) = selectors.learner_enrolments(user_id=enrolment.user_id)
    snapshot = selectors.snapshot_of(stored, stored.user.profile)
    assert removed_id not in {task.id for phase in snapshot.phases for task in phase.tasks}
    plan = selectors.progress_of(stored, stored.user.profile, now).plan
    assert sum(phase.total for phase in plan.phases) == 11
    assert selectors.catalogue().get(pk=pathway.pk).task_count == 11
    # The search no longer knows its words ("optimize" was in this task only): it corrects them.
    assert search.understand("optimize").words != ("optimize",)

    client.force_login(enrolment.user)
    html = client.get(reverse("careers:pathway", args=[pathway.slug])).content.decode()
    assert REMOVED not in html and REWORDED[1] in html
    # An archived task cannot be ticked any more: it is not there.
    response = client.post(reverse("careers:tick_task", args=[enrolment.pk, removed_id]), {"done": "1"})
    assert response.status_code == 404
    assert TaskCompletion.objects.filter(enrolment=enrolment, task_id=removed_id).exists()


def test_an_import_completes_or_reopens_enrolments_by_their_live_tasks():
    pathway = import_pathway(original()).pathway
    nearly = make_enrolment(pathway=pathway)
    for task in all_tasks(pathway):
        if task.text != REMOVED:
            tick(nearly, task)
    assert not services.is_complete(enrolment=nearly)

    result = import_pathway(edited())  # the one task left open is archived

    nearly.refresh_from_db()
    assert nearly.is_completed and services.is_complete(enrolment=nearly)
    assert result.changes["enrolment completed"] == 1

    result = import_pathway(original())  # it is back, and open again

    nearly.refresh_from_db()
    assert nearly.is_active and result.changes["enrolment reopened"] == 1


def test_a_reworded_task_is_not_matched_across_phases_or_when_too_different():
    pathway = import_pathway(original()).pathway
    learner = make_learner()
    enrolment = make_enrolment(user=learner, pathway=pathway)
    tick(enrolment, Task.objects.get(text=REWORDED[0]))

    guide = original()
    deep_dive = guide.phases[1]
    deep_dive.tasks[0] = "Write a haiku about spectrograms"  # nothing like the old text
    result = import_pathway(guide)

    assert result.changes["task added"] == 1
    assert result.changes["task archived"] == 1 and result.learners["task archived"] == 1
    assert TaskCompletion.objects.filter(enrolment=enrolment).count() == 1
