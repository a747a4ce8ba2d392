"""Plugin: Celery tested for real: a throwaway redis-server and a Celery worker thread fed from it.

`celery_worker_on_redis` is the fixture tests ask for; `redis_server` (session) is started the first
time one does. See tests/test_plugins.py for what they guarantee.
"""

import atexit
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.plugins import LOCALHOST, free_port

REDIS_HOST = LOCALHOST


def _find_redis_server():
    found = shutil.which("redis-server")
    if found:
        return found
    return "/usr/bin/redis-server" if os.access("/usr/bin/redis-server", os.X_OK) else None


def _redis_answers(url, process, seconds=10.0):
    """True once PING answers; False if the server exits first or does not answer in time."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if client.ping():
                    return True
            except redis.ConnectionError:
                time.sleep(0.02)
        return False
    finally:
        client.close()


class RedisServer:
    """A private redis-server: its `url`, and `stop()` (a test may call it to see the app cope with
    Redis gone)."""

    def __init__(self, url, process):
        self.url, self.process = url, process

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _start_redis(workdir):
    """A redis-server on a free local port, keeping nothing (`--save ""`, no AOF), logging in
    `workdir`; fails the test run with its log when it cannot start. `make test` installs Debian's
    `redis-server` when it is missing."""
    binary = _find_redis_server()
    if binary is None:
        pytest.fail(
            "redis-server not found (looked on PATH and at /usr/bin/redis-server). Run the suite with "
            "`make test`, which installs Debian's `redis-server` package when it is missing.",
            pytrace=False,
        )
    # Another process may grab the port between picking and binding it: try a few.
    for _attempt in range(3):
        port = free_port(REDIS_HOST)
        url = f"redis://{REDIS_HOST}:{port}/0"
        command = [binary, "--bind", REDIS_HOST, "--port", str(port), "--save", "", "--appendonly", "no"]
        command += ["--dir", str(workdir), "--logfile", str(workdir / "redis.log"), "--daemonize", "no"]
        server = RedisServer(
            url, subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        )
        if _redis_answers(url, server.process):
            return server
        server.stop()
    logfile = workdir / "redis.log"
    log = logfile.read_text(errors="replace") if logfile.exists() else ""
    pytest.fail(f"Could not start a test redis-server ({binary}):\n{log[-2000:]}", pytrace=False)


@pytest.fixture(scope="session")
def redis_server():
    """A private redis-server for this test session; yields its URL. Stopped and its temp dir
    deleted at the end, also when the session ends badly."""
    workdir = Path(tempfile.mkdtemp(prefix="careers-redis-"))
    started = []

    def stop():
        for server in started:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)

    atexit.register(stop)  # backstop if the session dies before fixture teardown
    try:
        started.append(_start_redis(workdir))
        yield started[0].url
    finally:
        stop()
        atexit.unregister(stop)


@pytest.fixture
def throwaway_redis():
    """A private redis-server for one test (not the session's), which the test may stop to see how
    the app copes with Redis gone; yields a RedisServer. Stopped and cleaned up afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="careers-redis-throwaway-"))
    server = None
    try:
        server = _start_redis(workdir)
        yield server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _drop_broker_connections(app):
    """Forget pooled broker connections, so the next message goes to the broker now configured."""
    from kombu import pools

    # kombu keeps pools in a process-wide registry keyed by broker URL: closing one there and
    # asking again later hands back the closed pool, so the registry is emptied as a whole.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_worker_on_redis(redis_server, transactional_db):
    """A real Celery worker (solo pool) in a thread of this process, fed from the session's Redis.

    Yields the Celery app, pointed at that Redis and not eager: `task.delay()` publishes to Redis and
    the worker thread runs the task. The worker thread has its own database connection, so it only sees
    committed data, and starting it closes the test's connection: that is why this fixture uses
    `transactional_db` (tests using it get it too; plain `db` would hide rows from the worker).
    Tasks must be registered before the worker starts, i.e. at import time. The app's previous broker
    settings are restored afterwards, and the test run's logging (pytest's capture handlers) is kept.
    """
    import logging
    import warnings

    from celery import signals
    from celery.contrib.testing.worker import start_worker
    from django.test import override_settings

    from config.celery import app

    def leave_logging_alone(**kwargs):
        pass  # any receiver of setup_logging stops Celery from configuring logging itself

    overrides = {"broker_url": redis_server, "broker_transport_options": {}, "task_always_eager": False}
    # app.conf reads Django's settings live; explicit values sit on top, in app.conf.changes.
    previous = {key: app.conf.changes[key] for key in overrides if key in app.conf.changes}
    environ, showwarning = dict(os.environ), warnings.showwarning
    _drop_broker_connections(app)
    app.conf.update(overrides)
    signals.setup_logging.connect(leave_logging_alone, weak=False)
    try:
        # The worker's start calls django.setup(), which would re-apply LOGGING and drop pytest's handlers.
        with (
            override_settings(LOGGING_CONFIG=None),
            start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"),
        ):
            yield app
    finally:
        signals.setup_logging.disconnect(leave_logging_alone)
        _drop_broker_connections(app)
        for key in overrides:
            app.conf.changes.pop(key, None)
        app.conf.update(previous)
        if warnings.showwarning is not showwarning:
            logging.captureWarnings(False)  # start_worker turned it on
        for key in set(os.environ) - set(environ):
            del os.environ[key]  # start_worker's CELERY_LOG_* and _MP_FORK_* variables
        os.environ.update(environ)
