"""`importer.import_pathway`: a parsed guide in, its pathway created or updated in place.

Most tests import a small guide built here with careers.guides' dataclasses, so rewording a seed
guide breaks only the tests about that guide (one per seed guide, at the end).
"""

from collections import Counter
from dataclasses import replace

import pytest
from django.db import DataError

from careers import guides
from careers.importer import ImportResult, import_pathway
from careers.models import FaqEntry, Pathway, Phase, Task
from tests.factories import GUIDES_DIR, make_enrolment, tick

pytestmark = pytest.mark.django_db


def make_guide():
    """A guide with every section, two timed phases and an ongoing one."""
    return guides.Guide(
        title="From Baker to Data Engineer: A 4-Month Plan",
        from_role="Baker",
        to_role="Data Engineer",
        duration_months=4,
        difficulty="Moderate",
        timeline="3-4 months",
        salary_change="+20%",
        demand="Steady",
        other_facts=[["Remote Friendly", "Often"]],
        overview=["A bakery is a pipeline.", "So is a data platform."],
        transferable_skills=[guides.TransferableSkill("Process Discipline", "Recipes are runbooks.")],
        skills_to_learn=[
            guides.SkillToLearn("SQL", "Joins first.", "critical", 6, "6 weeks"),
            guides.SkillToLearn("Orchestration", "Airflow or Dagster."),
        ],
        phases=[
            guides.Phase(
                "Foundations",
                4,
                "4 weeks",
                "Where to start.",
                ["Learn SQL basics", "Install PostgreSQL", "Write a first query"],
                [
                    guides.Resource(
                        "PostgreSQL tutorial", "https://www.postgresql.org/docs/current/tutorial.html"
                    )
                ],
            ),
            guides.Phase(
                "Pipelines",
                6,
                "6 weeks",
                "",
                ["Build a batch pipeline", "Schedule it nightly"],
                [guides.Resource("Airflow documentation")],
            ),
            guides.Phase("Community", None, "Ongoing", "", ["Join a data meetup"]),
        ],
        reality_check={"love": ["Clean data"], "miss": ["Fresh bread"], "challenge": ["Being on call"]},
        action_plan={
            "this_week": ["Install PostgreSQL", "Pick a course"],
            "this_month": ["Finish the course"],
            "next_90_days": ["Apply to five roles"],
        },
        faq=[guides.FaqEntry("Yes: food companies hire data engineers too.", "Can I stay in food?")],
    )


def stored_guide(pathway):
    """The pathway as stored, read back into a Guide: equal to the guide it was imported from."""
    pathway = Pathway.objects.get(pk=pathway.pk)
    guide = guides.Guide(
        title=pathway.title,
        from_role=pathway.from_role,
        to_role=pathway.to_role,
        duration_months=pathway.duration_months,
        difficulty=pathway.difficulty,
        timeline=pathway.timeline,
        salary_change=pathway.salary_change,
        demand=pathway.demand,
        other_facts=pathway.other_facts,
        overview=pathway.overview_paragraphs,
        transferable_skills=[
            guides.TransferableSkill(s.name, s.description) for s in pathway.transferable_skills.all()
        ],
        skills_to_learn=[
            guides.SkillToLearn(s.name, s.description, s.priority, s.weeks, s.duration_label)
            for s in pathway.skills_to_learn.all()
        ],
        phases=[
            guides.Phase(
                phase.title,
                phase.duration_weeks,
                phase.duration_label,
                phase.summary,
                [task.text for task in phase.tasks.all()],
                [guides.Resource(r.title, r.url) for r in phase.resources.all()],
            )
            for phase in pathway.phases.all()
        ],
        faq=[guides.FaqEntry(entry.answer, entry.question) for entry in pathway.faq_entries.all()],
    )
    for item in pathway.reality_checks.all():
        guide.reality_check[item.kind].append(item.text)
    for item in pathway.action_items.all():
        guide.action_plan[item.horizon].append(item.text)
    return guide


def task_ids(pathway):
    return {task.text: task.pk for task in Task.objects.filter(phase__pathway=pathway)}


def snapshot(pathway):
    """Every row of the pathway's content, with primary keys and timestamps."""
    pathway = Pathway.objects.get(pk=pathway.pk)
    return {
        "pathway": Pathway.objects.filter(pk=pathway.pk).values().get(),
        "phases": list(pathway.phases.order_by("pk").values()),
        "tasks": list(Task.objects.filter(phase__pathway=pathway).order_by("pk").values()),
        **{
            name: list(getattr(pathway, name).order_by("pk").values())
            for name in (
                "transferable_skills",
                "skills_to_learn",
                "action_items",
                "reality_checks",
                "faq_entries",
            )
        },
    }


# --- Creating and re-importing --------------------------------------------------------------


def test_a_new_guide_creates_its_pathway_with_every_section():
    guide = make_guide()

    result = import_pathway(guide)

    assert result.created and result.summary() == "created"
    assert result.pathway.slug == "baker-to-data-engineer"
    assert stored_guide(result.pathway) == guide
    assert Phase.objects.get(title="Community").order == 3


def test_importing_the_same_guide_again_writes_nothing():
    pathway = import_pathway(make_guide()).pathway
    before = snapshot(pathway)

    result = import_pathway(make_guide())

    assert (result.created, result.summary()) == (False, "unchanged")
    assert result.pathway.pk == pathway.pk
    assert snapshot(pathway) == before  # not even updated_at moved


def test_a_task_repeated_in_two_phases_is_kept_in_both():
    guide = make_guide()
    guide.phases[0].tasks.append("Write a blog post")
    guide.phases[1].tasks.append("Write a blog post")
    pathway = import_pathway(guide).pathway

    assert import_pathway(guide).summary() == "unchanged"
    assert stored_guide(pathway) == guide


def test_a_question_an_editor_added_survives_a_new_import_unless_the_guide_has_its_own():
    guide = make_guide()
    guide.faq.append(guides.FaqEntry("Most do not need a degree."))  # scraped without its question
    pathway = import_pathway(guide).pathway
    entry = FaqEntry.objects.get(pathway=pathway, answer="Most do not need a degree.")
    assert entry.question == ""
    entry.question = "Do I need a degree?"  # as an editor does in the admin
    entry.save()

    assert import_pathway(guide).summary() == "unchanged"
    entry.refresh_from_db()
    assert entry.question == "Do I need a degree?"

    guide.faq[-1].question = "Is a degree required?"  # the guide now has its own: it wins
    import_pathway(guide)
    entry.refresh_from_db()
    assert entry.question == "Is a degree required?"


# --- Edits ----------------------------------------------------------------------------------


def test_an_edited_guide_updates_in_place_and_keeps_task_identity():
    pathway = import_pathway(make_guide()).pathway
    ids_before = task_ids(pathway)
    enrolment = make_enrolment(pathway=pathway)
    tick(enrolment, Task.objects.get(text="Schedule it nightly"))

    edited = replace(make_guide(), difficulty="Hard")
    foundations, pipelines, _community = edited.phases
    foundations.tasks.remove("Install PostgreSQL")
    pipelines.tasks.remove("Schedule it nightly")
    foundations.tasks.insert(0, "Schedule it nightly")  # to another phase and position
    pipelines.tasks.append("Add data quality checks")
    result = import_pathway(edited)

    assert result.pathway.pk == pathway.pk
    assert stored_guide(pathway) == edited
    ids_after = task_ids(pathway)
    assert set(ids_before) - set(ids_after) == {"Install PostgreSQL"}
    assert set(ids_after) - set(ids_before) == {"Add data quality checks"}
    assert all(ids_after[text] == ids_before[text] for text in ids_after.keys() & ids_before.keys())
    # The learner's tick stays on the task that moved.
    assert [c.task.text for c in enrolment.task_completions.all()] == ["Schedule it nightly"]
    assert (
        result.summary() == "updated (1 pathway field updated, 1 task added, 1 task archived, 2 task updated)"
    )


def test_a_renamed_phase_keeps_its_tasks():
    pathway = import_pathway(make_guide()).pathway
    foundation_tasks = list(Task.objects.filter(phase__title="Foundations").values_list("pk", flat=True))

    renamed = make_guide()
    renamed.phases[0].title = "Getting Started"
    result = import_pathway(renamed)

    # "Getting Started" is nothing like "Foundations": a new phase, the old one archived (empty).
    assert result.changes == {"phase added": 1, "phase archived": 1, "task updated": 3, "resource updated": 1}
    phase = pathway.phases.get(order=1)
    assert phase.title == "Getting Started"
    assert list(phase.tasks.values_list("pk", flat=True)) == foundation_tasks


def test_what_the_guide_no_longer_has_is_archived_in_every_section():
    pathway = import_pathway(make_guide()).pathway

    shorter = make_guide()
    del shorter.phases[2]
    del shorter.phases[0].resources[0]
    del shorter.skills_to_learn[1]
    shorter.reality_check["miss"] = []
    shorter.action_plan["this_week"] = ["Pick a course"]
    shorter.faq = []
    result = import_pathway(shorter)

    assert stored_guide(pathway) == shorter
    assert result.changes == {
        "phase archived": 1,
        "task archived": 1,
        "resource archived": 1,
        "skill to learn archived": 1,
        "reality check item archived": 1,
        "reality check item updated": 1,  # the "challenge" item moved up one place
        "action item archived": 1,
        "action item updated": 3,  # the steps after the removed one moved up
        "FAQ entry archived": 1,
    }


def test_a_change_below_the_pathway_marks_the_pathway_updated():
    pathway = import_pathway(make_guide()).pathway
    updated_at = Pathway.objects.get(pk=pathway.pk).updated_at

    edited = make_guide()
    edited.phases[2].tasks.append("Give a talk")
    import_pathway(edited)

    assert Pathway.objects.get(pk=pathway.pk).updated_at > updated_at


def test_a_failing_import_writes_nothing():
    pathway = import_pathway(make_guide()).pathway
    before = snapshot(pathway)

    edited = replace(make_guide(), difficulty="Hard")
    edited.phases[0].tasks.append("Read the manual")
    # Resources are written after the pathway and its tasks: a URL too long for its column fails there.
    edited.phases[1].resources.append(guides.Resource("Long link", "https://example.com/" + "a" * 500))
    with pytest.raises(DataError):
        import_pathway(edited)

    assert snapshot(pathway) == before


# --- The report -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("created", "changes", "summary"),
    [
        (True, {}, "created"),
        (False, {}, "unchanged"),
        (False, {"task archived": 1, "phase added": 2}, "updated (2 phase added, 1 task archived)"),
    ],
)
def test_summary_says_what_the_import_did(created, changes, summary):
    assert ImportResult(pathway=None, created=created, changes=Counter(changes)).summary() == summary


# --- The seed guides, one test each: they import whole ---------------------------------------


@pytest.mark.parametrize(
    ("filename", "counts"),
    [
        # phases, tasks, resources, transferable skills, skills to learn, action items, reality checks, FAQ
        ("deep-learning-engineer-to-nlp-engineer.txt", (5, 15, 0, 6, 6, 9, 12, 1)),
        ("software-engineer-to-deep-learning-engineer.txt", (4, 16, 0, 5, 6, 12, 12, 1)),
        ("deep-learning-engineer-to-speech-ai-engineer.txt", (4, 12, 12, 5, 6, 9, 12, 1)),
    ],
)
def test_a_seed_guide_imports_whole(filename, counts):
    guide = guides.read(GUIDES_DIR / filename)

    pathway = import_pathway(guide).pathway

    assert stored_guide(pathway) == guide
    assert (
        pathway.phases.count(),
        Task.objects.filter(phase__pathway=pathway).count(),
        sum(phase.resources.count() for phase in pathway.phases.all()),
        pathway.transferable_skills.count(),
        pathway.skills_to_learn.count(),
        pathway.action_items.count(),
        pathway.reality_checks.count(),
        pathway.faq_entries.count(),
    ) == counts
