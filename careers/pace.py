"""The learner's pace, and how long a plan is: pure functions, no database.

A guide's timeline is the full-time pace, FULL_TIME_HOURS a week. A learner who gives fewer hours
takes longer in proportion, and one who gives more goes faster: each timed phase lasts
`weeks * FULL_TIME_HOURS / hours` weeks, rounded to the nearest week and never less than one.
The schedule's snapshot (careers.selectors.snapshot_of) applies it, so the dashboard, the pathway
page, the weekly email and the calendar all follow; the pathway page and the recommendations
describe lengths with the same functions.
"""

import math
import re
from fractions import Fraction

FULL_TIME_HOURS = 40
# The hours a week a learner may give (as Enrolment.hours_per_week and Profile.hours_per_week).
MIN_HOURS, MAX_HOURS = 1, 80
DAYS_PER_MONTH = Fraction(36525, 1200)  # 365.25 / 12


def phase_weeks(weeks, hours_per_week):
    """How long a timed phase of `weeks` weeks at the full-time pace lasts at `hours_per_week`
    (None: the full-time pace). An ongoing phase (None) stays ongoing."""
    if weeks is None or hours_per_week is None:
        return weeks
    return max(1, _round_half_up(Fraction(weeks * FULL_TIME_HOURS, hours_per_week)))


def plan_weeks(durations, hours_per_week=None):
    """Weeks of the timed phases, given each phase's full-time duration (None for ongoing ones)."""
    return sum(phase_weeks(weeks, hours_per_week) for weeks in durations if weeks is not None)


def months(weeks):
    """`weeks` in months, to the nearest half month (as a Fraction: 6½ is Fraction(13, 2))."""
    return _to_the_half(Fraction(weeks * 7) / DAYS_PER_MONTH)


def about(weeks):
    """`weeks` as people say it: "about 6½ months", "about 26 months", from three years on "about
    4½ years"; "" under a month, which is said in weeks."""
    in_months = months(weeks)
    if in_months < 1:
        return ""
    if in_months >= 36:
        return f"about {_half_text(_to_the_half(Fraction(weeks * 7) / (DAYS_PER_MONTH * 12)))} years"
    return f"about {_half_text(in_months)} month{'' if in_months == 1 else 's'}"


def describe_length(weeks):
    """The length of a plan of `weeks` weeks, as "28 weeks, about 6½ months"; under a month, in
    weeks only ("3 weeks")."""
    in_weeks = f"{weeks} week{'' if weeks == 1 else 's'}"
    return ", ".join(filter(None, (in_weeks, about(weeks))))


def describe_pace(hours_per_week):
    """The pace as a sentence ends: "at 20 hours a week", or "at the full-time pace" for None."""
    if hours_per_week is None:
        return "at the full-time pace"
    return f"at {hours_per_week} hour{'' if hours_per_week == 1 else 's'} a week"


def claim_differs(claim, weeks):
    """Whether a guide's own claim of its length ("9 months", "4-6 months") disagrees with a plan of
    `weeks` weeks: its months (to the half) fall outside the claim's number or range of months. A
    claim in other words (or units) than months is taken to differ, so it is shown, not hidden."""
    found = re.fullmatch(r"\s*(\d+)\s*(?:(?:-|–|to)\s*(\d+)\s*)?months?\s*", claim, re.IGNORECASE)
    if not found:
        return True
    low = int(found.group(1))
    high = int(found.group(2) or low)
    return not low <= months(weeks) <= high


def _round_half_up(value):
    return math.floor(value + Fraction(1, 2))


def _to_the_half(value):
    return Fraction(_round_half_up(value * 2), 2)


def _half_text(value):
    """6½ for Fraction(13, 2), 6 for 6."""
    whole = math.floor(value)
    return f"{whole or ''}{'½' if value != whole else ''}"
