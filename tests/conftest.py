"""Session-wide test setup: a throwaway PostgreSQL server and test-only settings.

The suite runs on a real PostgreSQL, never SQLite. The first test that needs the database starts a
private server in a temp dir (as Debian's `postgres` user when we are root, because PostgreSQL refuses
to run as root), points Django at it, and pytest-django then creates `test_careers` there as usual.
The server is stopped and its dir removed when the session ends, also when it ends badly.
`make test` installs the server binaries (Debian's `postgresql` package) when they are missing.
"""

import atexit
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_SUPERUSER = "postgres"
PG_HOST = "127.0.0.1"
DATABASE_NAME = "careers"
TEST_DATABASE_NAME = f"test_{DATABASE_NAME}"
# Durability is pointless for a database that is deleted at the end of the run.
PG_SPEED_OPTIONS = ("-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off")


@dataclass
class PostgresServer:
    bindir: Path
    workdir: Path
    port: int
    host: str = PG_HOST
    startup_seconds: float = 0.0

    @property
    def datadir(self):
        return self.workdir / "data"

    @property
    def logfile(self):
        return self.workdir / "postgresql.log"


_server_key = pytest.StashKey[PostgresServer]()


def _find_bindir():
    """Highest PostgreSQL under /usr/lib/postgresql/*/bin, else what `pg_config --bindir` says."""

    def has_server(bindir):
        return all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres"))

    def version(path):
        return int(path.parent.name) if path.parent.name.isdigit() else -1

    for bindir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True):
        if has_server(bindir):
            return bindir
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        bindir = Path(result.stdout.strip())
        if result.returncode == 0 and has_server(bindir):
            return bindir
    return None


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((PG_HOST, 0))
        return sock.getsockname()[1]


def _abort(message):
    pytest.exit(message, returncode=pytest.ExitCode.TESTS_FAILED)


def _as_server_user(command):
    """PostgreSQL refuses to run as root, so root runs it as Debian's `postgres` user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", PG_SUPERUSER, "--", *map(str, command)]
    return [str(part) for part in command]


def _run(command):
    return subprocess.run(_as_server_user(command), capture_output=True, text=True, check=False)


def _log_tail(server, lines=20):
    try:
        return "\n".join(server.logfile.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _initdb(server):
    # C.UTF-8 makes upper()/lower() (and so icontains) work beyond ASCII; plain C is the fallback.
    for locale in ("C.UTF-8", "C"):
        result = _run(
            [
                server.bindir / "initdb",
                f"--pgdata={server.datadir}",
                f"--username={PG_SUPERUSER}",
                "--auth=trust",
                "--encoding=UTF8",
                f"--locale={locale}",
                "--no-sync",
                "--no-instructions",
            ]
        )
        if result.returncode == 0:
            return
    raise RuntimeError(f"initdb failed:\n{result.stdout}{result.stderr}")


def _start(server):
    options = [f"-h {PG_HOST}", f"-p {server.port}", f"-k {shlex.quote(str(server.workdir))}"]
    result = _run(
        [
            server.bindir / "pg_ctl",
            f"--pgdata={server.datadir}",
            f"--log={server.logfile}",
            f"--options={' '.join([*options, *PG_SPEED_OPTIONS])}",
            "--wait",
            "--timeout=60",
            "start",
        ]
    )
    return result.returncode == 0


def _stop(server):
    if (server.datadir / "postmaster.pid").exists():
        _run([server.bindir / "pg_ctl", f"--pgdata={server.datadir}", "--mode=fast", "--wait", "stop"])
    shutil.rmtree(server.workdir, ignore_errors=True)


def _start_postgresql():
    bindir = _find_bindir()
    if bindir is None:
        _abort(
            "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and "
            "`pg_config --bindir`). Run the suite with `make test`, which installs Debian's "
            "`postgresql` package when it is missing."
        )

    running_as_root = os.geteuid() == 0
    if running_as_root:
        try:
            server_user = pwd.getpwnam(PG_SUPERUSER)
        except KeyError:
            _abort(f"Running as root, but there is no `{PG_SUPERUSER}` user to run PostgreSQL as.")

    began = time.monotonic()
    server = PostgresServer(bindir=bindir, workdir=Path(tempfile.mkdtemp(prefix="careers-pg-")), port=0)
    atexit.register(_stop, server)  # backstop if the session dies before fixture teardown
    try:
        if running_as_root:
            os.chown(server.workdir, server_user.pw_uid, server_user.pw_gid)
        _initdb(server)
        # Another process may grab the port between picking and binding it: try a few.
        for _attempt in range(3):
            server.port = _free_port()
            if _start(server):
                break
            if not re.search(r"could not (bind|create)|already in use", _log_tail(server)):
                break
        else:
            raise RuntimeError("could not find a free port")
        if not (server.datadir / "postmaster.pid").exists():
            raise RuntimeError("pg_ctl start failed")
    except Exception as error:
        log = _log_tail(server)
        _stop(server)
        _abort(f"Could not start the test PostgreSQL server from {bindir}: {error}\n{log}".rstrip())
    server.startup_seconds = time.monotonic() - began
    return server


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"received {signal.Signals(signum).name}")


@pytest.fixture(scope="session")
def postgresql_server(request):
    """A private PostgreSQL server for this test session; stopped and deleted afterwards."""
    server = _start_postgresql()
    request.config.stash[_server_key] = server
    # A CI timeout or a closed terminal (SIGTERM/SIGHUP) would kill pytest without any clean-up and
    # leave the server running: turn them into a KeyboardInterrupt, which pytest tears down cleanly.
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGHUP):
            if signal.getsignal(signum) is signal.SIG_DFL:
                previous[signum] = signal.signal(signum, _interrupt)
    try:
        yield server
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _stop(server)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, postgresql_server):
    """Point Django's default database at the session's server before the test DB is created.

    Overrides pytest-django's fixture of the same name, which runs just before `django_db_setup`
    creates the test databases, and then applies its tox/xdist name suffixes as it would have.
    """
    from django.conf import settings
    from django.db import connections

    postgres = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": postgresql_server.host,
        "PORT": str(postgresql_server.port),
        "USER": PG_SUPERUSER,
        "PASSWORD": "",
        "NAME": DATABASE_NAME,
        "CONN_MAX_AGE": 0,
        "OPTIONS": {},
    }
    # Update in place: django.db.connections reads these very dicts.
    configs = (settings.DATABASES["default"], connections.settings["default"])
    for config in {id(config): config for config in configs}.values():
        config.update(postgres)
        config.setdefault("TEST", {})["NAME"] = TEST_DATABASE_NAME

    # Drop any connection made with the old (SQLite) settings so the next use reconnects.
    for connection in connections.all(initialized_only=True):
        if connection.alias == "default":
            connection.close()
            del connections["default"]

    request.getfixturevalue("django_db_modify_db_settings_parallel_suffix")


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    """Settings every test gets: static files work straight from static/, without collectstatic.

    Plain storage, so {% static %} needs no manifest; WhiteNoise finds files as it does with DEBUG on,
    rather than scanning (and warning about) an uncollected STATIC_ROOT.
    """
    from django.conf import settings
    from django.test import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages, WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True):
        yield


def pytest_terminal_summary(terminalreporter, config):
    server = config.stash.get(_server_key, None)
    if server is not None:
        terminalreporter.write_line(
            f"PostgreSQL ({server.bindir}) on {server.host}:{server.port} started in "
            f"{server.startup_seconds:.2f}s"
        )


# --- Content and learners shared by the feature tests -------------------------------------------

GUIDES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "guides"


@pytest.fixture
def speech_pathway(db):
    """The richer seed pathway (4 timed phases, 12 tasks, 9 action items), imported."""
    from careers import guides
    from careers.services import import_pathway

    return import_pathway(
        guides.read(GUIDES_DIR / "deep-learning-engineer-to-speech-ai-engineer.txt")
    ).pathway


@pytest.fixture
def make_learner(db):
    """make_learner(email, time_zone="UTC"): a user with a verified email address and a profile."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from accounts.selectors import profile_for

    def make(email="learner@example.com", time_zone="UTC"):
        user = get_user_model().objects.create_user(username=email.split("@")[0], email=email, password="x")
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        profile = profile_for(user)
        profile.time_zone = time_zone
        profile.save()
        return user

    return make


@pytest.fixture
def learner(make_learner):
    return make_learner()


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


# --- Celery: a real Redis and a real worker -----------------------------------------------------

REDIS_HOST = "127.0.0.1"


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


@pytest.fixture(scope="session")
def redis_server():
    """A private redis-server for this test session on a free local port; yields its URL.

    Nothing is persisted (`--save ""`, no AOF); the server is stopped and its temp dir deleted at the
    end, also when the session ends badly. `make test` installs Debian's `redis-server` if missing.
    """
    binary = _find_redis_server()
    if binary is None:
        pytest.fail(
            "redis-server not found (looked on PATH and at /usr/bin/redis-server). Run the suite with "
            "`make test`, which installs Debian's `redis-server` package when it is missing.",
            pytrace=False,
        )
    workdir = Path(tempfile.mkdtemp(prefix="careers-redis-"))
    processes = []

    def stop():
        for process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        shutil.rmtree(workdir, ignore_errors=True)

    atexit.register(stop)  # backstop if the session dies before fixture teardown
    try:
        # Another process may grab the port between picking and binding it: try a few.
        for _attempt in range(3):
            port = _free_port()
            url = f"redis://{REDIS_HOST}:{port}/0"
            command = [binary, "--bind", REDIS_HOST, "--port", str(port), "--save", "", "--appendonly", "no"]
            command += ["--dir", str(workdir), "--logfile", str(workdir / "redis.log"), "--daemonize", "no"]
            processes.append(subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL))
            if _redis_answers(url, processes[-1]):
                break
        else:
            logfile = workdir / "redis.log"
            log = logfile.read_text(errors="replace") if logfile.exists() else ""
            pytest.fail(f"Could not start the test redis-server ({binary}):\n{log[-2000:]}", pytrace=False)
        yield url
    finally:
        stop()
        atexit.unregister(stop)


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
