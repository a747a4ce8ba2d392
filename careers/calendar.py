"""The learner's plan as an iCalendar feed, read from the same week plan as the dashboard and email.

A calendar app subscribes to the learner's secret address (Profile.calendar_token, no session) and
fetches it every few hours. What the feed holds, per enrolment:

- **Active:** an event per plan week at the learner's reminder slot (their weekday and hour, in
  their time zone, 30 minutes), named for the week ("Week 3 · NLP Engineer: 2 tasks", counting what
  is still open) and listing the week's tasks and action-plan steps: done ones marked ✓, skipped
  ones marked "skipped", open ones with a bullet. An all-day milestone at the start and at the end
  of each phase, the planned finish, and (when the guide has an ongoing phase) one weekly
  recurring event for its habits, from the week after the timed phases.
- **Paused:** the same plan, laid out as if resumed today (a pause pushes the plan back by the
  whole weeks spent paused, as resuming does), with "(paused)" in each name, so the weeks move on
  while the learner is away instead of piling up behind them.
- **Completed:** only an all-day "Finished" event on the day the last task was resolved; the weekly
  events go.
- **Left:** nothing: its events disappear from the calendar on the next fetch.

Every event has a stable UID (`enrolment-<id>-week-<n>@<host>`, `...-phase-<id>-start@...`), so a
calendar app updates the events it has instead of adding copies.

Serving is cheap: `feed_version()` reads what the feed depends on in two small queries (the
enrolments' state, and the id, item, time and kind of each tick and skip) and hashes it. The hash is
the response's ETag (an unchanged plan answers 304) and the cache key of the built feed, so a plan
is built once per change, whichever of the learner's calendar apps asks.
"""

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db.models import CharField, Value
from icalendar import Calendar, Event

from accounts.models import Profile
from careers import schedule
from careers.models import ActionItemCompletion, Enrolment, TaskCompletion
from careers.selectors import completions_of, learner_enrolments, snapshot_of

# Bump when what the feed says or how changes: every cached feed (and ETag) is then replaced.
FEED_FORMAT = 1
EVENT_LENGTH = timedelta(minutes=30)
# How often calendar apps are asked to fetch the feed again (REFRESH-INTERVAL, X-PUBLISHED-TTL).
REFRESH_INTERVAL = timedelta(hours=6)
# A built feed is kept until the plan changes (a new version is a new key), at most this long.
CACHE_SECONDS = 7 * 24 * 3600


def feed_owner(token):
    """The profile whose calendar address holds `token`, or None (unknown, tampered or reset)."""
    if not token:
        return None
    return Profile.objects.filter(calendar_token=token).first()


def _shown(profile):
    """The learner's enrolments the feed shows (all but those they left)."""
    return Enrolment.objects.filter(user_id=profile.user_id).exclude(status=Enrolment.Status.LEFT)


def feed_version(profile, now):
    """A short hash of everything the learner's feed depends on at `now`, in two queries: the
    learner's slot and zone, each shown enrolment's state and pace and its pathway's content version
    (careers.content_version: any edit, an import or the admin's), every tick and skip, and for a
    paused enrolment how far it has been pushed back. It changes when the feed would."""
    enrolments = list(
        _shown(profile)
        .order_by("pk")
        .values_list(
            "pk",
            "status",
            "start_date",
            "paused_at",
            "paused_days",
            "completed_at",
            "hours_per_week",
            "pathway__updated_at",
        )
    )
    tasks = TaskCompletion.objects.filter(enrolment__in=_shown(profile)).annotate(
        kind=Value("task", output_field=CharField())
    )
    steps = ActionItemCompletion.objects.filter(enrolment__in=_shown(profile)).annotate(
        kind=Value("step", output_field=CharField())
    )
    fields = ("kind", "pk", "enrolment_id", "skip_reason", "done_at")
    resolutions = sorted(
        tasks.values_list(*fields, "task_id").union(steps.values_list(*fields, "action_item_id"), all=True)
    )
    pushed_back = [_plan_start(*row[1:5], now) for row in enrolments if row[1] == Enrolment.Status.PAUSED]
    state = (
        FEED_FORMAT,
        settings.SITE_URL,
        (profile.pk, profile.time_zone, profile.reminder_weekday, profile.reminder_hour),
        enrolments,
        resolutions,
        pushed_back,
    )
    return hashlib.sha256(repr(state).encode()).hexdigest()[:32]


def feed_body(profile, version, now):
    """The learner's feed as bytes: from the cache when this `version` of it was built before."""
    key = f"careers.calendar:{profile.pk}:{version}"
    body = cache.get(key)
    if body is None:
        enrolments = learner_enrolments(user_id=profile.user_id)  # those left are skipped
        body = build_calendar(profile, enrolments, now).to_ical()
        cache.set(key, body, CACHE_SECONDS)
    return body


def _plan_start(status, start_date, paused_at, paused_days, now):
    """The plan's start date as resuming at `now` would leave it (careers.services._end_pause)."""
    if status == Enrolment.Status.PAUSED and paused_at:
        paused_days += max(0, (now - paused_at).days)
    return Enrolment(start_date=start_date, paused_days=paused_days).plan_start_date


# --- Building the calendar (no queries: enrolments come with their content read) -----------------


def build_calendar(profile, enrolments, now):
    """The feed of `profile`'s learner: an icalendar Calendar of `enrolments` (those left are
    skipped), read with their content and ticks (careers.selectors.learner_enrolments)."""
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    calendar = Calendar.new(
        name="Career Pathways: your plan",
        description="Your weekly plan from Career Pathways. It updates as you tick tasks off.",
        prodid="-//Career Pathways//Week plan//EN",
        uid=f"learner-{profile.pk}-plan@{host}",
        refresh_interval=REFRESH_INTERVAL,
    )
    calendar.add("x-published-ttl", "PT6H")  # REFRESH-INTERVAL for Outlook
    calendar.add("x-wr-timezone", profile.time_zone)
    for enrolment in enrolments:
        for event in _events(enrolment, profile, now, host):
            event.stamp = now.astimezone(UTC)
            calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar


def _events(enrolment, profile, now, host):
    if enrolment.is_left:
        return
    pathway = enrolment.pathway
    name = pathway.to_role or pathway.title
    uid = f"enrolment-{enrolment.pk}-{{}}@{host}"
    url = f"{settings.SITE_URL}{pathway.get_absolute_url()}"
    if enrolment.is_completed:
        day = schedule.local_date(enrolment.completed_at, profile.time_zone)
        yield _all_day(
            uid.format("finished"), day, f"★ Finished · {name}", "You finished the plan. Well done!", url
        )
        return
    snapshot = snapshot_of(enrolment, profile)
    paused = ""
    if enrolment.is_paused:  # laid out as if resumed now, so the weeks move on while paused
        start = _plan_start(
            enrolment.status, enrolment.start_date, enrolment.paused_at, enrolment.paused_days, now
        )
        snapshot = replace(snapshot, start_date=start, paused_at=None)
        paused = " (paused)"
    plan = schedule.week_plan(snapshot, completions_of(enrolment, profile), now)
    pause_note = (
        "\n\nPaused: the plan moves on a week for each week you stay paused. Resume it on the site."
        if paused
        else ""
    )

    last_week = max([plan.total_weeks or 0, *(step.week for step in plan.steps)])
    for week in range(1, last_week + 1):
        tasks = [task for task in plan.tasks if task.week == week]
        steps = [step for step in plan.steps if step.week == week]
        starts = _slot(plan.week_one_starts + timedelta(weeks=week - 1), profile)
        of_total = f" of {plan.total_weeks}" if plan.total_weeks and week <= plan.total_weeks else ""
        phase = next((p for p in plan.phases if p.weeks.last and week in p.weeks), None)
        lines = [f"Week {week}{of_total}" + (f" · {phase.phase.title}" if phase else "")]
        if tasks:
            lines += ["", "Tasks:", *(_line(task) for task in tasks)]
        if steps:
            lines += ["", "Action plan:", *(_line(step) for step in steps)]
        if not tasks and not steps:
            lines += ["", "Nothing new planned this week: catch up, or get ahead."]
        lines += ["", f"Tick them off: {url}"]
        yield Event.new(
            uid=uid.format(f"week-{week}"),
            summary=f"Week {week} · {name}: {_to_do(tasks, steps)}{paused}",
            start=starts,
            end=starts + EVENT_LENGTH,
            description="\n".join(lines) + pause_note,
            url=url,
        )

    for number, phase in enumerate(plan.phases, start=1):
        if phase.weeks.is_empty:  # its tasks were all done before the plan began: no dates
            continue
        title = phase.phase.title
        yield _all_day(
            uid.format(f"phase-{phase.phase.id}-start"),
            phase.first_day,
            f"Phase {number} starts · {name}{paused}",
            f"{title}\n{phase.weeks.label}{pause_note}",
            url,
        )
        if phase.last_day:
            yield _all_day(
                uid.format(f"phase-{phase.phase.id}-end"),
                phase.last_day,
                f"Phase {number} ends · {name}{paused}",
                f"{title}\n{phase.weeks.label}: {phase.resolved} of {_count(phase.total, 'task')} resolved"
                + pause_note,
                url,
            )
    if plan.planned_finish:
        yield _all_day(
            uid.format("finish"),
            plan.planned_finish,
            f"Planned finish · {name}{paused}",
            f"The last day of week {plan.total_weeks}, keeping to the plan.{pause_note}",
            url,
        )
    if plan.habits:
        starts = _slot(plan.week_one_starts + timedelta(weeks=plan.total_weeks or 0), profile)
        event = Event.new(
            uid=uid.format("habits"),
            summary=f"Weekly habits · {name}{paused}",
            start=starts,
            end=starts + EVENT_LENGTH,
            description="\n".join(["Every week:", *(f"• {habit.text}" for habit in plan.habits), "", url]),
            url=url,
        )
        event.add("rrule", {"freq": "weekly"})
        yield event


def _slot(day, profile):
    """The learner's reminder hour on `day`, in their time zone (UTC written as UTC)."""
    zone = UTC if profile.time_zone == "UTC" else ZoneInfo(profile.time_zone)
    return datetime.combine(day, time(profile.reminder_hour), tzinfo=zone)


def _all_day(uid, day, summary, description, url):
    return Event.new(
        uid=uid,
        summary=summary,
        start=day,
        end=day + timedelta(days=1),
        description=description,
        url=url,
        transparency="TRANSPARENT",  # a milestone, not busy time
    )


def _line(item):
    if item.done:
        return f"✓ {item.text}"
    if item.skipped:
        return f"– {item.text} (skipped)"
    return f"• {item.text}"


def _to_do(tasks, steps):
    """What is left of the week, for its name: "2 tasks", "1 task, 1 step", "all done ✓"."""
    open_tasks = sum(not task.is_resolved for task in tasks)
    open_steps = sum(not step.is_resolved for step in steps)
    parts = [_count(count, noun) for count, noun in ((open_tasks, "task"), (open_steps, "step")) if count]
    if parts:
        return ", ".join(parts)
    return "all done ✓" if tasks or steps else "no new tasks"


def _count(count, noun):
    return f"{count} {noun}{'s' if count != 1 else ''}"
