"""The home page and the catalogue: search, filters, htmx live search. (What the selectors find is
tested in test_selectors.py; here, what a visitor sees.)"""

import pytest
from django.urls import reverse

from tests.pages import assert_well_formed_page, read_page, words

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("careers:catalogue")
HTMX = {"HX-Request": "true"}


def link_texts(page, href):
    return [a.text for a in page.find_all("a", href=href)]


def titles_listed(response):
    """The pathway titles the results show, in order."""
    results = read_page(response).find(id="results")
    return [heading.text for heading in results.find_all("h3")]


# ---------- Home ----------


def test_home_explains_the_app_and_features_the_newest_pathways(client, make_pathway):
    oldest, *featured = [make_pathway() for _ in range(4)]
    response = client.get(reverse("careers:home"))
    assert response.status_code == 200
    page = read_page(response)
    assert_well_formed_page(page)
    assert "Change careers one week at a time" in page.find("h1").text

    links = {a.attrs["href"] for a in page.find_all("a")}
    assert {pathway.get_absolute_url() for pathway in featured} <= links
    assert oldest.get_absolute_url() not in links
    assert {"Create a free account", "Sign up free"} <= set(link_texts(page, "/accounts/signup/"))

    # The frame every page shares: a skip link to the main content, a phone-sized viewport, the
    # stylesheet and htmx (pinned), configured not to inject its own inline styles (CSP).
    assert page.find("a", href="#main").text == "Skip to main content" and page.find("main", id="main")
    assert page.find("meta", name="viewport")
    assert any(link.attrs["href"].endswith("app.css") for link in page.find_all("link", rel="stylesheet"))
    scripts = [script.attrs["src"] for script in page.find_all("script", src=True)]
    assert any("vendor/htmx-2.0.11.min.js" in src for src in scripts)
    assert '"includeIndicatorStyles":false' in page.find("meta", name="htmx-config").attrs["content"]


def test_home_for_a_learner_links_to_their_dashboard(learner_client, pathway):
    page = read_page(learner_client.get(reverse("careers:home")))
    assert "Your dashboard" in link_texts(page, reverse("careers:dashboard"))
    assert not link_texts(page, reverse("account_signup"))


def test_home_without_pathways(client):
    response = client.get(reverse("careers:home"))
    assert response.status_code == 200
    assert "No pathways have been published yet" in read_page(response).text


# ---------- Catalogue ----------


def test_catalogue_lists_every_pathway_with_what_it_involves(client, make_pathway):
    rich = make_pathway(
        title="Speech AI Engineer",
        from_role="Deep Learning Engineer",
        to_role="Speech AI Engineer",
        phases=[(6, 3), (8, 3), (6, 3), (None, 3)],
        duration_months=6,
        difficulty="Moderate",
    )
    plain = make_pathway(title="Archivist", phases=[(2, 1)])
    response = client.get(CATALOGUE)
    assert response.status_code == 200
    page = read_page(response)
    assert_well_formed_page(page)
    assert titles_listed(response) == [plain.title, rich.title]
    assert page.find(id="results-heading").text == "2 pathways"

    card = next(article for article in page.find_all("article") if article.find("h3").text == rich.title)
    assert card.find("a").attrs["href"] == rich.get_absolute_url()
    assert "From Deep Learning Engineer to Speech AI Engineer" in card.text
    assert [item.text for item in card.find("ul").elements] == [
        "6 months",
        "Difficulty: Moderate",
        "4 phases",
        "12 tasks",
    ]


def test_catalogue_search_form_searches_as_you_type(client, pathway):
    page = read_page(client.get(CATALOGUE))
    form = page.find("form", role="search")
    labels = [label.text for label in form.find_all("label")]
    assert labels == ["Search", "Target role", "Length", "Difficulty"]
    for label in form.find_all("label"):
        assert form.find(id=label.attrs["for"]), f"{label.text} labels no field"
    # Without JavaScript it is a plain GET form; with htmx each change fetches the results into
    # #results and updates the address, so the results can be shared and the back button works.
    assert (form.attrs["method"], form.attrs["action"]) == ("get", CATALOGUE)
    assert (form.attrs["hx-get"], form.attrs["hx-target"], form.attrs["hx-push-url"]) == (
        CATALOGUE,
        "#results",
        "true",
    )
    assert page.find(id="results")


def test_catalogue_search_shows_only_the_matches(client, make_pathway):
    wanted = make_pathway(title="Sourdough Baker", to_role="Artisan Baker")
    make_pathway(title="Lighthouse Keeper", to_role="Keeper")
    response = client.get(CATALOGUE, {"q": "artisan BAKER"})
    assert response.status_code == 200
    assert titles_listed(response) == [wanted.title]
    assert read_page(response).find(id="results-heading").text == "1 pathway found"


@pytest.mark.parametrize(
    "params",
    [
        {"duration": "medium"},
        {"difficulty": "moderate"},  # filters take any case
        {"to_role": "speech ai engineer"},
        {"q": "engineer", "duration": "medium"},
    ],
)
def test_catalogue_filters(client, make_pathway, params):
    wanted = make_pathway(to_role="Speech AI Engineer", duration_months=6, difficulty="Moderate")
    make_pathway(to_role="NLP Engineer", duration_months=3, difficulty="Hard")
    response = client.get(CATALOGUE, params)
    assert response.status_code == 200
    assert titles_listed(response) == [wanted.title]


@pytest.mark.parametrize(
    ("params", "label"),
    [
        ({"duration": "forever"}, "Length"),
        ({"to_role": "Astronaut"}, "Target role"),
        ({"difficulty": "Impossible"}, "Difficulty"),
        ({"q": "x" * 201}, "Search"),
    ],
)
def test_invalid_filters_are_a_400_with_the_error_shown(client, pathway, params, label):
    response = client.get(CATALOGUE, params)
    assert response.status_code == 400
    page = read_page(response)
    assert_well_formed_page(page)
    summary = page.find(role="alert")
    assert "Some filters could not be used" in summary.text
    error_link = summary.find("a")
    assert error_link.text.startswith(f"{label}:")
    # The link leads to the field, which assistive technology announces as invalid.
    field = page.find(id=error_link.attrs["href"][1:])
    assert field.attrs.get("aria-invalid") == "true"
    assert "Clear filters" in link_texts(page, CATALOGUE)


def test_the_valid_filters_still_apply_beside_an_invalid_one(client, make_pathway):
    wanted = make_pathway(to_role="Speech AI Engineer", duration_months=6)
    make_pathway(to_role="NLP Engineer", duration_months=6)
    response = client.get(CATALOGUE, {"duration": "forever", "q": "speech"})
    assert response.status_code == 400
    assert titles_listed(response) == [wanted.title]
    assert "Showing pathways that match your other choices." in read_page(response).text


def test_empty_results_offer_to_clear_the_filters(client, pathway):
    response = client.get(CATALOGUE, {"q": "zzz", "duration": "short"})
    results = read_page(response).find(id="results")
    assert titles_listed(response) == []
    assert "No pathways match “zzz”." in results.text
    clear = results.find("a", href=CATALOGUE)
    assert "clear the filters" in clear.text


def test_htmx_request_gets_only_the_results(client, make_pathway):
    wanted = make_pathway(title="Speech AI Engineer")
    make_pathway(title="NLP Engineer")
    response = client.get(CATALOGUE, {"q": "speech"}, headers=HTMX)
    assert response.status_code == 200
    page = read_page(response)
    (results,) = page.elements  # one element: the results, to swap in for the old ones
    assert (results.tag, results.attrs["id"]) == ("section", "results")
    assert not page.find("form") and not page.find("html")
    assert titles_listed(response) == [wanted.title]
    # Caches keep the fragment and the whole page apart.
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_invalid_request_is_a_400_results_fragment(client, pathway):
    response = client.get(CATALOGUE, {"duration": "forever"}, headers=HTMX)
    assert response.status_code == 400
    page = read_page(response)
    assert [element.attrs.get("id") for element in page.elements] == ["results"]
    assert "Select a valid choice" in page.text


def test_htmx_history_restore_gets_the_whole_page(client, pathway):
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    page = read_page(client.get(CATALOGUE, headers=headers))
    assert page.find("html") and page.find("form", role="search")
    assert words(pathway.title) in page.find(id="results").text
