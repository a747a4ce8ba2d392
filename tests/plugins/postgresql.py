"""Plugin: a throwaway PostgreSQL server for the test session (`make bench` starts one the same way).

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
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.plugins import LOCALHOST, free_port

PG_SUPERUSER = "postgres"
PG_HOST = LOCALHOST
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
            server.port = free_port(PG_HOST)
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


def pytest_terminal_summary(terminalreporter, config):
    server = config.stash.get(_server_key, None)
    if server is not None:
        terminalreporter.write_line(
            f"PostgreSQL ({server.bindir}) on {server.host}:{server.port} started in "
            f"{server.startup_seconds:.2f}s"
        )
