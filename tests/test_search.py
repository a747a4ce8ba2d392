"""careers.search and the catalogue's selectors: what a search finds in every section of a guide, in
what order, typos, "did you mean", the filters, archived content left out, the search documents
kept up to date, and the SQLite fallback giving the same answers as PostgreSQL on the seed guides."""

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from careers import guides, importer, search, selectors
from careers.admin import archive
from careers.models import Pathway, SearchDocument
from tests.factories import GUIDES_DIR, all_tasks, import_guide
from tests.pages import phase_form_data

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
SEED_FIXTURE = ROOT / "fixtures" / "pathways.json"
SPEECH = "deep-learning-engineer-to-speech-ai-engineer"
NLP = "deep-learning-engineer-to-nlp-engineer"
SOFTWARE = "software-engineer-to-deep-learning-engineer"

# Searches of the seed guides, and the pathways they find, best first (the same on both databases).
SEED_SEARCHES = {
    "Kaldi": [SPEECH],  # in a "biggest challenges" item of the speech guide's reality check
    "jiwer": [SPEECH],  # in the description of a skill to learn
    "speach": [SPEECH, NLP],  # a typo for "speech" (the NLP guide cites "Speech and Language Processing")
    "Software Engineer": [SOFTWARE],
    "kal": [SPEECH],  # the start of a word, as one types
    "wav2vec": [SPEECH],
    "Moderate": [SPEECH],  # a fact
    "pytorch": [SOFTWARE, NLP, SPEECH],
    "engineering": [SOFTWARE, NLP, SPEECH],
    "deep learning": [SOFTWARE, SPEECH, NLP],  # a role of all three: the target role first
    "xylophone": [],
}


def slugs(pathways):
    return [pathway.slug for pathway in pathways]


def found(query, **filters):
    return slugs(selectors.catalogue(query=query, **filters))


@pytest.fixture
def seeds():
    """The seed pathways as `make run` loads them (a PostgreSQL trigger fills their vectors)."""
    call_command("loaddata", str(SEED_FIXTURE), verbosity=0)


# --- The seed guides ---------------------------------------------------------------------------


def test_the_searched_words_are_in_the_guides_where_the_searches_say():
    speech = guides.read(GUIDES_DIR / f"{SPEECH}.txt")
    assert any("Kaldi" in item for item in speech.reality_check["challenge"])
    assert any("jiwer" in skill.description for skill in speech.skills_to_learn)
    assert speech.from_role == "Deep Learning Engineer" and "Speech AI" in speech.title
    assert not any("speach" in path.read_text().lower() for path in GUIDES_DIR.glob("*.txt"))
    assert guides.read(GUIDES_DIR / f"{SOFTWARE}.txt").from_role == "Software Engineer"


@pytest.mark.parametrize(("query", "expected"), SEED_SEARCHES.items())
def test_seed_searches(seeds, query, expected):
    assert found(query) == expected


def test_a_typo_is_searched_as_the_closest_word_and_said_so(seeds):
    results = selectors.catalogue_results(query="speach recognitoin")
    assert slugs(results.pathways) == [SPEECH, NLP]  # the NLP guide has "named entity recognition"
    assert results.corrected == "speech recognition"
    assert selectors.catalogue_results(query="speech").corrected == ""


def test_with_no_match_the_closest_pathway_is_suggested(seeds):
    # Each word is in some guide, but no guide has both: the one with the better match is offered.
    results = selectors.catalogue_results(query="kaldi spacy tacotron")
    assert results.pathways == [] and results.suggestion.slug == SPEECH
    # A filter that leaves the match out: the match is suggested all the same.
    results = selectors.catalogue_results(query="kaldi", to_role="NLP Engineer")
    assert results.pathways == [] and results.suggestion.slug == SPEECH
    # Nothing like it anywhere: no suggestion.
    assert selectors.catalogue_results(query="xylophone").suggestion is None
    # Results: no suggestion needed.
    assert selectors.catalogue_results(query="kaldi").suggestion is None


def test_the_sqlite_fallback_gives_the_same_answers(seeds, tmp_path):
    """The laptop's SQLite, in a process of its own: migrate, load the seeds, search."""
    script = (
        "import json; from careers import selectors\n"
        "queries = json.loads(input())\n"
        "def answer(query, filters):\n"
        "    results = selectors.catalogue_results(query=query, **filters)\n"
        "    suggestion = results.suggestion and results.suggestion.slug\n"
        "    return [[p.slug for p in results.pathways], results.corrected, suggestion]\n"
        "print(json.dumps([answer(query, filters) for query, filters in queries]))\n"
    )
    queries = [[query, {}] for query in SEED_SEARCHES] + [
        ["speach recognitoin", {}],
        ["kaldi spacy tacotron", {}],
        ["kaldi", {"to_role": "NLP Engineer"}],
        ["", {"from_role": "software engineer"}],
        ["engineer", {"length": "medium", "difficulty": "moderate"}],
        ["", {"length": "short"}],
    ]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "1",
        "PYTHON_DOTENV_DISABLED": "1",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    for command in (["migrate", "--verbosity", "0"], ["loaddata", str(SEED_FIXTURE), "--verbosity", "0"]):
        subprocess.run(manage + command, env=env, cwd=ROOT, check=True, capture_output=True, timeout=120)
    shell = subprocess.run(
        [*manage, "shell", "--no-imports", "-c", script],
        env=env,
        cwd=ROOT,
        input=json.dumps(queries),
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    on_sqlite = json.loads(shell.stdout.strip().splitlines()[-1])
    on_postgresql = []
    for query, filters in queries:
        results = selectors.catalogue_results(query=query, **filters)
        suggestion = results.suggestion and results.suggestion.slug
        on_postgresql.append([slugs(results.pathways), results.corrected, suggestion])
    assert on_sqlite == on_postgresql
    assert [answer[0] for answer in on_sqlite[: len(SEED_SEARCHES)]] == list(SEED_SEARCHES.values())


def test_python_and_postgresql_agree_on_every_word_of_the_seeds_and_its_typos(seeds):
    """careers.search's two halves, side by side on the same documents: what a word stands for, and
    which pathways match it (and any of a pair), in what order."""
    documents = search._documents(selectors.offered_pathways())
    vocabulary = sorted({word for document in documents for field in document.fields for word in field})
    typed = [*vocabulary[::7], *(word[:2] + word[3:] for word in vocabulary[::5] if len(word) > 4)]
    typed = list(dict.fromkeys(typed))
    assert search._resolve_python(typed, documents) == search._resolve_postgresql(typed)
    offered = selectors.offered_pathways()
    pairs = [[first, second] for first, second in zip(vocabulary[::11], vocabulary[5::11], strict=False)]
    for wanted in [[word] for word in vocabulary[::9]] + pairs:
        for every in (True, False):
            assert search._ranked_python(documents, wanted, every) == search._ranked_postgresql(
                offered, wanted, every
            ), (wanted, every)


# --- Every section, ranking --------------------------------------------------------------------


SECTIONS = {
    "title": {"title": "Zanzibar route"},
    "from role": {"from_role": "Zanzibar keeper"},
    "to role": {"to_role": "Zanzibar pilot"},
    "overview": {"overview": "Why.\n\nThe Zanzibar way."},
    "transferable skill": {"transferable_skills": ["Zanzibar charts"]},
    "skill to learn": {"skills_to_learn": ["Zanzibar tides"]},
    "FAQ": {"faq": [("Is Zanzibar far?", "Not very.")]},
    "difficulty": {"difficulty": "Zanzibar-hard"},
    "timeline": {"timeline": "Zanzibar time"},
    "salary change": {"salary_change": "Zanzibar pay"},
    "demand": {"demand": "Zanzibar wants it"},
    "another fact": {"other_facts": [["Zanzibar index", "high"]]},
}


@pytest.mark.parametrize("section", SECTIONS)
def test_every_section_of_a_guide_is_searched(make_pathway, section):
    wanted = make_pathway(**SECTIONS[section])
    make_pathway()
    assert found("zanzibar") == [wanted.slug]


@pytest.mark.parametrize(
    ("model", "field"),
    [
        ("transferable_skills", "description"),
        ("skills_to_learn", "description"),
        ("reality_checks", "text"),
        ("action_items", "text"),
        ("faq_entries", "answer"),
        ("phases", "summary"),
        ("phases", "title"),
    ],
)
def test_descriptions_steps_and_phases_are_searched(pathway, make_pathway, model, field):
    make_pathway()
    row = getattr(pathway, model).first()
    setattr(row, field, f"{getattr(row, field)} with Quetzal")
    row.save()
    search.refresh(pathway)
    assert found("quetzal") == [pathway.slug]


def test_tasks_and_resources_are_searched(pathway, make_pathway):
    make_pathway()
    assert found(all_tasks(pathway)[1].text) == [pathway.slug]
    assert found(pathway.phases.first().resources.first().title) == [pathway.slug]


def test_title_and_roles_first_then_overview_and_skills_then_the_rest(make_pathway):
    # Alphabetical order would be the reverse of the ranking.
    in_a_task = make_pathway(title="A", phases=[(2, 0)])
    in_a_task.phases.first().tasks.create(order=1, text="Learn Fortran")
    search.refresh(in_a_task)
    in_a_skill = make_pathway(title="B", skills_to_learn=["Fortran"])
    in_the_role = make_pathway(title="C", to_role="Fortran developer")
    make_pathway(title="D")
    assert found("fortran") == [in_the_role.slug, in_a_skill.slug, in_a_task.slug]


def test_more_mentions_rank_higher_within_a_section(make_pathway):
    once = make_pathway(title="A", skills_to_learn=["Cobol"])
    twice = make_pathway(title="B", skills_to_learn=["Cobol", "Advanced Cobol"])
    assert found("cobol") == [twice.slug, once.slug]


def test_every_word_must_match_and_words_match_as_their_start(make_pathway):
    both = make_pathway(title="Sourdough baker", skills_to_learn=["Laminating dough"])
    make_pathway(title="Sourdough keeper")
    assert found("sourdough laminating") == [both.slug]
    assert found("sour lamin") == [both.slug]
    assert found("dough") == [both.slug]  # "dough" starts a word of one; "sourdough" is no match
    assert found("  ") == found("") == found("!!!") == slugs(selectors.catalogue())


def test_terms_read_from_a_query():
    terms = search.Terms(("speach", "ai"), ("speech", "ai"))
    assert terms.found and terms.corrected == "speech ai"
    assert not search.Terms(("zzz",), ("",)).found
    assert search.words("Deep-Learning: PyTorch's wav2vec 2.0!") == [
        "deep",
        "learning",
        "pytorch",
        "s",
        "wav2vec",
        "2",
        "0",
    ]


def test_trigram_similarity_is_pg_trgms():
    pairs = [("speach", "speech"), ("word", "two words"), ("enginer", "engineer"), ("a", "b"), ("", "x")]
    with connection.cursor() as cursor:
        for a, b in pairs:
            cursor.execute("SELECT similarity(%s, %s)", [a, b])
            assert search.similarity(a, b) == pytest.approx(cursor.fetchone()[0], abs=1e-6), (a, b)


# --- Archived content and keeping documents up to date -----------------------------------------


def test_archived_pathways_are_never_found_nor_suggested_nor_used_for_typos(make_pathway):
    gone = make_pathway(title="Quokka handler")
    Pathway.objects.filter(pk=gone.pk).update(archived_at=timezone.now())
    make_pathway(title="Wombat handler")
    assert found("quokka") == []
    results = selectors.catalogue_results(query="quokka")
    assert results.suggestion is None
    assert search.understand("quokka").words == ("",)  # not a word of the catalogue any more
    assert found("handler") == [Pathway.objects.get(title="Wombat handler").slug]


def test_archived_rows_leave_the_document(make_pathway):
    pathway = make_pathway(phases=[(2, 0)])
    task = pathway.phases.first().tasks.create(order=1, text="Juggle flaming torches")
    search.refresh(pathway)
    assert found("juggle") == [pathway.slug]
    archive([task], timezone.now())
    assert found("juggle") == []


def test_an_import_updates_the_document_and_an_unchanged_one_writes_nothing():
    pathway = import_guide()
    assert found("kaldi") == [pathway.slug]

    guide = guides.read(GUIDES_DIR / f"{SPEECH}.txt")
    with CaptureQueriesContext(connection) as queries:
        importer.import_pathway(guide)
    documents = SearchDocument._meta.db_table
    assert not [
        q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT")) and documents in q["sql"]
    ]

    reworded = guide.reality_check["challenge"][0].replace("Kaldi", "Espnet")
    guide.reality_check["challenge"] = [
        reworded if "Kaldi" in item else item for item in guide.reality_check["challenge"]
    ]
    importer.import_pathway(guide)
    assert found("kaldi") == [] and found("espnet") == [pathway.slug]


def test_an_admin_edit_updates_the_document(admin_client, pathway):
    phase = pathway.phases.first()
    task = phase.tasks.first()
    url, data = phase_form_data(admin_client, phase, texts={task.pk: "Build a Mandolin tuner"})
    assert admin_client.post(url, data).status_code == 302
    assert found("mandolin") == [pathway.slug]
    changelist = reverse("admin:careers_pathway_changelist")
    assert admin_client.get(changelist).status_code == 200


def test_the_migration_builds_a_document_for_every_pathway(pathway):
    SearchDocument.objects.all().delete()
    migration = importlib.import_module("careers.migrations.0009_pathway_search")
    migration.build_documents(apps, schema_editor=None)
    assert found(all_tasks(pathway)[0].text) == [pathway.slug]


# --- Filters -----------------------------------------------------------------------------------


@pytest.fixture
def by_weeks(make_pathway):
    """Pathways whose plans last 13, 14, 26 and 27 weeks (an ongoing phase adds none), one with only
    an ongoing phase, by weeks. Their guides' claims (duration_months) say otherwise, and are ignored."""
    return {
        13: make_pathway(phases=[(10, 1), (3, 1), (None, 1)], duration_months=9),
        14: make_pathway(phases=[(14, 1)], duration_months=2),
        26: make_pathway(phases=[(20, 1), (6, 1)], duration_months=9),
        27: make_pathway(phases=[(27, 1)], duration_months=3),
        0: make_pathway(phases=[(None, 1)]),
    }


@pytest.mark.parametrize(
    ("bucket", "weeks"), [("short", [13]), ("medium", [14, 26]), ("long", [27]), ("", [0, 13, 14, 26, 27])]
)
def test_length_counts_the_plans_own_weeks(by_weeks, bucket, weeks):
    assert set(found("", length=bucket)) == {by_weeks[w].slug for w in weeks}


def test_pathways_carry_the_weeks_of_their_plan(by_weeks):
    listed = {pathway.slug: pathway.plan_weeks for pathway in selectors.catalogue()}
    assert listed == {pathway.slug: weeks for weeks, pathway in by_weeks.items()}
    archive([by_weeks[26].phases.first()], timezone.now())  # an archived phase no longer counts
    assert selectors.catalogue().get(pk=by_weeks[26].pk).plan_weeks == 6


def test_an_unknown_length_is_an_error(by_weeks):
    with pytest.raises(ValueError, match="forever"):
        selectors.catalogue(length="forever")


@pytest.mark.parametrize("spelling", [str, str.lower, str.upper])
def test_roles_and_difficulty_match_in_any_case(make_pathway, spelling):
    wanted = make_pathway(from_role="Software Engineer", to_role="Speech AI Engineer", difficulty="Moderate")
    make_pathway(from_role="Data Analyst", to_role="NLP Engineer", difficulty="Hard")
    assert found("", from_role=spelling("Software Engineer")) == [wanted.slug]
    assert found("", to_role=spelling("Speech AI Engineer")) == [wanted.slug]
    assert found("", difficulty=spelling("Moderate")) == [wanted.slug]


def test_any_difficulty_keeps_the_pathways_without_one(make_pathway):
    rated = make_pathway(title="A", difficulty="Moderate")
    unrated = make_pathway(title="B", difficulty="")
    assert found("") == [rated.slug, unrated.slug]
    assert found("", difficulty="moderate") == [rated.slug]


def test_filters_combine_with_the_search(make_pathway):
    wanted = make_pathway(from_role="Software Engineer", to_role="Deep Learning Engineer", phases=[(28, 1)])
    make_pathway(from_role="Software Engineer", to_role="NLP Engineer", phases=[(12, 1)])
    make_pathway(from_role="Gardener", to_role="Deep Learning Engineer", phases=[(28, 1)])
    assert found("engineer", from_role="software engineer", length="long") == [wanted.slug]


def test_filter_choices_are_the_distinct_values_present_sorted(make_pathway):
    make_pathway(from_role="Software Engineer", to_role="Speech AI Engineer", difficulty="Moderate")
    make_pathway(from_role="software engineer", to_role="NLP Engineer", difficulty="")
    make_pathway(from_role="", to_role="NLP Engineer", difficulty="  ")
    make_pathway(from_role="Data Analyst", to_role="deep learning engineer", difficulty="moderate")
    gone = make_pathway(from_role="Astronaut", to_role="Pilot", difficulty="Hard")
    Pathway.objects.filter(pk=gone.pk).update(archived_at=timezone.now())
    choices = selectors.catalogue_filter_choices()
    # The filters match in any case, so "Software Engineer" and "software engineer" are one choice.
    assert [role.casefold() for role in choices.from_roles] == ["data analyst", "software engineer"]
    assert choices.to_roles == ["deep learning engineer", "NLP Engineer", "Speech AI Engineer"]
    assert [d.casefold() for d in choices.difficulties] == ["moderate"]
