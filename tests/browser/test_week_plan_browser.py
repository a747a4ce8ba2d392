"""The week plan in a real browser: a learner behind, a learner past the plan's end, a tick the
server refuses or cannot reach, and three pathways on one dashboard, at desktop and phone width.

Learners are made with tests/factories.py (start dates in the past) and logged in by handing the
browser a session cookie. Set SCREENSHOTS=/some/dir to keep a PNG of each page looked at.
"""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from careers import selectors
from careers.models import Pathway
from tests.browser.conftest import PHONE
from tests.factories import make_enrolment, make_learner

pytestmark = pytest.mark.django_db(transaction=True)

NLP = "deep-learning-engineer-to-nlp-engineer"  # 12 weeks: 3 + 3 + 4 + 2, then ongoing
SPEECH = "deep-learning-engineer-to-speech-ai-engineer"
DEEP_LEARNING = "software-engineer-to-deep-learning-engineer"
SHOTS = os.environ.get("SCREENSHOTS")


def screenshot(page_or_element, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        options = {"full_page": True} if hasattr(page_or_element, "goto") else {}
        page_or_element.screenshot(path=f"{SHOTS}/{name}.png", **options)


def this_monday():
    today = timezone.now().date()  # the learners here live in UTC and are reminded on Mondays
    return today - timedelta(days=today.weekday())


def enrol(user, slug, weeks_ago):
    """`user` in pathway `slug`, whose week 1 began `weeks_ago` Mondays ago (so this is week
    weeks_ago + 1), nothing ticked."""
    start = this_monday() - timedelta(weeks=weeks_ago)
    return make_enrolment(user=user, pathway=Pathway.objects.get(slug=slug), start_date=start)


def logged_in(new_page, site, user, name="learner", **options):
    """A browser page on `site` logged in as `user` (a session made by Django's test client)."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page = new_page(name, **options)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": site}])
    return page


def card(page, enrolment):
    return page.locator(f"#enrolment-{enrolment.id}")


def no_horizontal_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def expected(browser_problems, *patterns):
    """Drop the problems a test provoked on purpose (a refused request), fail on any other."""
    kept = []
    for problem in browser_problems.problems[browser_problems._reported :]:
        if not any(re.search(pattern, problem) for pattern in patterns):
            kept.append(problem)
    browser_problems.problems[browser_problems._reported :] = kept


def test_a_learner_three_weeks_behind_sees_late_items_with_their_week(new_page, site, browser_problems):
    learner = make_learner("behind@example.com")
    enrolment = enrol(learner, NLP, weeks_ago=3)  # week 4; all of phase 1 (weeks 1-3) is late
    plan = selectors.enrolment_progress(enrolment.id, timezone.now()).plan
    assert plan.week == 4 and plan.behind_by > 0

    page = logged_in(new_page, site, learner)
    page.goto("/dashboard/")
    mine = card(page, enrolment)
    expect(mine.locator(".standing__status")).to_have_text(f"Behind by {plan.behind_by} tasks")
    expect(mine.get_by_text("Week 4 of 12")).to_be_visible()
    late = [item for item in plan.this_week if item.is_late]
    assert late
    for item in late:
        row = mine.locator(".plan-item", has=page.get_by_label(item.text, exact=True))
        expect(row.locator(".badge--late")).to_have_text(f"Late · due week {item.week}")
    # Due items come first, then the late ones: the page lists them in the plan's order.
    labels = mine.locator(".plan-list:not(.plan-list--done)").locator(".tick__label").all_text_contents()
    assert labels == [item.text for item in plan.this_week]
    assert len(labels) > 6 and mine.get_by_text(f"{len(labels) - 6} more to do this week").is_visible()
    # The phase is said once for the card, not under every task.
    week = mine.locator("section.week")
    assert week.inner_text().count(plan.current_phase.phase.title) == 1
    screenshot(page, "behind-desktop")

    # Its pathway page opens on the roadmap, where the learner is; no horizontal scroll on a phone.
    phone = logged_in(new_page, site, learner, "phone", **PHONE)
    phone.goto(f"/pathways/{NLP}/")
    expect(phone.locator("#roadmap h2")).to_have_text(re.compile("Your roadmap", re.I))
    here = phone.locator(".phase--current")
    expect(here.get_by_text("You are here")).to_be_visible()
    expect(here.locator(".phase__weeks")).to_contain_text("Weeks 4–6 · ")
    assert no_horizontal_scroll(phone)
    screenshot(phone.locator("#follow"), "behind-pathway-follow-phone")
    screenshot(phone.locator("#roadmap"), "behind-pathway-roadmap-phone")
    browser_problems.assert_none()


def test_a_learner_past_the_plans_end_sees_an_honest_week(new_page, site, browser_problems):
    learner = make_learner("late@example.com")
    enrolment = enrol(learner, NLP, weeks_ago=20)  # week 21 of a 12-week plan

    page = logged_in(new_page, site, learner)
    page.goto("/dashboard/")
    mine = card(page, enrolment)
    expect(mine.get_by_text("Week 21 · the 12-week plan ended 9 weeks ago")).to_be_visible()
    assert "of 12" not in mine.inner_text()
    expect(mine.locator(".standing__status")).to_have_text(re.compile(r"^Behind by \d+ tasks$"))
    assert "Projected finish" not in mine.inner_text()  # nothing ticked: no pace to project from
    # The chart runs to the current week.
    mine.locator("summary", has_text="Progress, phases and chart").click()
    expect(mine.locator(".chart__label", has_text="21")).to_have_count(1)
    screenshot(page, "past-end-desktop")
    browser_problems.assert_none()


def test_a_tick_refused_in_another_tab_puts_the_box_back_and_says_why(new_page, site, browser_problems):
    learner = make_learner("two.tabs@example.com")
    enrolment = enrol(learner, SPEECH, weeks_ago=0)
    first_item = selectors.enrolment_progress(enrolment.id, timezone.now()).plan.this_week[0]

    page = logged_in(new_page, site, learner, "first tab")
    page.goto("/dashboard/")
    other = page.context.new_page()  # the same browser, a second tab
    other.goto("/dashboard/")
    card(other, enrolment).get_by_text("Leave", exact=False).first.click()
    card(other, enrolment).get_by_role("button", name=re.compile("^Leave pathway")).click()
    expect(other.locator("#left-pathways")).to_contain_text("Speech")
    expect(other.locator(f"#enrolment-{enrolment.id}")).to_have_count(0)

    box = page.get_by_label(first_item.text, exact=True)
    box.click()
    expect(box).not_to_be_checked()
    expect(page.locator("[data-plan-status]")).to_contain_text("You left this pathway in another tab")
    screenshot(page, "refused-tick")
    expected(browser_problems, r"HTTP error: 409", r"status of 409", r"Response Status Error Code 409")
    browser_problems.assert_none()


def test_a_tick_that_cannot_reach_the_server_is_not_shown_as_saved(new_page, site, browser_problems):
    learner = make_learner("offline@example.com")
    enrolment = enrol(learner, SPEECH, weeks_ago=0)
    this_week = selectors.enrolment_progress(enrolment.id, timezone.now()).plan.this_week
    item = this_week[0]

    page = logged_in(new_page, site, learner)
    page.goto("/dashboard/")
    expect(page.locator("#week-summary")).to_contain_text(f"{len(this_week)} to do this week")
    page.route(re.compile(r"/enrolments/\d+/tasks/\d+/$"), lambda route: route.abort("internetdisconnected"))
    box = page.get_by_label(item.text, exact=True)
    box.click()  # not check(): the box goes back at once
    expect(page.locator("[data-plan-status]")).to_contain_text("No connection: try again.")
    expect(box).not_to_be_checked()
    page.unroute(re.compile(r"/enrolments/\d+/tasks/\d+/$"))

    # Online again: the tick saves, stays in place struck through, and the summary follows.
    box.check()
    expect(page.locator(f"form#task-{enrolment.id}-{item.id}")).to_have_class(re.compile("tick--done"))
    expect(box).to_be_checked()
    expect(page.locator("[data-plan-status]")).to_contain_text("Saved")
    expect(page.locator("#week-summary")).to_contain_text(f"{len(this_week) - 1} to do this week")
    page.reload()
    done = card(page, enrolment).locator(".plan-list--done")
    expect(done.get_by_label(item.text, exact=True)).to_be_checked()
    expected(browser_problems, r"ERR_INTERNET_DISCONNECTED", r"htmx:sendError", r"htmx:afterRequest")
    browser_problems.assert_none()


def test_three_pathways_on_one_dashboard_at_desktop_and_phone_width(new_page, site, browser_problems):
    learner = make_learner("three@example.com")
    enrolments = [enrol(learner, NLP, 0), enrol(learner, SPEECH, 3), enrol(learner, DEEP_LEARNING, 20)]
    board = selectors.dashboard_for(learner, timezone.now())
    to_do = sum(len(p.plan.this_week) for p in board.following)
    late = sum(p.plan.late_count for p in board.following)
    summary = f"{to_do} to do this week across 3 pathways, {late} late."

    for name, options in (("desktop", {}), ("phone", PHONE)):
        page = logged_in(new_page, site, learner, name, **options)
        page.goto("/dashboard/")
        expect(page.locator("#week-summary")).to_have_text(summary)
        screenshot(page, f"three-{name}")
        screenshot(card(page, enrolments[1]), f"three-{name}-card")
        for enrolment in enrolments:
            height = card(page, enrolment).evaluate("(card) => card.getBoundingClientRect().height")
            assert height < (1600 if name == "phone" else 1100), (name, enrolment.pathway.slug, height)
        assert no_horizontal_scroll(page), name

        # The progress disclosure remembers that it was opened.
        first = card(page, enrolments[0])
        first.locator("summary", has_text="Progress, phases and chart").click()
        page.reload()
        expect(card(page, enrolments[0]).locator("details.progress-details")).to_have_attribute("open", "")
        expect(card(page, enrolments[1]).locator("details.progress-details")).not_to_have_attribute(
            "open", ""
        )
        assert no_horizontal_scroll(page), name
    browser_problems.assert_none()


def test_pause_and_resume_answer_in_place(new_page, site, browser_problems):
    learner = make_learner("pause@example.com")
    enrolments = [enrol(learner, NLP, 1), enrol(learner, SPEECH, 1)]
    page = logged_in(new_page, site, learner)
    page.goto("/dashboard/")
    page.evaluate("window.notReloaded = true")
    second = card(page, enrolments[1])
    second.get_by_role("button", name=re.compile("^Pause")).click()
    expect(second.locator(".standing__status")).to_contain_text("Paused since")
    expect(page.locator("[data-plan-status]")).to_contain_text("Paused")
    expect(page.locator("#week-summary")).to_contain_text("1 paused")
    resume = second.get_by_role("button", name=re.compile("^Resume"))
    expect(resume).to_be_focused()
    resume.click()
    expect(second.locator(".standing__status")).not_to_contain_text("Paused")
    assert page.evaluate("window.notReloaded") is True, "the page reloaded"
    browser_problems.assert_none()
