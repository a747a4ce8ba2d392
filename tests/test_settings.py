"""config/settings.py reads the environment once: good values are used, a set but malformed value
stops start-up with a message naming the variable."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASE_ENV = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1"}


def load_settings(**env):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.EMAIL_PORT, s.CELERY_BROKER_URL, s.SITE_URL)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env={**BASE_ENV, **env}, capture_output=True, text=True
    )


def test_defaults_suit_a_laptop():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "django.db.backends.sqlite3",
        "25",
        "filesystem://",
        "http://127.0.0.1:8000",
    ]


def test_production_values_are_read():
    result = load_settings(
        DEBUG="off",
        SECRET_KEY="s3cret",
        ALLOWED_HOSTS="careers.example.org",
        DATABASE_URL="postgres://app:pw@db.internal:5432/careers",
        EMAIL_PORT="587",
        REDIS_URL="redis://cache.internal:6379/0",
        SITE_URL="https://careers.example.org/",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "django.db.backends.postgresql",
        "587",
        "redis://cache.internal:6379/0",
        "https://careers.example.org",
    ]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"EMAIL_PORT": "twenty-five"}, "EMAIL_PORT"),
        ({"DATABASE_URL": "mysql//nope"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://u@h/db"}, "DATABASE_URL"),
        ({"SITE_URL": "careers.example.org"}, "SITE_URL"),
        ({"CELERY_BROKER_URL": "amqp://guest@localhost//"}, "CELERY_BROKER_URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"DEBUG": "0"}, "SECRET_KEY"),
    ],
)
def test_malformed_value_stops_start_up_naming_the_variable(env, named):
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.strip().splitlines()[-1]
