from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from careers import selectors, services
from careers.forms import CatalogueFilterForm, EnrolForm, TickForm
from careers.models import Enrolment, Pathway
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
    pathway = selectors.pathway_detail(slug)
    phases = pathway.phases.all()
    progress = selectors.progress_in(request.user, pathway, timezone.now())
    if progress:
        by_phase = {phase_progress.phase.id: phase_progress for phase_progress in progress.plan.phases}
        for phase in phases:
            phase.progress = by_phase[phase.id]
    can_enrol = request.user.is_authenticated and (
        progress is None or progress.enrolment.status == Enrolment.Status.LEFT
    )
    if can_enrol and enrol_form is None:
        enrol_form = EnrolForm(today=_learner_today(request.user))
    context = {
        "pathway": pathway,
        "phases": phases,
        "skill_groups": selectors.skills_by_priority(pathway.skills_to_learn.all()),
        "reality_groups": selectors.reality_checks_by_kind(pathway.reality_checks.all()),
        "action_groups": selectors.action_items_by_horizon(pathway.action_items.all()),
        "progress": progress,
        "enrol_form": enrol_form if can_enrol else None,
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
        back = _safe_next(
            request, request.htmx.current_url_abs_path if request.htmx else request.get_full_path()
        )
        to_login = redirect_to_login(back)
        return HttpResponseClientRedirect(to_login["Location"]) if request.htmx else to_login

    return wrapper


def _safe_next(request, url, fallback="/dashboard/"):
    if url and url_has_allowed_host_and_scheme(url, {request.get_host()}, request.is_secure()):
        return url
    return fallback


def _learner_today(user):
    return local_date(timezone.now(), selectors.time_zone_of(user))


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
    enrolment, created = services.enrol(request.user, pathway, form.cleaned_data["start_date"])
    if created:
        messages.success(request, f"You're enrolled in “{pathway.title}”. Here is your first week.")
    else:
        messages.info(request, f"You already follow “{pathway.title}”.")
    return redirect(f"{resolve_url('careers:dashboard')}#enrolment-{enrolment.id}")


@learner_required
@require_POST
def pause(request, enrolment_id):
    enrolment = selectors.owned_enrolment(request.user, enrolment_id)
    services.pause(enrolment, timezone.now())
    messages.success(request, f"Paused “{enrolment.pathway.title}”. Your plan waits until you resume.")
    return redirect(_safe_next(request, request.POST.get("next")))


@learner_required
@require_POST
def resume(request, enrolment_id):
    enrolment = selectors.owned_enrolment(request.user, enrolment_id)
    services.resume(enrolment, timezone.now())
    messages.success(request, f"Resumed “{enrolment.pathway.title}”. Welcome back!")
    return redirect(_safe_next(request, request.POST.get("next")))


@learner_required
def leave(request, enrolment_id):
    enrolment = selectors.owned_enrolment(request.user, enrolment_id)
    if request.method == "POST":
        services.leave(enrolment, timezone.now())
        messages.success(
            request, f"You left “{enrolment.pathway.title}”. Your ticks are kept if you come back."
        )
        return redirect("careers:dashboard")
    return render(request, "careers/leave.html", {"enrolment": enrolment})


@learner_required
@require_POST
def tick_task(request, enrolment_id, task_id):
    enrolment = selectors.owned_enrolment(request.user, enrolment_id)
    task = selectors.task_of(enrolment, task_id)
    return _tick(request, enrolment, services.set_task_done, task, {"task": task})


@learner_required
@require_POST
def tick_action_item(request, enrolment_id, action_item_id):
    enrolment = selectors.owned_enrolment(request.user, enrolment_id)
    item = selectors.action_item_of(enrolment, action_item_id)
    return _tick(request, enrolment, services.set_action_item_done, item, {"item": item})


def _tick(request, enrolment, set_done, item, context):
    form = TickForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors["done"][0])
    done = form.cleaned_data["done"]
    try:
        set_done(enrolment, item, done, timezone.now())
    except services.EnrolmentClosed:
        return HttpResponse("You left this pathway: rejoin it to tick tasks again.", status=409)
    if request.htmx:
        progress = selectors.enrolment_progress(enrolment.id, timezone.now())
        page = _safe_next(
            request, request.htmx.current_url_abs_path, fallback=enrolment.pathway.get_absolute_url()
        )
        context = {"progress": progress, "next_url": page, **context}
        return render(request, "careers/_progress.html#tick_response", context)
    messages.success(request, f"Marked “{item}” as {'done' if done else 'not done'}.")
    return redirect(
        _safe_next(request, request.POST.get("next"), fallback=enrolment.pathway.get_absolute_url())
    )


@learner_required
@require_POST
def set_reminders(request, enrolment_id):
    enrolment = selectors.owned_enrolment(request.user, enrolment_id)
    form = TickForm(request.POST, field="enabled")
    if not form.is_valid():
        return HttpResponseBadRequest(form.errors["enabled"][0])
    enabled = form.cleaned_data["enabled"]
    services.set_reminders(enrolment, enabled, timezone.now())
    state = "on" if enabled else "off"
    messages.success(request, f"Weekly reminder for “{enrolment.pathway.title}” turned {state}.")
    return redirect(
        _safe_next(request, request.POST.get("next"), fallback=resolve_url("accounts:preferences"))
    )


@learner_required
@require_POST
def send_preview(request, enrolment_id):
    enrolment = selectors.owned_enrolment(request.user, enrolment_id)
    services.send_preview(enrolment, timezone.now())
    messages.success(
        request, f"This week's email for “{enrolment.pathway.title}” is on its way to {request.user.email}."
    )
    return redirect(
        _safe_next(request, request.POST.get("next"), fallback=resolve_url("accounts:preferences"))
    )
