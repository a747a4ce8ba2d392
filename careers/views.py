from functools import partial, wraps
from urllib.parse import urlsplit

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accounts import services as accounts_services
from careers import inbox, pace, page_cache, reminders, selectors, services
from careers.forms import (
    CatalogueFilterForm,
    EnrolForm,
    FitForm,
    PaceForm,
    SkipForm,
    TickForm,
    hours_from,
)
from careers.models import Enrolment
from careers.schedule import local_date


def home(request):
    return render(request, "careers/home.html", {"featured": selectors.featured_pathways()})


def catalogue(request):
    # One address per search: the form's empty fields (a plain GET form sends them all) and the
    # first page's number are dropped, so the address can be shared and the back button finds the
    # same results.
    clean = _without_blank(request.GET, [*CatalogueFilterForm.base_fields, "page"], defaults={"page": "1"})
    if clean is not None:
        return redirect(f"{request.path}?{clean}" if clean else request.path)
    # htmx live search swaps in the results only; a history restore needs the whole page.
    results_only = bool(request.htmx) and not request.htmx.history_restore_request
    version = ("catalogue", selectors.catalogue_version(), results_only)
    # The catalogue and its filters are kept; searches (every word typed live) are not.
    keep = "q" not in request.GET
    show = partial(_catalogue_page, request, version, results_only, keep)
    if request.user.is_authenticated:
        response = show()
    else:
        response = page_cache.anonymous_page(request, version, show, keep=keep)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _catalogue_page(request, version, results_only, keep):
    parts = page_cache.cached_parts(
        (version, request.GET.urlencode()), partial(_catalogue_parts, request.GET, results_only), keep=keep
    )
    if results_only:
        return HttpResponse(parts["results"], status=parts["status"])
    return render(request, "careers/catalogue.html", {"parts": parts}, status=parts["status"])


def _catalogue_parts(query, results_only):
    """The catalogue's title and main part (its results alone for htmx) for the address's
    parameters `query`, and the answer's status: the same for every reader."""
    form = CatalogueFilterForm(query)
    valid = form.is_valid()
    # Invalid filters are reported on the page; the valid ones still apply.
    results = selectors.catalogue_results(**form.selector_kwargs(), page=query.get("page", 1))
    context = {
        "form": form,
        "pathways": results.pathways,
        "page": results.page,
        "page_links": _page_links(query, results.page),
        "corrected": results.corrected,
        "suggestion": results.suggestion,
        "is_filtered": form.is_filtered,
    }
    names = ("results",) if results_only else ("title", "main")
    parts = {name: render_to_string(f"careers/catalogue.html#{name}", context) for name in names}
    return {**parts, "status": 200 if valid else 400}


def _page_links(query, page):
    """The addresses of the pages of `page`'s results beside it (same search and filters): the
    previous and next, and the numbers around it and at the ends, "" standing for a gap."""
    if not page.has_other_pages():
        return None

    def link(number):
        params = query.copy()
        params.pop("page", None)
        if number != 1:
            params["page"] = number
        encoded = params.urlencode()
        return f"{resolve_url('careers:catalogue')}{'?' if encoded else ''}{encoded}#results"

    numbers = page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    return {
        "previous": link(page.previous_page_number()) if page.has_previous() else "",
        "next": link(page.next_page_number()) if page.has_next() else "",
        "numbers": [(number, "" if number == Paginator.ELLIPSIS else link(number)) for number in numbers],
    }


def _without_blank(query, names, defaults=None):
    """`query` without the blank values of the parameters `names`, nor those equal to their
    `defaults` ({name: value}), encoded, when it had any (else None)."""
    defaults = defaults or {}
    clean, changed = query.copy(), False
    for name in names:
        values = query.getlist(name)
        kept = [value for value in values if value.strip() and value != defaults.get(name)]
        if len(kept) != len(values):
            changed = True
            if kept:
                clean.setlist(name, kept)
            else:
                del clean[name]
    return clean.urlencode() if changed else None


def pathway_detail(request, slug):
    return _pathway_page(request, slug)


def _pathway_page(request, slug, enrol_form=None, pace_form=None, status=200):
    version = None
    if not request.user.is_authenticated:  # a learner's page reads the version with their enrolment
        version = selectors.pathway_version(slug)
        if version is None:
            raise Http404("No such pathway.")

    def read_page():
        page = selectors.pathway_page(slug, request.user, timezone.now(), version=version)
        if page is None:  # none, or deleted since its version was read
            raise Http404("No such pathway.")
        return page

    if not request.user.is_authenticated:  # what every visitor gets, kept per content version
        render_page = lambda: _render_pathway_page(request, read_page())  # noqa: E731
        # Kept at its own address only: any other query string (a campaign's) would be one more copy.
        keep = not request.GET
        return page_cache.anonymous_page(request, ("pathway", *version), render_page, keep=keep)
    page = read_page()
    render_page = partial(_render_pathway_page, request, page, enrol_form, pace_form, status)
    if enrol_form or pace_form or status != 200:  # a form's errors: this answer only
        return render_page()
    state = page_cache.pathway_page_state(page, request.user.profile, _learner_today(request.user))
    return page_cache.conditional(request, state, render_page)


def _render_pathway_page(request, page, enrol_form=None, pace_form=None, status=200):
    if page.can_enrol and enrol_form is None:
        # Hours from a recommendation's link first, else the pace they had when they left (enrolling
        # again picks up where they were), else their saved answer.
        left = page.progress.enrolment if page.progress else None
        saved = left.hours_per_week if left else request.user.profile.hours_per_week
        hours = hours_from(request.GET.get("hours")) or saved
        enrol_form = _enrol_form(request, page, hours=hours)
    following = page.progress is not None and not page.progress.enrolment.is_left
    if following and pace_form is None:
        pace_form = PaceForm(initial={"hours_per_week": page.progress.enrolment.hours_per_week})
    context = {
        "page": page,
        "pathway": page.pathway,
        "progress": page.progress,
        "following": following,
        "sections": page_cache.pathway_sections(page),
        "enrol_form": enrol_form if page.can_enrol else None,
        "pace_form": pace_form if following else None,
    }
    return render(request, "careers/pathway_detail.html", context, status=status)


def _enrol_form(request, page, data=None, hours=None):
    return EnrolForm(
        data,
        today=_learner_today(request.user),
        timed_phases=[(page_phase.phase, page_phase.tasks) for page_phase in page.timed_phases],
        full_time_weeks=page.length.weeks,
        hours=hours,
    )


def fit(request):
    """Which pathway fits me? No account needed. Answers come by GET (the results' address can be
    shared); the form posts, which for a signed-in learner also keeps them in their profile, then
    shows the same results at a clean address. Empty, it is prefilled with the saved answers."""
    data = request.POST if request.method == "POST" else request.GET
    if not data and request.method == "GET":
        initial = {}
        if request.user.is_authenticated:
            saved = selectors.fit_answers_of(request.user.profile)
            initial = {
                "current_role": saved.current_role,
                "skills": list(saved.skills),
                "hours_per_week": saved.hours_per_week,
                "target_role": saved.target_role,
            }
        return render(request, "careers/fit.html", {"form": FitForm(initial=initial)})
    form = FitForm(data)
    if not form.is_valid():
        return render(request, "careers/fit.html", {"form": form}, status=400)
    if request.method == "POST":
        if request.user.is_authenticated:
            accounts_services.save_fit_answers(profile=request.user.profile, answers=form.answers())
            messages.success(request, "Your answers are saved: they fill in this form next time.")
        return redirect(f"{resolve_url('careers:fit')}?{form.query()}#results")
    answers = form.answers()
    context = {"form": form, "fits": selectors.pathway_fits(answers), "answers": answers}
    return render(request, "careers/fit.html", context)


# --- Learners ---------------------------------------------------------------------------------


def learner_required(view):
    """Like login_required, but an htmx request is sent to the log-in page as a whole page,
    and the learner comes back to the page they were on."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        back = _safe_next(request, _htmx_page(request) if request.htmx else request.get_full_path())
        to_login = redirect_to_login(back)
        return HttpResponseClientRedirect(to_login["Location"]) if request.htmx else to_login

    return wrapper


def _htmx_page(request):
    """The path of the page an htmx request came from, or None (also for a malformed HX-Current-URL
    header such as "http://[", which urlsplit refuses with a ValueError)."""
    try:
        return request.htmx.current_url_abs_path
    except ValueError:
        return None


def _safe_next(request, url, fallback="/dashboard/"):
    # Only a path on this site: redirect() would take a bare word ("next=0") for a view name (a 500).
    if (
        url
        and url.startswith("/")
        and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure())
    ):
        return url
    return fallback


def _learner_today(user):
    return local_date(timezone.now(), user.profile.time_zone)


# Access checks: what is not the learner's own answers 404, as if it did not exist.


def _get_enrolment_for_user(request, enrolment_id):
    return get_object_or_404(Enrolment.objects.select_related("pathway"), pk=enrolment_id, user=request.user)


def _get_enrolment_to_tick(request, enrolment_id):
    # With the learner's profile: the answer's week plan is in their time zone and week.
    return get_object_or_404(
        Enrolment.objects.select_related("pathway", "user__profile"), pk=enrolment_id, user=request.user
    )


def _get_task_of(enrolment, task_id):
    task = selectors.live_task(enrolment, task_id)
    if task is None:
        raise Http404("No such task in this pathway.")
    return task


def _get_action_item_of(enrolment, action_item_id):
    item = selectors.live_action_item(enrolment, action_item_id)
    if item is None:
        raise Http404("No such step in this pathway's action plan.")
    return item


@learner_required
def dashboard(request):
    board = selectors.dashboard_for(request.user, timezone.now())
    return render(request, "careers/dashboard.html", {"board": board})


@learner_required
@require_POST
def enrol(request, slug):
    page = selectors.pathway_page(slug, request.user, timezone.now())
    if page is None:
        raise Http404("No such pathway.")
    pathway = page.pathway
    form = _enrol_form(request, page, data=request.POST)
    if not form.is_valid():
        return _pathway_page(request, pathway.slug, enrol_form=form, status=400)
    try:
        enrolment, created = services.enrol(
            user=request.user,
            pathway=pathway,
            start_date=form.cleaned_data["start_date"],
            now=timezone.now(),
            hours_per_week=form.cleaned_data["hours_per_week"],
            already_done=form.tasks_already_done(),
        )
    except services.PathwayArchived:
        messages.error(request, f"“{pathway.short_title}” is no longer offered: it cannot be joined.")
        return _pathway_page(request, pathway.slug, status=409)
    if created:
        messages.success(request, f"You're enrolled in “{pathway.short_title}”. Here is your first week.")
    else:
        messages.info(request, f"You already follow “{pathway.short_title}”.")
    return redirect(f"{resolve_url('careers:dashboard')}#enrolment-{enrolment.id}")


@learner_required
@require_POST
def change_pace(request, enrolment_id):
    enrolment = _get_enrolment_for_user(request, enrolment_id)
    back = _safe_next(request, request.POST.get("next"), fallback=enrolment.pathway.get_absolute_url())
    form = PaceForm(request.POST)
    if not form.is_valid():
        return _pathway_page(request, enrolment.pathway.slug, pace_form=form, status=400)
    before = selectors.enrolment_progress(enrolment.id, timezone.now()).plan.total_weeks
    try:
        services.change_pace(enrolment=enrolment, hours_per_week=form.cleaned_data["hours_per_week"])
    except services.EnrolmentClosed:
        return HttpResponse("You left this pathway: rejoin it to change your pace.", status=409)
    after = selectors.enrolment_progress(enrolment.id, timezone.now()).plan.total_weeks
    pace_text = pace.describe_pace(enrolment.hours_per_week)
    if after:
        was = f" (it was {before} weeks)" if before != after else ""
        messages.success(request, f"Your plan is now {after} weeks {pace_text}{was}. Your ticks are kept.")
    else:
        messages.success(request, f"Your pace is now {pace_text.removeprefix('at ')}.")
    return redirect(back)


@learner_required
@require_POST
def pause(request, enrolment_id):
    enrolment = _get_enrolment_for_user(request, enrolment_id)
    if enrolment.is_completed:  # pause and resume leave a completed pathway alone: say so
        messages.info(request, f"You completed “{enrolment.pathway.short_title}”: there is nothing to pause.")
        return redirect(_safe_next(request, request.POST.get("next")))
    services.pause(enrolment=enrolment, now=timezone.now())
    messages.success(request, f"Paused “{enrolment.pathway.short_title}”. Your plan waits until you resume.")
    return redirect(_safe_next(request, request.POST.get("next")))


@learner_required
@require_POST
def resume(request, enrolment_id):
    enrolment = _get_enrolment_for_user(request, enrolment_id)
    if enrolment.is_completed:
        messages.info(
            request, f"You completed “{enrolment.pathway.short_title}”: there is nothing to resume."
        )
        return redirect(_safe_next(request, request.POST.get("next")))
    services.resume(enrolment=enrolment, now=timezone.now())
    messages.success(request, f"Resumed “{enrolment.pathway.short_title}”. Welcome back!")
    return redirect(_safe_next(request, request.POST.get("next")))


@learner_required
def leave(request, enrolment_id):
    enrolment = _get_enrolment_for_user(request, enrolment_id)
    if request.method == "POST":
        services.leave(enrolment=enrolment, now=timezone.now())
        messages.success(
            request, f"You left “{enrolment.pathway.short_title}”. Your ticks are kept if you come back."
        )
        # Back to the page the learner left from (the dashboard or the pathway page), so a leave
        # answered in place (htmx) finds its panel there.
        return redirect(_safe_next(request, request.POST.get("next")))
    return render(request, "careers/leave.html", {"enrolment": enrolment})


@learner_required
@require_POST
def tick_task(request, enrolment_id, task_id):
    enrolment = _get_enrolment_to_tick(request, enrolment_id)
    task = _get_task_of(enrolment, task_id)
    set_done = partial(services.set_task_done, enrolment=enrolment, task=task)
    return _tick(request, enrolment, task, set_done, ticks_of=lambda progress: progress.task_ticks)


@learner_required
@require_POST
def tick_action_item(request, enrolment_id, action_item_id):
    enrolment = _get_enrolment_to_tick(request, enrolment_id)
    item = _get_action_item_of(enrolment, action_item_id)
    set_done = partial(services.set_action_item_done, enrolment=enrolment, action_item=item)
    return _tick(request, enrolment, item, set_done, ticks_of=lambda progress: progress.action_ticks)


def _tick(request, enrolment, item, set_done, ticks_of):
    """Record a tick of `item` with `set_done(done=..., now=...)`; answer htmx with the row and the
    progress indicators (`ticks_of(progress)` says which kind of row), others with a redirect."""
    form = TickForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors["done"][0])
    done = form.cleaned_data["done"]
    return _write_and_answer(
        request,
        enrolment,
        item,
        partial(set_done, done=done),
        ticks_of,
        message=f"Marked “{item}” as {'done' if done else 'not done'}.",
    )


@learner_required
@require_POST
def skip_task(request, enrolment_id, task_id):
    enrolment = _get_enrolment_to_tick(request, enrolment_id)
    task = _get_task_of(enrolment, task_id)
    if task.phase.is_ongoing:
        return HttpResponseBadRequest("A weekly habit is not skipped: leave it unticked this week.")
    skip = partial(services.skip_task, enrolment=enrolment, task=task)
    return _skip(request, enrolment, task, skip, ticks_of=lambda progress: progress.task_ticks)


@learner_required
@require_POST
def skip_action_item(request, enrolment_id, action_item_id):
    enrolment = _get_enrolment_to_tick(request, enrolment_id)
    item = _get_action_item_of(enrolment, action_item_id)
    skip = partial(services.skip_action_item, enrolment=enrolment, action_item=item)
    return _skip(request, enrolment, item, skip, ticks_of=lambda progress: progress.action_ticks)


def _skip(request, enrolment, item, skip, ticks_of):
    """Record a skip of `item` with `skip(reason=..., now=...)`, answered as a tick is."""
    form = SkipForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors["reason"][0])
    return _write_and_answer(
        request,
        enrolment,
        item,
        partial(skip, reason=form.cleaned_data["reason"]),
        ticks_of,
        message=f"Skipped “{item}” ({form.reason_label}).",
    )


def _write_and_answer(request, enrolment, item, write, ticks_of, message):
    """Run `write(now=...)` on `item`; a left pathway refuses (409). Answer htmx with the row and
    every progress indicator, a plain form post with `message` and a redirect back."""
    try:
        write(now=timezone.now())
    except services.EnrolmentClosed:
        return HttpResponse("You left this pathway: rejoin it to tick tasks again.", status=409)
    if request.htmx:
        now = timezone.now()
        page = _safe_next(request, _htmx_page(request), fallback=enrolment.pathway.get_absolute_url())
        board = progress = None
        if urlsplit(page).path == resolve_url("careers:dashboard"):
            # The dashboard's summary of the week changes too: read with every pathway followed (one
            # query more than this enrolment alone), it goes out of band with the rest.
            board = selectors.dashboard_for(request.user, now, with_suggestions=False)
            progress = board.progress_in(enrolment.id)
        progress = progress or selectors.progress_after_write(enrolment, now)
        context = {
            "progress": progress,
            "ticks": ticks_of(progress),
            "item": item,
            "next_url": page,
            "board": board,
        }
        return render(request, "careers/_progress.html#tick_response", context)
    messages.success(request, message)
    return redirect(
        _safe_next(request, request.POST.get("next"), fallback=enrolment.pathway.get_absolute_url())
    )


@learner_required
@require_POST
def set_reminders(request, enrolment_id):
    enrolment = _get_enrolment_for_user(request, enrolment_id)
    form = TickForm(request.POST, field="enabled")
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors["enabled"][0])
    enabled = form.cleaned_data["enabled"]
    reminders.set_pathway_reminders(enrolment=enrolment, enabled=enabled, now=timezone.now())
    state = "on" if enabled else "off"
    messages.success(request, f"Weekly reminder for “{enrolment.pathway.short_title}” turned {state}.")
    return redirect(
        _safe_next(request, request.POST.get("next"), fallback=resolve_url("accounts:preferences"))
    )


@learner_required
@require_POST
def send_preview(request):
    """Queue this week's digest (all the learner's pathways), limited to a few an hour."""
    outcome = reminders.request_preview(user=request.user, now=timezone.now())
    if outcome == reminders.PREVIEW_QUEUED:
        messages.success(request, f"This week's email is on its way to {request.user.email}.")
    elif outcome == reminders.PREVIEW_NOTHING:
        messages.info(request, "Nothing to send: every pathway you follow is paused or muted.")
    else:
        messages.error(
            request,
            f"You asked for this week's email {reminders.PREVIEWS_PER_HOUR} times in the last hour: "
            "try again later.",
        )
    return redirect(
        _safe_next(request, request.POST.get("next"), fallback=resolve_url("accounts:preferences"))
    )


# --- Signed links in the weekly email (careers.inbox) -------------------------------------------
# No session needed: the token is the proof, so no CSRF token either (a POST needs the token,
# which only the learner's inbox has). GET only shows a page, because mail scanners follow links.


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def inbox_task(request, token):
    """GET shows the task and a "Mark done" button; POST ticks it (done=true) or unticks it
    (done=false, the undo), a habit for the learner's current plan week."""
    if limited := ratelimit.consume_or_429(request, action="inbox_link", key=token):
        return limited
    try:
        link = inbox.read_task_token(token)
    except inbox.InvalidLink as invalid:
        return _inbox_link_refused(request, invalid)
    enrolment, task = link.enrolment, link.task
    if enrolment.is_left:
        return _inbox_left(request, enrolment)
    context = {"enrolment": enrolment, "pathway": enrolment.pathway, "task": task, "token": token}
    if request.method == "POST":
        form = TickForm(request.POST)
        if not form.is_valid():
            return render(request, "careers/inbox_invalid.html", status=400)
        try:
            services.set_task_done(
                enrolment=enrolment, task=task, done=form.cleaned_data["done"], now=timezone.now()
            )
        except services.EnrolmentClosed:  # left between the page and the button
            return _inbox_left(request, enrolment)
        context["changed"] = True
    ticks = selectors.enrolment_progress(enrolment.id, timezone.now()).task_ticks
    context["done"] = task.id in ticks.done_ids
    context["skipped"] = task.id in ticks.skipped
    return render(request, "careers/inbox_task.html", context)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def inbox_pause(request, token):
    """GET asks to pause the pathway; POST pauses it (a paused or completed one stays as it is)."""
    if limited := ratelimit.consume_or_429(request, action="inbox_link", key=token):
        return limited
    try:
        enrolment = inbox.read_pause_token(token)
    except inbox.InvalidLink as invalid:
        return _inbox_link_refused(request, invalid)
    if enrolment.is_left:
        return _inbox_left(request, enrolment)
    posted = request.method == "POST"
    if posted:
        services.pause(enrolment=enrolment, now=timezone.now())
    context = {"enrolment": enrolment, "pathway": enrolment.pathway, "posted": posted}
    return render(request, "careers/inbox_pause.html", context)


def _inbox_link_refused(request, invalid):
    if isinstance(invalid, inbox.ExpiredLink):
        return render(request, "careers/inbox_expired.html", status=410)
    return render(request, "careers/inbox_invalid.html", status=400)


def _inbox_left(request, enrolment):
    return render(request, "careers/inbox_left.html", {"pathway": enrolment.pathway}, status=409)
