"""Database queries per request of the learner's busiest pages stay the same however much there is:
the dashboard of a learner on one to five pathways, and a tick (the htmx POST, from the pathway page
or from the dashboard) in a pathway of 10 to 200 tasks. Every query of the request is counted:
the session, the user, the reads and the writes.

A pathway's content (its phases, tasks and steps) is read once per process and content version
(careers.selectors.pathway_content), by the first request that needs it: each count here is of a
request after that one, as every request is but the first after an edit."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from careers import services
from tests.factories import habits, skip, tick, tick_action_item, tick_habit, timed_tasks
from tests.pages import read_page

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("careers:dashboard")


def pathway_of(make_pathway, tasks):
    """A pathway of about `tasks` tasks: three timed phases and two habits, steps in every horizon."""
    per_phase = (tasks - 2) // 3
    return make_pathway(
        phases=[(4, per_phase), (4, per_phase), (4, tasks - 2 - 2 * per_phase), (None, 2)],
        action_items={"this_week": 2, "this_month": 3, "next_90_days": 3},
    )


def follow(make_enrolment, learner, pathway, weeks_ago=3):
    """`learner` on `pathway` for a few weeks, with a bit of everything: ticks, a skip, a habit and a
    step."""
    enrolment = make_enrolment(
        user=learner, pathway=pathway, start_date=timezone.now().date() - timedelta(weeks=weeks_ago)
    )
    first, second, third, *_ = timed_tasks(pathway)
    tick(enrolment, first)
    tick(enrolment, second)
    skip(enrolment, third)
    tick_habit(enrolment, habits(pathway)[0])
    tick_action_item(enrolment, pathway.action_items.order_by("order").first())
    return enrolment


def queries_of(request, django_assert_max_num_queries, most):
    """The queries of `request()` (a warm one: it is made once before), at most `most`."""
    assert request().status_code == 200
    with django_assert_max_num_queries(most) as counted:
        assert request().status_code == 200
    return [query["sql"] for query in counted.captured_queries]


def test_the_dashboard_reads_the_same_from_one_to_five_pathways(
    client, make_learner, make_pathway, make_enrolment, django_assert_max_num_queries
):
    learner = make_learner()
    client.force_login(learner)
    follow(make_enrolment, learner, pathway_of(make_pathway, 10))

    def read():
        return client.get(DASHBOARD)

    # The session, the user, the enrolments (with their pathways and the profile), and the
    # learner's ticks, skips and habit ticks (one query).
    one = queries_of(read, django_assert_max_num_queries, 4)
    for tasks in (50, 100, 200):
        follow(make_enrolment, learner, pathway_of(make_pathway, tasks))
    paused = follow(make_enrolment, learner, pathway_of(make_pathway, 200), weeks_ago=8)
    services.pause(enrolment=paused, now=timezone.now())

    five = queries_of(read, django_assert_max_num_queries, len(one))
    assert len(five) == len(one)
    page = read_page(read())
    assert len(page.find_all("article", class_="enrolment")) == 5 and "1 paused." in page.text


def test_the_dashboard_with_completed_pathways_reads_the_same_however_many(
    client, make_learner, make_pathway, make_enrolment, django_assert_max_num_queries
):
    learner = make_learner()
    client.force_login(learner)
    make_pathway(from_role="Machine Learning Engineer")  # where every factory pathway leads: a suggestion

    def complete_one(tasks):
        enrolment = follow(make_enrolment, learner, pathway_of(make_pathway, tasks))
        for task in timed_tasks(enrolment.pathway):
            tick(enrolment, task)
        enrolment.refresh_from_db()
        assert enrolment.is_completed

    def read():
        return client.get(DASHBOARD)

    complete_one(10)
    follow(make_enrolment, learner, pathway_of(make_pathway, 10))
    # A dashboard's four, and three for the suggestions (the pathways, their phases and skills).
    one = queries_of(read, django_assert_max_num_queries, 7)
    complete_one(200)
    follow(make_enrolment, learner, pathway_of(make_pathway, 200))
    complete_one(50)
    assert len(queries_of(read, django_assert_max_num_queries, len(one))) == len(one)


def tick_queries(client, url, page, django_assert_max_num_queries, most):
    """The queries of ticking then unticking the task of `url` from `page`, as htmx posts them:
    each at most `most`."""
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://testserver{page}"}

    def post(done):
        response = client.post(url, {"done": done}, headers=headers)
        assert response.status_code == 200
        return response.content.decode()

    post("true"), post("false")  # the pathway's content is read once, by the first
    # Session and user; the enrolment (with its pathway and the learner's profile); then, the
    # enrolment locked (BEGIN, lock, COMMIT): the task's resolution read with whether the pathway is
    # complete once it is resolved, and the write; then the learner's rows for the answer (ticked
    # from the dashboard: with every enrolment).
    with django_assert_max_num_queries(most) as ticked:
        assert "checked" in post("true")
    with django_assert_max_num_queries(most) as unticked:
        assert "checked" not in post("false")
    return len(ticked.captured_queries), len(unticked.captured_queries)


@pytest.mark.parametrize(("page", "most"), [("pathway", 9), ("dashboard", 10)])
def test_a_tick_writes_and_answers_in_as_many_queries_in_a_small_or_large_pathway(
    client, make_learner, make_pathway, make_enrolment, django_assert_max_num_queries, page, most
):
    """Ticked from the pathway page, the answer is the row and the enrolment's indicators; from the
    dashboard, also the week's summary across every pathway followed (read in one go)."""
    counts = {}
    for tasks, others in ((10, 0), (200, 4)):
        learner = make_learner()
        client.force_login(learner)
        for _ in range(others):
            follow(make_enrolment, learner, pathway_of(make_pathway, tasks))
        enrolment = follow(make_enrolment, learner, pathway_of(make_pathway, tasks))
        url = reverse("careers:tick_task", args=[enrolment.id, timed_tasks(enrolment.pathway)[5].id])
        here = enrolment.pathway.get_absolute_url() if page == "pathway" else DASHBOARD
        counts[tasks] = tick_queries(client, url, here, django_assert_max_num_queries, most)
    assert counts[200] == counts[10]
