"""The learner's rows, meters and chart as HTML built in Python (templates/careers/_progress.html).

These are the hot parts of the dashboard, the pathway page and every tick's answer: a dashboard
holds about a hundred rows, and the template engine spends about 0.4 ms on each (resolving and
escaping some forty variables, a `{% url %}` or two); built here, a row takes a few microseconds.
The markup is the one the templates had; everything printed is escaped (`escape`, as the templates
do), and numbers are printed as they are, never localised (a grouping separator would break a
coordinate or an id).

Templates load them with `{% load progress_html %}`: `{% plan_item item progress %}` (a row of
the dashboard's week), `{% roadmap_item item progress %}` (of the pathway page's roadmap),
`{% tick_row item ticks enrolment %}` (a row's form, as a tick answers it), the meters and the chart.
"""

import html
from functools import lru_cache

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.formats import date_format
from django.utils.safestring import mark_safe

from careers import schedule
from careers.models import SkipReason

register = template.Library()

# Stand-ins reversed once per view; every row's path is the result with its own ids put back.
_ENROLMENT_ID, _ITEM_ID = 1_000_000_001, 1_000_000_002


def escape(value):
    """django.utils.html.escape(value), less its wrapper for lazy strings (a page calls it hundreds
    of times, never with one)."""
    return html.escape(str(value))


@lru_cache(maxsize=64)
def _path_pattern(url_name, urlconf, script_prefix):
    path = reverse(url_name, urlconf=urlconf, args=[_ENROLMENT_ID, _ITEM_ID])
    return path.replace(str(_ENROLMENT_ID), "{0}").replace(str(_ITEM_ID), "{1}")


class _Forms:
    """What every row's forms share in one render, worked out once: their hidden inputs (the CSRF
    token, and `next`: where to go back without JavaScript, `next_url` or else this page), and the
    URL configuration their addresses are reversed in."""

    def __init__(self, context):
        token = context.get("csrf_token")
        self.csrf_input = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'
            if token and token != "NOTPROVIDED"  # as {% csrf_token %}: nothing without a token
            else ""
        )
        self.next_path = escape(context.get("next_url") or context["request"].get_full_path())
        self._urls = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())

    @classmethod
    def of(cls, context):
        forms = context.render_context.get(cls)
        if forms is None:
            forms = context.render_context[cls] = cls(context)
        return forms

    def path(self, url_name, enrolment_id, item_id):
        """reverse(url_name, args=[enrolment_id, item_id]), each view reversed once per process."""
        return _path_pattern(url_name, *self._urls).format(enrolment_id, item_id)


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
        starts = date_format(item.week_starts, "j M") if item.week_starts else ""
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
            until = f" – {date_format(p.last_day, 'j M')}" if p.last_day else " onwards"
            weeks = f"{escape(p.weeks.label)} · {date_format(p.first_day, 'j M')}{until}"
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
