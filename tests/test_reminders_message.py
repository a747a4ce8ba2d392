"""The weekly email (careers.reminders.build_message): subject, text and HTML parts, the
one-click unsubscribe headers, and its links."""

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client

from careers import reminders
from tests.factories import all_tasks, make_enrolment_at, make_learner, tick, tick_action_item

pytestmark = pytest.mark.django_db

STARTED = date(2026, 2, 23)  # a Monday; the learner is reminded on Wednesdays: week 1 starts 25 Feb
NOW = datetime(2026, 3, 4, 23, tzinfo=UTC)  # Wednesday 4 March, 18:00 in New York: week 2 starts
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


def this_week_section(text):
    """The lines listed under THIS WEEK in the text part."""
    section = text.split("THIS WEEK\n", 1)[1].split("\n\n", 1)[0]
    return [line for line in section.splitlines() if line.startswith("- ")]


def test_the_text_part_is_the_week_plan(enrolment, four_weeks):
    first, second, third, ongoing = all_tasks(four_weeks)
    this_week_step, this_month_step = four_weeks.action_items.order_by("order")
    tick(enrolment, first, at=datetime(2026, 2, 26, 12, tzinfo=UTC))  # in week 1

    message = reminders.build_message(enrolment.id, NOW)

    assert message.to == ["ada@example.com"]
    # Week 2's task, then the two steps still open from week 1, marked late.
    assert message.subject == f"This week on your path to {four_weeks.to_role}: 3 items (2 late)"
    text = message.body
    phase = four_weeks.phases.get(order=1)
    assert f'This is your week on "{four_weeks.title}".' in text
    assert f"Week 2 of 4 · {phase.title} (Weeks 1–4)" in text
    assert "You are on track." in text
    assert "1 of 3 tasks done (33%)" in text
    assert "Streak: 1 week." in text
    assert this_week_section(text) == [
        f"- {second.text}",
        f"- {this_week_step.text} (late: due week 1) (action plan: This Week)",
        f"- {this_month_step.text} (late: due week 1) (action plan: This Month)",
    ]
    assert third.text not in text and ongoing.text not in text  # week 3's; habits after week 4
    assert f"DONE LAST WEEK\n- {first.text}\n" in text
    assert f"{SITE}/dashboard/#enrolment-{enrolment.id}" in text
    assert "You get this email every Wednesday at 18:00 (America/New_York)." in text
    assert f"{SITE}/accounts/preferences/" in text


def test_after_the_plan_late_tasks_and_habits_are_listed_and_the_status_is_true(enrolment, four_weeks):
    first, second, third, ongoing = all_tasks(four_weeks)
    for step in four_weeks.action_items.all():
        tick_action_item(enrolment, step, at=datetime(2026, 2, 26, 12, tzinfo=UTC))
    tick(enrolment, first, at=datetime(2026, 2, 26, 12, tzinfo=UTC))

    message = reminders.build_message(enrolment.id, NOW + timedelta(weeks=4))  # week 6

    assert message.subject == f"This week on your path to {four_weeks.to_role}: 3 items (2 late)"
    assert "Week 6 · the 4-week plan ended 2 weeks ago" in message.body
    assert "of 4" not in message.body.split("\n\n")[2]
    assert "You are behind by 2 tasks." in message.body
    assert this_week_section(message.body) == [
        f"- {second.text} (late: due week 2)",
        f"- {third.text} (late: due week 3)",
        f"- {ongoing.text} (weekly habit)",
    ]


@pytest.mark.parametrize("weeks_later", range(-1, 8))
def test_the_subject_counts_exactly_the_items_listed_under_this_week(enrolment, four_weeks, weeks_later):
    first, *_rest = all_tasks(four_weeks)
    tick(enrolment, first, at=datetime(2026, 2, 26, 12, tzinfo=UTC))
    message = reminders.build_message(enrolment.id, NOW + timedelta(weeks=weeks_later))
    listed = this_week_section(message.body)
    goal = f"This week on your path to {four_weeks.to_role}: "
    if listed:
        count = int(message.subject.removeprefix(goal).split()[0])
        assert count == len(listed)
        late = sum("(late: due week" in line for line in listed)
        assert message.subject.endswith(f"({late} late)") if late else "late" not in message.subject
    else:
        assert message.subject == f"{goal}all caught up"
    html = message.alternatives[0][0]
    assert html.count('<li style="margin:0 0 6px;"><a href') == len(listed)


def test_all_caught_up(enrolment, four_weeks):
    first, second, _third, _ongoing = all_tasks(four_weeks)
    for task in (first, second):
        tick(enrolment, task, at=NOW)
    for step in four_weeks.action_items.all():
        tick_action_item(enrolment, step, at=NOW)
    message = reminders.build_message(enrolment.id, NOW)
    assert message.subject == f"This week on your path to {four_weeks.to_role}: all caught up"
    assert "THIS WEEK\nNothing left for this week.\n" in message.body


def test_only_tasks_to_do_are_counted_as_tasks(make_pathway):
    pathway = make_pathway(phases=[(1, 2)])
    enrolment = make_enrolment_at(NOW, pathway=pathway, start_date=date(2026, 3, 2))  # a Monday
    message = reminders.build_message(enrolment.id, datetime(2026, 3, 2, 9, tzinfo=UTC))
    assert message.subject == f"This week on your path to {pathway.to_role}: 2 tasks"


def test_the_subject_names_the_pathway_when_it_has_no_target_role(make_pathway):
    pathway = make_pathway(title="Into the unknown", to_role="")
    enrolment = make_enrolment_at(NOW, pathway=pathway, start_date=STARTED)
    assert reminders.build_message(enrolment.id, NOW).subject.startswith(
        "This week on your path to Into the unknown: "
    )


def test_the_html_part_has_the_same_plan_and_links_and_nothing_to_load(enrolment, four_weeks):
    _first, second, _third, _ongoing = all_tasks(four_weeks)
    step = four_weeks.action_items.order_by("order").first()

    html, mimetype = reminders.build_message(enrolment.id, NOW).alternatives[0]

    assert mimetype == "text/html"
    assert "<img" not in html and "<link" not in html and "<script" not in html
    assert f'href="{SITE}/dashboard/#enrolment-{enrolment.id}"' in html
    assert f'href="{SITE}{four_weeks.get_absolute_url()}"' in html
    assert second.text in html
    assert f'{step.text}</a> <strong style="color:#7a4a00;">Late · due week 1</strong>' in html
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
