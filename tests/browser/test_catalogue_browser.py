"""The catalogue in a real browser: CSS and htmx load under the CSP, live search, the pathway page,
phone-width layout and keyboard access. Fixtures (browser, page, phone_page, ...) are in conftest.py.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from careers import selectors
from careers.models import Pathway

SEARCH = "speech"
NO_MATCH = "xylophone-zeppelin"
PAGES = ["/", "/pathways/", f"/pathways/?q={SEARCH}", f"/pathways/?q={NO_MATCH}"]

pytestmark = pytest.mark.django_db(transaction=True)


def pathway_urls():
    return [pathway.get_absolute_url() for pathway in Pathway.objects.order_by("slug")]


def query_of(page):
    """The current URL's path and non-empty query parameters, e.g. ("/pathways/", {"q": ["speech"]})."""
    url = urlsplit(page.url)
    return url.path, parse_qs(url.query)


def assert_assets_loaded(page):
    """app.css applied and htmx running: a 404 or a CSP block on either would show here."""
    sheets = page.evaluate(
        "() => [...document.styleSheets].map((sheet) => [sheet.href, sheet.cssRules.length])"
    )
    assert any(href.endswith("/app.css") and rules > 0 for href, rules in sheets), sheets
    # The stylesheet's rules apply: the skip link is moved off-screen until it gets focus.
    skip_link_bottom = page.locator(".skip-link").evaluate("(link) => link.getBoundingClientRect().bottom")
    assert skip_link_bottom <= 0
    page.wait_for_function("() => window.htmx && typeof window.htmx.version === 'string'")


def test_home_to_catalogue_live_search_to_pathway(page, browser_problems):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Change careers one week at a time")
    assert_assets_loaded(page)
    expect(page.get_by_role("region", name="Featured pathways").locator(".pathway-card")).not_to_have_count(0)

    page.get_by_role("link", name="Browse pathways").click()
    expect(page).to_have_url(re.compile(r"/pathways/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Pathways")
    assert_assets_loaded(page)
    results = page.locator("#results")
    cards = results.locator(".pathway-card")
    total = Pathway.objects.count()
    expect(results.get_by_role("heading", level=2)).to_have_text(f"{total} pathways")
    expect(cards).to_have_count(total)

    # Typing searches live: htmx swaps in the results without reloading the page.
    expected = [pathway.title for pathway in selectors.catalogue(query=SEARCH)]
    assert 0 < len(expected) < total, f"pick a search that matches some pathways, not {expected}"
    page.evaluate("() => { window.__notReloaded = true; }")
    search = page.get_by_role("searchbox", name="Search")
    with page.expect_response(lambda r: f"q={SEARCH}" in r.url and r.request.headers.get("hx-request")):
        search.press_sequentially(SEARCH, delay=30)
    found = "pathway found" if len(expected) == 1 else "pathways found"
    expect(results.get_by_role("heading", level=2)).to_have_text(f"{len(expected)} {found}")
    expect(cards.locator(".card__title")).to_have_text(expected)
    # hx-push-url: the address bar follows the search, so it can be shared or bookmarked.
    expect(page).to_have_url(re.compile(rf"/pathways/\?(.*&)?q={SEARCH}(&|$)"))
    assert page.evaluate("() => window.__notReloaded") is True, "the search reloaded the whole page"
    expect(search).to_be_focused()  # the form is not swapped, so typing can go on

    search.fill(NO_MATCH)
    expect(results.get_by_role("heading", level=2)).to_have_text("0 pathways found")
    expect(results.locator(".empty-state")).to_contain_text(f"No pathways match “{NO_MATCH}”")
    expect(cards).to_have_count(0)

    search.fill(SEARCH)
    expect(cards.locator(".card__title")).to_have_text(expected)
    assert page.evaluate("() => window.__notReloaded") is True

    # Open the first result: its page shows the pathway with its key sections.
    pathway = Pathway.objects.get(title=expected[0])
    cards.first.get_by_role("link", name=pathway.title).click()
    expect(page).to_have_url(re.compile(re.escape(pathway.get_absolute_url()) + "$"))
    assert_assets_loaded(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(pathway.title)
    expect(page.get_by_role("navigation", name="Breadcrumb")).to_be_visible()
    toc = page.get_by_role("navigation", name="On this page")
    expect(toc).to_be_visible()
    expect(toc.get_by_role("link")).not_to_have_count(0)
    for section in ["Overview", "Skills to learn", "Learning roadmap", "Action plan"]:
        expect(toc.get_by_role("link", name=section)).to_be_visible()
        heading = page.get_by_role("heading", level=2, name=section, exact=True)
        expect(heading).to_be_visible()
    expect(page.locator("#roadmap .phase")).to_have_count(pathway.phases.count())

    # Every entry of the table of contents scrolls its section into view.
    for link in toc.get_by_role("link").all():
        target = link.get_attribute("href")
        link.click()
        expect(page.locator(f"{target} h2").first).to_be_in_viewport()

    # Back to the search results: the results and the search box come back as they were.
    for _step in range(len(toc.get_by_role("link").all()) + 2):  # the ToC clicks added history entries
        page.go_back()
        if query_of(page) == ("/pathways/", {"q": [SEARCH]}):
            break
    assert query_of(page) == ("/pathways/", {"q": [SEARCH]})
    expect(cards.locator(".card__title")).to_have_text(expected)
    expect(search).to_have_value(SEARCH)

    browser_problems.assert_none()


def test_search_works_without_javascript(new_page, browser_problems):
    """Without JavaScript (or before htmx loads) the search form is an ordinary GET form."""
    page = new_page("no-js", java_script_enabled=False)
    page.goto("/pathways/")
    expected = [pathway.title for pathway in selectors.catalogue(query=SEARCH)]
    search = page.get_by_role("searchbox", name="Search")
    search.fill(SEARCH)
    with page.expect_navigation():
        search.press("Enter")
    assert query_of(page)[1]["q"] == [SEARCH]
    expect(page.get_by_role("heading", level=1)).to_have_text("Pathways")
    expect(page.get_by_role("searchbox", name="Search")).to_have_value(SEARCH)
    expect(page.locator("#results .card__title")).to_have_text(expected)
    browser_problems.assert_none()


def test_leaving_the_search_box_does_not_search_again(page, browser_problems):
    page.goto("/pathways/")
    page.wait_for_function("() => window.htmx")
    search = page.get_by_role("searchbox", name="Search")
    with page.expect_response(lambda r: f"q={SEARCH}" in r.url):
        search.press_sequentially(SEARCH, delay=30)
    expect(page.locator("#results .card__title")).not_to_have_count(0)
    page.wait_for_timeout(500)  # the live search has settled
    history_length = page.evaluate("() => history.length")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.keyboard.press("Tab")  # leave the search box without changing it
    page.wait_for_timeout(800)  # longer than the live search's 300 ms delay
    browser_problems.assert_none()
    assert requests == [], "leaving the search box sent the search again"
    assert page.evaluate("() => history.length") == history_length


def test_phone_width_has_no_horizontal_scroll(phone_page, browser_problems):
    overflowing = {}
    for url in PAGES + pathway_urls():
        phone_page.goto(url)
        expect(phone_page.get_by_role("heading", level=1)).to_be_visible()
        scroll_width, inner_width = phone_page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        assert inner_width == 390, "the page needs <meta name=viewport content='width=device-width'>"
        if scroll_width > inner_width:
            # Name the widest culprits, so a failure says what to fix.
            overflowing[url] = phone_page.evaluate(
                """() => [...document.querySelectorAll("body *")]
                    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
                    .slice(0, 5)
                    .map((el) => `<${el.tagName.toLowerCase()} class="${el.className}">`
                                 + ` right=${Math.round(el.getBoundingClientRect().right)}`)"""
            )
            overflowing[url].insert(0, f"scrollWidth {scroll_width} > innerWidth {inner_width}")
    assert not overflowing, f"pages scroll sideways at 390px: {overflowing}"
    browser_problems.assert_none()


def test_phone_catalogue_live_search(phone_page, browser_problems):
    phone_page.goto("/pathways/")
    expected = [pathway.title for pathway in selectors.catalogue(query=SEARCH)]
    search = phone_page.get_by_role("searchbox", name="Search")
    search.tap()
    search.fill(SEARCH)
    expect(phone_page.locator("#results .card__title")).to_have_text(expected)
    assert phone_page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    browser_problems.assert_none()


def test_tab_reaches_the_skip_link_first(page, browser_problems):
    for url in ["/", "/pathways/", *pathway_urls()[:1]]:
        page.goto(url)
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        expect(focused).to_have_text("Skip to main content")
        expect(focused).to_have_attribute("href", "#main")
        expect(focused).to_be_in_viewport()  # shown when focused, off-screen otherwise
        page.keyboard.press("Enter")
        expect(page.locator("main#main")).to_be_focused()
        # The next Tab continues inside the main content, not back in the header.
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.querySelector('main').contains(document.activeElement)"), url
    browser_problems.assert_none()


def test_the_watchdog_catches_csp_violations_and_missing_files(page, browser_problems):
    """The checks above rely on browser_problems: make sure it sees what it is meant to see."""
    page.goto("/")
    with page.expect_response("**/static/missing.css"):
        page.evaluate(
            """() => {
              const script = document.createElement("script");
              script.textContent = "window.inlineRan = true";
              document.head.append(script);
              const link = document.createElement("link");
              link.rel = "stylesheet";
              link.href = "/static/missing.css";
              document.head.append(link);
            }"""
        )
    for _attempt in range(50):  # the console messages may arrive just after the response
        if len(browser_problems.problems) >= 4:
            break
        page.wait_for_timeout(50)
    with pytest.raises(AssertionError) as caught:
        browser_problems.assert_none()
    report = str(caught.value)
    assert page.evaluate("() => window.inlineRan") is None, "the CSP let an inline script run"
    assert "CSP violation: script-src-elem blocked inline" in report
    assert "HTTP error: 404 for GET" in report and "/static/missing.css" in report
    assert "console error" in report
