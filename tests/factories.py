"""Test data in one line: pathways of any shape, learners, enrolments and ticks.

Plain functions that write with the ORM (pathways) or through the services a learner's actions go
through (enrolments, ticks), so what they build is what the app would have built. They need the
database: call them from tests marked `django_db`, or use the fixtures of the same names in
tests/conftest.py.

    pathway = make_pathway(phases=[(3, 2), (None, 1)], action_items={"this_week": 1})
    enrolment = make_enrolment(user=make_learner(time_zone="Europe/Berlin"), pathway=pathway,
                               start_date=date(2026, 3, 2), now=NOW)
    tick(enrolment, all_tasks(pathway)[0], at=NOW)

Generated texts are distinct (within and across pathways), so a test can find any item by its text.
"""

import itertools
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Profile
from careers import guides, importer, search, services
from careers.models import (
    ActionItem,
    Enrolment,
    FaqEntry,
    Pathway,
    Phase,
    RealityCheckItem,
    Resource,
    SkillToLearn,
    Task,
    TransferableSkill,
)

GUIDES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "guides"
SPEECH_GUIDE = "deep-learning-engineer-to-speech-ai-engineer.txt"
PASSWORD = "tundra-lantern-violet-83"  # every factory-made learner's, unless given

_numbers = itertools.count(1)


def _spec(spec, generate):
    """A section given as a count (generated rows) or as the rows themselves."""
    if isinstance(spec, int):
        return [generate(n) for n in range(1, spec + 1)]
    return list(spec or ())


# --- Content ----------------------------------------------------------------------------------


def make_pathway(
    *,
    phases=((3, 2), (None, 1)),
    resources_per_phase=0,
    action_items=None,
    transferable_skills=0,
    skills_to_learn=0,
    reality_checks=None,
    faq=0,
    slug=None,
    title=None,
    from_role="Data Analyst",
    to_role="Machine Learning Engineer",
    overview="Why this move makes sense.\n\nWhat the next months look like.",
    **fields,
):
    """A pathway of any shape, written with the ORM.

    phases: (duration_weeks, number of tasks) per phase, in order; duration None is an ongoing phase.
    action_items: {"this_week": 1, "this_month": 2, "next_90_days": 1}: steps per horizon.
    reality_checks: {"love": 1, "miss": 1, "challenge": 1}: items per kind.
    transferable_skills, skills_to_learn, faq: a count, or the rows themselves (names for skills,
    (question, answer) pairs for the FAQ). Other Pathway fields (duration_months, difficulty, ...)
    pass through.
    """
    n = next(_numbers)
    title = title or f"Pathway {n}"
    pathway = Pathway.objects.create(
        slug=slug or f"pathway-{n}",
        title=title,
        from_role=from_role,
        to_role=to_role,
        overview=overview,
        **fields,
    )
    for p, (weeks, task_count) in enumerate(phases, start=1):
        phase = Phase.objects.create(
            pathway=pathway,
            order=p,
            title=f"{title}, phase {p}",
            duration_weeks=weeks,
            duration_label=f"{weeks} weeks" if weeks else "Ongoing",
            summary=f"What phase {p} of {title} is about.",
        )
        Task.objects.bulk_create(
            Task(phase=phase, order=t, text=f"{title}, task {p}.{t}") for t in range(1, task_count + 1)
        )
        Resource.objects.bulk_create(
            Resource(
                phase=phase, order=r, title=f"{title}, resource {p}.{r}", url=f"https://example.com/{p}/{r}"
            )
            for r in range(1, resources_per_phase + 1)
        )

    TransferableSkill.objects.bulk_create(
        TransferableSkill(pathway=pathway, order=order, name=name, description=f"Why {name} carries over.")
        for order, name in enumerate(
            _spec(transferable_skills, lambda i: f"{title}, transferable skill {i}"), start=1
        )
    )
    SkillToLearn.objects.bulk_create(
        SkillToLearn(pathway=pathway, order=order, name=name, description=f"How to learn {name}.")
        for order, name in enumerate(
            _spec(skills_to_learn, lambda i: f"{title}, skill to learn {i}"), start=1
        )
    )
    order = itertools.count(1)  # one order across the groups, as the importer numbers them
    ActionItem.objects.bulk_create(
        ActionItem(pathway=pathway, horizon=horizon, order=next(order), text=f"{title}, {horizon} step {i}")
        for horizon, count in (action_items or {}).items()
        for i in range(1, count + 1)
    )
    order = itertools.count(1)
    RealityCheckItem.objects.bulk_create(
        RealityCheckItem(pathway=pathway, kind=kind, order=next(order), text=f"{title}, {kind} {i}")
        for kind, count in (reality_checks or {}).items()
        for i in range(1, count + 1)
    )
    FaqEntry.objects.bulk_create(
        FaqEntry(pathway=pathway, order=order, question=question, answer=answer)
        for order, (question, answer) in enumerate(
            _spec(faq, lambda i: (f"{title}, question {i}?", f"{title}, answer {i}.")), start=1
        )
    )
    search.refresh(pathway)  # as the importer and the admin do after an edit
    return pathway


def import_guide(filename=SPEECH_GUIDE):
    """A seed guide from fixtures/guides/, imported as `make fixtures` does; returns the pathway."""
    return importer.import_pathway(guides.read(GUIDES_DIR / filename)).pathway


def all_tasks(pathway):
    """The pathway's tasks in plan order (phase by phase)."""
    return list(Task.objects.filter(phase__pathway=pathway).order_by("phase__order", "order"))


# --- Learners and their progress --------------------------------------------------------------


def make_learner(email=None, *, time_zone="UTC", verified=True, password=PASSWORD, **profile):
    """A user as sign-up leaves them: an allauth EmailAddress (primary; verified unless told) and a
    Profile in `time_zone`. Other Profile fields (reminder_weekday, reminder_hour, ...) pass through.
    The username is the email's local part; the email is generated (unique) when not given."""
    email = email or f"learner{next(_numbers)}@example.com"
    user = get_user_model().objects.create_user(username=email.split("@")[0], email=email, password=password)
    EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
    # update_or_create: a profile may already exist (made when the user was created).
    user.profile, _created = Profile.objects.update_or_create(
        user=user, defaults={"time_zone": time_zone, **profile}
    )
    return user


def make_enrolment(*, user=None, pathway=None, start_date=None, now=None):
    """An enrolment made by `services.enrol`, so its reminder is scheduled as in real life.

    Defaults: a new learner, a new pathway, starting on the learner's today (at `now`, default now).
    Returns the enrolment as stored (with its next_reminder_at).
    """
    user = user or make_learner()
    pathway = pathway or make_pathway()
    if start_date is None:
        start_date = _local_date(now or timezone.now(), user)
    enrolment, _created = services.enrol(user=user, pathway=pathway, start_date=start_date, now=now)
    enrolment.refresh_from_db()  # the reminder was scheduled with an UPDATE: read next_reminder_at back
    return enrolment


def tick(enrolment, task, at=None, *, done=True):
    """Tick `task` (or untick it, done=False) in `enrolment` at time `at` (default now)."""
    services.set_task_done(enrolment=enrolment, task=task, done=done, now=at or timezone.now())


def tick_action_item(enrolment, action_item, at=None, *, done=True):
    services.set_action_item_done(
        enrolment=enrolment, action_item=action_item, done=done, now=at or timezone.now()
    )


def _local_date(moment: datetime, user) -> date:
    return moment.astimezone(ZoneInfo(Profile.objects.get(user=user).time_zone)).date()


# --- Reminders on a fixed clock ---------------------------------------------------------------


def make_enrolment_at(now, *, user=None, pathway=None, start_date=None):
    """make_enrolment(now=now), with `created_at` moved to `now` as well (the database stamps it on
    insert): reminders care, as whoever enrolled after this week's slot waits for next week's."""
    enrolment = make_enrolment(user=user, pathway=pathway, start_date=start_date, now=now)
    Enrolment.objects.filter(pk=enrolment.pk).update(created_at=now)
    enrolment.refresh_from_db()
    return enrolment


# --- Skips, habits and completion ---------------------------------------------------------------


def skip(enrolment, task, reason="not_for_me", at=None):
    """Skip `task` in `enrolment` ("not_for_me" or "already_done") at time `at` (default now)."""
    services.skip_task(enrolment=enrolment, task=task, reason=reason, now=at or timezone.now())


def skip_action_item(enrolment, action_item, reason="not_for_me", at=None):
    services.skip_action_item(
        enrolment=enrolment, action_item=action_item, reason=reason, now=at or timezone.now()
    )


def tick_habit(enrolment, task, at=None, *, done=True):
    """Tick the habit `task` (a task of an ongoing phase) for the learner's plan week holding `at`."""
    services.set_habit_done(enrolment=enrolment, task=task, done=done, now=at or timezone.now())


def timed_tasks(pathway):
    """The tasks of the pathway's timed phases (those that complete it), in plan order."""
    return [task for task in all_tasks(pathway) if task.phase.duration_weeks]


def habits(pathway):
    """The tasks of the pathway's ongoing phases: weekly habits."""
    return [task for task in all_tasks(pathway) if task.phase.duration_weeks is None]
