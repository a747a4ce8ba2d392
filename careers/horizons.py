"""The action plan's horizons, defined once: the key stored, the label shown, the weeks due.

Pure (no Django), so the guide parser, the models' choices and the schedule all use it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Horizon:
    key: str
    label: str
    weeks: range  # the plan weeks (1-based) its steps are spread over, in order


THIS_WEEK = Horizon("this_week", "This Week", range(1, 2))
THIS_MONTH = Horizon("this_month", "This Month", range(1, 5))
NEXT_90_DAYS = Horizon("next_90_days", "Next 90 Days", range(5, 14))

HORIZONS = (THIS_WEEK, THIS_MONTH, NEXT_90_DAYS)
KEYS = tuple(horizon.key for horizon in HORIZONS)
_BY_KEY = {horizon.key: horizon for horizon in HORIZONS}


def horizon(key):
    """The Horizon stored as `key`; ValueError naming it when there is none."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise ValueError(f"Unknown action-plan horizon {key!r}") from None
