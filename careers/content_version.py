"""A pathway's content version: `Pathway.updated_at`, moved by every change of what its page shows.

The pathway page's rendered sections and content (careers.page_cache), the catalogue, the page's
ETag and the calendar feed (careers.calendar) are all keyed by it, so no change may leave it behind:

- saving or deleting the pathway, or any row of its guide (phases, tasks, resources and the
  pathway-level sections), moves it: the pathway's own `auto_now`, and the receivers below for its
  rows. That covers the admin's forms and inlines, a revert from History, the importer's row saves
  and the shell alike;
- writes that send no signal (`QuerySet.update`, `bulk_create`) call `touch()`, or save the
  pathway, themselves: the importer and the admin's archive and restore do.

A version is a moment, not a counter, so it needs no migration and doubles as "last changed";
caches use it as part of a key only (never "newer than").
"""

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from careers.models import (
    ActionItem,
    FaqEntry,
    Pathway,
    Phase,
    RealityCheckItem,
    Resource,
    SkillToLearn,
    Task,
    TransferableSkill,
)

PHASE_ROWS = (Task, Resource)
PATHWAY_ROWS = (Phase, TransferableSkill, SkillToLearn, ActionItem, RealityCheckItem, FaqEntry)


def touch(pathways, now=None):
    """Move the content version of `pathways` (a Pathway queryset)."""
    pathways.update(updated_at=now or timezone.now())


def _row_changed(sender, instance, **kwargs):
    if isinstance(instance, PHASE_ROWS):
        touch(Pathway.objects.filter(phases=instance.phase_id))
    else:
        touch(Pathway.objects.filter(pk=instance.pathway_id))


def connect():
    """Connect the receivers (careers.apps, once)."""
    for model in (*PHASE_ROWS, *PATHWAY_ROWS):
        post_save.connect(_row_changed, sender=model, dispatch_uid=f"content_version_{model.__name__}")
        post_delete.connect(_row_changed, sender=model, dispatch_uid=f"content_version_del_{model.__name__}")
