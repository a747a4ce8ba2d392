"""What the catalogue and the pathway page show every reader alike, rendered once and kept, and
their conditional GET (an ETag, and 304 when the browser already has the page).

Kept in two layers: Django's "pages" cache, each process's memory, in front of "pages_shared",
Redis when there is one (production), where every web process finds what any of them rendered.
An entry never changes under its key (below), so a copy in memory is never stale.

- `pathway_sections(page)`: the parts of the pathway page that are the same for every reader
  (templates/careers/pathway_detail.html names them), once per content version
  (careers.content_version). A learner's own roadmap, action plan and progress are laid over them.
- `anonymous_page(...)`: a whole page for a reader who is not signed in (and has no message
  waiting): what every such reader gets at that address, with no form token in it (a signed-out
  page holds none). Signed-in pages carry the reader's CSRF token and are never kept across readers.
- `conditional(...)`: a signed-in reader's page, answered 304 while everything it shows is the
  same (`pathway_page_state()` lists what that is for the pathway page).

Keys hold the content version and RELEASE, a digest of the templates, static files and code that
render the pages: an edit shows on the next request, and a deploy never serves the HTML of the one
before. Entries expire after a day, so those of old versions leave a shared cache.
"""

import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag

from careers import selectors

TIMEOUT = 24 * 3600
# The partials of templates/careers/pathway_detail.html rendered for every reader alike.
PATHWAY_SECTIONS = (
    "description",
    "heading",
    "facts",
    "overview",
    "transferable_skills",
    "skills_to_learn",
    "roadmap",
    "reality_check",
    "action_plan",
    "faq",
)


def _release():
    """A digest of what renders the pages: templates, static files and the code of the apps."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.blake2b(digest_size=8)
    for folder, patterns in (
        ("templates", ("*.html", "*.txt")),
        ("static", ("*.css", "*.js")),
        ("careers", ("*.py",)),
        ("accounts", ("*.py",)),
        ("config", ("*.py",)),
    ):
        for path in sorted(p for pattern in patterns for p in (root / folder).rglob(pattern)):
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


RELEASE = _release()


def _kept(key):
    """The entry under `key`: from this process's memory, else from the shared cache (then kept in
    memory too); None when neither has it."""
    value = caches["pages"].get(key)
    if value is None and "pages_shared" in settings.CACHES:
        value = caches["pages_shared"].get(key)
        if value is not None:
            caches["pages"].set(key, value, TIMEOUT)
    return value


def _keep(key, value):
    caches["pages"].set(key, value, TIMEOUT)
    if "pages_shared" in settings.CACHES:
        caches["pages_shared"].set(key, value, TIMEOUT)


def _digest(*parts):
    return hashlib.blake2b(repr((RELEASE, *parts)).encode(), digest_size=16).hexdigest()


def pathway_sections(page):
    """The sections of the pathway page `page` (a selectors.PathwayPage, for any reader) that are the
    same for every reader, as HTML by partial name: rendered as a visitor reads them, once per
    content version."""
    pathway = page.pathway
    key = f"pathway-sections:{_digest(pathway.pk, pathway.updated_at)}"
    sections = _kept(key)
    if sections is None:
        context = {"page": selectors.as_guide(page), "pathway": pathway, "progress": None, "following": False}
        sections = {
            name: render_to_string(f"careers/pathway_detail.html#{name}", context)
            for name in PATHWAY_SECTIONS
        }
        _keep(key, sections)
    return sections


def cached_parts(key, render, keep=True):
    """Parts of a page that are the same for every reader, as `render()` makes them: a dict of
    HTML by name, with the answer's "status". Kept under `key` (which must hold the content
    version of what they show) when the status is 200, unless not to `keep`."""
    cache_key = f"parts:{_digest(key)}"
    parts = _kept(cache_key) if keep else None
    if parts is None:
        parts = render()
        if keep and parts["status"] == 200:
            _keep(cache_key, parts)
    return parts


def _message_waiting(request):
    return bool(len(messages.get_messages(request)))


def anonymous_page(request, version, render, keep=True):
    """A signed-out reader's page: what every signed-out reader gets at its address, for `version`
    (a tuple saying which content it shows), rendered by `render()` (an HttpResponse) when not
    kept. Only 200 answers are kept, and only addresses to `keep` (a few per pathway: not every
    search ever typed, which would push out the other pages). A
    request with a message waiting (shown once) is rendered."""
    if _message_waiting(request):
        return render()
    etag = quote_etag(_digest("anonymous", version, request.get_full_path()))
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        not_modified["ETag"] = etag
        return not_modified
    key = f"page:{etag}"
    html = _kept(key) if keep else None
    if html is not None:
        response = HttpResponse(html)
    else:
        response = render()
        if response.status_code != 200:
            return response
        if keep:
            _keep(key, response.content.decode())
    response["ETag"] = etag
    return response


def conditional(request, state, render):
    """A signed-in reader's page: 304 when the browser's copy (its ETag) was made from the same
    `state` (a tuple of everything the page shows, besides what the request says), else `render()`
    with that ETag. Private to the reader; a request with a message waiting is always rendered."""
    if _message_waiting(request):
        return render()
    etag = quote_etag(
        _digest(
            "signed-in",
            state,
            request.user.pk,
            request.get_full_path(),
            # The page's forms carry tokens made from this cookie's secret.
            request.COOKIES.get(settings.CSRF_COOKIE_NAME),
        )
    )
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = render()
        if response.status_code != 200:
            return response
    response["ETag"] = etag
    patch_cache_control(response, private=True)
    return response


def pathway_page_state(page, profile, today):
    """Everything a signed-in reader's pathway page `page` shows besides the request: the content
    version, the reader's `profile` (their zone, pace), their enrolment and its ticks, and their
    day `today`."""
    progress = page.progress
    return (
        "pathway",
        page.pathway.pk,
        page.pathway.updated_at,
        _fields(profile),
        selectors.enrolment_state(progress.enrolment) if progress else None,
        today,
    )


def _fields(instance):
    return tuple(getattr(instance, field.attname) for field in instance._meta.concrete_fields)
