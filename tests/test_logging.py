"""Logs: one structured line per request and per Celery task, JSON lines in production and readable
text on a laptop (LOG_FORMAT)."""

import gc
import json
import logging
import subprocess
import sys
import time
import uuid

import pytest
from django.test import Client
from django.urls import path

from config.celery import app
from tests.test_settings import BASE_ENV, ROOT


def events(caplog, name):
    """The structlog event dicts called `name` that reached the standard library's logging."""
    return [r.msg for r in caplog.records if isinstance(r.msg, dict) and r.msg.get("event") == name]


@pytest.mark.django_db
def test_a_request_logs_one_line_with_who_what_and_how_long(client, learner, caplog):
    client.force_login(learner)
    caplog.set_level(logging.INFO)

    response = client.get("/dashboard/?week=2")

    assert response.status_code == 200
    request_lines = [e for e in (r.msg for r in caplog.records) if isinstance(e, dict) and "request_id" in e]
    assert [line["event"] for line in request_lines] == ["request_finished"]  # one line, not two
    (line,) = request_lines
    assert line["method"] == "GET"
    assert line["path"] == "/dashboard/"  # no query string: it may carry tokens
    assert line["status"] == 200
    assert line["user_id"] == learner.pk
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert str(uuid.UUID(line["request_id"])) == line["request_id"]
    assert response["X-Request-ID"] == line["request_id"]  # the id a learner can quote to support
    assert "ip" not in line


@pytest.mark.django_db
def test_an_anonymous_request_and_a_4xx_are_logged_too(client, caplog):
    caplog.set_level(logging.INFO)

    client.get("/no-such-page/")

    (line,) = events(caplog, "request_finished")
    assert (line["user_id"], line["status"], line["path"]) == (None, 404, "/no-such-page/")
    assert len(caplog.records) == 1  # Django's own "Not Found" line is not repeated


def broken_view(request):
    raise RuntimeError("broken on purpose")


urlpatterns = [path("broken/", broken_view)]


@pytest.mark.urls("tests.test_logging")
def test_a_crash_logs_one_line_with_the_traceback(caplog):
    caplog.set_level(logging.INFO)

    response = Client(raise_request_exception=False).get("/broken/")

    assert response.status_code == 500
    assert [r.msg["event"] for r in caplog.records] == ["request_failed"]
    (record,) = caplog.records
    assert (record.msg["status"], record.msg["path"], record.levelname) == (500, "/broken/", "ERROR")
    assert record.exc_info[0] is RuntimeError


def run_request(tmp_path, **env):
    """The request lines a fresh process (settings from `env`) logs as it serves GET /healthz."""
    code = (
        "import django; django.setup(); from django.test import Client; "
        "print(Client().get('/healthz').status_code)"
    )
    environ = {
        **BASE_ENV,
        "DEBUG": "0",
        "SECRET_KEY": "s3cret",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    }
    environ = {name: value for name, value in environ.items() if value is not None}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert result.stdout.strip() == "200", result.stderr
    # (other stderr lines: WhiteNoise warns that collectstatic has not run)
    return [line for line in result.stderr.splitlines() if "request_finished" in line]


def test_production_logs_json_lines(tmp_path):
    (line,) = run_request(tmp_path)  # DEBUG off: JSON by default

    record = json.loads(line)
    assert record["event"] == "request_finished"
    assert record["level"] == "info"
    assert (record["method"], record["path"], record["status"]) == ("GET", "/healthz", 200)
    assert {"request_id", "user_id", "duration_ms", "timestamp"} <= set(record)


def test_a_laptop_logs_readable_text(tmp_path):
    (line,) = run_request(tmp_path, DEBUG="1", SECRET_KEY=None)  # DEBUG on: console by default

    assert line.lstrip().find("{") != 0
    assert "request_finished" in line
    assert "path=/healthz" in line
    assert "status=200" in line


def test_log_format_can_be_chosen(tmp_path):
    (line,) = run_request(tmp_path, LOG_FORMAT="console")
    assert "request_finished" in line and not line.startswith("{")

    (line,) = run_request(tmp_path, DEBUG="1", SECRET_KEY=None, LOG_FORMAT="json")
    assert json.loads(line)["event"] == "request_finished"


# --- Celery tasks -------------------------------------------------------------------------------


# Registered at import, before any worker starts.
@app.task(name="tests.test_logging.add")
def add(a, b):
    return a + b


@app.task(name="tests.test_logging.fail")
def fail():
    raise ValueError("broken on purpose")


def wait_for(caplog, name, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = events(caplog, name)
        if found:
            return found
        time.sleep(0.02)
    return []


def test_a_task_logs_one_line_with_its_outcome_and_duration(celery_worker_on_redis, caplog):
    gc.collect()  # workers of earlier tests leave no log receivers behind
    caplog.set_level(logging.INFO)

    result = add.delay(2, 3)
    (line,) = wait_for(caplog, "task_succeeded")

    assert line["task_id"] == result.id
    assert line["task"] == "tests.test_logging.add"
    assert isinstance(line["duration_ms"], int) and line["duration_ms"] >= 0
    assert not events(caplog, "task_started")  # one line per task at INFO

    failed = fail.delay()
    (line,) = wait_for(caplog, "task_failed")
    assert (line["task_id"], line["task"], line["error"]) == (
        failed.id,
        "tests.test_logging.fail",
        "broken on purpose",
    )
    assert "duration_ms" in line
