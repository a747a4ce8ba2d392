"""The weekly email (careers.reminders.build_message): subject, text and HTML parts, the
one-click unsubscribe headers, and its links."""

from datetime import UTC, date, datetime
from urllib.parse import urlsplit

import pytest
from django.test import Client

from careers import reminders
from tests.factories import all_tasks, make_enrolment_at, make_learner, tick

pytestmark = pytest.mark.django_db

STARTED = date(2026, 2, 23)  # a Monday: week 1
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)  # Monday of week 2
SITE = "https://careers.example.org"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def four_weeks(make_pathway):
    """A 4-week phase of 3 tasks, then an ongoing one; a step for week 1 and one for the month."""
    return make_pathway(phases=[(4, 3), (None, 1)], action_items={"this_week": 1, "this_month": 1})


@pytest.fixture
def enrolment(four_weeks):
    learner = make_learner(
        "ada@example.com", time_zone="America/New_York", reminder_weekday=2, reminder_hour=18
    )
    return make_enrolment_at(
        datetime(2026, 2, 23, 12, tzinfo=UTC), user=learner, pathway=four_weeks, start_date=STARTED
    )


def test_the_text_part_is_the_week_plan(enrolment, four_weeks):
    first, second, third, ongoing = all_tasks(four_weeks)
    this_week_step, this_month_step = four_weeks.action_items.order_by("order")
    tick(enrolment, first, at=datetime(2026, 2, 25, 12, tzinfo=UTC))  # in week 1

    message = reminders.build_message(enrolment.id, NOW)

    assert message.to == ["ada@example.com"]
    assert message.subject == f"This week on your path to {four_weeks.to_role}: 2 tasks"
    text = message.body
    phase = four_weeks.phases.get(order=1)
    assert f'This is your week on "{four_weeks.title}".' in text
    assert f"Week 2 of 4 · {phase.title} (Weeks 1–4)" in text
    assert "You are on track." in text
    assert "1 of 4 tasks done (25%)" in text
    assert "Streak: 1 week." in text
    assert f"THIS WEEK\n- {second.text}\n- {third.text}\n" in text
    assert ongoing.text not in text  # the ongoing phase starts in week 5
    assert f"FROM YOUR ACTION PLAN\n- {this_month_step.text}\n" in text
    assert this_week_step.text not in text  # due in week 1 only
    assert f"DONE LAST WEEK\n- {first.text}\n" in text
    assert f"{SITE}/dashboard/#enrolment-{enrolment.id}" in text
    assert "You get this email every Wednesday at 18:00 (America/New_York)." in text
    assert f"{SITE}/accounts/preferences/" in text


def test_tasks_left_from_a_finished_phase_are_listed_as_still_open(enrolment, four_weeks):
    first, second, third, ongoing = all_tasks(four_weeks)
    phase = four_weeks.phases.get(order=1)
    tick(enrolment, first, at=datetime(2026, 2, 25, 12, tzinfo=UTC))

    message = reminders.build_message(enrolment.id, datetime(2026, 3, 30, 9, tzinfo=UTC))  # week 6

    assert message.subject == f"This week on your path to {four_weeks.to_role}: 3 tasks"
    assert f"THIS WEEK\n- {ongoing.text}\n" in message.body
    assert (
        f"STILL OPEN FROM EARLIER WEEKS\n- {second.text} ({phase.title})\n- {third.text} ({phase.title})\n"
        in message.body
    )
    assert "You are behind by 2 tasks." in message.body


def test_the_subject_counts_the_tasks_due(enrolment, four_weeks):
    first, second, third, _ongoing = all_tasks(four_weeks)
    goal = four_weeks.to_role
    for task in (first, second):
        tick(enrolment, task, at=NOW)
    assert reminders.build_message(enrolment.id, NOW).subject == f"This week on your path to {goal}: 1 task"

    tick(enrolment, third, at=NOW)
    message = reminders.build_message(enrolment.id, NOW)
    assert message.subject == f"This week on your path to {goal}: all caught up"
    assert "THIS WEEK\nNothing left for this week.\n" in message.body


def test_the_subject_names_the_pathway_when_it_has_no_target_role(make_pathway):
    pathway = make_pathway(title="Into the unknown", to_role="")
    enrolment = make_enrolment_at(NOW, pathway=pathway, start_date=STARTED)
    assert reminders.build_message(enrolment.id, NOW).subject.startswith(
        "This week on your path to Into the unknown: "
    )


def test_the_html_part_has_the_same_plan_and_links_and_nothing_to_load(enrolment, four_weeks):
    _first, second, _third, _ongoing = all_tasks(four_weeks)

    html, mimetype = reminders.build_message(enrolment.id, NOW).alternatives[0]

    assert mimetype == "text/html"
    assert "<img" not in html and "<link" not in html and "<script" not in html
    assert f'href="{SITE}/dashboard/#enrolment-{enrolment.id}"' in html
    assert f'href="{SITE}{four_weeks.get_absolute_url()}"' in html
    assert second.text in html
    assert f'href="{SITE}/accounts/preferences/"' in html


def test_one_click_unsubscribe_headers_point_at_a_link_that_unsubscribes_the_learner(enrolment):
    message = reminders.build_message(enrolment.id, NOW)

    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith(f"<{SITE}/accounts/unsubscribe/") and header.endswith(">")
    link = header[1:-1]
    assert f"Stop these emails: {link}" in message.body
    assert f'href="{link}"' in message.alternatives[0][0]

    # What a mail client does with the header: a POST, no session, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(urlsplit(link).path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    enrolment.user.profile.refresh_from_db()
    assert not enrolment.user.profile.reminders_enabled
