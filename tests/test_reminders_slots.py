"""When a digest is due (careers.reminders): the learner's slot in their time zone, week
boundaries, daylight saving, and what the dispatcher decides for a due learner."""

from datetime import UTC, date, datetime

import pytest

from accounts.models import Profile
from careers import reminders
from careers.models import Enrolment
from tests.factories import make_enrolment_at, make_learner

MONDAY = date(2026, 3, 2)


def profile(weekday=0, hour=8, time_zone="UTC"):
    return Profile(reminder_weekday=weekday, reminder_hour=hour, time_zone=time_zone)  # unsaved


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def enrolment_like(created_at, start=MONDAY, paused_days=0):
    return Enrolment(created_at=created_at, start_date=start, paused_days=paused_days)  # unsaved


# --- Slots ----------------------------------------------------------------------------------------


def test_slot_is_the_chosen_day_and_hour_in_the_learners_zone():
    assert reminders.slot_of_week(MONDAY, profile()) == utc(2026, 3, 2, 8)
    assert reminders.slot_of_week(MONDAY, profile(weekday=2, hour=18, time_zone="Asia/Tokyo")) == utc(
        2026, 3, 4, 9
    )
    assert reminders.slot_of_week(MONDAY, profile(time_zone="America/New_York")) == utc(2026, 3, 2, 13)


def test_week_boundaries_follow_the_learners_zone():
    sunday_night_utc = utc(2026, 3, 8, 20)  # already Monday 9 March in Auckland
    assert reminders.monday_of_week(sunday_night_utc, profile()) == MONDAY
    assert reminders.monday_of_week(sunday_night_utc, profile(time_zone="Pacific/Auckland")) == date(
        2026, 3, 9
    )
    # Monday 03:00 UTC is still Sunday evening in Los Angeles: the week before.
    assert reminders.monday_of_week(utc(2026, 3, 2, 3), profile(time_zone="America/Los_Angeles")) == date(
        2026, 2, 23
    )


def test_daylight_saving_keeps_the_local_hour():
    london = profile(time_zone="Europe/London")
    # Clocks go forward on Sunday 29 March 2026: 08:00 is 08:00 GMT before, 07:00 UTC after.
    assert reminders.slot_of_week(date(2026, 3, 23), london) == utc(2026, 3, 23, 8)
    assert reminders.slot_of_week(date(2026, 3, 30), london) == utc(2026, 3, 30, 7)
    # And back on 25 October.
    assert reminders.slot_of_week(date(2026, 10, 19), london) == utc(2026, 10, 19, 7)
    assert reminders.slot_of_week(date(2026, 10, 26), london) == utc(2026, 10, 26, 8)
    sunday_one_am = profile(weekday=6, hour=1, time_zone="Europe/London")  # 01:00 does not exist that day
    assert reminders.slot_of_week(date(2026, 3, 23), sunday_one_am) == utc(2026, 3, 29, 1)


def test_next_slot_is_strictly_after():
    monday_8 = profile()
    assert reminders.next_slot(utc(2026, 3, 2, 7, 59), monday_8) == utc(2026, 3, 2, 8)
    assert reminders.next_slot(utc(2026, 3, 2, 8), monday_8) == utc(2026, 3, 9, 8)
    assert reminders.next_slot(utc(2026, 3, 8, 23), monday_8) == utc(2026, 3, 9, 8)


@pytest.mark.django_db
def test_enrolling_schedules_the_first_slot(pathway):
    # Enrolled on Saturday 28 February: the first slot is Monday 08:00 in the learner's zone.
    learner = make_learner(time_zone="Asia/Tokyo", reminder_weekday=0, reminder_hour=8)
    enrolment = make_enrolment_at(
        utc(2026, 2, 28, 7), user=learner, pathway=pathway, start_date=date(2026, 2, 23)
    )
    assert enrolment.next_reminder_at == utc(2026, 3, 1, 23)


# --- Decide ---------------------------------------------------------------------------------------


def decide(enrolments, profile, now):
    return reminders.decide(enrolments if isinstance(enrolments, list) else [enrolments], profile, now)


def test_decide_sends_once_the_slot_has_passed_this_week():
    decision = decide(enrolment_like(utc(2026, 2, 20)), profile(), utc(2026, 3, 2, 8, 5))
    assert decision == reminders.Decision(MONDAY, utc(2026, 3, 9, 8))


def test_decide_catches_up_a_missed_slot_later_the_same_week():
    decision = decide(enrolment_like(utc(2026, 2, 20)), profile(), utc(2026, 3, 5, 16))
    assert decision == reminders.Decision(MONDAY, utc(2026, 3, 9, 8))


def test_decide_skips_a_stale_slot_of_an_earlier_week():
    # Workers were down last week; on Monday this week's Tuesday-08:00 slot is still ahead.
    tuesday_slot = profile(weekday=1)
    decision = decide(enrolment_like(utc(2026, 2, 1)), tuesday_slot, utc(2026, 3, 2, 9))
    assert decision == reminders.Decision(None, utc(2026, 3, 3, 8))


def test_decide_waits_a_week_for_who_enrolled_after_this_weeks_slot():
    decision = decide(enrolment_like(utc(2026, 3, 2, 9)), profile(), utc(2026, 3, 2, 10))
    assert decision == reminders.Decision(None, utc(2026, 3, 9, 8))


def test_decide_sends_nothing_before_the_pathway_starts():
    later_start = enrolment_like(utc(2026, 2, 1), start=date(2026, 3, 16))
    assert decide(later_start, profile(), utc(2026, 3, 2, 9)) == reminders.Decision(None, utc(2026, 3, 9, 8))
    paused_back = enrolment_like(utc(2026, 2, 1), start=date(2026, 2, 23), paused_days=14)
    assert decide(paused_back, profile(), utc(2026, 3, 2, 9)).send_week is None


def test_decide_sends_when_any_pathway_is_ready():
    # One pathway enrolled after this week's slot, one from before: this week's digest goes out.
    enrolments = [enrolment_like(utc(2026, 3, 2, 9)), enrolment_like(utc(2026, 2, 1))]
    assert decide(enrolments, profile(), utc(2026, 3, 2, 10)) == reminders.Decision(
        MONDAY, utc(2026, 3, 9, 8)
    )
    assert decide([], profile(), utc(2026, 3, 2, 10)).send_week is None


@pytest.mark.django_db
def test_a_second_pathway_keeps_the_learners_slot(pathway, make_pathway):
    # The learner's slot is still due (this week's digest not dispatched yet): enrolling again
    # does not push it to next week.
    learner = make_learner()
    first = make_enrolment_at(
        utc(2026, 2, 28, 7), user=learner, pathway=pathway, start_date=date(2026, 2, 23)
    )
    second = make_enrolment_at(utc(2026, 3, 2, 9), user=learner, pathway=make_pathway(), start_date=MONDAY)
    first.refresh_from_db()
    assert first.next_reminder_at == second.next_reminder_at == utc(2026, 3, 2, 8)
