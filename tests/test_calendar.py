"""The learner's plan as an iCalendar feed (careers.calendar): what it holds for each enrolment,
at the learner's slot and in their zone; stable UIDs; ticks, skips, pauses and the end of a plan;
and the version that says when a cached feed is still good."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from icalendar import Calendar

from accounts.models import Profile
from accounts.services import reset_calendar_address
from careers import calendar, services
from tests.factories import (
    all_tasks,
    make_enrolment,
    make_learner,
    make_pathway,
    skip,
    tick,
    tick_action_item,
)

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday; Berlin moves to summer time on 29 March
START = date(2026, 3, 2)
HOST = "pathways.example"
ROLE = "NLP Engineer"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = f"https://{HOST}"


@pytest.fixture
def learner():
    """In Berlin, with the weekly reminder on Mondays at 08:00."""
    return make_learner(time_zone="Europe/Berlin", reminder_weekday=0, reminder_hour=8)


@pytest.fixture
def plan_pathway():
    """Phase 1: 2 tasks over 3 weeks (weeks 1 and 2); phase 2: 1 task over 2 weeks (week 4); then an
    ongoing phase with one habit; and one "this week" action-plan step (week 1)."""
    return make_pathway(phases=[(3, 2), (2, 1), (None, 1)], action_items={"this_week": 1}, to_role=ROLE)


@pytest.fixture
def enrolment(learner, plan_pathway):
    return make_enrolment(user=learner, pathway=plan_pathway, start_date=START, now=NOW)


def profile_of(user):
    return Profile.objects.get(user=user)


def fetch(user, now=NOW):
    """The feed as a calendar app would read it."""
    profile = profile_of(user)
    return Calendar.from_ical(calendar.feed_body(profile, calendar.feed_version(profile, now), now))


def events(feed):
    return {str(event.uid): event for event in feed.events}


def uid(enrolment, what):
    return f"enrolment-{enrolment.pk}-{what}@{HOST}"


def week_event(feed, enrolment, week):
    return events(feed)[uid(enrolment, f"week-{week}")]


def test_the_feed_parses_and_names_itself(enrolment, learner):
    feed = fetch(learner)
    assert str(feed["VERSION"]) == "2.0"
    assert str(feed["X-WR-CALNAME"]) == "Career Pathways: your plan"
    assert [str(zone["TZID"]) for zone in feed.walk("VTIMEZONE")] == ["Europe/Berlin"]


def test_an_event_per_plan_week_named_for_it_at_the_learners_slot(enrolment, learner):
    feed = fetch(learner)
    names = {week: str(week_event(feed, enrolment, week)["SUMMARY"]) for week in range(1, 6)}
    assert names == {
        1: f"Week 1 · {ROLE}: 1 task, 1 step",
        2: f"Week 2 · {ROLE}: 1 task",
        3: f"Week 3 · {ROLE}: no new tasks",
        4: f"Week 4 · {ROLE}: 1 task",
        5: f"Week 5 · {ROLE}: no new tasks",
    }
    assert uid(enrolment, "week-6") not in events(feed)  # the timed phases last 5 weeks
    first, fifth = week_event(feed, enrolment, 1), week_event(feed, enrolment, 5)
    assert first.start == datetime(2026, 3, 2, 8, 0, tzinfo=BERLIN)
    assert first.start.astimezone(UTC) == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    assert fifth.start == datetime(2026, 3, 30, 8, 0, tzinfo=BERLIN)  # summer time: 06:00 UTC
    assert fifth.start.astimezone(UTC) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert first.end - first.start == timedelta(minutes=30)
    assert "DTSTART;TZID=Europe/Berlin:20260302T080000" in first.to_ical().decode()


def test_a_weeks_description_lists_its_tasks_and_steps(enrolment, learner, plan_pathway):
    first_task = all_tasks(plan_pathway)[0]
    step = plan_pathway.action_items.get()
    description = str(week_event(fetch(learner), enrolment, 1)["DESCRIPTION"])
    assert description.startswith(f"Week 1 of 5 · {first_task.phase.title}\n")
    assert f"Tasks:\n• {first_task.text}\n" in description
    assert f"Action plan:\n• {step.text}\n" in description
    assert f"https://{HOST}{plan_pathway.get_absolute_url()}" in description


def test_milestones_at_the_start_and_end_of_each_phase_and_the_planned_finish(enrolment, learner):
    phases = list(enrolment.pathway.phases.order_by("order"))
    feed = events(fetch(learner))
    days = {
        what: (feed[uid(enrolment, what)].start, str(feed[uid(enrolment, what)]["SUMMARY"]))
        for what in [
            f"phase-{phases[0].pk}-start",
            f"phase-{phases[0].pk}-end",
            f"phase-{phases[1].pk}-start",
            f"phase-{phases[1].pk}-end",
            f"phase-{phases[2].pk}-start",
            "finish",
        ]
    }
    assert list(days.values()) == [
        (date(2026, 3, 2), f"Phase 1 starts · {ROLE}"),
        (date(2026, 3, 22), f"Phase 1 ends · {ROLE}"),
        (date(2026, 3, 23), f"Phase 2 starts · {ROLE}"),
        (date(2026, 4, 5), f"Phase 2 ends · {ROLE}"),
        (date(2026, 4, 6), f"Phase 3 starts · {ROLE}"),  # ongoing: it has no end
        (date(2026, 4, 5), f"Planned finish · {ROLE}"),
    ]
    assert uid(enrolment, f"phase-{phases[2].pk}-end") not in feed
    finish = feed[uid(enrolment, "finish")]
    assert finish.end == date(2026, 4, 6)  # all day
    assert str(finish["TRANSP"]) == "TRANSPARENT"


def test_habits_are_one_weekly_event_after_the_timed_phases(enrolment, learner, plan_pathway):
    habits = events(fetch(learner))[uid(enrolment, "habits")]
    assert habits.start == datetime(2026, 4, 6, 8, 0, tzinfo=BERLIN)
    assert habits["RRULE"]["FREQ"] == ["WEEKLY"]
    assert all_tasks(plan_pathway)[-1].text in str(habits["DESCRIPTION"])


def test_uids_are_stable_across_fetches_and_changes(enrolment, learner, plan_pathway):
    before = set(events(fetch(learner)))
    tick(enrolment, all_tasks(plan_pathway)[0], at=NOW)
    assert set(events(fetch(learner, NOW + timedelta(hours=1)))) == before
    assert len(before) == 5 + 5 + 1 + 1  # weeks, phase milestones, planned finish, habits


def test_a_tick_shows_on_the_next_fetch(enrolment, learner, plan_pathway):
    first_task = all_tasks(plan_pathway)[0]
    tick(enrolment, first_task, at=NOW)
    tick_action_item(enrolment, plan_pathway.action_items.get(), at=NOW)
    week = week_event(fetch(learner), enrolment, 1)
    assert str(week["SUMMARY"]) == f"Week 1 · {ROLE}: all done ✓"
    assert f"✓ {first_task.text}" in str(week["DESCRIPTION"])


def test_a_skip_is_marked_and_counts_as_resolved(enrolment, learner, plan_pathway):
    second = all_tasks(plan_pathway)[1]
    skip(enrolment, second, at=NOW)
    week = week_event(fetch(learner), enrolment, 2)
    assert str(week["SUMMARY"]) == f"Week 2 · {ROLE}: all done ✓"
    assert f"– {second.text} (skipped)" in str(week["DESCRIPTION"])


def test_a_paused_plan_moves_on_by_the_weeks_spent_paused(enrolment, learner):
    services.pause(enrolment=enrolment, now=NOW + timedelta(days=8))
    later = NOW + timedelta(days=22)  # paused for 14 days: the plan is two weeks later
    feed = fetch(learner, later)
    first = week_event(feed, enrolment, 1)
    assert first.start == datetime(2026, 3, 16, 8, 0, tzinfo=BERLIN)
    assert str(first["SUMMARY"]) == f"Week 1 · {ROLE}: 1 task, 1 step (paused)"
    assert "Paused:" in str(first["DESCRIPTION"])
    assert events(feed)[uid(enrolment, "finish")].start == date(2026, 4, 19)

    services.resume(enrolment=enrolment, now=later)  # resuming now leaves the plan where the feed put it
    assert week_event(fetch(learner, later), enrolment, 1).start == first.start


def test_a_completed_plan_shows_its_finish_and_a_left_one_nothing(learner, plan_pathway):
    short = make_pathway(phases=[(1, 1)], to_role="Data Engineer")
    done = make_enrolment(user=learner, pathway=short, start_date=START, now=NOW)
    tick(done, all_tasks(done.pathway)[0], at=NOW + timedelta(days=3))
    left = make_enrolment(user=learner, pathway=plan_pathway, start_date=START, now=NOW)
    services.leave(enrolment=left, now=NOW)

    feed = events(fetch(learner))
    assert list(feed) == [uid(done, "finished")]
    assert feed[uid(done, "finished")].start == date(2026, 3, 5)
    assert str(feed[uid(done, "finished")]["SUMMARY"]) == "★ Finished · Data Engineer"


def test_a_learner_without_pathways_gets_an_empty_calendar(learner):
    assert list(fetch(learner).events) == []


def test_utc_learners_get_utc_times(plan_pathway):
    user = make_learner(time_zone="UTC", reminder_weekday=2, reminder_hour=18)
    enrolment = make_enrolment(user=user, pathway=plan_pathway, start_date=START, now=NOW)
    feed = fetch(user)
    assert week_event(feed, enrolment, 1).start == datetime(2026, 3, 4, 18, 0, tzinfo=UTC)  # a Wednesday
    assert "DTSTART:20260304T180000Z" in feed.to_ical().decode()


def test_the_feed_follows_the_learners_pace_and_what_they_had_already_done(enrolment, learner, plan_pathway):
    services.change_pace(enrolment=enrolment, hours_per_week=10)  # 5 weeks at full time: 20 weeks
    feed = fetch(learner)
    assert uid(enrolment, "week-20") in events(feed) and uid(enrolment, "week-21") not in events(feed)
    assert str(events(feed)[uid(enrolment, "finish")]["DESCRIPTION"]).startswith("The last day of week 20")

    other = make_learner(time_zone="Europe/Berlin")
    first, second = all_tasks(plan_pathway)[:2]
    started, _created = services.enrol(
        user=other, pathway=plan_pathway, start_date=START, now=NOW, already_done=[first, second]
    )
    feed = fetch(other)
    # The first phase was all done before: no milestones for it, and the plan is the 2 weeks left.
    assert uid(started, f"phase-{first.phase_id}-start") not in events(feed)
    assert str(week_event(feed, started, 1)["DESCRIPTION"]).startswith(
        f"Week 1 of 2 · {plan_pathway.phases.get(order=2).title}"
    )
    assert uid(started, "week-3") not in events(feed)


# --- The version: a cached feed is good until the plan changes -----------------------------------


def version(user, now=NOW):
    return calendar.feed_version(profile_of(user), now)


def test_the_version_stays_while_nothing_changes(enrolment, learner):
    assert version(learner) == version(learner, NOW + timedelta(days=30))


@pytest.mark.parametrize(
    "change",
    [
        lambda e, tasks: tick(e, tasks[0], at=NOW),
        lambda e, tasks: skip(e, tasks[0], at=NOW),
        lambda e, tasks: tick_action_item(e, e.pathway.action_items.get(), at=NOW),
        lambda e, tasks: services.pause(enrolment=e, now=NOW),
        lambda e, tasks: services.leave(enrolment=e, now=NOW),
        lambda e, tasks: Profile.objects.filter(user=e.user).update(reminder_hour=19),
        lambda e, tasks: e.pathway.save(),  # a re-import stamps the pathway
        lambda e, tasks: services.change_pace(enrolment=e, hours_per_week=20),
    ],
    ids=["tick", "skip", "step", "pause", "leave", "slot", "guide", "pace"],
)
def test_the_version_changes_with_the_plan(enrolment, learner, plan_pathway, change):
    before = version(learner)
    change(enrolment, all_tasks(plan_pathway))
    assert version(learner) != before


def test_the_version_tells_apart_ticks_undone_and_redone(enrolment, learner, plan_pathway):
    first, second = all_tasks(plan_pathway)[:2]
    tick(enrolment, first, at=NOW)
    seen = {version(learner)}
    tick(enrolment, first, at=NOW, done=False)
    tick(enrolment, second, at=NOW)  # same count, same time
    seen.add(version(learner))
    skip(enrolment, second, at=NOW)  # same row, same time, now skipped
    seen.add(version(learner))
    assert len(seen) == 3


def test_a_paused_plans_version_changes_as_it_moves_on(enrolment, learner):
    services.pause(enrolment=enrolment, now=NOW)
    assert version(learner, NOW + timedelta(days=1)) == version(learner, NOW + timedelta(days=2))
    assert version(learner, NOW + timedelta(days=2)) != version(learner, NOW + timedelta(days=5))


def test_a_built_feed_is_served_from_the_cache(enrolment, learner, django_assert_num_queries):
    profile = profile_of(learner)
    current = calendar.feed_version(profile, NOW)
    body = calendar.feed_body(profile, current, NOW)
    with django_assert_num_queries(0):
        assert calendar.feed_body(profile, current, NOW) == body


@override_settings(SITE_URL="https://elsewhere.example")
def test_the_feed_address_is_on_the_site_url(learner):
    profile = profile_of(learner)
    path = f"/accounts/calendar/{profile.calendar_token}.ics"
    assert profile.calendar_url == f"https://elsewhere.example{path}"
    assert profile.calendar_webcal_url == f"webcal://elsewhere.example{path}"


def test_calendar_tokens_are_long_random_and_replaceable(learner):
    profile, other = profile_of(learner), profile_of(make_learner())
    assert len(profile.calendar_token) >= 43 and profile.calendar_token != other.calendar_token
    old = profile.calendar_token
    reset_calendar_address(profile=profile)
    assert profile_of(learner).calendar_token not in {old, ""}
    assert calendar.feed_owner(old) is None
    assert calendar.feed_owner(profile.calendar_token) == profile
