"""The pathway's calendar, as pure functions: no queries, no clock.

Timed phases follow each other from week 1, each lasting its `duration_weeks`. An ongoing phase
(no duration) starts when the timed phases end and carries on from there.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class WeekRange:
    first: int
    last: int | None  # None: open-ended (an ongoing phase)

    @property
    def label(self):
        if self.last is None:
            return f"Week {self.first} onwards"
        if self.first == self.last:
            return f"Week {self.first}"
        return f"Weeks {self.first}\u2013{self.last}"

    def __str__(self):
        return self.label


def phase_week_ranges(durations):
    """Week range of each phase, given each phase's duration in weeks (None for ongoing)."""
    timed_weeks = sum(weeks for weeks in durations if weeks)
    ranges = []
    next_week = 1
    for weeks in durations:
        if weeks:
            ranges.append(WeekRange(next_week, next_week + weeks - 1))
            next_week += weeks
        else:
            ranges.append(WeekRange(timed_weeks + 1, None))
    return ranges
