"""The learner's dashboard: this week's plan and progress for every pathway they follow.

(What dashboard_for reads, and in how many queries, is in test_selectors.py.)"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from careers import services
from tests.factories import all_tasks, tick
from tests.pages import checkboxes, is_checked, meters, read_page, words

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("careers:dashboard")


def dashboard(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    return read_page(response)


def test_dashboard_needs_a_log_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={DASHBOARD}"


def test_dashboard_empty_state(learner_client):
    page = dashboard(learner_client)
    assert "You are not following a pathway yet" in page.text
    assert page.find("a", class_="button", href=reverse("careers:catalogue")).text == "Browse pathways"


def test_dashboard_shows_this_weeks_plan_and_progress(learner_client, enrolment, pathway):
    first_phase, second_phase, ongoing = pathway.phases.order_by("order")
    tick(enrolment, first_phase.tasks.order_by("order").first())
    mine = dashboard(learner_client).find(id=f"enrolment-{enrolment.id}")

    assert mine.find("h2").text == pathway.title
    assert mine.find("h2").find("a").attrs["href"] == pathway.get_absolute_url()
    assert "On track" in mine.text and "Week 1 of 5" in mine.text
    assert f"Current phase: {words(first_phase.title)} Weeks 1–3" in mine.text
    # This week: what is left of the first phase's tasks, and the action steps due in week 1.
    boxes = checkboxes(mine)
    ticked, *left_to_do = first_phase.tasks.order_by("order")
    assert sorted(boxes) == sorted(item.text for item in [*left_to_do, *pathway.action_items.all()])
    assert ticked.text not in boxes and not any(is_checked(box) for box in boxes.values())
    assert meters(mine) == {
        "Overall progress": "1 of 4 tasks done (25%)",
        "Action plan": "0 of 3 steps done",
        first_phase.title: "1 of 2 done",
        second_phase.title: "0 of 1 done",
        ongoing.title: "0 of 1 done",
    }
    assert "Tasks planned and done, week by week" in mine.text  # the chart's title


def test_dashboard_of_a_plan_that_starts_later(learner_client, make_enrolment, learner, pathway):
    starts = timezone.now().date() + timedelta(days=3)
    enrolment = make_enrolment(user=learner, pathway=pathway, start_date=starts)
    mine = dashboard(learner_client).find(id=f"enrolment-{enrolment.id}")
    assert "(in 3 days)" in mine.text
    assert "Your first week's tasks will show here." in mine.text
    assert checkboxes(mine) == {}


def test_dashboard_shows_each_pathway_followed_and_the_ones_left(
    learner_client, make_enrolment, make_pathway, learner
):
    active, paused, left = (make_enrolment(user=learner, pathway=make_pathway()) for _ in range(3))
    services.pause(enrolment=paused, now=timezone.now())
    services.leave(enrolment=left, now=timezone.now())
    make_enrolment(pathway=make_pathway())  # another learner's

    page = dashboard(learner_client)
    followed = page.find_all("article", class_="enrolment")
    assert [article.find("h2").text for article in followed] == [active.pathway.title, paused.pathway.title]
    assert "Paused since" in followed[1].text
    left_list = page.find("section", class_="left-pathways")
    assert left_list.find("h2").text == "Pathways you left"
    assert [a.text for a in left_list.find_all("a")] == [left.pathway.title]


def test_dashboard_queries_do_not_grow_with_enrolments(
    client, make_learner, make_pathway, make_enrolment, django_assert_max_num_queries
):
    learner = make_learner()
    client.force_login(learner)
    first = make_enrolment(user=learner, pathway=make_pathway(phases=[(2, 2)]))
    tick(first, all_tasks(first.pathway)[0])
    with django_assert_max_num_queries(14) as one:
        dashboard(client)
    for shape in ([(3, 2), (2, 1), (None, 1)], [(4, 6), (4, 6), (None, 3)]):
        make_enrolment(user=learner, pathway=make_pathway(phases=shape, action_items={"this_week": 2}))
    with django_assert_max_num_queries(len(one.captured_queries)) as three:
        assert len(dashboard(client).find_all("article", class_="enrolment")) == 3
    assert len(three.captured_queries) == len(one.captured_queries)
