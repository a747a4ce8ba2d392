"""IANA time zones: the list learners choose from, and validation of what they send."""

import zoneinfo
from functools import lru_cache

from django.core.exceptions import ValidationError

DEFAULT_TIME_ZONE = "UTC"

# Entries some systems' tz databases list that are not real zones (or depend on the machine).
_NOT_ZONES = {"localtime", "Factory", "posixrules", "posix", "right"}

# Areas listed by country rather than by continent; their zones go under "Other".
_LEGACY_AREAS = {"Etc", "SystemV", "US", "Canada", "Brazil", "Chile", "Mexico"}


@lru_cache(maxsize=1)
def available_time_zones():
    """Every IANA zone name this system knows, sorted; cached, as reading the tz database is slow."""
    return tuple(sorted(zoneinfo.available_timezones() - _NOT_ZONES))


def is_valid_time_zone(value):
    return isinstance(value, str) and value in available_time_zones()


def validate_time_zone(value):
    if not is_valid_time_zone(value):
        raise ValidationError(
            "“%(value)s” is not a time zone we know. Choose one from the list.",
            code="invalid_time_zone",
            params={"value": value},
        )


def clean_time_zone(value, default=DEFAULT_TIME_ZONE):
    """`value` if it is a known time zone, else `default`: for input that must never be rejected."""
    value = value.strip() if isinstance(value, str) else ""
    return value if is_valid_time_zone(value) else default


def _label(name):
    return name.replace("_", " ")


def time_zone_choices():
    """Choices for a <select>: UTC first, then the zones grouped by region (Africa, America, ...)."""
    regions = {}
    others = []
    for name in available_time_zones():
        region, slash, place = name.partition("/")
        if slash and region not in _LEGACY_AREAS:
            regions.setdefault(region, []).append((name, _label(place)))
        elif name != DEFAULT_TIME_ZONE:
            others.append((name, _label(name)))
    choices = [(DEFAULT_TIME_ZONE, "UTC")]
    choices += sorted(regions.items())
    if others:
        choices.append(("Other", others))
    return choices
