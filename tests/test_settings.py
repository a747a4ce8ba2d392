"""config/settings.py reads the environment once: good values are used, a set but malformed value
stops start-up with a message naming the variable."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASE_ENV = {
    "PATH": "/usr/bin:/bin",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "1",
    "PYTHON_DOTENV_DISABLED": "1",  # a developer's .env must not change what these tests see
}


def load_settings(cwd=ROOT, **env):
    """Settings as a fresh process sees them with `env` (a None value unsets a variable)."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.EMAIL_PORT, s.CELERY_BROKER_URL, s.SITE_URL)"
    )
    environ = {name: value for name, value in {**BASE_ENV, **env}.items() if value is not None}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=environ, capture_output=True, text=True)


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


@pytest.fixture
def laptop(tmp_path):
    """A copy of the project where `make run` has written its .env, for port 8001."""
    for name in ("config", "accounts", "careers"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "Makefile", tmp_path)
    subprocess.run(["make", "-s", ".env", "PORT=8001"], cwd=tmp_path, check=True, capture_output=True)
    return tmp_path


def test_manage_py_on_a_laptop_reads_the_env_file_make_run_wrote(laptop):
    result = load_settings(cwd=laptop, DEBUG=None, PYTHON_DOTENV_DISABLED=None)
    assert result.returncode == 0, result.stderr  # no SECRET_KEY needed: DEBUG is on in .env
    debug, _engine, _port, _broker, site_url = result.stdout.split()
    assert (debug, site_url) == ("True", "http://127.0.0.1:8001")


def test_environment_variables_win_over_the_env_file(laptop):
    result = load_settings(cwd=laptop, PYTHON_DOTENV_DISABLED=None, SITE_URL="https://careers.example.org")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-1] == "https://careers.example.org"


def test_the_test_suite_ignores_the_env_file(laptop):
    result = load_settings(cwd=laptop, DEBUG=None)
    assert result.returncode != 0  # DEBUG stays off: the .env that turns it on was not read
    assert "SECRET_KEY must be set" in result.stderr
