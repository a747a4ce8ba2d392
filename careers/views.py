from functools import partial, wraps

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from careers import inbox, reminders, selectors, services
from careers.forms import CatalogueFilterForm, EnrolForm, SkipForm, TickForm
from careers.models import ActionItem, Enrolment, Pathway, Task
from careers.schedule import local_date


def home(request):
    return render(request, "careers/home.html", {"featured": selectors.featured_pathways()})


def catalogue(request):
    form = CatalogueFilterForm(request.GET)
    valid = form.is_valid()
    # Invalid filters are reported on the page; the valid ones still apply.
    pathways = selectors.catalogue(**form.selector_kwargs())
    # htmx live search swaps in the results only; a history restore needs the whole page.
    partial = request.htmx and not request.htmx.history_restore_request
    template = "careers/catalogue.html#results" if partial else "careers/catalogue.html"
    response = render(
        request,
        template,
        {"form": form, "pathways": pathways, "is_filtered": form.is_filtered},
        status=200 if valid else 400,
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


def pathway_detail(request, slug):
    return _pathway_page(request, slug)


def _pathway_page(request, slug, enrol_form=None, status=200):
    page = selectors.pathway_page(slug, request.user, timezone.now())
    if page is None:
        raise Http404("No such pathway.")
    if page.can_enrol and enrol_form is None:
        enrol_form = EnrolForm(today=_learner_today(request.user))
    context = {
        "page": page,
        "pathway": page.pathway,
        "progress": page.progress,
        "enrol_form": enrol_form if page.can_enrol else None,
    }
    return render(request, "careers/pathway_detail.html", context, status=status)


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


def _get_task_of(enrolment, task_id):
    return get_object_or_404(
        Task.objects.select_related("phase"), pk=task_id, phase__pathway=enrolment.pathway_id
    )


def _get_action_item_of(enrolment, action_item_id):
    return get_object_or_404(ActionItem, pk=action_item_id, pathway=enrolment.pathway_id)


@learner_required
def dashboard(request):
    board = selectors.dashboard_for(request.user, timezone.now())
    return render(request, "careers/dashboard.html", {"board": board})


@learner_required
@require_POST
def enrol(request, slug):
    pathway = get_object_or_404(Pathway, slug=slug)
    form = EnrolForm(request.POST, today=_learner_today(request.user))
    if not form.is_valid():
        return _pathway_page(request, pathway.slug, enrol_form=form, status=400)
    enrolment, created = services.enrol(
        user=request.user, pathway=pathway, start_date=form.cleaned_data["start_date"], now=timezone.now()
    )
    if created:
        messages.success(request, f"You're enrolled in “{pathway.title}”. Here is your first week.")
    else:
        messages.info(request, f"You already follow “{pathway.title}”.")
    return redirect(f"{resolve_url('careers:dashboard')}#enrolment-{enrolment.id}")


@learner_required
@require_POST
def pause(request, enrolment_id):
    enrolment = _get_enrolment_for_user(request, enrolment_id)
    if enrolment.is_completed:  # pause and resume leave a completed pathway alone: say so
        messages.info(request, f"You completed “{enrolment.pathway.title}”: there is nothing to pause.")
        return redirect(_safe_next(request, request.POST.get("next")))
    services.pause(enrolment=enrolment, now=timezone.now())
    messages.success(request, f"Paused “{enrolment.pathway.title}”. Your plan waits until you resume.")
    return redirect(_safe_next(request, request.POST.get("next")))


@learner_required
@require_POST
def resume(request, enrolment_id):
    enrolment = _get_enrolment_for_user(request, enrolment_id)
    if enrolment.is_completed:
        messages.info(request, f"You completed “{enrolment.pathway.title}”: there is nothing to resume.")
        return redirect(_safe_next(request, request.POST.get("next")))
    services.resume(enrolment=enrolment, now=timezone.now())
    messages.success(request, f"Resumed “{enrolment.pathway.title}”. Welcome back!")
    return redirect(_safe_next(request, request.POST.get("next")))


@learner_required
def leave(request, enrolment_id):
    enrolment = _get_enrolment_for_user(request, enrolment_id)
    if request.method == "POST":
        services.leave(enrolment=enrolment, now=timezone.now())
        messages.success(
            request, f"You left “{enrolment.pathway.title}”. Your ticks are kept if you come back."
        )
        # Back to the page the learner left from (the dashboard or the pathway page), so a leave
        # answered in place (htmx) finds its panel there.
        return redirect(_safe_next(request, request.POST.get("next")))
    return render(request, "careers/leave.html", {"enrolment": enrolment})


@learner_required
@require_POST
def tick_task(request, enrolment_id, task_id):
    enrolment = _get_enrolment_for_user(request, enrolment_id)
    task = _get_task_of(enrolment, task_id)
    set_done = partial(services.set_task_done, enrolment=enrolment, task=task)
    return _tick(request, enrolment, task, set_done, ticks_of=lambda progress: progress.task_ticks)


@learner_required
@require_POST
def tick_action_item(request, enrolment_id, action_item_id):
    enrolment = _get_enrolment_for_user(request, enrolment_id)
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
    enrolment = _get_enrolment_for_user(request, enrolment_id)
    task = _get_task_of(enrolment, task_id)
    if task.phase.is_ongoing:
        return HttpResponseBadRequest("A weekly habit is not skipped: leave it unticked this week.")
    skip = partial(services.skip_task, enrolment=enrolment, task=task)
    return _skip(request, enrolment, task, skip, ticks_of=lambda progress: progress.task_ticks)


@learner_required
@require_POST
def skip_action_item(request, enrolment_id, action_item_id):
    enrolment = _get_enrolment_for_user(request, enrolment_id)
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
        progress = selectors.enrolment_progress(enrolment.id, timezone.now())
        page = _safe_next(request, _htmx_page(request), fallback=enrolment.pathway.get_absolute_url())
        context = {"progress": progress, "next_url": page, "item": item, "ticks": ticks_of(progress)}
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
    messages.success(request, f"Weekly reminder for “{enrolment.pathway.title}” turned {state}.")
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
