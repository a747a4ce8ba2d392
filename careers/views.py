from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from careers import selectors
from careers.forms import CatalogueFilterForm


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
    pathway = selectors.pathway_detail(slug)
    context = {
        "pathway": pathway,
        "phases": pathway.phases.all(),
        "skill_groups": selectors.skills_by_priority(pathway.skills_to_learn.all()),
        "reality_groups": selectors.reality_checks_by_kind(pathway.reality_checks.all()),
        "action_groups": selectors.action_items_by_horizon(pathway.action_items.all()),
    }
    return render(request, "careers/pathway_detail.html", context)
