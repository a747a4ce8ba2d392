"""The weekly digest: one "This week" email per learner, covering every pathway they follow.

`digest_for(user_id=..., now=...)` reads what the email says (a constant number of queries, however
many enrolments) and `build_message(digest=...)` renders it; careers.reminders decides who gets one
and when, claims it and sends it.

What goes in:
- **Pathways.** Every active enrolment whose reminders are on (not muted in the preferences) and
  whose plan has started. Paused, left and completed enrolments are left out, and so is one whose
  start date is still ahead (nothing to do yet). No pathway left: no digest (None).
- **This week.** Per pathway, `WeekPlan.this_week` (due, late, habits), as the dashboard shows it;
  the subject and the summary count exactly the items listed, so a quiet pathway's short section
  (below) counts only what it lists.
- **Tone** follows the learner, per pathway, from the weeks gone by without a tick (a task or step
  done or skipped, or a habit ticked) in that pathway, counted from the last tick or, if none, from
  the plan's start (which moves on with time spent paused):
  - fewer than 2 weeks: NORMAL, the full section;
  - 2 to 3 weeks: NUDGE, a short section that asks for one small step (the first item only);
  - 4 weeks or more: PAUSE_OFFER, no list at all, but a one-click pause of that pathway.
  The digest's own `tone` is the mildest of its sections: the learner's, from the last tick in any
  of the digest's pathways (a learner busy on one pathway is not "quiet", even if another is).
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache, cached_property

import css_inline
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from careers import inbox, reminders, selectors
from careers.paths import url_path
from careers.schedule import HABIT, STEP, TASK, PlanItem, local_date

NORMAL, NUDGE, PAUSE_OFFER = "normal", "nudge", "pause_offer"
TONES = (NORMAL, NUDGE, PAUSE_OFFER)  # mildest first
NUDGE_AFTER_WEEKS = 2
PAUSE_OFFER_AFTER_WEEKS = 4


def tone_after(quiet_weeks):
    if quiet_weeks >= PAUSE_OFFER_AFTER_WEEKS:
        return PAUSE_OFFER
    if quiet_weeks >= NUDGE_AFTER_WEEKS:
        return NUDGE
    return NORMAL


@dataclass(frozen=True)
class Line:
    """An item listed in the email, with the link that acts on it (the signed inbox page for a
    task or a step, the dashboard otherwise). What the templates print of the item is copied out
    once (`Line.of`): the engine looks a name up again at every use, through each dot."""

    item: PlanItem
    url: str
    acts: bool  # the link is the inbox page that ticks it (else the dashboard, to tick it there)
    text: str
    kind: str  # TASK, STEP or HABIT
    week: int | None  # the week it is planned for
    is_late: bool
    horizon: str  # a step's ("This week", ...), else ""
    note: str  # what follows the text in the text part: "late: planned for week 2", "weekly habit", ...

    @classmethod
    def of(cls, item, url, *, acts):
        horizon = item.horizon.label if item.kind == STEP else ""
        notes = []
        if item.is_late:
            notes.append(f"late: planned for week {item.week}")
        if item.kind == STEP:
            notes.append(f"action plan: {horizon.lower()}")
        elif item.kind == HABIT:
            notes.append("weekly habit")
        return cls(item, url, acts, item.text, item.kind, item.week, item.is_late, horizon, ", ".join(notes))


@dataclass(frozen=True)
class PathwayDigest:
    """One pathway's section of the digest."""

    progress: selectors.EnrolmentProgress
    tone: str
    quiet_weeks: int  # full weeks without a tick in this pathway
    listed: tuple[Line, ...]  # what the section lists under "This week" (all of it when NORMAL)
    get_ahead: Line | None  # NORMAL only
    pathway_url: str
    dashboard_url: str
    pause_url: str

    @property
    def enrolment(self):
        return self.progress.enrolment

    @property
    def pathway(self):
        return self.progress.enrolment.pathway

    @property
    def plan(self):
        return self.progress.plan

    @property
    def goal(self):
        return self.pathway.to_role.strip() or self.pathway.title

    @property
    def items(self):
        return [line.item for line in self.listed]

    @property
    def to_do(self):
        return len(self.listed)

    @property
    def late(self):
        return sum(line.item.is_late for line in self.listed)

    @property
    def left_out(self):
        """Items of this week the short (NUDGE) section does not list."""
        return len(self.plan.this_week) - len(self.listed) if self.tone == NUDGE else 0

    # Both parts print the status and the finish (testing the finish first): worked out once.
    @cached_property
    def status(self):
        """How the pathway stands: "On track", "Behind by 2 tasks", "Ahead by 1 task", ..."""
        plan = self.plan
        if plan.is_completed:
            return "Every task is done or skipped: finished"
        if plan.in_head_start:
            return "A head start: week 1's work, early"
        if plan.behind_by:
            return f"Behind by {_count(plan.behind_by, 'task')}"
        if plan.ahead_by:
            return f"Ahead by {_count(plan.ahead_by, 'task')}"
        return "On track"

    @cached_property
    def finish(self):
        """The projected finish, or the planned one and why none can be projected: sentences."""
        plan = self.plan
        if plan.is_completed:
            return ""
        if plan.projected_finish:
            return f"Projected finish: {_day(plan.projected_finish)}."
        planned = f"Planned finish: {_day(plan.planned_finish)}." if plan.planned_finish else ""
        return " ".join(part for part in (planned, plan.projection_note) if part)


@dataclass(frozen=True)
class Digest:
    """A learner's weekly email, ready to render."""

    user: object  # the learner (a User, with .profile)
    to: str
    subject: str
    summary: str  # "This week: 5 tasks across 3 pathways, 2 late"
    pathways: tuple[PathwayDigest, ...]  # in enrolment order
    to_do: int  # items listed under "This week", across the pathways
    late: int  # of which planned for an earlier week
    tone: str  # the mildest of the pathways' tones
    now: datetime
    dashboard_url: str
    preferences_url: str
    unsubscribe_url: str

    @property
    def profile(self):
        return self.user.profile


# --- Reading --------------------------------------------------------------------------------------


def digest_for(*, user_id, now):
    """The weekly digest of learner `user_id` at `now`, or None when no pathway is left to cover.

    One query for the enrolments (with the learner and their profile) and one for all their ticks:
    constant, however many enrolments. The pathways' content is read once per content version
    and worker process (selectors.pathway_content), so a weekly send reads it once per pathway, not
    per learner. The links are signed without queries."""
    enrolments = selectors.reminded_enrolments(user_id=user_id)
    if not enrolments:
        return None
    user = enrolments[0].user
    profile = user.profile
    dashboard_url = reminders.absolute(url_path("careers:dashboard"))
    sections = []
    for enrolment in enrolments:
        enrolment.user = user  # one learner: share the instance (and its profile)
        progress = selectors.progress_of(enrolment, profile, now)
        if not progress.plan.has_started:
            continue
        sections.append(_section(progress, now, dashboard_url))
    if not sections:
        return None
    to_do = sum(section.to_do for section in sections)
    late = sum(section.late for section in sections)
    summary = _summary(sections, to_do, late)
    return Digest(
        user=user,
        to=user.email,
        subject=summary,
        summary=summary,
        pathways=tuple(sections),
        to_do=to_do,
        late=late,
        tone=min((section.tone for section in sections), key=TONES.index),
        now=now,
        dashboard_url=dashboard_url,
        preferences_url=reminders.absolute(url_path("accounts:preferences")),
        unsubscribe_url=reminders.unsubscribe_url(user),
    )


def quiet_weeks(progress, now):
    """Full weeks, at `now`, since the learner last ticked anything in this enrolment (read with
    its rows), or since the plan's start when they never did."""
    enrolment = progress.enrolment
    last = enrolment.learner_rows.last_at
    time_zone = enrolment.user.profile.time_zone
    since = progress.plan.start_date
    if last is not None:
        since = max(since, local_date(last, time_zone))
    return max(0, (local_date(now, time_zone) - since).days // 7)


def _section(progress, now, digest_dashboard_url):
    enrolment = progress.enrolment
    quiet = quiet_weeks(progress, now)
    tone = tone_after(quiet)
    tasks = {task.id: task for phase in enrolment.pathway.phases.all() for task in phase.tasks.all()}
    dashboard_url = f"{digest_dashboard_url}#enrolment-{enrolment.id}"

    def line(item):
        action_url = _action_url(enrolment, item, tasks)
        return Line.of(item, action_url or dashboard_url, acts=bool(action_url))

    this_week = progress.plan.this_week
    if tone == NORMAL:
        listed = this_week
    elif tone == NUDGE:
        listed = this_week[:1]
    else:
        listed = []
    get_ahead = progress.plan.get_ahead if tone == NORMAL else None
    return PathwayDigest(
        progress=progress,
        tone=tone,
        quiet_weeks=quiet,
        listed=tuple(line(item) for item in listed),
        get_ahead=line(get_ahead) if get_ahead else None,
        pathway_url=reminders.absolute(enrolment.pathway.get_absolute_url()),
        dashboard_url=dashboard_url,
        pause_url=inbox.pause_url(enrolment=enrolment) if tone == PAUSE_OFFER else "",
    )


def _action_url(enrolment, item, tasks):
    """The signed inbox link that acts on `item`, or "" when the inbox has none for its kind (an
    action-plan step is ticked on the dashboard)."""
    if item.kind in (TASK, HABIT):  # the inbox page ticks a habit for the current week
        return inbox.task_action_url(enrolment=enrolment, task=tasks[item.id])
    return ""


def _summary(sections, to_do, late):
    """The subject and the first line: it counts exactly what the sections list under "This week"."""
    items = [item for section in sections for item in section.items]
    noun = "task" if all(item.kind == TASK for item in items) else "item"
    if len(sections) == 1:
        prefix = f"This week on your path to {sections[0].goal}: "
    else:
        prefix = "This week: "
    across = f" across {len(sections)} pathways" if len(sections) > 1 else ""
    if not to_do:
        return f"{prefix}all caught up{across}"
    late_note = f", {late} late" if late else ""
    return f"{prefix}{_count(to_do, noun)}{across}{late_note}"


def _count(number, noun):
    return f"{number} {noun}{'s' if number != 1 else ''}"


def _day(day):
    return f"{day:%A} {day.day} {day:%B %Y}"


# --- Rendering ------------------------------------------------------------------------------------


def build_message(*, digest):
    """The digest as an email: text and HTML (its CSS inlined from templates/emails/digest.css),
    with one-click unsubscribe (RFC 8058)."""
    context = {"digest": digest, "profile": digest.profile}
    html = render_to_string("emails/digest.html", context)
    message = EmailMultiAlternatives(
        subject=digest.subject,
        body=render_to_string("emails/digest.txt", context),
        to=[digest.to],
        headers={
            "List-Unsubscribe": f"<{digest.unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(_inliner().inline(html), "text/html")
    return message


@cache
def _inliner():
    """The digest's CSS inliner, its stylesheet read once per process."""
    return css_inline.CSSInliner(
        extra_css=render_to_string("emails/digest.css"), load_remote_stylesheets=False
    )
