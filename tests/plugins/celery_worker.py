"""Plugin: Celery tested for real: a throwaway redis-server and a Celery worker fed from it.

`celery_worker_on_redis` (a worker thread of this process) is the fixture most tests ask for;
`redis_server` (session) is started the first time one does. The fault tests ask for
`throwaway_redis` (a server of their own, which they may stop or restart empty),
`celery_app_on_broker` (this process publishes to it) and `worker_process` (real prefork workers in
processes of their own, which they may SIGKILL). See tests/test_plugins.py for what they guarantee.

Run as a program (`python -m tests.plugins.celery_worker`), this module is what `worker_process`
starts: `celery -A config worker`, with the reminder timings a fault test shortens.
"""

import argparse
import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
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


ROOT = Path(__file__).resolve().parents[2]


class RedisServer:
    """A private redis-server: its `url`, `stop()` (a test may call it to see the app cope with
    Redis gone) and `restart()` (on the same port, empty: it keeps nothing on disk)."""

    def __init__(self, url, process, command=None):
        self.url, self.process, self.command = url, process, command

    def restart(self):
        self.stop()
        self.process = subprocess.Popen(self.command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        if not _redis_answers(self.url, self.process):
            pytest.fail(f"redis-server did not restart on {self.url}", pytrace=False)

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
            url, subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL), command
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


@contextlib.contextmanager
def _on_broker(app, url):
    """Point the Celery app at the broker `url` (not eager) for a while, then back as it was."""
    overrides = {"broker_url": url, "broker_transport_options": {}, "task_always_eager": False}
    # app.conf reads Django's settings live; explicit values sit on top, in app.conf.changes.
    previous = {key: app.conf.changes[key] for key in overrides if key in app.conf.changes}
    _drop_broker_connections(app)
    app.conf.update(overrides)
    try:
        yield app
    finally:
        _drop_broker_connections(app)
        for key in overrides:
            app.conf.changes.pop(key, None)
        app.conf.update(previous)


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

    environ, showwarning = dict(os.environ), warnings.showwarning
    signals.setup_logging.connect(leave_logging_alone, weak=False)
    try:
        # The worker's start calls django.setup(), which would re-apply LOGGING and drop pytest's handlers.
        with (
            _on_broker(app, redis_server),
            override_settings(LOGGING_CONFIG=None),
            start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING"),
        ):
            yield app
    finally:
        signals.setup_logging.disconnect(leave_logging_alone)
        if warnings.showwarning is not showwarning:
            logging.captureWarnings(False)  # start_worker turned it on
        for key in set(os.environ) - set(environ):
            del os.environ[key]  # start_worker's CELERY_LOG_* and _MP_FORK_* variables
        os.environ.update(environ)


@pytest.fixture
def celery_app_on_broker():
    """celery_app_on_broker(url): this process's Celery app publishes to `url` until the test ends
    (no worker here: `worker_process` starts them)."""
    from config.celery import app

    with contextlib.ExitStack() as stack:
        yield lambda url: stack.enter_context(_on_broker(app, url))


# --- Workers in processes of their own, which a test may kill -------------------------------------


class WorkerProcess:
    """A `celery -A config worker` (prefork) in a process group of its own; `log()` is its output."""

    def __init__(self, process, logfile):
        self.process, self.logfile = process, logfile

    def log(self):
        return self.logfile.read_text(errors="replace") if self.logfile.exists() else ""

    def kill(self):
        """SIGKILL the worker and its pool processes at once: no clean-up, no acknowledgement."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        """A warm shutdown (SIGTERM), killed if it takes more than 10 seconds."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()


def _database_url():
    from django.db import connection

    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def worker_process(transactional_db, tmp_path):
    """worker_process(broker_url, concurrency=2, sending_lease=None, requeue_after=None,
    visibility_timeout=None): start a real Celery worker (prefork) in a new process group on the test
    database (so tests using it get `transactional_db`) and `broker_url`, sending mail as this
    process's EMAIL_* settings say (e.g. to `smtp_server`); returns a WorkerProcess once it takes
    tasks. The timings, in seconds, shorten careers.reminders.SENDING_LEASE and REQUEUE_AFTER and
    Redis's visibility timeout, so a fault test sees in seconds what takes minutes in production.
    Every worker still running is killed at the end."""
    from django.conf import settings

    started = []

    def start(broker_url, *, concurrency=2, sending_lease=None, requeue_after=None, visibility_timeout=None):
        number = len(started) + 1
        ready, logfile = tmp_path / f"worker-{number}.ready", tmp_path / f"worker-{number}.log"
        environ = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": broker_url,
            "EMAIL_BACKEND": settings.EMAIL_BACKEND,
            "EMAIL_HOST": settings.EMAIL_HOST,
            "EMAIL_PORT": str(settings.EMAIL_PORT),
            "EMAIL_TIMEOUT": str(settings.EMAIL_TIMEOUT or 5),
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "console",
        }
        command = [sys.executable, "-m", "tests.plugins.celery_worker", f"--ready-file={ready}"]
        command += [f"--concurrency={concurrency}", f"--name=fault-{number}@%h"]
        if sending_lease is not None:
            command.append(f"--sending-lease={sending_lease}")
        if requeue_after is not None:
            command.append(f"--requeue-after={requeue_after}")
        if visibility_timeout is not None:
            command.append(f"--visibility-timeout={visibility_timeout}")
        with logfile.open("wb") as log:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=environ,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = WorkerProcess(process, logfile)
        started.append(worker)
        deadline = time.monotonic() + 30
        while not ready.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                worker.kill()
                pytest.fail(f"The Celery worker did not start:\n{worker.log()[-3000:]}", pytrace=False)
            time.sleep(0.05)
        return worker

    try:
        yield start
    finally:
        for worker in started:
            worker.kill()


def _run_worker(argv):
    """`python -m tests.plugins.celery_worker`: a Celery worker with shortened timings (see
    `worker_process`); touches --ready-file once it takes tasks."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--name", default="fault@%h")
    parser.add_argument("--sending-lease", type=float)
    parser.add_argument("--requeue-after", type=float)
    parser.add_argument("--visibility-timeout", type=float)
    options = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from celery import signals

    from careers import reminders
    from config.celery import app

    if options.sending_lease is not None:
        # The pool's processes fork from this one, so they see it too.
        reminders.SENDING_LEASE = timedelta(seconds=options.sending_lease)
    if options.requeue_after is not None:
        reminders.REQUEUE_AFTER = timedelta(seconds=options.requeue_after)
    if options.visibility_timeout is not None:
        # Redis hands an unacknowledged task (its worker was killed) to another after this long;
        # the sweep that does so then runs every second.
        app.conf.broker_transport_options = {
            "visibility_timeout": options.visibility_timeout,
            "unacked_restore_interval": 1,
            "unacked_restore_throttle": 1,
        }

    def announce(**kwargs):
        Path(options.ready_file).touch()

    signals.worker_ready.connect(announce, weak=False)
    app.worker_main(
        [
            "worker",
            "--pool=prefork",
            f"--concurrency={options.concurrency}",
            f"--hostname={options.name}",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
    )


if __name__ == "__main__":
    _run_worker(sys.argv[1:])
