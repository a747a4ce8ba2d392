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
        ({"SECURE_HSTS_SECONDS": "a year"}, "SECURE_HSTS_SECONDS"),
        ({"SECURE_SSL_REDIRECT": "sometimes"}, "SECURE_SSL_REDIRECT"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"SENTRY_DSN": "not-a-url"}, "SENTRY_DSN"),
        ({"CONN_MAX_AGE": "forever"}, "CONN_MAX_AGE"),
        ({"CONN_MAX_AGE": "-1"}, "CONN_MAX_AGE"),
        ({"CONN_HEALTH_CHECKS": "sometimes"}, "CONN_HEALTH_CHECKS"),
    ],
)
def test_malformed_value_stops_start_up_naming_the_variable(env, named):
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.strip().splitlines()[-1]


def database_and_sessions(**env):
    """How long a database connection is kept, whether it is checked, and the session engine."""
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "d = s.DATABASES['default']; print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], s.SESSION_ENGINE)"
    )
    environ = {name: value for name, value in {**BASE_ENV, **env}.items() if value is not None}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_database_connections_are_kept_and_checked_and_sessions_cached_in_redis():
    postgres = "postgres://app:pw@db.internal:5432/careers"
    assert database_and_sessions(DATABASE_URL=postgres) == [
        "60",
        "True",
        "django.contrib.sessions.backends.db",  # no shared cache: a per-process one would go stale
    ]
    assert database_and_sessions(
        DATABASE_URL=postgres, CONN_MAX_AGE="0", CONN_HEALTH_CHECKS="off", REDIS_URL="redis://cache:6379/0"
    ) == ["0", "False", "django.contrib.sessions.backends.cached_db"]


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


# --- production: check --deploy, HTTPS, headers ---------------------------------------------------

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k7Qw-production-like-key-of-more-than-fifty-characters-Zx93!pL",
    "ALLOWED_HOSTS": "careers.example.org",
    "SITE_URL": "https://careers.example.org",
}


def check_deploy(**env):
    environ = {
        name: value for name, value in {**BASE_ENV, **PRODUCTION_ENV, **env}.items() if value is not None
    }
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    return subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True)


def test_check_deploy_is_clean_in_production():
    result = check_deploy()
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_still_warns_about_a_plain_http_site():
    result = check_deploy(SITE_URL="http://careers.example.org")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr  # no HSTS, no redirect, cookies sent over plain HTTP


def test_hsts_subdomains_and_preload_can_be_turned_on():
    result = check_deploy(SECURE_HSTS_INCLUDE_SUBDOMAINS="1", SECURE_HSTS_PRELOAD="1")
    assert result.returncode == 0, result.stderr
    assert "0 silenced" in result.stdout  # nothing left to silence


def production_responses(tmp_path, code, **env):
    """What a fresh production-like process prints after running `code` (with `client`, a test Client)."""
    environ = {
        **BASE_ENV,
        **PRODUCTION_ENV,
        "ALLOWED_HOSTS": "careers.example.org,testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    }
    environ = {name: value for name, value in environ.items() if value is not None}
    setup = "import django; django.setup(); from django.test import Client; client = Client(); "
    result = subprocess.run(
        [sys.executable, "-c", setup + code], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_production_redirects_to_https_and_sends_hsts_except_for_the_health_check(tmp_path):
    code = (
        "r = client.get('/accounts/login/', headers={'host': 'careers.example.org'}); "
        "print(r.status_code, r['Location']); "
        "r = client.get('/healthz'); print(r.status_code); "
        "r = client.get('/healthz', secure=True); print(r['Strict-Transport-Security'].replace(' ', ''))"
    )
    assert production_responses(tmp_path, code) == [
        "301",
        "https://careers.example.org/accounts/login/",
        "200",
        "max-age=31536000",
    ]


def test_hsts_duration_comes_from_the_environment(tmp_path):
    code = "print(client.get('/healthz', secure=True)['Strict-Transport-Security'].replace(' ', ''))"
    env = {"SECURE_HSTS_SECONDS": "600", "SECURE_HSTS_INCLUDE_SUBDOMAINS": "on"}
    assert production_responses(tmp_path, code, **env) == ["max-age=600;includeSubDomains"]


def test_a_proxy_that_ended_tls_says_so_with_x_forwarded_proto(tmp_path):
    code = (
        "r = client.get('/healthz', headers={'x-forwarded-proto': 'https'}); "
        "print(r.has_header('Strict-Transport-Security'))"
    )
    assert production_responses(tmp_path, code) == ["True"]


@pytest.mark.django_db
def test_pages_refuse_browser_features_and_cross_origin_openers(client):
    response = client.get("/")

    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = dict(item.strip().split("=") for item in response["Permissions-Policy"].split(","))
    assert policy["camera"] == policy["microphone"] == policy["geolocation"] == "()"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/pathways/", "/pathways/no-such-pathway/"])
def test_every_answer_allows_only_the_sites_own_scripts_styles_and_forms(client, path):
    for _ in range(2):  # the second answer, from the page cache, too
        response = client.get(path)
        policy = dict(item.strip().split(" ", 1) for item in response["Content-Security-Policy"].split(";"))

        assert policy["script-src"] == policy["style-src"] == policy["form-action"] == "'self'"
        assert policy["object-src"] == policy["frame-ancestors"] == "'none'"


# --- error reporting ------------------------------------------------------------------------------


def run_settings(code, **env):
    environ = {name: value for name, value in {**BASE_ENV, **env}.items() if value is not None}
    setup = "import sys, django; django.setup(); "
    return subprocess.run(
        [sys.executable, "-c", setup + code], cwd=ROOT, env=environ, capture_output=True, text=True
    )


def test_error_reporting_is_off_and_not_even_imported_by_default():
    result = run_settings("print('sentry_sdk' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False"]


def test_a_sentry_dsn_turns_error_reporting_on_for_django_and_celery():
    code = (
        "import sentry_sdk; client = sentry_sdk.get_client(); "
        "print(client.is_active(), client.options['environment'], client.options['send_default_pii'], "
        "sorted(name for name in client.integrations if name in ('django', 'celery')))"
    )
    result = run_settings(
        code, DEBUG="0", SECRET_KEY="s3cret", SENTRY_DSN="https://public@errors.example.org/1"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "production", "False", "['celery',", "'django']"]
