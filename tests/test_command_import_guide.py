"""`manage.py import_guide PATH...`: a batch of guide files in, one line per guide out; a batch with
any bad file is refused whole. The importer itself is tested in tests/test_importer.py."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError

from careers.models import Pathway, Task
from tests.factories import GUIDES_DIR, make_enrolment, tick

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db

GUIDE = """From {from_role} to {to_role}: A 3-Month Plan
Overview
Why this move works.
Your Learning Roadmap
Basics
2 weeks- Read the handbook
- Build a small project
Practice
Ongoing- Join a meetup
"""


def write_guide(directory, name="guide.txt", from_role="Baker", to_role="Data Engineer", text=None):
    path = directory / name
    path.write_text(text if text is not None else GUIDE.format(from_role=from_role, to_role=to_role))
    return path


def run_import(*paths):
    out = StringIO()
    call_command("import_guide", *map(str, paths), stdout=out)
    return out.getvalue().splitlines()


def test_imports_each_guide_and_reports_what_it_did(tmp_path):
    baker = write_guide(tmp_path, "baker.txt")
    nurse = write_guide(tmp_path, "nurse.txt", from_role="Nurse", to_role="Health Data Analyst")

    assert run_import(baker, nurse) == [
        f"{baker}: baker-to-data-engineer created (2 phases, 3 tasks)",
        f"{nurse}: nurse-to-health-data-analyst created (2 phases, 3 tasks)",
    ]
    assert run_import(baker) == [f"{baker}: baker-to-data-engineer unchanged (2 phases, 3 tasks)"]

    baker.write_text(
        baker.read_text().replace("- Build a small project\n", "- Build a small project\n- Ship it\n")
    )
    assert run_import(baker) == [
        f"{baker}: baker-to-data-engineer updated (1 task added) (2 phases, 4 tasks)"
    ]
    assert sorted(Pathway.objects.values_list("slug", flat=True)) == [
        "baker-to-data-engineer",
        "nurse-to-health-data-analyst",
    ]


def test_the_report_says_what_was_archived_and_reworded_and_whose_ticks_it_keeps(tmp_path):
    baker = write_guide(tmp_path, "baker.txt")
    run_import(baker)
    pathway = Pathway.objects.get()
    for _ in range(2):
        enrolment = make_enrolment(pathway=pathway)
        tick(enrolment, Task.objects.get(text="Read the handbook"))
    tick(enrolment, Task.objects.get(text="Build a small project"))

    baker.write_text(
        baker.read_text()
        .replace("- Read the handbook\n", "")
        .replace("- Build a small project", "- Build a small project of your own")
    )

    assert run_import(baker) == [
        f"{baker}: baker-to-data-engineer updated (1 task archived (2 learners' ticks kept), "
        "1 task reworded (1 learner's ticks kept)) (2 phases, 2 tasks)"
    ]


def test_a_bad_file_refuses_the_whole_batch(tmp_path):
    good = write_guide(tmp_path)
    not_a_guide = write_guide(tmp_path, "notes.txt", text="Shopping list\n- eggs\n")
    no_roadmap = write_guide(tmp_path, "half.txt", text=GUIDE.split("Your Learning Roadmap")[0])

    with pytest.raises(CommandError) as error:
        run_import(good, not_a_guide, no_roadmap)

    message = str(error.value)
    assert message.startswith("nothing imported:")
    assert f"{not_a_guide}: not a guide" in message
    assert f"{no_roadmap}: missing roadmap" in message
    assert str(good) not in message
    assert not Pathway.objects.exists()


def test_the_same_pathway_twice_in_one_batch_is_refused(tmp_path):
    original = write_guide(tmp_path, "original.txt")
    copy = write_guide(tmp_path, "copy.txt")

    with pytest.raises(CommandError) as error:
        run_import(original, copy)

    assert f"{copy}: the same pathway (baker-to-data-engineer) as {original}" in str(error.value)
    assert not Pathway.objects.exists()


def test_a_refusal_on_the_command_line_exits_non_zero_without_a_traceback(tmp_path):
    bad = write_guide(tmp_path, "bad.txt", text="hello")
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


def test_the_fixture_matches_what_the_command_makes_of_the_seed_guides():
    """fixtures/pathways.json is made by `make fixtures`; it must not drift from the guides."""

    def content():
        """Every careers row, without keys and timestamps (which differ between the two)."""
        ignore = {"id", "created_at", "updated_at", "pathway_id", "phase_id"}
        return {
            model.__name__: [
                {name: value for name, value in row.items() if name not in ignore}
                for row in model.objects.order_by("pk").values()
            ]
            for model in apps.get_app_config("careers").get_models()
            if not model.__name__.startswith("Historical")  # an import records history, a fixture not
        }

    call_command("loaddata", ROOT / "fixtures" / "pathways.json", verbosity=0)
    loaded = content()
    assert len(loaded["Pathway"]) == 3
    Pathway.objects.all().delete()
    run_import(*sorted(GUIDES_DIR.glob("*.txt")))

    assert content() == loaded
