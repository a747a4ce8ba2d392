"""The public pages: home, catalogue (search, filters, htmx live search), pathway page, error pages."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.db import connection
from django.template import loader
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from careers import guides, selectors
from careers.importer import import_pathway
from careers.models import Pathway, Phase, Task

ROOT = Path(__file__).resolve().parent.parent
GUIDE_FILES = sorted((ROOT / "fixtures" / "guides").glob("*.txt"))
SPEECH = "deep-learning-engineer-to-speech-ai-engineer"
NLP = "deep-learning-engineer-to-nlp-engineer"
SOFTWARE = "software-engineer-to-deep-learning-engineer"

pytestmark = pytest.mark.django_db


@pytest.fixture
def pathways():
    return {import_pathway(guides.read(path)).pathway.slug: path for path in GUIDE_FILES}


def html_of(response):
    return response.content.decode()


class _Outline(HTMLParser):
    def __init__(self):
        super().__init__()
        self.headings, self.ids, self.anchors, self.style_attrs, self.inline_scripts = [], [], [], 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if "style" in attrs or tag == "style":
            self.style_attrs += 1
        if tag == "script" and "src" not in attrs:
            self.inline_scripts += 1
        if tag == "a" and (attrs.get("href") or "").startswith("#"):
            self.anchors.append(attrs["href"][1:])


def assert_well_formed_page(html):
    outline = _Outline()
    outline.feed(html)
    assert outline.headings.count(1) == 1, outline.headings
    for before, after in zip(outline.headings, outline.headings[1:], strict=False):
        assert after <= before + 1, f"heading jumps from h{before} to h{after}: {outline.headings}"
    assert len(outline.ids) == len(set(outline.ids)), "duplicate ids"
    assert set(outline.anchors) <= set(outline.ids), "in-page link to a missing id"
    assert outline.style_attrs == 0 and outline.inline_scripts == 0, "inline style or script breaks the CSP"


# ---------- Home ----------


def test_home_explains_the_app_and_features_pathways(client, pathways):
    response = client.get(reverse("careers:home"))
    html = html_of(response)
    assert response.status_code == 200
    assert_well_formed_page(html)
    assert '<main id="main"' in html and 'href="#main"' in html
    assert 'name="viewport"' in html
    assert "vendor/htmx-2.0.11.min.js" in html and "app.css" in html
    assert "includeIndicatorStyles" in html
    for slug in pathways:
        assert Pathway.objects.get(slug=slug).get_absolute_url() in html
    assert re.search(r'href="/accounts/signup/"[^>]*>Sign up free<', html)


def test_home_without_pathways(client):
    response = client.get(reverse("careers:home"))
    assert response.status_code == 200
    assert "No pathways have been published yet" in html_of(response)


# ---------- Catalogue ----------


def slugs_listed(response):
    return [p.slug for p in response.context["pathways"]]


def test_catalogue_lists_every_pathway_with_counts(client, pathways):
    response = client.get(reverse("careers:catalogue"))
    html = html_of(response)
    assert response.status_code == 200
    assert_well_formed_page(html)
    assert sorted(slugs_listed(response)) == sorted(pathways)
    speech = next(p for p in response.context["pathways"] if p.slug == SPEECH)
    assert (speech.phase_count, speech.task_count) == (4, 12)
    assert "4 phases" in html and "12 tasks" in html and "Moderate" in html
    assert "From Deep Learning Engineer" in html
    for label in ("Search", "Target role", "Length", "Difficulty"):
        assert f">{label}</label>" in html
    assert 'hx-get="/pathways/"' in html and 'hx-target="#results"' in html and "hx-push-url" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("speech", {SPEECH}),
        ("SPEECH AI", {SPEECH}),  # case-insensitive, matches the title and target role
        ("Tacotron", {SPEECH}),  # overview / skill text
        ("Transformers and HuggingFace", {NLP}),  # a skill to learn
        ("CTC loss", {SPEECH}),  # a task
        ("Software Engineer", {SOFTWARE}),  # from role
        ("Deep Learning Engineer", {SPEECH, NLP, SOFTWARE}),
        ("no such thing", set()),
    ],
)
def test_catalogue_search(client, pathways, query, expected):
    response = client.get(reverse("careers:catalogue"), {"q": query})
    assert response.status_code == 200
    assert set(slugs_listed(response)) == expected
    assert len(slugs_listed(response)) == len(expected)  # no duplicates from the joins


def test_search_matching_tasks_does_not_change_the_counts(pathways):
    speech = selectors.catalogue(query="CTC loss").get()
    assert (speech.phase_count, speech.task_count) == (4, 12)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"duration": "short"}, {NLP}),
        ({"duration": "medium"}, {SPEECH}),
        ({"duration": "long"}, {SOFTWARE}),
        ({"difficulty": "Moderate"}, {SPEECH}),
        ({"difficulty": "moderate"}, {SPEECH}),
        ({"to_role": "NLP Engineer"}, {NLP}),
        ({"q": "engineer", "duration": "long"}, {SOFTWARE}),
    ],
)
def test_catalogue_filters(client, pathways, params, expected):
    response = client.get(reverse("careers:catalogue"), params)
    assert response.status_code == 200
    assert set(slugs_listed(response)) == expected


def test_filter_choices_come_from_the_pathways(pathways):
    choices = selectors.catalogue_filter_choices()
    assert choices.to_roles == ["Deep Learning Engineer", "NLP Engineer", "Speech AI Engineer"]
    assert choices.difficulties == ["Moderate"]


@pytest.mark.parametrize(
    "params",
    [{"duration": "forever"}, {"to_role": "Astronaut"}, {"difficulty": "Impossible"}, {"q": "x" * 201}],
)
def test_invalid_filters_are_a_400_with_the_error_shown(client, pathways, params):
    response = client.get(reverse("careers:catalogue"), params)
    html = html_of(response)
    assert response.status_code == 400
    assert "Some filters could not be used" in html
    assert 'aria-invalid="true"' in html
    assert_well_formed_page(html)


def test_empty_results_offer_to_clear_the_filters(client, pathways):
    response = client.get(reverse("careers:catalogue"), {"q": "zzz", "duration": "short"})
    html = html_of(response)
    assert "No pathways match “zzz”" in html
    assert f'href="{reverse("careers:catalogue")}"' in html and "clear the filters" in html


def test_htmx_request_gets_only_the_results(client, pathways):
    response = client.get(reverse("careers:catalogue"), {"q": "speech"}, headers={"HX-Request": "true"})
    html = html_of(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="results" id="results"')
    assert "<html" not in html and "<form" not in html
    assert "Speech AI Engineer" in html
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_invalid_request_is_a_400_results_fragment(client, pathways):
    params, headers = {"duration": "forever"}, {"HX-Request": "true"}
    response = client.get(reverse("careers:catalogue"), params, headers=headers)
    assert response.status_code == 400
    assert "<html" not in html_of(response) and "Select a valid choice" in html_of(response)


def test_htmx_history_restore_gets_the_whole_page(client, pathways):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    response = client.get(reverse("careers:catalogue"), headers=headers)
    assert "<html" in html_of(response)


# ---------- Pathway page ----------


def test_pathway_page_queries_do_not_grow_with_the_pathway(client, pathways):
    def queries(slug):
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("careers:pathway", args=[slug])).status_code == 200
        return len(context.captured_queries)

    before = queries(SPEECH)
    pathway = Pathway.objects.get(slug=SPEECH)
    phase = Phase.objects.create(pathway=pathway, order=99, title="Extra", duration_weeks=2)
    Task.objects.bulk_create(Task(phase=phase, order=n, text=f"Extra task {n}") for n in range(10))
    assert queries(SPEECH) == before == queries(NLP)


def test_pathway_page_selector_gives_each_phase_its_week_range(pathways):
    from django.contrib.auth.models import AnonymousUser
    from django.utils import timezone

    page = selectors.pathway_page(NLP, AnonymousUser(), timezone.now())
    assert page.progress is None and not page.can_enrol
    assert [phase.weeks.label for phase in page.phases] == [
        "Weeks 1–3",
        "Weeks 4–6",
        "Weeks 7–10",
        "Weeks 11–12",
        "Week 13 onwards",
    ]
    assert selectors.pathway_page("no-such-pathway", AnonymousUser(), timezone.now()) is None


@pytest.mark.parametrize("slug", [SPEECH, NLP, SOFTWARE])
def test_pathway_page_shows_every_item_of_the_guide(client, pathways, slug):
    response = client.get(reverse("careers:pathway", args=[slug]))
    html = html_of(response)
    assert response.status_code == 200
    assert_well_formed_page(html)
    guide = guides.read(pathways[slug])

    def shown(text):
        assert escape(text) in html, text

    shown(guide.title)
    for paragraph in guide.overview:
        shown(paragraph)
    for skill in guide.transferable_skills:
        shown(skill.name)
        shown(skill.description)
    for skill in guide.skills_to_learn:
        shown(skill.name)
        shown(skill.description)
    for number, phase in enumerate(guide.phases, 1):
        shown(f"Phase {number}")
        shown(phase.title)
        shown(phase.duration_label)
        for task in phase.tasks:
            shown(task)
        for resource in phase.resources:
            shown(resource.title)
    for items in [*guide.reality_check.values(), *guide.action_plan.values()]:
        for item in items:
            shown(item)
    for entry in guide.faq:
        shown(entry.answer)
    for heading in (
        "Overview",
        "Your transferable skills",
        "Skills to learn",
        "Learning roadmap",
        "Reality check",
        "Action plan",
        "Frequently asked questions",
    ):
        assert f">{heading}</h2>" in html
    for group in (
        "What you&#x27;ll love",
        "What you might miss",
        "Biggest challenges",
        "This Week",
        "This Month",
        "Next 90 Days",
    ):
        assert f"<h3>{group}</h3>" in html


def test_pathway_page_facts_and_priorities(client, pathways):
    html = html_of(client.get(reverse("careers:pathway", args=[SPEECH])))
    for fact in ("Duration", "Difficulty", "Timeline", "Salary change", "Demand"):
        assert f"<dt>{fact}</dt>" in html
    assert "<dd>4-6 months</dd>" in html and "<dd>6 months</dd>" in html
    positions = [html.index(f">{label}</span>") for label in ("Critical", "Important", "Nice to have")]
    assert positions == sorted(positions)
    assert "8 weeks" in html and "Weeks 1–6" in html and "Weeks 21–24" in html


def test_pathway_page_without_facts_or_priorities(client, pathways):
    html = html_of(client.get(reverse("careers:pathway", args=[NLP])))
    assert "<dt>Difficulty</dt>" not in html and "<dt>Salary change</dt>" not in html
    assert "badge--critical" not in html and "Other skills" not in html
    assert "Week 13 onwards" in html and "Ongoing" in html


def test_faq_questions_are_never_invented(client, pathways):
    html = html_of(client.get(reverse("careers:pathway", args=[SOFTWARE])))
    faq = html[html.index('id="faq"') :]
    faq = faq[: faq.index("</section>")]
    assert "<h3" not in faq
    assert "No—while research roles" in faq


def test_unknown_pathway_is_a_404_page(client, pathways):
    response = client.get(reverse("careers:pathway", args=["no-such-pathway"]))
    assert response.status_code == 404
    html = html_of(response)
    assert "Page not found" in html and reverse("careers:catalogue") in html
    assert_well_formed_page(html)


# ---------- Error templates ----------


def test_500_template_needs_no_context():
    html = loader.get_template("500.html").render()
    assert "Something went wrong" in html and 'href="/pathways/"' in html
    assert_well_formed_page(html)


@pytest.mark.parametrize("name", ["400.html", "403.html", "404.html"])
def test_error_templates_render_without_a_request(name):
    html = loader.get_template(name).render()
    assert reverse("careers:catalogue") in html
    assert_well_formed_page(html)
