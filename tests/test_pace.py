"""careers.pace: the learner's hours a week stretch or shrink the guide's full-time plan, and how a
plan's length is said."""

from fractions import Fraction

import pytest

from careers import pace


def test_the_guides_timeline_is_the_full_time_pace_of_forty_hours():
    assert pace.FULL_TIME_HOURS == 40
    assert pace.phase_weeks(8, None) == 8
    assert pace.phase_weeks(8, 40) == 8


@pytest.mark.parametrize(
    ("weeks", "hours", "paced"),
    [
        (8, 20, 16),  # half the hours, twice the weeks
        (8, 10, 32),
        (6, 5, 48),
        (8, 80, 4),  # more than full time goes faster
        (3, 80, 2),  # 1.5 weeks rounds up to 2
        (1, 80, 1),  # never less than a week
        (2, 60, 1),  # 1.33 weeks rounds to 1
        (3, 30, 4),
    ],
)
def test_hours_stretch_or_shrink_each_phase_to_the_nearest_week(weeks, hours, paced):
    assert pace.phase_weeks(weeks, hours) == paced


def test_an_ongoing_phase_stays_ongoing_at_any_pace():
    assert pace.phase_weeks(None, 10) is None


def test_a_plans_weeks_add_up_its_timed_phases_at_the_pace():
    durations = [8, 10, 6, 4, None]  # the Software Engineer guide: 28 weeks at full time
    assert pace.plan_weeks(durations) == 28
    assert pace.plan_weeks(durations, 20) == 56
    assert pace.plan_weeks(durations, 5) == 224
    assert pace.plan_weeks([None]) == 0


@pytest.mark.parametrize(
    ("weeks", "said"),
    [
        (28, "28 weeks, about 6½ months"),
        (24, "24 weeks, about 5½ months"),
        (12, "12 weeks, about 3 months"),
        (56, "56 weeks, about 13 months"),
        (112, "112 weeks, about 26 months"),
        (224, "224 weeks, about 4½ years"),  # from three years on, in years
        (156, "156 weeks, about 3 years"),
        (5, "5 weeks, about 1 month"),
        (3, "3 weeks"),  # under a month: weeks only
        (1, "1 week"),
    ],
)
def test_a_length_is_said_in_weeks_and_months_to_the_half(weeks, said):
    assert pace.describe_length(weeks) == said


def test_months_are_rounded_to_the_nearest_half():
    assert pace.months(28) == Fraction(13, 2)
    assert pace.months(112) == 26


def test_the_pace_is_said_as_a_sentence_ends():
    assert pace.describe_pace(None) == "at the full-time pace"
    assert pace.describe_pace(20) == "at 20 hours a week"
    assert pace.describe_pace(1) == "at 1 hour a week"


@pytest.mark.parametrize(
    ("claim", "weeks", "differs"),
    [
        ("9 months", 28, True),  # the Software Engineer guide's title against its own roadmap
        ("6 months", 24, True),  # 5½ months
        ("4-6 months", 24, False),  # a range that holds the plan
        ("4–6 months", 28, True),  # 6½ months, outside it (an en dash works too)
        ("3 months", 12, False),
        ("1 month", 5, False),
        ("Half a year", 24, True),  # not in months: shown, never hidden
    ],
)
def test_a_guides_claim_differs_when_the_plans_months_fall_outside_it(claim, weeks, differs):
    assert pace.claim_differs(claim, weeks) is differs
