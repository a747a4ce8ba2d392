"""The weekly digest (careers.digest): one email per learner covering every pathway they follow,
its subject and summary, its sections and their tone, its links, and the message as sent."""

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from careers import digest as digests
from careers import inbox, services
from careers.models import Enrolment
from tests.factories import (
    all_tasks,
    habits,
    make_enrolment_at,
    make_learner,
    make_pathway,
    tick,
    tick_habit,
)

pytestmark = pytest.mark.django_db

STARTED = date(2026, 2, 23)  # a Monday; the learner is reminded on Wednesdays: week 1 starts 25 Feb
ENROLLED = datetime(2026, 2, 23, 12, tzinfo=UTC)
IN_WEEK_ONE = datetime(2026, 2, 26, 12, tzinfo=UTC)
NOW = datetime(2026, 3, 4, 23, tzinfo=UTC)  # Wednesday 4 March, 18:00 in New York: week 2 starts
SITE = "https://careers.example.org"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def ada():
    return make_learner("ada@example.com", time_zone="America/New_York", reminder_weekday=2, reminder_hour=18)


def enrol(learner, pathway, start_date=STARTED):
    return make_enrolment_at(ENROLLED, user=learner, pathway=pathway, start_date=start_date)


@pytest.fixture
def three(ada):
    """Ada on three pathways in week 2: 3 tasks (1 late), 2 tasks (1 late), and nothing left."""
    nlp = make_pathway(title="Speech to NLP", to_role="NLP Engineer", phases=[(2, 4)])
    vision = make_pathway(title="Into vision", to_role="Vision Engineer", phases=[(3, 3)])
    data = make_pathway(title="Data platform", to_role="Data Engineer", phases=[(4, 2), (None, 1)])
    enrolments = [enrol(ada, pathway) for pathway in (nlp, vision, data)]
    tick(enrolments[0], all_tasks(nlp)[0], at=IN_WEEK_ONE)
    tick(enrolments[2], all_tasks(data)[0], at=IN_WEEK_ONE)
    return enrolments


def mute(enrolment):
    """Mute one pathway's reminders, as the preferences do."""
    Enrolment.objects.filter(pk=enrolment.pk).update(reminders_enabled=False)


def listed(text):
    """The items listed under "This week" in a text part (all sections)."""
    return [line[4:] for line in text.splitlines() if line.startswith("[ ] ")]


def section_of(text, pathway):
    """The section of `pathway` in a text part: it starts with the pathway's short title."""
    return next(part for part in text.split("\n==== ")[1:] if part.startswith(f"{pathway.short_title} ===="))


def token_of(url):
    """The signed token at the end of an inbox link."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[1]


def html_of(message):
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    return html


def build(user, now=NOW):
    return digests.build_message(digest=digests.digest_for(user_id=user.id, now=now))


# --- What goes in -----------------------------------------------------------------------------------


def test_one_digest_covers_every_pathway_with_the_summary_first(ada, three):
    nlp_enrolment, vision_enrolment, data_enrolment = three
    digest = digests.digest_for(user_id=ada.id, now=NOW)

    assert [section.enrolment for section in digest.pathways] == three
    assert (digest.to_do, digest.late, digest.tone) == (5, 2, digests.NORMAL)
    assert digest.to == "ada@example.com"
    assert digest.subject == "This week: 5 tasks across 3 pathways, 2 late"

    message = digests.build_message(digest=digest)
    text = message.body
    assert message.subject == digest.subject and message.to == ["ada@example.com"]
    assert text.startswith("This week: 5 tasks across 3 pathways, 2 late\n")

    one, two, three_, four = all_tasks(nlp_enrolment.pathway)
    nlp = section_of(text, nlp_enrolment.pathway)
    assert "Week 2 of 2 (Wed 4 Mar – Tue 10 Mar)" in nlp
    assert "Phase: Speech to NLP, phase 1, Weeks 1–2 (25 Feb – 10 Mar)" in nlp
    assert listed(nlp) == [three_.text, four.text, f"{two.text} (late: planned for week 1)"]
    assert f"Done last week:\n✓ {one.text}\n" in nlp
    assert "Status: Behind by 1 task. Planned finish: Tuesday 10 March 2026." in nlp

    first, _second, _third = all_tasks(vision_enrolment.pathway)
    vision = section_of(text, vision_enrolment.pathway)
    assert f"{first.text} (late: planned for week 1)" in listed(vision)
    assert "Status: Behind by 1 task." in vision

    data = section_of(text, data_enrolment.pathway)
    later = all_tasks(data_enrolment.pathway)[1]
    assert listed(data) == [] and "Nothing left for this week." in data
    assert f"Get ahead (optional): {later.text} (planned for week 3)" in data
    assert "Ahead by" not in data and "Status: On track." in data
    assert "Too early to project a finish" in data

    assert f"Open my dashboard: {SITE}/dashboard/" in text
    assert "You get this email every Wednesday at 18:00 (America/New_York)." in text
    assert f"{SITE}/accounts/preferences/" in text


def test_paused_left_completed_muted_and_not_started_pathways_are_left_out(ada, three):
    now = NOW
    others = [enrol(ada, make_pathway(title=f"Other {n}", phases=[(2, 1)])) for n in range(5)]
    paused, left, completed, muted, later = others
    services.pause(enrolment=paused, now=now)
    services.leave(enrolment=left, now=now)
    tick(completed, all_tasks(completed.pathway)[0], at=IN_WEEK_ONE)
    mute(muted)
    Enrolment.objects.filter(pk=later.pk).update(start_date=date(2026, 4, 1))
    completed.refresh_from_db()
    assert completed.is_completed

    digest = digests.digest_for(user_id=ada.id, now=now)

    assert [section.enrolment for section in digest.pathways] == three
    assert digest.subject == "This week: 5 tasks across 3 pathways, 2 late"
    assert "Other" not in build(ada).body


def test_no_digest_when_no_pathway_is_left(ada, make_learner):
    assert digests.digest_for(user_id=make_learner().id, now=NOW) is None  # never enrolled
    paused, muted = (enrol(ada, make_pathway()) for _ in range(2))
    services.pause(enrolment=paused, now=NOW)
    mute(muted)
    assert digests.digest_for(user_id=ada.id, now=NOW) is None


def test_other_learners_pathways_are_not_in_it(ada, three, make_learner):
    enrol(make_learner(), three[0].pathway)
    assert len(digests.digest_for(user_id=ada.id, now=NOW).pathways) == 3


def test_after_the_plan_late_tasks_and_habits_are_listed_and_the_status_is_true(ada):
    pathway = make_pathway(title="Long past", phases=[(4, 3), (None, 1)])
    enrolment = enrol(ada, pathway)
    first, second, third, habit = all_tasks(pathway)
    tick(enrolment, first, at=IN_WEEK_ONE)
    tick_habit(enrolment, habit, at=NOW + timedelta(weeks=3))  # in week 5: not quiet

    text = build(ada, NOW + timedelta(weeks=4)).body  # week 6

    assert "Week 6 · the 4-week plan ended 2 weeks ago" in text
    assert listed(text) == [
        f"{second.text} (late: planned for week 2)",
        f"{third.text} (late: planned for week 3)",
        f"{habit.text} (weekly habit)",
    ]
    assert "Status: Behind by 2 tasks." in text


# --- The subject -----------------------------------------------------------------------------------


def test_one_pathway_names_the_goal(ada):
    pathway = make_pathway(to_role="NLP Engineer", phases=[(1, 2)])
    enrol(ada, pathway, start_date=date(2026, 3, 4))  # week 1 starts on the day
    assert build(ada).subject == "This week on your path to NLP Engineer: 2 tasks"


def test_one_pathway_without_a_target_role_names_the_pathway(ada):
    pathway = make_pathway(title="Into the unknown", to_role="", phases=[(1, 1)])
    enrol(ada, pathway, start_date=date(2026, 3, 4))
    assert build(ada).subject == "This week on your path to Into the unknown: 1 task"


def test_all_caught_up(ada):
    for n in (1, 2):
        pathway = make_pathway(title=f"Caught up {n}", phases=[(4, 4), (None, 1)])
        enrolment = enrol(ada, pathway)
        for task in all_tasks(pathway)[:2]:  # week 1's and week 2's
            tick(enrolment, task, at=NOW + timedelta(hours=1))
    message = build(ada, NOW + timedelta(hours=2))
    assert message.subject == "This week: all caught up across 2 pathways"
    assert message.body.count("This week:\nNothing left for this week.\n") == 2
    assert habits(pathway)[0].text not in message.body  # habits show once the timed phases are over


def test_steps_and_habits_make_the_subject_count_items(ada):
    pathway = make_pathway(to_role="ML Engineer", phases=[(4, 3), (None, 1)], action_items={"this_week": 1})
    enrol(ada, pathway)
    message = build(ada)
    assert message.subject == "This week on your path to ML Engineer: 3 items, 2 late"
    first, second, _third, _habit = all_tasks(pathway)
    step = pathway.action_items.get()
    assert listed(message.body) == [
        second.text,
        f"{first.text} (late: planned for week 1)",
        f"{step.text} (late: planned for week 1, action plan: this week)",
    ]


@pytest.mark.parametrize("weeks_later", range(-1, 9))
def test_the_subject_counts_exactly_the_lines_listed(ada, weeks_later):
    pathways = [
        make_pathway(phases=[(4, 3), (None, 1)], action_items={"this_week": 1, "this_month": 1}),
        make_pathway(phases=[(2, 4)]),
    ]
    enrolments = [enrol(ada, pathway) for pathway in pathways]
    tick(enrolments[0], all_tasks(pathways[0])[0], at=IN_WEEK_ONE)
    message = build(ada, NOW + timedelta(weeks=weeks_later))

    lines = listed(message.body)
    subject = message.subject.removeprefix("This week: ")
    if lines:
        assert int(subject.split()[0]) == len(lines)
        late = sum("(late: planned for week" in line for line in lines)
        assert subject.endswith(f", {late} late") if late else "late" not in subject
    else:
        assert subject == "all caught up across 2 pathways"
    assert html_of(message).count('<li class="item"') == len(lines)


# --- Tone ------------------------------------------------------------------------------------------


def quiet_setup(ada):
    """Two pathways of 8 weeks with 8 tasks each; one tick in week 1 on each."""
    enrolments = [
        enrol(ada, make_pathway(title=f"Quiet {n}", to_role=f"Quiet {n} Engineer", phases=[(8, 8)]))
        for n in (1, 2)
    ]
    for enrolment in enrolments:
        tick(enrolment, all_tasks(enrolment.pathway)[0], at=IN_WEEK_ONE)
    return enrolments


def test_two_weeks_without_a_tick_asks_for_one_small_step(ada):
    first, _other = quiet_setup(ada)
    now = NOW + timedelta(weeks=1)  # week 3; last tick 26 Feb, 13 days ago: still normal
    assert digests.digest_for(user_id=ada.id, now=now).tone == digests.NORMAL
    now = NOW + timedelta(weeks=1, days=1)  # 14 days
    digest = digests.digest_for(user_id=ada.id, now=now)
    assert digest.tone == digests.NUDGE
    assert [section.tone for section in digest.pathways] == [digests.NUDGE] * 2
    assert digest.subject == "This week: 2 tasks across 2 pathways"

    text = digests.build_message(digest=digest).body
    section = section_of(text, first.pathway)
    third = all_tasks(first.pathway)[2]
    assert "No ticks here for 2 weeks. One small step this week:" in section
    assert listed(section) == [third.text]  # week 3's, the first of this week's list
    assert "(1 more on your dashboard.)" in section  # week 2's, late
    assert "Status:" not in section and "Get ahead" not in section


def test_four_weeks_without_a_tick_offers_a_one_click_pause(ada):
    first, second = quiet_setup(ada)
    now = NOW + timedelta(weeks=3, days=1)
    digest = digests.digest_for(user_id=ada.id, now=now)
    assert [section.tone for section in digest.pathways] == [digests.PAUSE_OFFER] * 2
    assert digest.subject == "This week: all caught up across 2 pathways"  # nothing is listed

    message = digests.build_message(digest=digest)
    section = section_of(message.body, first.pathway)
    assert listed(section) == []
    assert "No ticks here for 4 weeks." in section
    link = re.search(rf"Pause {re.escape(first.pathway.short_title)}: (\S+)", section).group(1)
    assert link == digest.pathways[0].pause_url and link.startswith(f"{SITE}/")
    assert f'href="{link}"' in html_of(message)
    assert inbox.read_pause_token(token_of(link)) == first


def test_tone_is_per_pathway_and_the_digest_takes_the_mildest(ada):
    first, second = quiet_setup(ada)
    now = NOW + timedelta(weeks=3, days=1)
    tick(second, all_tasks(second.pathway)[1], at=now - timedelta(days=3))
    digest = digests.digest_for(user_id=ada.id, now=now)
    assert [section.tone for section in digest.pathways] == [digests.PAUSE_OFFER, digests.NORMAL]
    assert digest.tone == digests.NORMAL
    assert digest.to_do == len(listed(digests.build_message(digest=digest).body)) > 0


def test_a_new_pathway_is_not_quiet_before_two_weeks_of_its_plan(ada):
    enrol(ada, make_pathway(phases=[(4, 4)]))
    assert digests.digest_for(user_id=ada.id, now=NOW).tone == digests.NORMAL


# --- Links ------------------------------------------------------------------------------------------


def test_each_task_links_to_its_signed_inbox_page(ada, three):
    digest = digests.digest_for(user_id=ada.id, now=NOW)
    message = digests.build_message(digest=digest)
    urls = re.findall(r"Mark it done: (\S+)", message.body)
    assert len(urls) == 5 + 1  # the listed tasks and the get-ahead one
    for section in digest.pathways:
        for line in [*section.listed, section.get_ahead]:
            if line is None:
                continue
            link = inbox.read_task_token(token_of(line.url))
            assert (link.enrolment, link.task.id) == (section.enrolment, line.item.id)
            assert line.url in urls and f'href="{line.url}"' in html_of(message)
    # Visiting a link ticks nothing (mail scanners follow links).
    Client().get(urlsplit(urls[0]).path)
    assert digests.digest_for(user_id=ada.id, now=NOW).to_do == 5


def test_steps_link_to_the_dashboard_and_habits_to_the_inbox(ada):
    pathway = make_pathway(phases=[(1, 2), (None, 1)])  # week 2: past the plan, habits show
    enrolment = enrol(ada, pathway)
    tick(enrolment, all_tasks(pathway)[0], at=IN_WEEK_ONE)
    (section,) = digests.digest_for(user_id=ada.id, now=NOW).pathways
    (late, habit) = section.listed
    assert late.item.kind == "task" and late.item.is_late
    assert habit.item.kind == "habit" and habit.note == "weekly habit"
    assert inbox.read_task_token(token_of(habit.url)).task.id == habit.item.id

    other = make_learner()
    step_pathway = make_pathway(phases=[(4, 2)], action_items={"this_week": 1})
    step_enrolment = enrol(other, step_pathway)
    tick(step_enrolment, all_tasks(step_pathway)[0], at=IN_WEEK_ONE)  # the week-2 task is not due yet
    (section,) = digests.digest_for(user_id=other.id, now=NOW).pathways
    (step,) = section.listed
    assert step.item.kind == "step"
    assert step.url == f"{SITE}/dashboard/#enrolment-{step_enrolment.id}"
    # The text part does not promise what the link does not do.
    body = digests.build_message(digest=digests.digest_for(user_id=other.id, now=NOW)).body
    assert f"[ ] {step.text} ({step.note})\n    Tick it on your dashboard: {step.url}\n" in body


# --- The message ------------------------------------------------------------------------------------


def test_the_html_part_has_inlined_styles_and_nothing_to_load(ada, three):
    html = html_of(build(ada))
    assert "<style" not in html and "<link" not in html and "<script" not in html and "<img" not in html
    assert "url(" not in html and "@import" not in html and "@font-face" not in html
    assert re.search(r'class="card"[^>]*style="[^"]*max-width: ?600px', html)
    assert re.search(r'<li class="item" style="[^"]+"', html)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert {urlsplit(url).netloc for url in re.findall(r'(?:href|src)="([^"]+)"', html)} == {
        "careers.example.org"
    }
    assert html.count('<li class="item"') == 5
    assert re.search(r"Late · planned for week 1", html)
    assert f'href="{SITE}/dashboard/"' in html and "Open my dashboard" in html


def test_one_click_unsubscribe_headers_point_at_a_link_that_unsubscribes_the_learner(ada, three):
    message = build(ada)

    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message.extra_headers["List-Unsubscribe"]
    assert header.startswith(f"<{SITE}/accounts/unsubscribe/") and header.endswith(">")
    link = header[1:-1]
    assert f"Stop these emails: {link}" in message.body
    assert f'href="{link}"' in html_of(message)

    # What a mail client does with the header: a POST, no session, no CSRF token.
    response = Client(enforce_csrf_checks=True).post(urlsplit(link).path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    ada.profile.refresh_from_db()
    assert not ada.profile.reminders_enabled


def test_queries_do_not_grow_with_the_enrolments(ada, make_learner, django_assert_max_num_queries):
    solo = make_learner(time_zone="America/New_York", reminder_weekday=2, reminder_hour=18)
    enrol(solo, make_pathway(phases=[(2, 4), (None, 1)], action_items={"this_week": 1}))
    for _ in range(3):
        pathway = make_pathway(phases=[(2, 4), (None, 1)], action_items={"this_week": 1, "this_month": 2})
        enrolment = enrol(ada, pathway)
        tick(enrolment, all_tasks(pathway)[0], at=IN_WEEK_ONE)
    for learner in (solo, ada):  # each pathway's first digest reads its content, for the next ones
        build(learner)

    with CaptureQueriesContext(connection) as one:
        build(solo)
    with django_assert_max_num_queries(len(one.captured_queries)):
        message = build(ada)
    assert message.subject.startswith("This week: ") and "across 3 pathways" in message.subject


def test_a_guide_edited_between_two_digests_shows_in_the_next(ada, make_learner):
    pathway = make_pathway(phases=[(2, 2)])
    enrol(ada, pathway)
    grace = make_learner(time_zone="America/New_York", reminder_weekday=2, reminder_hour=18)
    enrol(grace, pathway)
    first, second = all_tasks(pathway)
    assert listed(build(ada).body) == [second.text, f"{first.text} (late: planned for week 1)"]

    second.text = "Read the chapter on attention"
    second.save()  # as the admin's form does
    assert listed(build(grace).body) == [
        "Read the chapter on attention",
        f"{first.text} (late: planned for week 1)",
    ]
