"""The bench's data: a synthetic load on top of the seed pathways, and the learners whose pages are
measured. Run by `python -m bench` in a child process whose environment names the database
(DATABASE_URL), after `migrate` and `loaddata fixtures/pathways.json`:

    python -m bench.load --learners 10000 > targets.json

Writes with bulk_create (no signals, no history rows: neither is read by the pages measured), from
a fixed random seed, so the PostgreSQL and SQLite runs get the same data. Prints, as JSON, what the
bench drives: each page's path and session cookie, the tick requests' learners and tasks, and the
database queries each page makes (counted in this process with Django's test client).
"""

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta

import django

SEED = 12  # the number: the same load in every run and on every database
SYNTHETIC_PATHWAYS = 200
TASKS_PER_PATHWAY = (10, 200)
ENROLMENTS_PER_LEARNER = (1, 3)
TICK_LEARNERS = 8  # one per wrk connection, so concurrent ticks rarely wait on one learner's lock
TICKED_TASKS = 10

ROLES = (
    "Software Engineer",
    "Data Analyst",
    "Teacher",
    "Product Manager",
    "Nurse",
    "Accountant",
    "Graphic Designer",
    "Civil Engineer",
    "Journalist",
    "Sales Manager",
    "Data Scientist",
    "Machine Learning Engineer",
    "UX Researcher",
    "DevOps Engineer",
    "Security Analyst",
    "Cloud Architect",
    "Technical Writer",
    "Data Engineer",
    "Product Designer",
    "Site Reliability Engineer",
)
DIFFICULTIES = ("Beginner-friendly", "Moderate", "Challenging", "Hard")
TIME_ZONES = ("UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney")
VERBS = ("Learn", "Practise", "Build", "Read about", "Write up", "Review", "Ship", "Present")
TOPICS = (
    "the fundamentals of the new role",
    "a small portfolio project",
    "the tools the team uses every day",
    "interview questions and your answers",
    "a case study from a company you admire",
    "the vocabulary of the field",
    "a mock project with a deadline",
    "feedback from someone in the role",
)
SENTENCE = (
    "Moving from one role to another takes steady weekly work, a clear picture of what transfers, "
    "and honest feedback from people already doing the job."
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=10_000)
    args = parser.parse_args()
    django.setup()
    began = time.monotonic()
    rng = random.Random(SEED)
    now = datetime.now(UTC)
    synthetic = make_pathways(rng)
    counts = make_learners(rng, args.learners, now)
    targets = make_targets(now)
    from careers.models import Pathway

    targets["load"] = {
        "seconds": round(time.monotonic() - began, 1),
        "pathways": Pathway.objects.count(),
        "synthetic_pathways": len(synthetic),
        **counts,
    }
    targets["queries"] = count_queries(targets)
    json.dump(targets, sys.stdout)


# --- Content -------------------------------------------------------------------------------------


def make_pathways(rng):
    """SYNTHETIC_PATHWAYS pathways of 10 to 200 tasks, shaped like the seed guides: timed phases
    with resources, an ongoing phase of habits, and the pathway-level sections."""
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

    pathways = []
    for n in range(1, SYNTHETIC_PATHWAYS + 1):
        from_role, to_role = rng.sample(ROLES, 2)
        months = rng.randint(3, 18)
        pathways.append(
            Pathway(
                slug=f"bench-{n:03d}",
                title=f"From {from_role} to {to_role}: a {months}-month plan ({n})",
                from_role=from_role,
                to_role=to_role,
                duration_months=months,
                difficulty=rng.choice(DIFFICULTIES),
                timeline=f"{months} months",
                salary_change="Often a rise of 10–30% after the first year.",
                demand="Steady demand in most regions.",
                overview="\n\n".join([SENTENCE] * rng.randint(2, 4)),
            )
        )
    pathways = Pathway.objects.bulk_create(pathways)

    phases, phase_tasks = [], []
    for pathway in pathways:
        total = rng.randint(*TASKS_PER_PATHWAY)
        habits = rng.randint(1, 3)
        timed = rng.randint(3, 6)
        sizes = [(total - habits) // timed + (1 if i < (total - habits) % timed else 0) for i in range(timed)]
        for order, size in enumerate([*sizes, habits], start=1):
            weeks = None if order > timed else rng.randint(2, 8)
            phases.append(
                Phase(
                    pathway=pathway,
                    order=order,
                    title=f"Phase {order}: {rng.choice(TOPICS).capitalize()}",
                    duration_weeks=weeks,
                    duration_label=f"{weeks} weeks" if weeks else "Ongoing",
                    summary=SENTENCE,
                )
            )
            phase_tasks.append(size)
    phases = Phase.objects.bulk_create(phases)
    Task.objects.bulk_create(
        (
            Task(
                phase=phase,
                order=t,
                text=f"{rng.choice(VERBS)} {rng.choice(TOPICS)} (step {phase.order}.{t})",
            )
            for phase, size in zip(phases, phase_tasks, strict=True)
            for t in range(1, size + 1)
        ),
        batch_size=5000,
    )
    Resource.objects.bulk_create(
        Resource(
            phase=phase, order=r, title=f"A guide to {rng.choice(TOPICS)}", url=f"https://example.com/{r}"
        )
        for phase in phases
        if phase.duration_weeks
        for r in range(1, rng.randint(1, 3) + 1)
    )
    horizons = ["this_week"] * 2 + ["this_month"] * 3 + ["next_90_days"] * 3
    ActionItem.objects.bulk_create(
        ActionItem(pathway=p, order=o, horizon=h, text=f"{rng.choice(VERBS)} {rng.choice(TOPICS)}")
        for p in pathways
        for o, h in enumerate(horizons, start=1)
    )
    TransferableSkill.objects.bulk_create(
        TransferableSkill(pathway=p, order=o, name=f"Skill {o}", description=SENTENCE)
        for p in pathways
        for o in range(1, 5)
    )
    SkillToLearn.objects.bulk_create(
        SkillToLearn(
            pathway=p,
            order=o,
            name=f"New skill {o}",
            priority=rng.choice(SkillToLearn.Priority.values),
            weeks=rng.randint(1, 8),
            description=SENTENCE,
        )
        for p in pathways
        for o in range(1, 6)
    )
    RealityCheckItem.objects.bulk_create(
        RealityCheckItem(pathway=p, order=o, kind=kind, text=SENTENCE)
        for p in pathways
        for o, kind in enumerate(RealityCheckItem.Kind.values * 3, start=1)
    )
    FaqEntry.objects.bulk_create(
        FaqEntry(pathway=p, order=o, question=f"Question {o}?", answer=SENTENCE)
        for p in pathways
        for o in range(1, 4)
    )
    return pathways


# --- Learners ------------------------------------------------------------------------------------


def _content():
    """{pathway id: (timed task ids, habit task ids, action item ids)}, in plan order."""
    from careers.models import ActionItem, Pathway, Task

    content = {pk: ([], [], []) for pk in Pathway.objects.values_list("pk", flat=True)}
    tasks = Task.objects.order_by("phase__order", "order").values_list(
        "pk", "phase__pathway_id", "phase__duration_weeks"
    )
    for pk, pathway_id, weeks in tasks:
        content[pathway_id][0 if weeks else 1].append(pk)
    for pk, pathway_id in ActionItem.objects.order_by("order").values_list("pk", "pathway_id"):
        content[pathway_id][2].append(pk)
    return content


def _users(prefix, count, rng, now):
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from accounts.models import Profile

    users = get_user_model().objects.bulk_create(
        (
            # "!": no usable password. The bench logs learners in by session, never by password.
            get_user_model()(
                username=f"{prefix}{n}", email=f"{prefix}{n}@example.com", password="!", date_joined=now
            )
            for n in range(count)
        ),
        batch_size=5000,
    )
    EmailAddress.objects.bulk_create(
        (EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users), batch_size=5000
    )
    Profile.objects.bulk_create(
        (
            Profile(user=u, time_zone=rng.choice(TIME_ZONES), reminder_weekday=rng.randint(0, 6))
            for u in users
        ),
        batch_size=5000,
    )
    return users


def _enrol(rng, users_and_pathways, content, now, progress):
    """Enrolments (started one to twenty weeks ago, a few paused) with progress: `progress(rng,
    timed_count)` tasks done in plan order (a few skipped), some action-plan steps and habit ticks."""
    from careers.models import ActionItemCompletion, Enrolment, HabitTick, SkipReason, TaskCompletion

    enrolments = []
    for user, pathway_id in users_and_pathways:
        paused = rng.random() < 0.05
        enrolments.append(
            Enrolment(
                user=user,
                pathway_id=pathway_id,
                start_date=(now - timedelta(weeks=rng.randint(1, 20))).date(),
                status=Enrolment.Status.PAUSED if paused else Enrolment.Status.ACTIVE,
                paused_at=now - timedelta(days=3) if paused else None,
                next_reminder_at=now + timedelta(days=rng.randint(1, 7)),
            )
        )
    enrolments = Enrolment.objects.bulk_create(enrolments, batch_size=5000)
    completions, steps, habits = [], [], []
    for enrolment in enrolments:
        timed, habit_ids, action_ids = content[enrolment.pathway_id]
        started = datetime.combine(enrolment.start_date, datetime.min.time(), tzinfo=UTC)
        span = now - started
        for task_id in timed[: progress(rng, len(timed))]:
            skipped = rng.random() < 0.05
            completions.append(
                TaskCompletion(
                    enrolment=enrolment,
                    task_id=task_id,
                    # random() takes one draw whatever the span (randrange's depend on it, and the
                    # span on the clock): the same data on every database and in every run.
                    done_at=started + rng.random() * span,
                    skip_reason=SkipReason.NOT_FOR_ME if skipped else "",
                )
            )
        for item_id in action_ids[: rng.randint(0, 3)]:
            steps.append(ActionItemCompletion(enrolment=enrolment, action_item_id=item_id, done_at=now))
        for task_id in habit_ids[: rng.randint(0, 2)]:
            habits.append(HabitTick(enrolment=enrolment, task_id=task_id, done_at=now - timedelta(days=1)))
    TaskCompletion.objects.bulk_create(completions, batch_size=5000)
    ActionItemCompletion.objects.bulk_create(steps, batch_size=5000)
    HabitTick.objects.bulk_create(habits, batch_size=5000)
    return enrolments, len(completions)


def make_learners(rng, count, now):
    """`count` learners on one to three pathways each (any pathway, seed or synthetic)."""
    content = _content()
    pathway_ids = sorted(content)
    users = _users("learner", count, rng, now)
    pairs = [
        (user, pathway_id)
        for user in users
        for pathway_id in rng.sample(pathway_ids, rng.randint(*ENROLMENTS_PER_LEARNER))
    ]
    enrolments, completions = _enrol(
        rng, pairs, content, now, lambda rng, timed: rng.randint(0, min(timed, 25))
    )
    return {"learners": count, "enrolments": len(enrolments), "task_completions": completions}


# --- What the bench drives -----------------------------------------------------------------------


def _session_cookie(user):
    """A logged-in session for `user` (as the log-in form would leave), as a Cookie header value."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def _activate(enrolments):
    from careers.models import Enrolment

    Enrolment.objects.filter(pk__in=[e.pk for e in enrolments]).update(
        status=Enrolment.Status.ACTIVE, paused_at=None
    )


def make_targets(now):
    """The measured learner (on the three seed pathways, the measured one included, half-way
    through each) and the tick learners; returns the paths and cookies the bench drives."""
    from careers.models import Pathway

    content = _content()
    seed = list(Pathway.objects.exclude(slug__startswith="bench-").order_by("pk")[:3])
    # The seed pathway with the most tasks is the measured pathway page, and the one ticked.
    measured = max(seed, key=lambda p: (len(content[p.pk][0]) + len(content[p.pk][1]), -p.pk))
    rng = random.Random(SEED)
    halfway = lambda rng, timed: timed // 2  # noqa: E731
    learner = _users("measured", 1, rng, now)[0]
    enrolments, _ = _enrol(rng, [(learner, p.pk) for p in seed], content, now, halfway)
    _activate(enrolments)  # the measured learner follows all three
    learner_cookie = _session_cookie(learner)
    measured_enrolment = next(e for e in enrolments if e.pathway_id == measured.pk)

    tickers = _users("ticker", TICK_LEARNERS, rng, now)
    tick_enrolments, _ = _enrol(rng, [(u, measured.pk) for u in tickers], content, now, lambda rng, timed: 0)
    _activate(tick_enrolments)
    # Never the last timed task: toggling stays away from completing the pathway.
    ticked = content[measured.pk][0][: min(TICKED_TASKS, len(content[measured.pk][0]) - 1)]

    page = measured.get_absolute_url()
    return {
        "pathway": {
            "slug": measured.slug,
            "title": measured.title,
            "timed_tasks": len(content[measured.pk][0]),
        },
        # The catalogue's first page (24 cards, by title) lists this one.
        "catalogue_check": Pathway.objects.filter(slug__startswith="bench-").order_by("title", "pk")[0].slug,
        "pages": {
            "catalogue": {"path": "/pathways/", "cookie": ""},
            "pathway_visitor": {"path": page, "cookie": ""},
            "pathway_learner": {
                "path": page,
                "cookie": learner_cookie,
                "must_contain": [f"/enrolments/{measured_enrolment.pk}/tasks/"],
            },
            "dashboard": {
                "path": "/dashboard/",
                "cookie": learner_cookie,
                "must_contain": [f'id="enrolment-{e.pk}"' for e in enrolments],
            },
            # References (bench/urls.py): the middleware alone, for a visitor and for the learner.
            "empty_visitor": {"path": "/bench/empty/", "cookie": ""},
            "empty_signed_in": {
                "path": "/bench/empty-signed-in/",
                "cookie": learner_cookie,
                "must_contain": ["ok"],
            },
        },
        "tick": {
            "page": page,
            "learners": [{"cookie": _session_cookie(e.user), "enrolment": e.pk} for e in tick_enrolments],
            "tasks": ticked,
        },
    }


class QueryCounter:
    """Counts the SQL statements run on the default connection."""

    def __enter__(self):
        from django.db import connection

        self.count = 0
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)


def count_queries(targets):
    """Database queries per request of each measured page, in this process (Django's test client,
    the second request of each, so one-off work such as the first connection is left out)."""
    from django.test import Client

    def client_for(cookie):
        client = Client(HTTP_HOST="127.0.0.1")
        if cookie:
            name, value = cookie.split("=", 1)
            client.cookies[name] = value
        return client

    counts = {}
    for name, page in targets["pages"].items():
        client = client_for(page["cookie"])
        client.get(page["path"])
        with QueryCounter() as queries:
            response = client.get(page["path"])
        if response.status_code != 200:
            raise SystemExit(f"{name}: {page['path']} answered {response.status_code} in-process")
        counts[name] = queries.count
    tick = targets["tick"]
    learner = tick["learners"][0]
    client = client_for(learner["cookie"])
    url = f"/enrolments/{learner['enrolment']}/tasks/{tick['tasks'][0]}/"
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://127.0.0.1{tick['page']}"}
    client.post(url, {"done": "true"}, headers=headers)
    client.post(url, {"done": "false"}, headers=headers)
    with QueryCounter() as queries:
        response = client.post(url, {"done": "true"}, headers=headers)
    client.post(url, {"done": "false"}, headers=headers)
    if response.status_code != 200:
        raise SystemExit(f"tick: {url} answered {response.status_code} in-process")
    counts["tick"] = queries.count
    return counts


if __name__ == "__main__":
    main()
