"""Parse a career-transition guide, as scraped from a web page, into plain dataclasses.

Guides come in two layouts. The plain one has one item per line, with list items marked
"- " and a phase's duration run into its first task ("3 weeks- Complete …"). The richer one
has blank lines, a facts block, numbered phases with "Tasks" and "Resources" sub-lists, "•"
bullets, a skill's priority and weeks run together ("Critical6 weeks") and resource titles run
together with no separator ("…documentationHugging Face…"). Both share the section headings
(Overview, Your Transferable Skills, …), and this parser works from that structure, not from
any one guide's wording. No Django here, so it is quick to test.
"""

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.text import slugify

from careers import horizons

PRIORITIES = ("critical", "important", "nice_to_have")
REALITY_KINDS = ("love", "miss", "challenge")


class GuideError(Exception):
    """The text is not a usable guide. The message names the source and what is wrong."""


@dataclass
class TransferableSkill:
    name: str
    description: str = ""


@dataclass
class SkillToLearn:
    name: str
    description: str = ""
    priority: str = ""  # one of PRIORITIES, or "" where the guide gives none
    weeks: int | None = None
    duration_label: str = ""


@dataclass
class Resource:
    title: str
    url: str = ""


@dataclass
class Phase:
    title: str
    duration_weeks: int | None = None  # None: ongoing
    duration_label: str = ""
    summary: str = ""
    tasks: list[str] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)


@dataclass
class FaqEntry:
    answer: str
    question: str = ""


@dataclass
class Guide:
    title: str
    from_role: str = ""
    to_role: str = ""
    duration_months: int | None = None
    difficulty: str = ""
    timeline: str = ""
    salary_change: str = ""
    demand: str = ""
    other_facts: list[list[str]] = field(default_factory=list)
    overview: list[str] = field(default_factory=list)
    transferable_skills: list[TransferableSkill] = field(default_factory=list)
    skills_to_learn: list[SkillToLearn] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    reality_check: dict[str, list[str]] = field(default_factory=lambda: {kind: [] for kind in REALITY_KINDS})
    action_plan: dict[str, list[str]] = field(default_factory=lambda: {key: [] for key in horizons.KEYS})
    faq: list[FaqEntry] = field(default_factory=list)

    @property
    def slug(self):
        if self.from_role and self.to_role:
            return slugify(f"{self.from_role} to {self.to_role}")[:200]
        return slugify(self.title)[:200]


# Section headings, matched against a whole line once apostrophes and case are folded.
SECTION_HEADINGS = {
    "overview": r"(an? )?overview",
    "transferable_skills": r"(your )?transferable skills",
    "skills_to_learn": (
        r"(the )?skills (you'll|you will) need( to (learn|develop|acquire))?"
        r"|skills to (learn|develop|acquire)"
    ),
    "roadmap": r"(your )?(learning )?roadmap|(your )?learning (path|plan)",
    "reality_check": r"(a |the )?reality check",
    "action_plan": r"start your journey( now| today)?|(your )?action plan",
    "faq": r"frequently asked questions|faqs?",
    # Page furniture: the call to action that closes each scraped page, and all after it.
    "end": r"ready to (start|begin|make) your (transition|journey|move)\??",
}
_SECTION_PATTERNS = {
    name: re.compile(rf"(?:{pattern})[:.!]?", re.I) for name, pattern in SECTION_HEADINGS.items()
}

# The longest value each short field of a pathway holds.
# The longest value each short field may have (the database columns' sizes).
FIELD_LIMITS = {
    "title": 300,
    "from role": 150,
    "to role": 150,
    "difficulty": 100,
    "timeline": 100,
    "phase duration": 100,
    "skill duration": 100,
    "resource link": 500,
}

FACT_LABELS = {
    "difficulty": "difficulty",
    "difficulty level": "difficulty",
    "timeline": "timeline",
    "typical timeline": "timeline",
    "salary change": "salary_change",
    "salary": "salary_change",
    "demand": "demand",
    "market demand": "demand",
}

_DURATION = (
    r"(?:about |around |~)?\d{1,3}(?:\s*(?:-|–|to)\s*\d{1,3})?\+?\s*(?:weeks?|wks?|months?|days?)"
    r"|ongoing|continuous|continuing|throughout"
)
_DURATION_LINE = re.compile(rf"(?P<duration>{_DURATION})", re.I)
_DURATION_THEN_BULLET = re.compile(rf"(?P<duration>{_DURATION})\s*[-–•*·]\s*(?P<task>\S.*)", re.I)
_BULLET = re.compile(r"(?:[-•*·–▪◦]\s*|\d{1,2}[.)]\s+)(?P<text>\S.*)")
_PHASE_NUMBER = re.compile(r"(?:(?:phase|step|stage|month|part)\s*)?\d{1,2}[:.]?", re.I)
_PHASE_NUMBER_WITH_TITLE = re.compile(
    r"(?:phase|step|stage|part)\s*\d{1,2}\s*[:.\-–]\s*(?P<title>\S.*)", re.I
)
_SUBLIST = re.compile(r"(?P<kind>(?:key )?tasks|milestones|resources|(?:recommended )?resources)\s*:?", re.I)
_PRIORITY_WORDS = {
    "critical": "critical",
    "essential": "critical",
    "high": "critical",
    "must have": "critical",
    "important": "important",
    "medium": "important",
    "recommended": "important",
    "nice to have": "nice_to_have",
    "nice-to-have": "nice_to_have",
    "optional": "nice_to_have",
    "low": "nice_to_have",
}
_SKILL_META = re.compile(
    r"(?P<priority>critical|essential|high|must have|important|medium|recommended"
    r"|nice[- ]to[- ]have|optional|low)?"
    rf"\s*(?:priority)?\s*[-–·|,]?\s*(?P<duration>{_DURATION})?",
    re.I,
)
_VIEWS_COUNTER = re.compile(r"(?:[A-Za-z]+ ){0,3}[A-Za-z]*\s*[\d,.]+\s*[kKmM]?\s*views?", re.I)
_TITLE_ROLES = re.compile(
    r"from\s+(?P<from_role>.+?)\s+to\s+(?P<to_role>.+?)(?:\s*(?::|\||–|—|\s-)\s*(?P<rest>.*))?", re.I
)
_MONTHS_IN_TITLE = re.compile(r"\b(\d{1,3})[- ]months?\b", re.I)
_URL = re.compile(r"https?://[^\s<>()\"']+")
_TERMINAL_PUNCTUATION = ".!?;,:"


def read(path):
    """Parse the guide in the file at `path`."""
    path = Path(path)
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise GuideError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise GuideError(f"{name}: is a folder, not a guide file") from None
    except OSError as error:
        raise GuideError(f"{name}: cannot be read ({error.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise GuideError(f"{name}: not a guide (not UTF-8 text)") from None
    return parse(text, source=name)


def parse(text, source="guide"):
    """Parse guide text. Raises GuideError naming `source` and what is missing."""
    lines = [_clean(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    header, sections = _split_sections([line for line in lines if line])

    if not any(
        name in sections for name in ("overview", "roadmap", "transferable_skills", "skills_to_learn")
    ):
        raise GuideError(f"{source}: not a guide (found none of its sections: Overview, Roadmap, Skills)")

    guide = Guide(title="")
    _parse_header(header, guide)
    guide.overview = sections.get("overview", [])
    guide.transferable_skills = [
        TransferableSkill(name, description)
        for name, _, description in _titled_items(sections.get("transferable_skills", []))
    ]
    guide.skills_to_learn = [
        _skill_to_learn(*item) for item in _titled_items(sections.get("skills_to_learn", []), _is_skill_meta)
    ]
    guide.phases = _phases(sections.get("roadmap", []))
    guide.reality_check = _grouped_bullets(sections.get("reality_check", []), _reality_kind, REALITY_KINDS)
    guide.action_plan = _grouped_bullets(sections.get("action_plan", []), _horizon, horizons.KEYS)
    guide.faq = _faq(sections.get("faq", []))
    guide.duration_months = _duration_months(guide)

    missing = [
        what
        for what, present in (("title", guide.title), ("overview", guide.overview), ("roadmap", guide.phases))
        if not present
    ]
    if missing:
        raise GuideError(f"{source}: missing {', '.join(missing)}")
    for what, value in (
        ("title", guide.title),
        ("from role", guide.from_role),
        ("to role", guide.to_role),
        ("difficulty", guide.difficulty),
        ("timeline", guide.timeline),
        *(("phase duration", phase.duration_label) for phase in guide.phases),
        *(("skill duration", skill.duration_label) for skill in guide.skills_to_learn),
        *(("resource link", resource.url) for phase in guide.phases for resource in phase.resources),
    ):
        if len(value) > FIELD_LIMITS[what]:
            raise GuideError(f"{source}: {what} is longer than {FIELD_LIMITS[what]} characters")
    if not guide.slug:
        raise GuideError(
            f"{source}: the title {guide.title!r} has no letters or digits to make an address from"
        )
    return guide


def _clean(line):
    return re.sub(r"[ \t\u00a0\u200b]+", " ", line).strip()


def _fold(line):
    return line.replace("\u2019", "'").replace("\u2018", "'").strip()


def _split_sections(lines):
    header, sections, current = [], {}, None
    for line in lines:
        name = next((n for n, pattern in _SECTION_PATTERNS.items() if pattern.fullmatch(_fold(line))), None)
        if name == "end":
            break
        if name and name not in sections:
            current = sections[name] = []
        elif current is None:
            header.append(line)
        else:
            current.append(line)
    return header, sections


def _parse_header(lines, guide):
    lines = [line for line in lines if not _VIEWS_COUNTER.fullmatch(line)]
    title_at = next((i for i, line in enumerate(lines) if _TITLE_ROLES.fullmatch(line)), None)
    if title_at is None:
        # Without "From … to …", the title is the line above the facts block, or the first line.
        first_fact = next((i for i, line in enumerate(lines) if _fact_key(line)), None)
        title_at = first_fact - 1 if first_fact else 0
    if not lines or _fact_key(lines[title_at]):
        return
    guide.title = lines[title_at]
    roles = _TITLE_ROLES.fullmatch(guide.title)
    if roles:
        guide.from_role, guide.to_role = roles["from_role"].strip(), roles["to_role"].strip()
    elif title_at >= 2:
        # The richer layout repeats both roles as breadcrumbs above the title.
        guide.from_role, guide.to_role = lines[title_at - 2], lines[title_at - 1]
    _parse_facts(lines[title_at + 1 :], guide)


def _fact_key(line):
    return FACT_LABELS.get(line.rstrip(":").strip().lower())


def _parse_facts(lines, guide):
    i = 0
    while i < len(lines):
        line = lines[i]
        label, colon, value = line.partition(":")
        if colon and value.strip() and len(label.split()) <= 4:
            _set_fact(guide, label.strip(), value.strip())
            i += 1
        elif i + 1 < len(lines):
            _set_fact(guide, line.rstrip(":").strip(), lines[i + 1])
            i += 2
        else:
            guide.other_facts.append(["", line])
            i += 1


def _set_fact(guide, label, value):
    key = _fact_key(label)
    if key and not getattr(guide, key):
        setattr(guide, key, value)
    else:
        guide.other_facts.append([label, value])


def _is_title_like(line):
    return len(line) <= 100 and line[-1] not in _TERMINAL_PUNCTUATION and not _BULLET.fullmatch(line)


def _is_skill_meta(line):
    match = _SKILL_META.fullmatch(line)
    return bool(match and (match["priority"] or match["duration"]))


def _titled_items(lines, is_meta=lambda line: False):
    """Group lines into (name, meta lines, description) items.

    A name is a short line without closing punctuation; its description is the lines after it.
    Sentences before the first name are the section's introduction, not an item.
    """
    items = []
    for line in lines:
        if is_meta(line) and items and not items[-1][2]:
            items[-1][1].append(line)
        elif _is_title_like(line) and (not items or items[-1][2]):
            items.append([line, [], []])
        elif items:
            items[-1][2].append(line)
    return [(name, meta, "\n\n".join(description)) for name, meta, description in items]


def _skill_to_learn(name, meta_lines, description):
    skill = SkillToLearn(name=name, description=description)
    for line in meta_lines:
        match = _SKILL_META.fullmatch(line)
        if match["priority"]:
            skill.priority = _PRIORITY_WORDS[match["priority"].lower().replace("-", " ")]
        if match["duration"]:
            skill.duration_label = match["duration"]
            skill.weeks = _weeks(match["duration"])
    return skill


def _weeks(duration):
    """Whole weeks in a duration such as "6 weeks", "2-3 months" or "10 days"; None if ongoing."""
    numbers = [int(n) for n in re.findall(r"\d+", duration)]
    if not numbers:
        return None
    longest = max(numbers)
    unit = duration.lower()
    if "month" in unit:
        return max(1, round(longest * 52 / 12))
    if "day" in unit:
        return max(1, math.ceil(longest / 7))
    return max(1, longest)


def _phases(lines):
    numbered = any(_PHASE_NUMBER.fullmatch(line) for line in lines)
    phases, current, sublist, title_pending = [], None, "tasks", False

    def start(title):
        nonlocal current, sublist
        current = Phase(title=title)
        phases.append(current)
        sublist = "tasks"

    for line in lines:
        glued = _DURATION_THEN_BULLET.fullmatch(line)
        bullet = _BULLET.fullmatch(line)
        if numbered and _PHASE_NUMBER.fullmatch(line):
            title_pending = True
        elif (titled := _PHASE_NUMBER_WITH_TITLE.fullmatch(line)) is not None:
            start(titled["title"])
            title_pending = False
        elif title_pending:
            start(line)
            title_pending = False
        elif current is None:
            # Sentences before the first phase introduce the roadmap; a title starts it.
            if not numbered and _is_title_like(line):
                start(line)
        elif _DURATION_LINE.fullmatch(line) and not current.duration_label:
            _set_duration(current, line)
        elif glued and not current.duration_label:
            _set_duration(current, glued["duration"])
            current.tasks.append(glued["task"])
        elif _SUBLIST.fullmatch(line):
            sublist = "resources" if "resource" in line.lower() else "tasks"
        elif bullet:
            if sublist == "resources":
                current.resources.append(_resource(bullet["text"]))
            else:
                current.tasks.append(bullet["text"])
        elif sublist == "resources":
            current.resources.extend(_resource(title) for title in split_run_together(line))
        elif numbered or not (current.tasks or current.duration_label):
            current.summary = f"{current.summary}\n\n{line}".strip()
        else:
            start(line)
    return phases


def _set_duration(phase, label):
    phase.duration_label = label
    phase.duration_weeks = _weeks(label)


def _resource(text):
    url = _URL.search(text)
    if not url:
        return Resource(title=text)
    title = (text[: url.start()] + text[url.end() :]).strip(" -–:()[]<>")
    return Resource(title=title or url.group(), url=url.group().rstrip(".,;"))


def split_run_together(line):
    """Split a line of list items that lost their separators when scraped.

    "Coursera: 'Digital Signal Processing'Librosa documentationHugging Face Transformers"
    becomes three items. An item ends where a lowercase word runs straight into a capitalised
    word, or where a closing quote or bracket runs into the next word. Brand names written in
    camel case (GitHub, LeetCode, NeMo) start with a capital, so they stay whole; the few that
    start in lowercase (spaCy, macOS) are listed in CAMEL_CASE_NAMES.
    """
    parts = [part.strip() for part in re.split(r"\s*(?:;|\||•|·)\s*", line) if part.strip()]
    items = []
    for part in parts:
        start = 0
        for cut in _run_together_cuts(part):
            items.append(part[start:cut].strip())
            start = cut
        items.append(part[start:].strip())
    return [item for item in items if item]


# Names that start in lowercase and go on in uppercase, which must not be split.
CAMEL_CASE_NAMES = frozenset(
    name.lower()
    for name in (
        "spaCy fastText macOS iOS iPadOS watchOS tvOS iPhone iPad eBay jQuery gRPC mRNA pH "
        "wandB npmJS pgAdmin phpMyAdmin vLLM tinyML gitHub youTube"
    ).split()
)


def _is_quote_mark(text, i):
    """Whether the quote at text[i] is a quotation mark rather than an apostrophe."""
    if text[i] not in "'\u2019":
        return text[i] in '"\u201c\u201d'
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if not (before.isalpha() and after.isalpha()):
        return True
    # "NVIDIA's", "don't"; "O'Reilly" (a lone capital before it) but not "…in AI'Next item".
    lone_capital = before.isupper() and (i < 2 or not text[i - 2].isupper())
    return not (after.islower() or lone_capital)


def _run_together_cuts(text):
    quote_marks = 0
    for i, char in enumerate(text):
        following = text[i + 1] if i + 1 < len(text) else ""
        if _is_quote_mark(text, i):
            quote_marks += 1
            opening = quote_marks % 2 == 1
            if opening and i > 0 and text[i - 1].isalnum():
                yield i
            elif not opening and (following.isupper() or following.isdigit()):
                yield i + 1
        elif char in ")]" and following.isalnum():
            yield i + 1
        elif char.islower() and following.isupper():
            left = re.search(r"[A-Za-z]+$", text[: i + 1]).group()
            right = re.match(r"[A-Za-z'\u2019]+", text[i + 1 :]).group()
            letters = sum(c.isalpha() for c in right)
            if (
                left.islower()
                and len(left) >= 3
                and letters >= 3
                and (left + right).lower() not in CAMEL_CASE_NAMES
            ):
                yield i + 1


def _grouped_bullets(lines, group_of, groups):
    """Items under sub-headings ("This Week", "What You'll Love"). Lines before the first
    sub-heading introduce the section and are not items."""
    grouped = {group: [] for group in groups}
    current = None
    for line in lines:
        bullet = _BULLET.fullmatch(line)
        group = None if bullet else group_of(_fold(line).lower())
        if group:
            current = group
        elif current:
            grouped[current].append(bullet["text"] if bullet else line)
    return grouped


def _reality_kind(heading):
    if not _is_title_like(heading):
        return None
    if re.search(r"\b(love|enjoy|like|gain)", heading):
        return "love"
    if re.search(r"\bmiss", heading):
        return "miss"
    if re.search(r"\b(challeng|hard|difficult|struggl)", heading):
        return "challenge"
    return None


def _horizon(heading):
    if not _is_title_like(heading):
        return None
    if re.search(r"\b(this week|today|first week|next 7 days|week 1)\b", heading):
        return horizons.THIS_WEEK.key
    if re.search(r"\b(this month|first month|next 30 days|month 1)\b", heading):
        return horizons.THIS_MONTH.key
    if re.search(r"\b(90 days|3 months|three months|quarter)\b", heading):
        return horizons.NEXT_90_DAYS.key
    return None


def _faq(lines):
    entries = []
    for line in lines:
        bullet = _BULLET.fullmatch(line)
        text = bullet["text"] if bullet else line
        if text.endswith("?") and len(text) <= 200:
            entries.append(FaqEntry(answer="", question=text))
        elif entries and entries[-1].question and not entries[-1].answer:
            entries[-1].answer = text
        elif entries and entries[-1].question:
            entries[-1].answer = f"{entries[-1].answer}\n\n{text}"
        else:
            entries.append(FaqEntry(answer=text))
    return [entry for entry in entries if entry.answer]


def _duration_months(guide):
    for source in (guide.title, guide.timeline):
        found = _MONTHS_IN_TITLE.search(source) or re.search(r"\b(\d{1,3})\s*months?", source, re.I)
        if found:
            return int(found.group(1))
    timed_weeks = sum(phase.duration_weeks or 0 for phase in guide.phases)
    return math.ceil(timed_weeks * 12 / 52) if timed_weeks else None
