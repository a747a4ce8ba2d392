"""Database queries of the catalogue and the pathway page do not grow with the content: the same
for 1 pathway as for 50 in the catalogue, and for a pathway of 10 tasks as of 200 on its page, for
a visitor and for an enrolled learner; on the first view of a content version (nothing kept yet)
and on the views after it, which read the guide from what the first one kept."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import all_tasks, tick

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("careers:catalogue")


def queries(client, path):
    """(first view, a later view) of `path`: the number of queries of each."""
    counts = []
    for _view in range(2):
        with CaptureQueriesContext(connection) as context:
            assert client.get(path).status_code == 200
        counts.append(len(context.captured_queries))
    return tuple(counts)


def shaped(make_pathway, tasks):
    """A pathway of `tasks` tasks over three timed phases and an ongoing one, with every section."""
    per_phase = tasks // 4
    return make_pathway(
        phases=[(3, per_phase), (4, per_phase), (5, per_phase), (None, tasks - 3 * per_phase)],
        resources_per_phase=2,
        action_items={"this_week": 2, "this_month": 2, "next_90_days": 2},
        transferable_skills=3,
        skills_to_learn=3,
        reality_checks={"love": 2, "miss": 2, "challenge": 2},
        faq=3,
    )


@pytest.mark.parametrize("reader", ["visitor", "learner"])
def test_the_catalogue_reads_as_much_for_50_pathways_as_for_1(client, make_pathway, learner, reader):
    if reader == "learner":
        client.force_login(learner)
    make_pathway(phases=[(2, 3)])
    one = queries(client, CATALOGUE)
    for _ in range(49):
        make_pathway(phases=[(2, 3), (4, 5)])
    fifty = queries(client, CATALOGUE)
    assert one == fifty
    if reader == "visitor":
        assert fifty[1] == 1  # the catalogue's version; the page itself was kept


def test_a_catalogue_search_reads_as_much_for_50_pathways_as_for_1(client, make_pathway):
    make_pathway(title="Speech engineer")
    one = queries(client, CATALOGUE + "?q=speech&length=short")
    for n in range(49):
        make_pathway(title=f"Speech engineer {n}")
    assert queries(client, CATALOGUE + "?q=speech&length=short") == one


def test_the_pathway_page_reads_as_much_for_200_tasks_as_for_10_for_a_visitor(client, make_pathway):
    small, big = shaped(make_pathway, 10), shaped(make_pathway, 200)
    assert queries(client, small.get_absolute_url()) == queries(client, big.get_absolute_url())
    assert queries(client, big.get_absolute_url())[1] == 1  # the pathway's version; the page was kept


def test_the_pathway_page_reads_as_much_for_200_tasks_as_for_10_for_a_learner(
    client, make_pathway, make_enrolment, learner
):
    client.force_login(learner)
    counts = []
    for tasks in (10, 200):
        pathway = shaped(make_pathway, tasks)
        enrolment = make_enrolment(user=learner, pathway=pathway)
        for task in all_tasks(pathway)[: tasks // 2]:
            tick(enrolment, task)
        counts.append(queries(client, pathway.get_absolute_url()))
    assert counts[0] == counts[1]
    first, later = counts[1]
    assert later < first  # the guide is read once per content version
    assert later <= 4  # session, user, version (with the enrolment and profile), the enrolment's ticks


def test_the_pathway_page_reads_as_much_for_200_tasks_as_for_10_for_a_learner_not_enrolled(
    client, make_pathway, learner
):
    client.force_login(learner)
    small, big = shaped(make_pathway, 10), shaped(make_pathway, 200)
    assert queries(client, small.get_absolute_url()) == queries(client, big.get_absolute_url())
