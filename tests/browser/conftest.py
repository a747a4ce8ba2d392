"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's `live_server`.

Every test here carries the `browser` marker: `pytest -m "not browser"` skips them all.
The browser starts once for this directory (`browser`) and stops after its last test; each test gets
fresh browser contexts (`page` at 1280x800, `phone_page` at 390x844 with touch), so cookies and
storage never leak between tests.
Every page is watched for console errors, uncaught exceptions, Content-Security-Policy violations,
failed requests and HTTP error responses: a test fails if any happen (`browser_problems`).

We never download Playwright's own browsers (`playwright install`): the suite uses Debian's
`chromium` package, which `make test` installs when it is missing.
"""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

HERE = Path(__file__).resolve().parent
# Playwright's sync API keeps an asyncio loop running in the main thread while it is started, and
# Django then refuses ORM calls from that thread (SynchronousOnlyOperation): in fixtures, in tests,
# and in pytest-django's own database setup and flush. This is Django's documented switch for exactly
# that case. `browser` sets it while Playwright runs, and only then: other tests keep Django's check.
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # we may run as root, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Without these Chromium keeps trying to reach Google's services (updates, sync, field trials).
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"viewport": {"width": 1280, "height": 800}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
}
# For actions and expect() alike. Fail fast: a local server answers in milliseconds, Playwright's
# 30 s default only slows failures.
TIMEOUT_MS = 10_000
PATHWAYS_FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "pathways.json"

# Reports violations of the page's Content-Security-Policy to Python. Init scripts are injected by
# the browser itself, so the CSP under test does not block this one.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline code"}`
    + ` at ${event.sourceFile || event.documentURI}:${event.lineNumber}`
  );
});
"""


class BrowserProblems:
    """What went wrong in the test's pages: console errors, exceptions, CSP violations, bad requests."""

    def __init__(self):
        self.problems = []
        self._reported = 0

    def watch(self, page, name):
        def add(kind, text):
            self.problems.append(f"[{name}] {kind}: {text} (page: {page.url})")

        page.on("console", lambda message: message.type == "error" and add("console error", message.text))
        page.on("pageerror", lambda error: add("uncaught exception", error))

        def request_failed(request):
            # ERR_ABORTED is a request cancelled by the page itself (typically an htmx request still in
            # flight when a link is followed), not a failure. Blocked (CSP) and refused requests count.
            if request.failure != "net::ERR_ABORTED":
                add("request failed", f"{request.method} {request.url}: {request.failure}")

        page.on("requestfailed", request_failed)
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and add("HTTP error", f"{response.status} for {response.request.method} {response.url}")
            ),
        )
        page.context.expose_function("__reportCspViolation", lambda text: add("CSP violation", text))
        page.context.add_init_script(CSP_LISTENER)

    def assert_none(self):
        """Fail if anything went wrong since the last check (call at the end of a test, or mid-way)."""
        new = self.problems[self._reported :]
        self._reported = len(self.problems)
        assert not new, "The browser reported problems:\n" + "\n".join(new)


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items):
    """Mark every test under tests/browser/ `browser` (the hook sees the whole session's items)."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def browser():
    """Debian's Chromium, driven by Playwright, from the first test here to the last.

    Package scope (tests/browser/ is a package): Playwright stops, and Django's async check comes back,
    before the tests of other directories run, whatever the order.
    """
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)  # expect() has its own default, 5 s: short on a busy machine

    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run make test, which installs Debian's chromium "
            "(as root; otherwise `sudo apt-get install chromium`). Elsewhere, point CHROMIUM= at a "
            "Chromium binary. Do not run `playwright install`: the suite uses no downloaded browsers.",
            pytrace=False,
        )
    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    playwright = sync_playwright().start()
    try:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        except Exception as error:
            pytest.fail(f"Could not start {CHROMIUM}: {error}", pytrace=False)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def pathways(transactional_db):
    """The seed pathways (fixtures/pathways.json), committed so the live server's thread sees them.

    The live server requires a transactional database: pytest-django flushes it after each test.
    """
    call_command("loaddata", str(PATHWAYS_FIXTURE), verbosity=0)


@pytest.fixture
def site(live_server, pathways):
    """Base URL of the live server, with the seed pathways loaded."""
    return live_server.url


@pytest.fixture
def browser_problems():
    """Collects problems from every page of the test; the test fails if any were not yet checked."""
    problems = BrowserProblems()
    yield problems
    problems.assert_none()


@pytest.fixture
def new_page(browser, site, browser_problems):
    """Factory: new_page(name, **context_options) opens a watched page in a fresh browser context.

    Relative URLs (page.goto("/pathways/")) go to the live server. Contexts close after the test.
    """
    contexts = []

    def new_page(name, **options):
        # Reduced motion: app.css then turns off smooth scrolling, so in-page links land at once.
        context = browser.new_context(base_url=site, **{**DESKTOP, "reduced_motion": "reduce", **options})
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        browser_problems.watch(page, name)
        return page

    yield new_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A desktop page (1280x800) in a fresh context."""
    return new_page("desktop")


@pytest.fixture
def phone_page(new_page):
    """A phone-sized touch page (390x844, like an iPhone 14) in a fresh context."""
    return new_page("phone", **PHONE)
