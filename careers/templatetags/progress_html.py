"""The learner's rows, standing, controls, meters and chart as HTML built in Python
(templates/careers/_progress.html).

These are the hot parts of the dashboard, the pathway page and every tick's answer: a dashboard
holds about a hundred rows, and the template engine spends about 0.4 ms on each (resolving and
escaping some forty variables, a `{% url %}` or two); built here, a row takes a few microseconds.
The markup is the one the templates had; everything printed is escaped (`escape`, as the templates
do), and numbers are printed as they are, never localised (a grouping separator would break a
coordinate or an id).

Templates load them with `{% load progress_html %}`: `{% plan_items items progress %}` (rows of
the dashboard's week; `plan_item` one), `{% roadmap_items items progress %}` (of the pathway
page's roadmap and action plan), `{% tick_row item ticks enrolment %}` (a row's form, as a tick
answers it), `{% standing progress %}`, `{% enrolment_controls enrolment %}`, the meters, the chart,
and the `day` filter (`date`, each day formatted once).
"""

import datetime
import html
from functools import lru_cache

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from careers import paths, schedule
from careers.models import SkipReason
from careers.templatetags.pathways import short_title_html

register = template.Library()


def escape(value):
    """django.utils.html.escape(value), less its wrapper for lazy strings (a page calls it hundreds
    of times, never with one)."""
    return html.escape(str(value))


@lru_cache(maxsize=1024)
def _formatted_day(day, format_string, language):
    return date_format(day, format_string)


def format_day(value, format_string):
    """date_format(value, format_string), a day (a date) formatted once per process and language:
    the pages print a few dozen days each, all from a few weeks, and Django's formatting of one goes
    through its localisation machinery every time. A datetime (in the current time zone already) is
    formatted as it is."""
    if type(value) is datetime.date:
        return _formatted_day(value, format_string, get_language())
    return date_format(value, format_string)


@register.filter(expects_localtime=True, is_safe=False)
def day(value, format_string):
    """The `date` filter (`{{ plan.week_starts|day:"j M" }}`), by `format_day`."""
    if value in (None, ""):
        return ""
    return format_day(value, format_string)


class _Forms:
    """What every form of one render shares, worked out once: their hidden inputs (the CSRF token,
    and `next`: where to go back without JavaScript, for a row `next_url` or else this page), and
    the URL configuration their addresses are reversed in."""

    def __init__(self, context):
        token = context.get("csrf_token")
        self.csrf_input = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'
            if token and token != "NOTPROVIDED"  # as {% csrf_token %}: nothing without a token
            else ""
        )
        self.page_path = escape(context["request"].get_full_path())
        self.next_path = escape(context["next_url"]) if context.get("next_url") else self.page_path
        self._urls = paths.current_urls()

    @classmethod
    def of(cls, context):
        forms = context.render_context.get(cls)
        if forms is None:
            forms = context.render_context[cls] = cls(context)
        return forms

    def path(self, url_name, *ids):
        """reverse(url_name, args=ids), each view reversed once per process."""
        return paths.path_pattern(url_name, len(ids), *self._urls).format(*ids)


def _plural(count, suffix="s"):
    return "" if count == 1 else suffix


def _oob(oob):
    return ' hx-swap-oob="true"' if oob else ""


# --- Rows -----------------------------------------------------------------------------------------


@register.simple_tag(takes_context=True)
def tick_row(context, item, ticks, enrolment):
    """The form of a task, habit or action-plan step: `item` (a Task, ActionItem or
    schedule.PlanItem) of `enrolment`, with `ticks` (EnrolmentProgress.task_ticks or action_ticks).
    A skipped item says so, with a button to undo the skip; a left pathway's box is disabled."""
    return mark_safe(_tick_row(context, item, ticks, enrolment))  # noqa: S308 (escaped)


def _tick_row(context, item, ticks, enrolment):
    forms = _Forms.of(context)
    form_id = f"{ticks.kind}-{enrolment.id}-{item.id}"
    url = forms.path(ticks.url_name, enrolment.id, item.id)
    text = escape(item.text)
    done = item.id in ticks.done_ids
    reason = ticks.skipped.get(item.id)
    state = " tick--done" if done else " tick--skipped" if reason is not None else ""
    left = enrolment.is_left
    skipped = ""
    if reason is not None:
        said = "already done" if reason == SkipReason.ALREADY_DONE else "not for me"
        undo = (
            ""
            if left
            else '<button class="tick__undo button button--small button--quiet" type="submit" name="done" '
            f'value="false">Undo skip<span class="visually-hidden">: {text}</span></button>'
        )
        skipped = f'\n  <span class="tick__skipped">Skipped: {said}</span>\n  {undo}\n  '
    save = (
        ""
        if left
        else '<button class="tick__save button button--small no-js-only" type="submit">'
        f'Save<span class="visually-hidden">: {text}</span></button>'
    )
    return (
        f'\n<form id="{form_id}" class="tick{state}" method="post"\n'
        f'      action="{url}" data-tick\n'
        f'      hx-post="{url}" hx-trigger="change, submit" hx-target="this" hx-swap="outerHTML">\n'
        f"  {forms.csrf_input}\n"
        f'  <input type="hidden" name="next" value="{forms.next_path}">\n'
        '  <input type="hidden" name="done" value="false">\n'
        f'  <input class="tick__box" type="checkbox" name="done" value="true" id="{form_id}-done"'
        f"{' checked' if done else ''}{' disabled' if left else ''}>\n"
        f'  <label class="tick__label" for="{form_id}-done">{text}</label>\n'
        f"  {skipped}\n"
        f"  {save}\n"
        "</form>\n"
    )


def _skip_controls(context, item, ticks, enrolment):
    """The "Skip" controls (not for me, already done) of a task or step `item` (a PlanItem or model
    instance) of `enrolment` with `ticks`. Hidden by CSS once the row is ticked or skipped; none for a left
    pathway."""
    if not ticks.skip_url_name or enrolment.is_left:
        return ""
    forms = _Forms.of(context)
    url = forms.path(ticks.skip_url_name, enrolment.id, item.id)
    return (
        '\n<details class="skip">\n'
        '  <summary class="skip__toggle">Skip'
        f'<span class="visually-hidden">: {escape(item.text)}</span></summary>\n'
        f'  <form class="skip__form" method="post" action="{url}" data-skip\n'
        f'        hx-post="{url}" hx-target="#{ticks.kind}-{enrolment.id}-{item.id}" hx-swap="outerHTML">\n'
        f"    {forms.csrf_input}\n"
        f'    <input type="hidden" name="next" value="{forms.next_path}">\n'
        '    <button class="button button--small button--secondary" type="submit" name="reason" '
        'value="not_for_me">Not for me</button>\n'
        '    <button class="button button--small button--secondary" type="submit" name="reason" '
        'value="already_done">Already done</button>\n'
        "  </form>\n"
        "</details>\n"
    )


@register.simple_tag(takes_context=True)
def plan_item(context, item, progress):
    """A row of the dashboard's week plan: `item` is a schedule.PlanItem of `progress`. Says when it
    was due if late, a step's horizon, a habit as weekly; the phase only for a late task of an
    earlier phase."""
    enrolment = progress.enrolment
    ticks = progress.action_ticks if item.kind == schedule.STEP else progress.task_ticks
    late = item.is_late
    current = progress.plan.current_phase
    if item.kind == schedule.STEP:
        kind_note = f"<span>Action plan · {escape(item.horizon.label)}</span>"
    elif item.kind == schedule.HABIT:
        kind_note = "<span>Weekly habit</span>"
    elif late and item.phase and (current is None or item.phase.id != current.phase.id):
        kind_note = f"<span>{escape(item.phase.title)}</span>"
    else:
        kind_note = ""
    late_note = ""
    if late and not item.is_resolved:
        late_note = f'<span class="badge badge--late">Late · due week {item.week}</span>'
    ahead_note = f"<span>Planned for week {item.week}</span>" if item.is_ahead else ""
    return _plan_item(
        context, item, ticks, enrolment, late, f"    {late_note}\n    {ahead_note}\n    {kind_note}"
    )


@register.simple_tag(takes_context=True)
def plan_items(context, items, progress):
    """The rows (`plan_item`) of `items`, a list of the dashboard's week plan."""
    return mark_safe("".join([plan_item(context, item, progress) for item in items]))  # noqa: S308 (escaped)


@register.simple_tag(takes_context=True)
def roadmap_items(context, items, progress, horizon=None):
    """The rows (`roadmap_item`) of `items`, a list of the pathway page's roadmap or action plan;
    with `horizon` (a horizon's key), only the steps due over it."""
    if horizon is not None:
        items = [item for item in items if item.horizon.key == horizon]
    return mark_safe("".join([roadmap_item(context, item, progress) for item in items]))  # noqa: S308 (escaped)


def roadmap_item(context, item, progress):
    """A task, habit or step on the pathway page's roadmap: `item` is a schedule.PlanItem of
    `progress`, shown with the week it is planned for (and its first day), or as late."""
    enrolment = progress.enrolment
    ticks = progress.action_ticks if item.kind == schedule.STEP else progress.task_ticks
    late = item.is_late and not item.is_resolved
    if item.kind == schedule.HABIT:
        when = "<span>Weekly habit</span>"
    elif item.state == schedule.BEFORE_START:
        when = "<span>Already done before you started</span>"
    elif late:
        when = f'<span class="badge badge--late">Late · due week {item.week}</span>'
    else:
        starts = format_day(item.week_starts, "j M") if item.week_starts else ""
        this_week = " · this week" if item.state == schedule.DUE else ""
        when = f"<span>Week {item.week} · {starts}{this_week}</span>"
    return _plan_item(context, item, ticks, enrolment, late, f"    {when}")


def _plan_item(context, item, ticks, enrolment, late, meta):
    """A plan row (its tick, its `meta` line, its skip controls) as an `<li>`, dashboard and roadmap
    alike; `meta` is escaped by the callers."""
    skip = _skip_controls(context, item, ticks, enrolment) if item.kind != schedule.HABIT else ""
    return mark_safe(  # noqa: S308 (escaped)
        f'\n<li class="plan-item plan-item--{item.kind}{" plan-item--late" if late else ""}">\n'
        f"  {_tick_row(context, item, ticks, enrolment)}\n"
        '  <p class="plan-item__meta">\n'
        f"{meta}\n"
        "  </p>\n"
        f"  {skip}\n"
        "</li>\n"
    )


# --- Standing and controls ------------------------------------------------------------------------


@register.simple_tag
def standing(progress, oob=False):
    """Where the learner stands in `progress`: the plan's one-line status (always true), its week,
    its finish (done, projected at their pace, or planned) and their streak."""
    plan, enrolment = progress.plan, progress.enrolment
    if plan.is_completed:
        finish = ("Finished", plan.completed_on)
    elif plan.projected_finish:
        finish = ("Projected finish", plan.projected_finish)
    elif plan.planned_finish:
        finish = ("Planned finish", plan.planned_finish)
    else:
        finish = None
    facts = [f"<div><dt>Week</dt><dd>{escape(plan.week_label)}</dd></div>"]
    if finish:
        facts.append(f"<div><dt>{finish[0]}</dt><dd>{format_day(finish[1], 'j M Y')}</dd></div>")
    if plan.has_started:
        weeks = plan.streak_weeks
        facts.append(f"<div><dt>Streak</dt><dd>{weeks} week{_plural(weeks)}</dd></div>")
    return mark_safe(  # noqa: S308 (escaped)
        f'<div id="standing-{enrolment.id}" class="standing"{_oob(oob)}>\n'
        f"  {_status(plan, enrolment)}\n"
        '  <dl class="standing__facts">\n' + "".join(f"    {fact}\n" for fact in facts) + "  </dl>\n</div>\n"
    )


def _status(plan, enrolment):
    if enrolment.is_left:
        left_on = format_day(timezone.localtime(enrolment.left_at), "j F Y")
        return f'<p class="standing__status">You left this pathway on {left_on}. Your ticks are kept.</p>'
    if enrolment.is_completed or plan.is_completed:
        planned = f" — planned {plan.total_weeks}" if plan.total_weeks else ""
        return (
            '<p class="standing__status standing__status--done">'
            f"Finished in {plan.weeks_taken} week{_plural(plan.weeks_taken)}{planned}</p>"
        )
    if enrolment.is_paused:
        since = format_day(timezone.localtime(enrolment.paused_at), "j F")
        return (
            '<p class="standing__status standing__status--paused">'
            f"Paused since {since}: your plan waits for you.</p>"
        )
    if not plan.has_started:
        days = plan.starts_in_days
        starts_in = f" (in {days} day{_plural(days)})" if days else ""
        return f'<p class="standing__status">Starts {format_day(plan.start_date, "l j F")}{starts_in}</p>'
    if plan.in_head_start:
        return '<p class="standing__status standing__status--ok">Head start</p>'
    if plan.behind_by:
        return (
            '<p class="standing__status standing__status--behind">'
            f"Behind by {plan.behind_by} task{_plural(plan.behind_by)}</p>"
        )
    if plan.ahead_by:
        return (
            '<p class="standing__status standing__status--ok">'
            f"Ahead by {plan.ahead_by} task{_plural(plan.ahead_by)}</p>"
        )
    return '<p class="standing__status standing__status--ok">On track</p>'


@register.simple_tag(takes_context=True)
def enrolment_controls(context, enrolment, in_follow_panel=False):
    """Pause or resume, and leave, for `enrolment`. Plain forms that post and redirect back; with
    htmx they answer in place: the enclosing card (`#enrolment-<id>`, or `#follow` on the pathway
    page when `in_follow_panel`) is swapped with its twin from the page the server redirects to, so
    the reader keeps their place. static/app.js reads that page's message into the live region."""
    forms = _Forms.of(context)
    card = "#follow" if in_follow_panel else f"#enrolment-{enrolment.id}"
    in_place = f'hx-target="{card}" hx-select="{card}" hx-swap="outerHTML"'
    if not in_follow_panel:
        in_place += ' hx-select-oob="#week-summary,#left-pathways"'
    in_place += " data-in-place"
    title = short_title_html(enrolment.pathway)
    next_input = f'<input type="hidden" name="next" value="{forms.page_path}">'
    pause_or_resume = ""
    if enrolment.is_active or enrolment.is_paused:
        if enrolment.is_active:
            url_name, button, label = "careers:pause", "button button--secondary", "Pause"
        else:
            url_name, button, label = "careers:resume", "button", "Resume"
        url = forms.path(url_name, enrolment.id)
        pause_or_resume = (
            f'\n<form class="inline-form" method="post" action="{url}" hx-post="{url}" {in_place}>\n'
            f"  {forms.csrf_input}\n"
            f"  {next_input}\n"
            f'  <button class="{button}" type="submit" id="pause-resume-{enrolment.id}">'
            f'{label}<span class="visually-hidden"> {title}</span></button>\n'
            "</form>\n"
        )
    leave = ""
    if not enrolment.is_left:
        url = forms.path("careers:leave", enrolment.id)
        leave = (
            '\n<details class="leave-confirm">\n'
            '  <summary class="button button--quiet">'
            f'Leave<span class="visually-hidden"> {title}</span>…</summary>\n'
            f'  <form class="leave-confirm__form" method="post" action="{url}" hx-post="{url}" {in_place}>\n'
            f"    {forms.csrf_input}\n"
            f"    {next_input}\n"
            "    <p>You stop getting its weekly reminder and it leaves your dashboard. Your ticks are kept: "
            "enrol again from its page to pick up where you left off.</p>\n"
            '    <button class="button button--danger button--small" type="submit">'
            f'Leave pathway<span class="visually-hidden"> {title}</span></button>\n'
            "  </form>\n"
            "</details>\n"
        )
    return mark_safe(f'<div class="controls">{pause_or_resume}{leave}</div>\n')  # noqa: S308 (escaped)


# --- Meters ---------------------------------------------------------------------------------------


def _meter(element_id, css, label, value, maximum, fallback, text, oob):
    return mark_safe(  # noqa: S308 (escaped by the callers)
        f'\n<div id="{element_id}" class="{css}"{_oob(oob)}>\n'
        f'  <label class="meter__label" for="{element_id}-bar">{label}</label>\n'
        f'  <progress id="{element_id}-bar" class="meter__bar" value="{value}" max="{maximum or 1}">'
        f"{fallback}</progress>\n"
        f'  <p class="meter__text">{text}</p>\n'
        "</div>\n"
    )


@register.simple_tag
def overall_meter(progress, oob=False):
    """The tasks of the timed phases resolved in `progress`, as a bar and in words."""
    plan = progress.plan
    text = f"{plan.tasks_done} of {plan.tasks_total} task{_plural(plan.tasks_total)} done"
    if plan.tasks_done_before_start:
        text += f", {plan.tasks_done_before_start} already done before you started"
    if plan.tasks_skipped:
        text += f", {plan.tasks_skipped} skipped"
    text += f" ({plan.percent}%)"
    element_id = f"overall-{progress.enrolment.id}"
    resolved, total, percent = plan.tasks_resolved, plan.tasks_total, f"{plan.percent}%"
    return _meter(element_id, "meter", "Overall progress", resolved, total, percent, text, oob)


@register.simple_tag
def actions_meter(progress, oob=False):
    """The action plan's steps resolved in `progress`."""
    plan = progress.plan
    total = plan.action_items_total
    text = f"{plan.action_items_done} of {total} step{_plural(total)} done"
    if plan.action_items_skipped:
        text += f", {plan.action_items_skipped} skipped"
    element_id = f"actions-{progress.enrolment.id}"
    return _meter(
        element_id,
        "meter meter--small",
        "Action plan",
        plan.action_items_resolved,
        total,
        "",
        text,
        oob,
    )


@register.simple_tag
def phase_meter(progress, phase_progress, oob=False):
    """One phase of `progress` (a schedule.PhaseProgress): its tasks resolved, or for an ongoing
    phase its habits ticked this week."""
    p = phase_progress
    if p.last_day:
        text = f"{p.done} of {p.total} done"
        if p.done_before_start:
            text += f", {p.done_before_start} already done before you started"
        if p.skipped:
            text += f", {p.skipped} skipped"
    else:
        text = f"{p.done} of {p.total} habit{_plural(p.total)} done this week"
    element_id = f"phase-{progress.enrolment.id}-{p.phase.id}"
    label = escape(p.phase.title)
    return _meter(element_id, "meter meter--small", label, p.resolved, p.total, f"{p.percent}%", text, oob)


@register.simple_tag
def phase_meters(progress):
    """The dashboard's list of the phases of `progress`: each one's meter and its weeks (from its
    first day to its last), the current one marked."""
    items = []
    for p in progress.plan.phases:
        if p.weeks.is_empty:
            weeks = "Already done before you started"
        else:
            until = f" – {format_day(p.last_day, 'j M')}" if p.last_day else " onwards"
            weeks = f"{escape(p.weeks.label)} · {format_day(p.first_day, 'j M')}{until}"
        here = " · <strong>you are here</strong>" if p.is_current else ""
        items.append(
            f'\n  <li class="{"is-current" if p.is_current else ""}">\n'
            f"    {phase_meter(progress, p)}\n"
            f'    <p class="phase-meters__weeks">{weeks}{here}</p>\n'
            "  </li>"
        )
    return mark_safe(f'<ol class="phase-meters" role="list">{"".join(items)}\n</ol>')  # noqa: S308 (escaped)


# --- Chart ----------------------------------------------------------------------------------------


@register.simple_tag
def progress_chart(progress, oob=False):
    """The planned-vs-done chart of `progress` (careers.charts: every coordinate a string already),
    or an empty placeholder when there is nothing to plot; then the note on the projected finish
    (hidden when there is none). Both are swapped out of band after a tick, like the meters."""
    eid = progress.enrolment.id
    c = progress.chart
    if c:
        now_line = done_line = ""
        if c.now_x:
            now_line = f'<line class="chart__now" x1="{c.now_x}" y1="{c.plot_top}" x2="{c.now_x}" '
            now_line += f'y2="{c.plot_bottom}"></line>'
        if c.done_points:
            done_line = f'<polyline class="chart__done" points="{c.done_points}"></polyline>'
        x_labels = "".join(
            f'<text class="chart__label" x="{label.x}" y="{label.y}" text-anchor="middle">'
            f"{escape(label.text)}</text>"
            for label in c.x_labels
        )
        y_labels = "".join(
            f'<text class="chart__label" x="{label.x}" y="{label.y}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(label.text)}</text>'
            for label in c.y_labels
        )
        figure = (
            f'\n<figure id="chart-{eid}" class="chart"{_oob(oob)}>\n'
            f'  <svg class="chart__svg" viewBox="{c.view_box}" role="img" '
            f'aria-labelledby="chart-{eid}-title chart-{eid}-desc">\n'
            f'    <title id="chart-{eid}-title">Tasks planned and done, week by week</title>\n'
            f'    <desc id="chart-{eid}-desc">{escape(c.description)}</desc>\n'
            f'    <line class="chart__axis" x1="{c.plot_left}" y1="{c.plot_bottom}" x2="{c.plot_right}" '
            f'y2="{c.plot_bottom}"></line>\n'
            f'    <line class="chart__axis" x1="{c.plot_left}" y1="{c.plot_top}" x2="{c.plot_left}" '
            f'y2="{c.plot_bottom}"></line>\n'
            f"    {now_line}\n"
            f'    <polyline class="chart__planned" points="{c.planned_points}"></polyline>\n'
            f"    {done_line}\n"
            f"    {x_labels}\n"
            f"    {y_labels}\n"
            "  </svg>\n"
            '  <figcaption class="chart__legend"><span class="chart__key chart__key--planned"></span> '
            'Planned <span class="chart__key chart__key--done"></span> Done (skipped tasks count) · weeks '
            "along the bottom</figcaption>\n"
            "</figure>\n"
        )
    else:
        figure = f'\n<div id="chart-{eid}" hidden{_oob(oob)}></div>\n'
    note = progress.plan.projection_note
    if note:
        projection = f'<p id="projection-{eid}" class="projection-note"{_oob(oob)}>{escape(note)}</p>'
    else:
        projection = f'<p id="projection-{eid}" class="projection-note" hidden{_oob(oob)}></p>'
    return mark_safe(f"{figure}{projection}\n")  # noqa: S308 (escaped)
