"""`import_guide` and `importer.import_pathway`: whole guides in, idempotent, edits keep identity,
bad batches refused with nothing written."""

import json
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError

from careers import guides
from careers.importer import import_pathway
from careers.models import (
    ActionItem,
    FaqEntry,
    Pathway,
    Phase,
    RealityCheckItem,
    Resource,
    SkillToLearn,
    Task,
)

ROOT = Path(__file__).resolve().parent.parent
GUIDES = sorted((ROOT / "fixtures" / "guides").glob("*.txt"))
SPEECH = ROOT / "fixtures" / "guides" / "deep-learning-engineer-to-speech-ai-engineer.txt"

pytestmark = pytest.mark.django_db


def run_import(*paths):
    out = StringIO()
    call_command("import_guide", *map(str, paths), stdout=out)
    return out.getvalue()


def snapshot():
    """Every careers row, with its primary key and timestamps."""
    models = [Pathway, Phase, Task, Resource, SkillToLearn, ActionItem, RealityCheckItem, FaqEntry]
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def test_imports_the_three_seed_guides_whole():
    output = run_import(*GUIDES)
    assert output.count(" created ") == 3
    assert Pathway.objects.count() == 3
    counts = {
        p.slug: (
            p.phases.count(),
            Task.objects.filter(phase__pathway=p).count(),
            p.transferable_skills.count(),
            p.skills_to_learn.count(),
            p.action_items.count(),
            p.reality_checks.count(),
            p.faq_entries.count(),
        )
        for p in Pathway.objects.all()
    }
    assert counts == {
        "deep-learning-engineer-to-nlp-engineer": (5, 15, 6, 6, 9, 12, 1),
        "software-engineer-to-deep-learning-engineer": (4, 16, 5, 6, 12, 12, 1),
        "deep-learning-engineer-to-speech-ai-engineer": (4, 12, 5, 6, 9, 12, 1),
    }
    speech = Pathway.objects.get(slug="deep-learning-engineer-to-speech-ai-engineer")
    assert (speech.difficulty, speech.timeline, speech.duration_months) == ("Moderate", "4-6 months", 6)
    assert len(speech.overview_paragraphs) == 3
    assert Resource.objects.filter(phase__pathway=speech).count() == 12
    ongoing = Phase.objects.get(title="Continuous Learning and Community Engagement")
    assert (ongoing.duration_weeks, ongoing.duration_label, ongoing.order) == (None, "Ongoing", 5)
    assert list(speech.skills_to_learn.values_list("priority", "weeks")[:3]) == [
        ("important", 6),
        ("important", 4),
        ("critical", 6),
    ]
    assert (
        list(speech.action_items.filter(horizon="this_week").values_list("text", flat=True))
        == (guides.read(SPEECH).action_plan["this_week"])
    )


def test_importing_again_changes_nothing():
    run_import(*GUIDES)
    before = snapshot()
    output = run_import(*GUIDES)
    assert output.count(" unchanged ") == 3
    assert snapshot() == before


def test_edited_guide_updates_in_place_and_keeps_unchanged_tasks(tmp_path):
    run_import(SPEECH)
    pathway = Pathway.objects.get()
    tasks_before = {task.text: task.pk for task in Task.objects.all()}
    moved_task = "Optimize model inference for real-time applications"

    edited = SPEECH.read_text()
    edited = edited.replace("Difficulty\nModerate", "Difficulty\nHard")
    edited = edited.replace("  • Learn audio feature extraction with librosa and torchaudio\n", "")
    edited = edited.replace(f"  • {moved_task}\n", "")
    edited = edited.replace(
        "  • Implement a custom ASR pipeline with CTC loss\n",
        f"  • {moved_task}\n"
        "  • Implement a custom ASR pipeline with CTC loss\n"
        "  • Read the Conformer paper\n",
    )
    edited_path = tmp_path / "speech.txt"
    edited_path.write_text(edited)

    output = run_import(edited_path)

    assert "updated" in output
    assert Pathway.objects.get().pk == pathway.pk
    assert Pathway.objects.get().difficulty == "Hard"
    tasks_after = {task.text: task for task in Task.objects.select_related("phase")}
    assert "Learn audio feature extraction with librosa and torchaudio" not in tasks_after
    assert "Read the Conformer paper" in tasks_after
    for text, pk in tasks_before.items():
        if text in tasks_after:
            assert tasks_after[text].pk == pk, text
    assert tasks_after[moved_task].phase.title == "Deep Dive into ASR and TTS"
    assert list(Phase.objects.get(order=2).tasks.values_list("text", flat=True)[:3]) == [
        moved_task,
        "Implement a custom ASR pipeline with CTC loss",
        "Read the Conformer paper",
    ]


def test_renamed_phase_keeps_its_tasks():
    guide = guides.read(SPEECH)
    import_pathway(guide)
    task_ids = list(Task.objects.filter(phase__order=1).values_list("pk", flat=True))
    guide.phases[0].title = "Speech Processing Foundations"
    result = import_pathway(guide)
    assert result.changes == {"phase added": 1, "phase removed": 1, "task updated": 3, "resource updated": 3}
    phase = Phase.objects.get(order=1)
    assert phase.title == "Speech Processing Foundations"
    assert list(phase.tasks.values_list("pk", flat=True)) == task_ids


def test_bad_file_in_a_batch_writes_nothing(tmp_path):
    not_a_guide = tmp_path / "notes.txt"
    not_a_guide.write_text("Shopping list\n- eggs\n")
    no_roadmap = tmp_path / "half.txt"
    no_roadmap.write_text(SPEECH.read_text().split("Your Learning Roadmap")[0])

    with pytest.raises(CommandError) as error:
        run_import(*GUIDES, not_a_guide, no_roadmap)

    message = str(error.value)
    assert f"{not_a_guide}: not a guide" in message
    assert f"{no_roadmap}: missing roadmap" in message
    assert Pathway.objects.count() == 0


def test_the_same_pathway_twice_in_one_batch_is_refused(tmp_path):
    copy = tmp_path / "copy.txt"
    copy.write_text(SPEECH.read_text())
    with pytest.raises(CommandError, match="the same pathway"):
        run_import(SPEECH, copy)
    assert Pathway.objects.count() == 0


def test_command_line_refusal_exits_non_zero_without_traceback(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("hello")
    # A database that is never reached: the batch is refused before anything is written.
    env = {"DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "manage.py", "import_guide", str(bad)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert f"{bad}: not a guide" in result.stderr
    assert "Traceback" not in result.stderr


def test_fixture_matches_what_the_importer_makes():
    """fixtures/pathways.json is made by `make fixtures`; it must not drift from the guides."""
    fixture = json.loads((ROOT / "fixtures" / "pathways.json").read_text())
    call_command("loaddata", "fixtures/pathways.json", verbosity=0)
    loaded = snapshot()
    Pathway.objects.all().delete()
    run_import(*GUIDES)
    imported = snapshot()

    def content(rows):
        ignore = {"id", "created_at", "updated_at", "pathway_id", "phase_id"}
        return {
            name: [{k: v for k, v in row.items() if k not in ignore} for row in table]
            for name, table in rows.items()
        }

    assert content(loaded) == content(imported)
    assert {row["model"] for row in fixture} >= {"careers.pathway", "careers.phase", "careers.task"}
    assert len(list(serializers.deserialize("json", json.dumps(fixture)))) == len(fixture)
