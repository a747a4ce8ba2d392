"""The home page and the catalogue: search, filters, clean addresses, htmx live search, the menu.
(What a search finds, and in what order, is tested in test_search.py; here, what a visitor sees.)"""

import pytest
from django.test import Client
from django.urls import reverse

from tests.pages import assert_well_formed_page, name_read, read_page

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("careers:catalogue")
HTMX = {"HX-Request": "true"}


def link_texts(page, href):
    return [a.text for a in page.find_all("a", href=href)]


def titles_listed(response):
    """The pathway names the results show, in order, as read out."""
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
    # Featured cards are named by their short titles, as in the catalogue.
    cards = page.find("section", **{"aria-labelledby": "featured-title"}).find_all("h3")
    assert {card.text for card in cards} == {name_read(pathway) for pathway in featured}
    assert {"Create a free account", "Sign up free"} <= set(link_texts(page, "/accounts/signup/"))

    # The frame every page shares: a skip link to the main content, a phone-sized viewport, the
    # stylesheet and htmx (pinned), configured not to inject its own inline styles (CSP).
    assert page.find("a", href="#main").text == "Skip to main content" and page.find("main", id="main")
    assert page.find("meta", name="viewport")
    assert any(link.attrs["href"].endswith("app.css") for link in page.find_all("link", rel="stylesheet"))
    scripts = [script.attrs["src"] for script in page.find_all("script", src=True)]
    assert any("vendor/htmx-2.0.11.min.js" in src for src in scripts)
    assert '"includeIndicatorStyles":false' in page.find("meta", name="htmx-config").attrs["content"]


def test_the_main_menu_is_a_disclosure_that_needs_no_javascript(learner_client):
    for visitor, links in [
        (Client(), ["Pathways", "Log in", "Sign up"]),
        (learner_client, ["Pathways", "Dashboard", "Preferences"]),
    ]:
        nav = read_page(visitor.get(CATALOGUE)).find("nav", **{"aria-label": "Main"})
        menu = nav.find("details")
        assert menu.find("summary").text == "Menu"  # a button on a phone (app.css)
        assert [a.text for a in menu.find_all("a")] == links


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
        title="From Deep Learning Engineer to Speech AI Engineer: Your 6-Month Transition Guide",
        from_role="Deep Learning Engineer",
        to_role="Speech AI Engineer",
        phases=[(6, 3), (8, 3), (6, 3), (None, 3)],
        duration_months=9,  # the guide's claim: the card shows the plan's own weeks instead
        difficulty="Moderate",
    )
    plain = make_pathway(title="Archivist", from_role="", to_role="", phases=[(2, 1)])
    response = client.get(CATALOGUE)
    assert response.status_code == 200
    page = read_page(response)
    assert_well_formed_page(page)
    assert titles_listed(response) == [plain.title, "Deep Learning Engineer to Speech AI Engineer"]
    assert page.find(id="results-heading").text == "2 pathways"

    card = next(article for article in page.find_all("article") if article.find("h3").text != plain.title)
    assert card.find("a").attrs["href"] == rich.get_absolute_url()
    assert [item.text for item in card.find("ul").elements] == [
        "20 weeks",
        "Difficulty: Moderate",
        "4 phases",
        "12 tasks",
    ]


def test_catalogue_search_form_searches_as_you_type(client, pathway):
    page = read_page(client.get(CATALOGUE))
    form = page.find("form", role="search")
    labels = [label.text for label in form.find_all("label")]
    assert labels == ["Search", "Your role now", "Role you want", "Length", "Difficulty"]
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
    # The filters fold away on a phone, behind a button that says how many are on.
    filters = form.find("details")
    assert filters.find("summary").text == "Filters" and "open" not in filters.attrs
    assert {field.attrs["name"] for field in filters.find_all("select")} == {
        "from_role",
        "to_role",
        "length",
        "difficulty",
    }


def test_filters_offer_the_values_present(client, make_pathway):
    make_pathway(from_role="Software Engineer", to_role="Deep Learning Engineer", difficulty="")
    make_pathway(from_role="Deep Learning Engineer", to_role="Speech AI Engineer", difficulty="Moderate")
    page = read_page(client.get(CATALOGUE))

    def options(name):
        return [option.text for option in page.find("select", name=name).find_all("option")]

    assert options("from_role") == ["Any role", "Deep Learning Engineer", "Software Engineer"]
    assert options("to_role") == ["Any role", "Deep Learning Engineer", "Speech AI Engineer"]
    assert options("difficulty") == ["Any difficulty", "Moderate"]
    assert options("length") == [
        "Any length",
        "Up to 3 months (13 weeks)",
        "3 to 6 months (14–26 weeks)",
        "Over 6 months (27 weeks or more)",
    ]


def test_catalogue_search_shows_only_the_matches(client, make_pathway):
    wanted = make_pathway(title="Sourdough Baker", to_role="Artisan Baker")
    make_pathway(title="Lighthouse Keeper", to_role="Keeper")
    response = client.get(CATALOGUE, {"q": "artisan BAKER"})
    assert response.status_code == 200
    assert titles_listed(response) == [name_read(wanted)]
    assert read_page(response).find(id="results-heading").text == "1 pathway found"


def test_a_typo_still_finds_and_says_what_was_searched(client, make_pathway):
    wanted = make_pathway(title="Speech AI", to_role="Speech AI Engineer")
    make_pathway(title="Gardening", to_role="Gardener")
    response = client.get(CATALOGUE, {"q": "speach"})
    assert titles_listed(response) == [name_read(wanted)]
    assert "Showing results for “speech”: nothing matched “speach” as typed." in read_page(response).text


def test_no_match_suggests_the_closest_pathway(client, make_pathway):
    closest = make_pathway(
        title="Speech AI", from_role="Deep Learning Engineer", to_role="Speech AI Engineer"
    )
    make_pathway(title="Gardening", to_role="Gardener")
    response = client.get(CATALOGUE, {"q": "speech gardener"})  # no pathway has both
    results = read_page(response).find(id="results")
    assert titles_listed(response) == []
    assert "No pathways match “speech gardener”." in results.text
    suggestion = results.find("p", class_="did-you-mean")
    assert suggestion.text.startswith("Did you mean")
    link = suggestion.find("a")
    assert (link.text, link.attrs["href"]) == (name_read(closest), closest.get_absolute_url())


@pytest.mark.parametrize(
    "params",
    [
        {"length": "medium"},
        {"difficulty": "moderate"},  # filters take any case
        {"to_role": "speech ai engineer"},
        {"from_role": "SOFTWARE ENGINEER"},
        {"q": "engineer", "length": "medium"},
    ],
)
def test_catalogue_filters(client, make_pathway, params):
    wanted = make_pathway(
        from_role="Software Engineer", to_role="Speech AI Engineer", phases=[(20, 1)], difficulty="Moderate"
    )
    make_pathway(from_role="Data Analyst", to_role="NLP Engineer", phases=[(12, 1)], difficulty="Hard")
    response = client.get(CATALOGUE, params)
    assert response.status_code == 200
    assert titles_listed(response) == [name_read(wanted)]
    filters = read_page(response).find("form", role="search").find("details")
    on = len(set(params) - {"q"})
    if on:  # a filter that is on keeps the filters open, and says so
        assert "open" in filters.attrs and filters.find("summary").text == f"Filters ({on} on)"


def test_i_am_a_software_engineer(client, make_pathway):
    """The issue's story: "I am a Software Engineer" narrows the catalogue to where that leads."""
    mine = make_pathway(from_role="Software Engineer", to_role="Deep Learning Engineer")
    make_pathway(from_role="Deep Learning Engineer", to_role="NLP Engineer")
    assert titles_listed(client.get(CATALOGUE, {"from_role": "Software Engineer"})) == [name_read(mine)]


@pytest.mark.parametrize(
    ("params", "label"),
    [
        ({"length": "forever"}, "Length"),
        ({"to_role": "Astronaut"}, "Role you want"),
        ({"from_role": "Astronaut"}, "Your role now"),
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
    wanted = make_pathway(to_role="Speech AI Engineer", phases=[(20, 1)])
    make_pathway(to_role="NLP Engineer", phases=[(20, 1)])
    response = client.get(CATALOGUE, {"length": "forever", "q": "speech"})
    assert response.status_code == 400
    assert titles_listed(response) == [name_read(wanted)]
    assert "Showing pathways that match your other choices." in read_page(response).text


def test_empty_results_offer_to_clear_the_filters(client, pathway):
    response = client.get(CATALOGUE, {"q": "zzz", "length": "short"})
    results = read_page(response).find(id="results")
    assert titles_listed(response) == []
    assert "No pathways match “zzz” with these filters." in results.text
    clear = results.find("a", href=CATALOGUE)
    assert "clear the filters" in clear.text


# ---------- Clean addresses ----------


@pytest.mark.parametrize("headers", [{}, HTMX], ids=["plain", "htmx"])
def test_empty_fields_are_dropped_from_the_address(client, pathway, headers):
    # What a form without JavaScript sends: every field, the empty ones too.
    response = client.get(
        CATALOGUE + "?q=speech&from_role=&to_role=&length=&difficulty=&utm_source=mail", headers=headers
    )
    assert response.status_code == 302
    assert response["Location"] == CATALOGUE + "?q=speech&utm_source=mail"
    only_empty = client.get(CATALOGUE + "?q=+&length=", headers=headers)
    assert (only_empty.status_code, only_empty["Location"]) == (302, CATALOGUE)


def test_a_clean_address_is_served_as_it_is(client, pathway):
    response = client.get(CATALOGUE, {"q": "speech", "length": "short"})
    assert response.status_code == 200


def test_the_form_without_javascript_lands_on_the_clean_address(client, make_pathway):
    wanted = make_pathway(from_role="Software Engineer", to_role="Deep Learning Engineer")
    make_pathway(from_role="Data Analyst", to_role="NLP Engineer")
    form = read_page(client.get(CATALOGUE)).find("form", role="search")
    # Submitted as a browser does: every named field, with its value (empty for the defaults).
    data = {field.attrs["name"]: field.attrs.get("value", "") for field in form.find_all("input")}
    data |= {select.attrs["name"]: "" for select in form.find_all("select")}
    data["from_role"] = "Software Engineer"
    response = client.get(form.attrs["action"], data, follow=True)
    assert response.redirect_chain == [(CATALOGUE + "?from_role=Software+Engineer", 302)]
    assert titles_listed(response) == [name_read(wanted)]


# ---------- htmx ----------


def test_htmx_request_gets_only_the_results(client, make_pathway):
    wanted = make_pathway(title="Speech AI Engineer")
    make_pathway(title="NLP Engineer")
    response = client.get(CATALOGUE, {"q": "speech"}, headers=HTMX)
    assert response.status_code == 200
    page = read_page(response)
    (results,) = page.elements  # one element: the results, to swap in for the old ones
    assert (results.tag, results.attrs["id"]) == ("section", "results")
    assert not page.find("form") and not page.find("html")
    assert titles_listed(response) == [name_read(wanted)]
    # Caches keep the fragment and the whole page apart.
    assert "HX-Request" in response.headers["Vary"]


def test_htmx_invalid_request_is_a_400_results_fragment(client, pathway):
    response = client.get(CATALOGUE, {"length": "forever"}, headers=HTMX)
    assert response.status_code == 400
    page = read_page(response)
    assert [element.attrs.get("id") for element in page.elements] == ["results"]
    assert "Select a valid choice" in page.text


def test_htmx_history_restore_gets_the_whole_page(client, pathway):
    headers = {**HTMX, "HX-History-Restore-Request": "true"}
    page = read_page(client.get(CATALOGUE, headers=headers))
    assert page.find("html") and page.find("form", role="search")
    assert name_read(pathway) in page.find(id="results").text


# ---------- Pages of results ----------


def make_pathways(make_pathway, count, **fields):
    """`count` pathways titled so that the catalogue lists them in the order made."""
    return [make_pathway(title=f"Pathway {n:03d}", from_role="", to_role="", **fields) for n in range(count)]


def page_numbers(page):
    """The page links of the results, as read out, and the current one."""
    pages = page.find("nav", class_="pagination")
    links = [a for a in pages.find_all("a") if "pagination__step" not in (a.attrs.get("class") or "")]
    current = [a.text for a in links if a.attrs.get("aria-current") == "page"]
    return [a.text for a in links], current


def test_the_catalogue_lists_24_pathways_a_page_with_links_to_the_others(client, make_pathway):
    pathways = make_pathways(make_pathway, 30)
    first = read_page(client.get(CATALOGUE))
    assert_well_formed_page(first)
    assert first.find(id="results-heading").text == "30 pathways"
    assert [h.text for h in first.find(id="results").find_all("h3")] == [p.title for p in pathways[:24]]
    assert page_numbers(first) == (["Page 1", "Page 2"], ["Page 1"])
    pages = first.find("nav", class_="pagination")
    assert pages.attrs["aria-label"] == "Pages of pathways" and "Page 1 of 2" in pages.text
    assert not pages.find("a", rel="prev")
    following = pages.find("a", rel="next")
    assert following.text == "Next page" and following.attrs["href"] == CATALOGUE + "?page=2#results"

    second = read_page(client.get(following.attrs["href"].removesuffix("#results")))
    assert second.find(id="results-heading").text == "30 pathways"
    assert [h.text for h in second.find(id="results").find_all("h3")] == [p.title for p in pathways[24:]]
    assert page_numbers(second) == (["Page 1", "Page 2"], ["Page 2"])
    back = second.find("a", rel="prev")
    assert back.text == "Previous page" and back.attrs["href"] == CATALOGUE + "#results"


def test_a_short_catalogue_has_no_page_links(client, make_pathway):
    make_pathways(make_pathway, 24)
    assert not read_page(client.get(CATALOGUE)).find("nav", class_="pagination")


def test_page_links_keep_the_search_and_filters(client, make_pathway):
    make_pathways(make_pathway, 26, difficulty="Moderate")
    make_pathway(title="Pathway 999", difficulty="Hard")
    page = read_page(client.get(CATALOGUE, {"q": "pathway", "difficulty": "Moderate"}))
    assert page.find(id="results-heading").text == "26 pathways found"
    following = page.find("nav", class_="pagination").find("a", rel="next")
    assert following.attrs["href"] == CATALOGUE + "?q=pathway&difficulty=Moderate&page=2#results"
    second = client.get(following.attrs["href"].removesuffix("#results"))
    assert len(titles_listed(second)) == 2
    # A new search (as the form sends it, with no page) starts on the first page.
    assert len(titles_listed(client.get(CATALOGUE, {"q": "pathway"}, headers=HTMX))) == 24


def test_the_first_pages_address_has_no_number(client, make_pathway):
    make_pathways(make_pathway, 25)
    response = client.get(CATALOGUE + "?q=pathway&page=1")
    assert (response.status_code, response["Location"]) == (302, CATALOGUE + "?q=pathway")


@pytest.mark.parametrize("number", ["3", "99", "0", "-1", "two", "1e3"])
def test_a_page_number_out_of_range_shows_the_nearest_page(client, make_pathway, number):
    pathways = make_pathways(make_pathway, 25)
    response = client.get(CATALOGUE, {"page": number})
    assert response.status_code == 200
    shown = titles_listed(response)
    assert shown in ([p.title for p in pathways[:24]], [pathways[24].title])
