"""Pages as a person meets them: signing up and logging in through the real forms, and reading a
page's HTML as a tree (which boxes can be ticked and how they are labelled, what a meter says)
instead of searching the markup."""

import itertools
import re
from html.parser import HTMLParser

from django.urls import reverse

from tests.factories import PASSWORD

# --- Accounts through their pages -------------------------------------------------------------


def sign_up(client, email="ada@example.com", *, password=PASSWORD, time_zone="Europe/Berlin"):
    """Sign up with the real form, as a browser does (static/app.js fills in the time zone;
    time_zone=None leaves the field out, as without JavaScript)."""
    data = {"email": email, "password1": password, "password2": password}
    if time_zone is not None:
        data["time_zone"] = time_zone
    return client.post(reverse("account_signup"), data)


def log_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def is_logged_in(client):
    return "_auth_user_id" in client.session


def link_in(message, path_prefix):
    """The first absolute link to `path_prefix`... in an email's text."""
    match = re.search(rf"https?://[^\s/]+{re.escape(path_prefix)}\S+", message.body)
    assert match, f"no {path_prefix} link in:\n{message.body}"
    return match.group(0)


def path_of(url):
    """The path (and query) of an absolute URL, to follow it with the test client."""
    return re.sub(r"^https?://[^/]+", "", url)


# --- Reading pages: what a person sees ---------------------------------------------------------
# A small tree of the HTML (the standard library's parser), so view tests can ask "which boxes can
# be ticked, and what are they labelled?" or "what does the overall progress say?" instead of
# searching the markup.

_VOID_TAGS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}
_UNREAD_TAGS = {"script", "style", "template", "head"}


class Element:
    """An HTML element: `tag`, `attrs` (a dict; boolean attributes map to None), `children`."""

    def __init__(self, tag, attrs=()):
        self.tag, self.attrs, self.children = tag, dict(attrs), []

    def __repr__(self):
        return f"<{self.tag} {self.attrs}>"

    @property
    def text(self):
        """The text as read out, whitespace collapsed (every tag counts as a word break; what is
        aria-hidden is left out, what is only visually hidden is kept)."""
        return " ".join(" ".join(self._strings()).split())

    def _strings(self):
        for child in self.children:
            if isinstance(child, str):
                yield child
            elif child.tag not in _UNREAD_TAGS and child.attrs.get("aria-hidden") != "true":
                yield from child._strings()

    @property
    def elements(self):
        """The element children, in order."""
        return [child for child in self.children if isinstance(child, Element)]

    def iter(self):
        for child in self.elements:
            yield child
            yield from child.iter()

    def find_all(self, tag=None, **attrs):
        """Descendants with this tag and these attributes (`for_="x"` is for="x", `hx_post` is
        hx-post; `class_` matches one class among several; a value of True only asks for the
        attribute)."""
        wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
        return [element for element in self.iter() if element._matches(tag, wanted)]

    def find(self, tag=None, **attrs):
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def _matches(self, tag, wanted):
        if tag is not None and self.tag != tag:
            return False
        for name, value in wanted.items():
            if name not in self.attrs:
                return False
            if name == "class" and value is not True:
                if value not in (self.attrs[name] or "").split():
                    return False
            elif value is not True and self.attrs[name] != value:
                return False
        return True


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs)
        self.stack[-1].children.append(element)
        if tag not in _VOID_TAGS:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, attrs))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def read_page(response_or_html):
    """The page (a response's body, or HTML text) as a tree of Elements."""
    html = response_or_html if isinstance(response_or_html, str) else response_or_html.content.decode()
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def words(text):
    """`text` with its whitespace collapsed, to compare with Element.text."""
    return " ".join(text.split())


def name_read(pathway):
    """A pathway's short title as its pages read it out: "Software Engineer to Deep Learning
    Engineer" (the arrow is hidden from screen readers, which are given "to")."""
    return words(pathway.short_title.replace("\u2192", "to"))


def checkboxes(page):
    """Every checkbox on `page` by the text of its <label for=...>: {label text: the <input>}.
    A checkbox without a label fails the test: a person could not tell what it ticks."""
    labels = {label.attrs.get("for"): label.text for label in page.find_all("label")}
    boxes = {}
    for box in page.find_all("input", type="checkbox"):
        assert box.attrs.get("id") in labels, f"checkbox without a label: {box}"
        boxes[labels[box.attrs["id"]]] = box
    return boxes


def is_checked(box):
    return "checked" in box.attrs


def meters(page):
    """Every progress meter on `page` by its label: {label text: what the meter says}."""
    labels = {label.attrs.get("for"): label for label in page.find_all("label")}
    found = {}
    for parent in page.iter():
        for bar in parent.elements:
            if bar.tag == "progress" and bar.attrs.get("id") in labels:
                found[labels[bar.attrs["id"]].text] = " ".join(
                    child.text for child in parent.elements if child.tag not in {"label", "progress"}
                )
    return found


def assert_well_formed_page(page):
    """One h1, no skipped heading level, unique ids, in-page links that land, and no inline style
    or script (the Content-Security-Policy would block them)."""
    page = read_page(page) if not isinstance(page, Element) else page
    levels = [
        int(e.tag[1]) for e in page.iter() if len(e.tag) == 2 and e.tag[0] == "h" and e.tag[1] in "123456"
    ]
    assert levels.count(1) == 1, levels
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1, f"heading jumps from h{before} to h{after}: {levels}"
    ids = [e.attrs["id"] for e in page.iter() if e.attrs.get("id")]
    assert len(ids) == len(set(ids)), "duplicate ids"
    anchors = {
        e.attrs["href"][1:] for e in page.find_all("a", href=True) if (e.attrs["href"] or "").startswith("#")
    }
    assert anchors <= set(ids), f"in-page link to a missing id: {anchors - set(ids)}"
    assert not page.find_all(style=True) and not page.find_all("style"), "inline style breaks the CSP"
    assert all("src" in e.attrs for e in page.find_all("script")), "inline script breaks the CSP"


# --- The admin -------------------------------------------------------------------------------


def phase_form_data(admin_client, phase, texts=None):
    """The admin page of `phase` and its form as it would be posted, its tasks' texts replaced by
    `texts` ({task pk: text}). Returns (url, data)."""
    url = reverse("admin:careers_phase_change", args=[phase.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update({"pathway": phase.pathway_id, "title": phase.title, "summary": phase.summary})
    tasks = list(phase.tasks.order_by("order"))
    data.update(
        {
            "tasks-TOTAL_FORMS": len(tasks),
            "tasks-INITIAL_FORMS": len(tasks),
            "resources-TOTAL_FORMS": 0,
            "resources-INITIAL_FORMS": 0,
        }
    )
    for index, task in enumerate(tasks):
        data.update(
            {
                f"tasks-{index}-id": task.pk,
                f"tasks-{index}-phase": phase.pk,
                f"tasks-{index}-order": task.order,
                f"tasks-{index}-text": (texts or {}).get(task.pk, task.text),
            }
        )
    return url, data
