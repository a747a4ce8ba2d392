"""The catalogue in a real browser: CSS and htmx load under the CSP, live search with clean
addresses, the pathway page, phone-width layout (the menu, folded filters) and keyboard access.
Fixtures (browser, page, phone_page, ...) are in conftest.py.
"""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from careers import selectors
from careers.models import Pathway
from tests.browser.conftest import PHONE
from tests.browser.test_accessibility import blocking_violations
from tests.factories import make_pathway
from tests.pages import name_read

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


def names_found(query):
    """The pathways a search finds, best first, named as their cards read them out."""
    return [name_read(pathway) for pathway in selectors.catalogue(query=query)]


def expect_cards(results, names):
    """The result cards are named `names`, in order (by their links' accessible names: the arrow of
    a short title is read as "to")."""
    links = results.locator(".pathway-card .card__title a")
    expect(links).to_have_count(len(names))
    for index, name in enumerate(names):
        expect(links.nth(index)).to_have_accessible_name(name)


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
    expected = names_found(SEARCH)
    assert 0 < len(expected) < total, f"pick a search that matches some pathways, not {expected}"
    page.evaluate("() => { window.__notReloaded = true; }")
    search = page.get_by_role("searchbox", name="Search")
    with page.expect_response(lambda r: f"q={SEARCH}" in r.url and r.request.headers.get("hx-request")):
        search.press_sequentially(SEARCH, delay=30)
    found = "pathway found" if len(expected) == 1 else "pathways found"
    expect(results.get_by_role("heading", level=2)).to_have_text(f"{len(expected)} {found}")
    expect_cards(results, expected)
    # hx-push-url: the address bar follows the search, so it can be shared or bookmarked; the
    # filters left at "any" stay out of it.
    expect(page).to_have_url(re.compile(rf"/pathways/\?q={SEARCH}$"))
    assert page.evaluate("() => window.__notReloaded") is True, "the search reloaded the whole page"
    expect(search).to_be_focused()  # the form is not swapped, so typing can go on

    search.fill(NO_MATCH)
    expect(results.get_by_role("heading", level=2)).to_have_text("0 pathways found")
    expect(results.locator(".empty-state")).to_contain_text(f"No pathways match “{NO_MATCH}”")
    expect(cards).to_have_count(0)

    search.fill(SEARCH)
    expect_cards(results, expected)
    assert page.evaluate("() => window.__notReloaded") is True

    # Open the first result: its page shows the pathway with its key sections.
    pathway = selectors.catalogue(query=SEARCH)[0]
    cards.first.get_by_role("link", name=expected[0]).click()
    expect(page).to_have_url(re.compile(re.escape(pathway.get_absolute_url()) + "$"))
    assert_assets_loaded(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(pathway.short_title)
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
    expect_cards(results, expected)
    expect(search).to_have_value(SEARCH)

    browser_problems.assert_none()


def test_search_works_without_javascript(new_page, browser_problems):
    """Without JavaScript (or before htmx loads) the search form is an ordinary GET form."""
    page = new_page("no-js", java_script_enabled=False)
    page.goto("/pathways/")
    expected = names_found(SEARCH)
    search = page.get_by_role("searchbox", name="Search")
    search.fill(SEARCH)
    with page.expect_navigation():
        search.press("Enter")
    # The form sent its empty filters too; the server answered with the clean address.
    assert urlsplit(page.url).query == f"q={SEARCH}"
    expect(page.get_by_role("heading", level=1)).to_have_text("Pathways")
    expect(page.get_by_role("searchbox", name="Search")).to_have_value(SEARCH)
    expect_cards(page.locator("#results"), expected)
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
    expected = names_found(SEARCH)
    search = phone_page.get_by_role("searchbox", name="Search")
    search.tap()
    search.fill(SEARCH)
    expect_cards(phone_page.locator("#results"), expected)
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


SPEECH_SLUG = "deep-learning-engineer-to-speech-ai-engineer"
PHONE_375 = {**PHONE, "viewport": {"width": 375, "height": 667}}  # the narrowest phones in use


def test_live_search_reads_every_part_of_a_guide_and_keeps_clean_addresses(page, browser_problems):
    page.goto("/pathways/")
    page.wait_for_function("() => window.htmx")
    search = page.get_by_role("searchbox", name="Search")
    results = page.locator("#results")
    speech = name_read(Pathway.objects.get(slug=SPEECH_SLUG))
    # A tool named in a challenge of the reality check, one in a skill's description.
    for query in ("Kaldi", "jiwer"):
        search.fill(query)
        expect_cards(results, [speech])
        expect(page).to_have_url(re.compile(rf"/pathways/\?q={query}$"))
    search.fill("speach")
    expect(results).to_contain_text("Showing results for “speech”")
    expect(results.locator(".card__title a").first).to_have_accessible_name(speech)

    # A filter joins the address; those left at "any" stay out of it.
    page.get_by_label("Your role now").select_option("Software Engineer")
    expect(page).to_have_url(re.compile(r"/pathways/\?q=speach&from_role=Software(%20|\+)Engineer$"))
    expect(results).to_contain_text("No pathways match “speach” with these filters.")
    # "Did you mean" links to the closest pathway.
    results.get_by_role("link", name=speech).click()
    expect(page).to_have_url(re.compile(rf"/pathways/{SPEECH_SLUG}/$"))
    browser_problems.assert_none()


def test_phone_menu_and_folded_filters_at_375px(new_page, browser_problems):
    page = new_page("phone-375", **PHONE_375)
    page.goto("/pathways/")
    nav = page.get_by_role("navigation", name="Main")
    menu = nav.locator("summary", has_text="Menu")
    first_link = nav.get_by_role("link", name="Pathways")
    # The header holds the site's name and a Menu button, on one line.
    expect(menu).to_be_visible()
    expect(first_link).to_be_hidden()
    assert page.locator(".site-header").bounding_box()["height"] < 80
    menu.tap()
    for name in ("Pathways", "Log in", "Sign up"):
        expect(nav.get_by_role("link", name=name)).to_be_in_viewport()
    menu.tap()
    expect(first_link).to_be_hidden()
    # By keyboard: the button opens with Enter, and Tab goes on into the links.
    menu.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(first_link).to_be_focused()

    # The filters are folded behind a button; the search box is at hand.
    role = page.get_by_label("Your role now")
    toggle = page.locator("summary", has_text="Filters")
    expect(page.get_by_role("searchbox", name="Search")).to_be_in_viewport()
    expect(role).to_be_hidden()
    toggle.tap()
    expect(role).to_be_visible()
    role.select_option("Software Engineer")
    mine = Pathway.objects.get(slug="software-engineer-to-deep-learning-engineer")
    expect_cards(page.locator("#results"), [name_read(mine)])
    expect(page).to_have_url(re.compile(r"/pathways/\?from_role=Software(%20|\+)Engineer$"))
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    # Opened from an address with a filter on, the filters are unfolded and say how many are on.
    page.reload()
    expect(toggle).to_have_text("Filters (1 on)")
    expect(role).to_be_visible()
    browser_problems.assert_none()


def test_a_wide_screen_shows_the_menu_and_the_filters_unfolded(page, browser_problems):
    page.goto("/pathways/")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.locator("summary")).to_be_hidden()
    for name in ("Pathways", "Log in", "Sign up"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    expect(page.locator("summary", has_text="Filters")).to_be_hidden()
    page.get_by_role("searchbox", name="Search").focus()
    page.keyboard.press("Tab")  # from the search box straight to the first filter
    expect(page.get_by_label("Your role now")).to_be_focused()
    browser_problems.assert_none()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_pages_of_results_by_keyboard_and_back_to_a_search(new_page, browser_problems, device):
    for n in range(27):  # 30 with the seed pathways: two pages
        make_pathway(title=f"Zz pathway {n:02d}", from_role="", to_role="", phases=[(2, 1)])
    page = new_page(device, **(PHONE if device == "phone" else {}))
    page.goto("/pathways/")
    results = page.locator("#results")
    expect(results.get_by_role("heading", level=2)).to_have_text("30 pathways")
    expect(results.locator(".pathway-card")).to_have_count(24)
    pages = page.get_by_role("navigation", name="Pages of pathways")
    expect(pages.get_by_role("link", name="Page 1")).to_have_attribute("aria-current", "page")
    assert blocking_violations(page) == []

    following = pages.get_by_role("link", name="Next page")
    following.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/pathways/\?page=2#results$"))
    expect(results.locator(".pathway-card")).to_have_count(6)
    expect(results.get_by_role("heading", level=2)).to_be_in_viewport()
    expect(pages.get_by_role("link", name="Page 2")).to_have_attribute("aria-current", "page")
    expect(pages.get_by_role("link", name="Previous page")).to_be_visible()
    assert_assets_loaded(page)
    assert blocking_violations(page) == []

    # A search from the second page starts on the first page of what it finds.
    search = page.get_by_role("searchbox", name="Search")
    with page.expect_response(lambda r: "q=zz" in r.url and r.request.headers.get("hx-request")):
        search.fill("zz")
    expect(results.get_by_role("heading", level=2)).to_have_text("27 pathways found")
    expect(results.locator(".pathway-card")).to_have_count(24)
    expect(page).to_have_url(re.compile(r"/pathways/\?q=zz$"))
    browser_problems.assert_none()
