"""Strict readers for environment variables.

A variable that is set but malformed stops start-up with a message naming it, so a typo in
production fails loudly instead of silently falling back to a default.
"""

import os
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name):
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_str(name, default=""):
    value = _raw(name)
    return default if value is None else value


def env_bool(name, default=False):
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), not {value!r}")


def env_int(name, default, minimum=None):
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value!r}")
    return number


def env_choice(name, choices, default):
    value = _raw(name)
    if value is None:
        return default
    if value.lower() not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value.lower()


def env_list(name, default=()):
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name, default="", schemes=("http", "https")):
    value = _raw(name)
    if value is None:
        return default
    parts = urlsplit(value)
    needs_host = parts.scheme not in {"filesystem", "sqla+sqlite"}
    if parts.scheme not in schemes or (needs_host and not parts.netloc):
        allowed = ", ".join(f"{scheme}://" for scheme in schemes)
        raise ImproperlyConfigured(f"{name} must be a URL starting with {allowed}, not {value!r}")
    return value.rstrip("/")


def env_database(name, default, *, conn_max_age=0, conn_health_checks=False):
    """The database of the URL in `name` (else `default`). A connection is kept for `conn_max_age`
    seconds (0: one per request), checked before each reuse if `conn_health_checks`."""
    value = _raw(name) or default
    try:
        config = dj_database_url.parse(
            value, conn_max_age=conn_max_age, conn_health_checks=conn_health_checks
        )
    except Exception as error:
        raise ImproperlyConfigured(f"{name} is not a usable database URL ({error}): {value!r}") from None
    if config.get("ENGINE") not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
        raise ImproperlyConfigured(f"{name} must be a sqlite:// or postgres:// URL, not {value!r}")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # The web process and the Celery worker write to the same file on a laptop: wait for the
        # lock instead of failing with "database is locked".
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL;",
        }
    return config
