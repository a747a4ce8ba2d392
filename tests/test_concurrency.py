"""Writes racing each other on the real PostgreSQL, each request in a thread of its own with its own
database connection (careers.services, careers.importer, the tick view):

- twenty ticks and unticks of one task by one learner at once: no 500, no IntegrityError reaching
  the learner, and the stored state is the last write's (one completion or none, the pathway
  completed exactly when it is ticked);
- a guide re-imported (edited, then back) while its learners tick its tasks: every import commits,
  every tick answers either "saved" (and is saved) or a clear 4xx (and nothing is written).
"""

import copy
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from careers import guides, selectors, services
from careers.importer import import_pathway
from careers.models import Enrolment, Task, TaskCompletion
from tests.factories import (
    GUIDES_DIR,
    SPEECH_GUIDE,
    all_tasks,
    make_enrolment,
    make_learner,
    make_pathway,
    tick,
)
from tests.pages import checkboxes, is_checked, read_page

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 20
ROUNDS = 3


def at_once(calls):
    """Run every call of `calls` in its own thread, released together; returns their results in
    order. Each thread closes its database connection when done."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def logged_in(user):
    client = Client(raise_request_exception=True)  # an exception reaching the learner fails the test
    client.force_login(user)
    return client


def test_twenty_ticks_and_unticks_at_once_end_in_the_last_writes_state(monkeypatch):
    pathway = make_pathway(phases=[(2, 2)])
    raced, other = all_tasks(pathway)
    learner = make_learner()
    enrolment = make_enrolment(user=learner, pathway=pathway)
    tick(enrolment, other)  # ticking `raced` completes the pathway, unticking reopens it
    url = reverse("careers:tick_task", args=[enrolment.id, raced.id])

    # The order in which the writes got the learner's lock (and so committed): the last is the
    # state that must stay.
    lock_open, this_thread, applied = services._lock_open, threading.local(), []

    def recording_lock_open(enrolment):
        locked = lock_open(enrolment)
        applied.append(this_thread.done)
        return locked

    monkeypatch.setattr(services, "_lock_open", recording_lock_open)

    def post(done, htmx):
        def call():
            this_thread.done = done
            headers = {"HX-Request": "true"} if htmx else {}
            response = logged_in(learner).post(url, {"done": ["false", str(done).lower()]}, headers=headers)
            return response.status_code

        return call

    for _round in range(ROUNDS):
        applied.clear()
        statuses = at_once([post(done=n % 2 == 0, htmx=n % 4 < 2) for n in range(RACERS)])

        assert Counter(statuses) == Counter({200: RACERS // 2, 302: RACERS // 2})
        assert len(applied) == RACERS
        last = applied[-1]
        stored = Enrolment.objects.get(pk=enrolment.pk)
        assert TaskCompletion.objects.filter(enrolment=enrolment, task=raced).count() == (1 if last else 0)
        assert stored.is_completed == last and (stored.completed_at is not None) == last
        ticks = selectors.enrolment_progress(enrolment.id, timezone.now()).task_ticks
        assert (raced.id in ticks.done_ids) == last
        page = read_page(logged_in(learner).get(pathway.get_absolute_url()))
        assert is_checked(checkboxes(page)[raced.text]) == last


def test_the_last_tasks_ticked_at_once_complete_the_pathway():
    """Each tick's completion check sees the ticks applied before it: the last of them completes the
    pathway, rather than each seeing the others open; unticking any of them reopens it."""
    pathway = make_pathway(phases=[(2, 4)])
    learner = make_learner()
    enrolment = make_enrolment(user=learner, pathway=pathway)
    tasks = all_tasks(pathway)

    def post(task, done):
        def call():
            url = reverse("careers:tick_task", args=[enrolment.id, task.id])
            return logged_in(learner).post(url, {"done": done}, headers={"HX-Request": "true"}).status_code

        return call

    for _round in range(ROUNDS):
        assert at_once([post(task, "true") for task in tasks]) == [200] * len(tasks)
        stored = Enrolment.objects.get(pk=enrolment.pk)
        assert stored.is_completed and stored.completed_at is not None
        assert at_once([post(task, "false") for task in tasks[:2]]) == [200, 200]
        assert not Enrolment.objects.get(pk=enrolment.pk).is_completed
        for task in tasks[2:]:
            post(task, "false")()


def original():
    return guides.read(GUIDES_DIR / SPEECH_GUIDE)


def edited():
    """The Speech AI guide with one task removed from its third phase and another reworded."""
    guide = copy.deepcopy(original())
    guide.phases[2].tasks.pop()
    guide.phases[1].tasks[0] += " (reworded)"
    return guide


def test_a_guide_re_imported_while_its_learners_tick_loses_no_tick_and_fails_nothing():
    pathway = import_pathway(original()).pathway
    learners = [make_learner() for _ in range(4)]
    enrolments = [make_enrolment(user=learner, pathway=pathway) for learner in learners]
    tasks = list(Task.objects.filter(phase__pathway=pathway, phase__duration_weeks__isnull=False))
    still_ticking = threading.Semaphore(0)  # released once per learner done

    def tick_untick_tick(learner, enrolment):
        """Every task ticked, then unticked, then ticked again: the learner's answers, in order."""

        def call():
            client = logged_in(learner)
            answers = []
            for done in (True, False, True):
                for task in tasks:
                    url = reverse("careers:tick_task", args=[enrolment.id, task.id])
                    data = {"done": str(done).lower()}
                    response = client.post(url, data, headers={"HX-Request": "true"})
                    answers.append(((enrolment.id, task.id), done, response.status_code))
            still_ticking.release()
            return answers

        return call

    def re_import():
        """The edited guide and the original in turn, for as long as the learners tick."""
        imported, finished = 0, 0
        while finished < len(learners):
            import_pathway((edited if imported % 2 == 0 else original)(), source="race")
            imported += 1
            finished += still_ticking.acquire(blocking=False)
        if imported % 2:
            import_pathway(original(), source="race")  # back to the original: its tasks live again
            imported += 1
        return imported  # an import that failed would have raised here

    learners_calls = [
        tick_untick_tick(learner, enrolment) for learner, enrolment in zip(learners, enrolments, strict=True)
    ]
    *answered, imports = at_once([*learners_calls, re_import])

    answers = [answer for answers in answered for answer in answers]
    statuses = Counter(status for _item, _done, status in answers)
    assert set(statuses) <= {200, 404}  # saved, or "that task is no longer in the pathway"
    # What each learner was told last about each task is what is stored.
    told = {}
    for item, done, status in answers:
        if status == 200:
            told[item] = done
    stored = set(
        TaskCompletion.objects.filter(enrolment__in=enrolments).values_list("enrolment_id", "task_id")
    )
    print(
        f"\n{imports} imports; {len(answers)} ticks and unticks: {statuses[200]} saved, "
        f"{statuses[404]} refused (task archived at that moment); {len(stored)} ticks stored, "
        f"{sum(told.values())} expected"
    )
    assert stored == {item for item, done in told.items() if done}
