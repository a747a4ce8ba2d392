"""`make bench` (`python -m bench`): how fast the app serves and sends, next to Django's own floor.

1. Starts a private PostgreSQL and Redis (the test suite's, tests/plugins/) and collects the static
   files into a temp dir. Serves the floor (bench/floor/: one view, no middleware, no database) and
   the app with gunicorn, 2 sync workers each, DEBUG off.
2. Loads the seed pathways and a synthetic load (bench/load.py: 200 pathways of 10 to 200 tasks,
   10,000 learners with one to three enrolments and progress).
3. Drives, with wrk on loopback, the catalogue, a pathway page (visitor and enrolled learner), the
   dashboard of a learner on three pathways and the tick POST, each right after the floor, for
   each round; a page's ratio is its requests/s over the floor's, the median over the rounds.
   On PostgreSQL the app runs as in production, with Redis as its cache (sessions, rendered pages).
4. Measures the weekly send (bench/send.py) on PostgreSQL, then stops it, and measures the pages
   again on SQLite with no Redis, as `make run` serves them, with the same data.
5. Prints one table and writes it as JSON to var/bench/ (report.py: the goals of issue 12 beside
   each ratio).

A benchmark, never a timed test: it fails (exit 1) only when something is broken (a page answers
non-200, a server does not start, the send does not send one email per learner). Every server it
started is stopped, also on failure or Ctrl-C.
"""

import argparse
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from bench import report
from bench.web import ROOT, WORKERS, Broken, Gunicorn, get, write_requests, wrk

SECRET_KEY = "insecure-key-for-the-bench-only"
SEND_DATABASE = "careers_send"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("--rounds", type=int, default=2, help="floor/page rounds per page (2)")
    parser.add_argument("--seconds", type=int, default=3, help="seconds of wrk per measurement (3)")
    parser.add_argument("--connections", type=int, default=8, help="wrk connections (8)")
    parser.add_argument("--learners", type=int, default=10_000, help="synthetic learners (10000)")
    parser.add_argument(
        "--sqlite-learners", type=int, default=None, help="synthetic learners on SQLite (as --learners)"
    )
    parser.add_argument(
        "--send-sizes",
        type=int,
        nargs="+",
        default=[1_000, 10_000],
        metavar="N",
        help="due learners for the weekly send (1000 10000)",
    )
    parser.add_argument(
        "--send-sample",
        type=int,
        default=1_000,
        metavar="N",
        help="digests sent and timed per size (1000; 0: all)",
    )
    parser.add_argument("--skip-sqlite", action="store_true", help="pages on PostgreSQL only")
    parser.add_argument("--skip-send", action="store_true", help="no weekly send measurement")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is missing: `make bench` installs it (Debian's `wrk` package).", file=sys.stderr)
        return 2
    _stop_cleanly_on_signals()
    started = datetime.now(UTC)
    results = {
        "started_at": started.isoformat(timespec="seconds"),
        "run": {
            "cpus": os.cpu_count(),
            "workers": WORKERS,
            "connections": args.connections,
            "seconds": args.seconds,
            "rounds": args.rounds,
            "python": sys.version.split()[0],
            "wrk": _version(["wrk", "-v"]),
        },
        "pages": {},
    }
    began = time.monotonic()
    try:
        with ExitStack() as stack:
            workdir = Path(tempfile.mkdtemp(prefix="careers-bench-"))
            stack.callback(shutil.rmtree, workdir, ignore_errors=True)
            _say("collecting static files")
            static_root = workdir / "static"
            _child([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], _app_env(static_root))
            floor = stack.enter_context(
                Gunicorn("floor", "bench.floor.wsgi", _floor_env, workdir, ready_path="/")
            )
            with _postgresql() as server, _redis(workdir) as redis_url:
                results["run"]["postgresql"] = server.bindir.parent.name
                base = f"postgres://postgres@{server.host}:{server.port}"
                targets = _prepare_postgresql(base, static_root, args.learners, redis_url)
                results["pages"]["postgresql"] = _measure_pages(
                    "PostgreSQL", f"{base}/careers", targets, floor, static_root, workdir, args, redis_url
                )
                if not args.skip_send:
                    _say(f"weekly send at {', '.join(f'{n:,}' for n in args.send_sizes)} learners")
                    results["send"] = _child_json(
                        [
                            *(sys.executable, "-m", "bench.send", "--sample", str(args.send_sample)),
                            *("--sizes", *map(str, args.send_sizes)),
                        ],
                        _app_env(static_root, f"{base}/{SEND_DATABASE}"),
                    )
            if not args.skip_sqlite:
                learners = args.sqlite_learners if args.sqlite_learners is not None else args.learners
                url = f"sqlite:///{workdir / 'bench.sqlite3'}"
                targets = _prepare(url, static_root, learners, label="SQLite")
                results["pages"]["sqlite"] = _measure_pages(
                    "SQLite", url, targets, floor, static_root, workdir, args
                )
    except Broken as error:
        print(f"\nmake bench: broken: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nmake bench: interrupted; servers stopped", file=sys.stderr)
        return 130
    results["seconds"] = round(time.monotonic() - began)
    report.judge(results)
    print()
    print(report.table(results))
    path = report.write(results, started.strftime("%Y%m%dT%H%M%SZ"))
    print(f"\n{results['seconds']}s in all; written to {path.relative_to(ROOT)} and var/bench/latest.json")
    return 0


# --- Servers and data ----------------------------------------------------------------------------


@contextmanager
def _postgresql():
    """The test suite's throwaway PostgreSQL (fsync off, in a temp dir), stopped on leaving."""
    from tests.plugins.postgresql import _start_postgresql, _stop

    _say("starting PostgreSQL")
    try:
        server = _start_postgresql()
    except Exception as error:  # pytest.exit's Exit: the message says what is missing
        raise Broken(f"PostgreSQL: {error}") from None
    try:
        yield server
    finally:
        _stop(server)


@contextmanager
def _redis(workdir):
    """The test suite's throwaway redis-server (keeping nothing on disk); yields its URL."""
    import pytest

    from tests.plugins.celery_worker import _start_redis

    _say("starting Redis")
    try:
        server = _start_redis(workdir)
    except pytest.fail.Exception as error:
        raise Broken(f"Redis: {error}") from None
    try:
        yield server.url
    finally:
        server.stop()


def _prepare_postgresql(base, static_root, learners, redis_url):
    import psycopg

    def sql(statement, database="postgres"):
        with psycopg.connect(f"{base}/{database}", autocommit=True) as connection:
            connection.execute(statement)

    sql("CREATE DATABASE careers")

    def copy_for_send():
        # The weekly send gets its own copy (migrated, seed pathways, no learners): it deletes
        # and creates learners of its own.
        sql(f"CREATE DATABASE {SEND_DATABASE} TEMPLATE careers")

    targets = _prepare(
        f"{base}/careers",
        static_root,
        learners,
        label="PostgreSQL",
        after_seed=copy_for_send,
        redis_url=redis_url,
    )
    # Planner statistics as autovacuum would soon gather them, so they do not change mid-run.
    sql("VACUUM ANALYZE", database="careers")
    return targets


def _prepare(database_url, static_root, learners, *, label, after_seed=None, redis_url=""):
    """Migrate, load the seed pathways and the synthetic load; returns bench/load.py's targets (with
    the queries per page as the app served with `redis_url` makes them)."""
    env = _app_env(static_root, database_url, redis_url=redis_url)
    _say(f"{label}: migrating and loading the seed pathways")
    _child([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], env)
    _child([sys.executable, "manage.py", "loaddata", "fixtures/pathways.json", "-v0"], env)
    if after_seed:
        after_seed()
    _say(f"{label}: loading 200 synthetic pathways and {learners:,} learners")
    return _child_json([sys.executable, "-m", "bench.load", "--learners", str(learners)], env)


def _app_env(static_root, database_url="sqlite:///:memory:", port=8000, redis_url=""):
    """The app's environment: production-like (DEBUG off; Redis as the cache when `redis_url`), on
    loopback, no sign-in rate limits."""
    site = f"http://127.0.0.1:{port}"
    # Not a Redis (or broker) of the environment's: the bench's own, or none.
    inherited = {
        name: value for name, value in os.environ.items() if name not in ("REDIS_URL", "CELERY_BROKER_URL")
    }
    return {
        **inherited,
        "PYTHON_DOTENV_DISABLED": "1",  # not the laptop's .env
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "BENCH_STATIC_ROOT": str(static_root),
        "DEBUG": "0",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": site,
        "CSRF_TRUSTED_ORIGINS": site,
        "SECURE_SSL_REDIRECT": "0",
        "ACCOUNT_RATE_LIMITS": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        **({"REDIS_URL": redis_url} if redis_url else {}),
    }


def _floor_env(port):
    return {**os.environ, "PYTHON_DOTENV_DISABLED": "1", "DJANGO_SETTINGS_MODULE": "bench.floor.settings"}


def _child(command, env):
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-30:])
        raise Broken(f"`{' '.join(map(str, command[1:]))}` failed:\n{tail}")
    return result.stdout


def _child_json(command, env):
    import json

    return json.loads(_child(command, env))


# --- Pages ---------------------------------------------------------------------------------------


def _measure_pages(label, database_url, targets, floor, static_root, workdir, args, redis_url=""):
    env_for = lambda port: _app_env(static_root, database_url, port, redis_url)  # noqa: E731
    _say(f"{label}: serving the app")
    with Gunicorn(f"app-{label.lower()}", "config.wsgi", env_for, workdir, ready_path="/healthz") as app:
        files = {}
        for name, page in targets["pages"].items():
            _check_page(app, name, page, targets)
            headers = {"Cookie": page["cookie"]} if page["cookie"] else {}
            files[name] = write_requests(
                workdir / f"{label}-{name}.txt", [("GET", page["path"], "", headers)]
            )
        files["tick"] = write_requests(workdir / f"{label}-tick.txt", _tick_requests(app, targets["tick"]))
        floor_file = write_requests(workdir / "floor.txt", [("GET", "/", "", {})])

        def drive(server, requests_file, **options):
            options = {"seconds": args.seconds, "connections": args.connections, **options}
            return wrk(server.url, requests_file, **options)

        _say(f"{label}: warming up")  # both workers load their code, templates and connections
        for server, requests_file in [(floor, floor_file), *((app, f) for f in files.values())]:
            drive(server, requests_file, seconds=1, warm_up=True)
        runs = {name: [] for name in files}
        for round_number in range(1, args.rounds + 1):
            for name, requests_file in files.items():
                floor_run = drive(floor, floor_file)
                page_run = drive(app, requests_file)
                runs[name].append(
                    {"floor": floor_run, "page": page_run, "ratio": page_run["rps"] / floor_run["rps"]}
                )
                _say(
                    f"{label}: round {round_number}/{args.rounds}: {name:<16} {page_run['rps']:7.0f} req/s, "
                    f"floor {floor_run['rps']:5.0f}, ratio {runs[name][-1]['ratio']:.3f}"
                )
    measured = {}
    for name, rounds in runs.items():
        measured[name] = {
            "rps": round(statistics.median(r["page"]["rps"] for r in rounds), 1),
            "floor_rps": round(statistics.median(r["floor"]["rps"] for r in rounds), 1),
            "ratio": round(statistics.median(r["ratio"] for r in rounds), 4),
            "latency_p50_ms": statistics.median(r["page"]["latency_p50_us"] for r in rounds) / 1000,
            "queries": targets["queries"][name],
            "rounds": rounds,
        }
    return {
        "label": label,
        "cache": "Redis" if redis_url else "per-process memory",
        "pathway": targets["pathway"]["slug"],
        "load": targets["load"],
        "targets": measured,
    }


def _check_page(app, name, page, targets):
    """The page answers 200 (not a redirect to log in) and shows what it is measured for."""
    answer = get(app.url + page["path"], page["cookie"])
    if answer.status != 200:
        raise Broken(f"{name}: GET {page['path']} answered {answer.status}")
    expected = list(page.get("must_contain", ()))
    if name == "catalogue":
        expected.append(f"/pathways/{targets['catalogue_check']}/")  # the synthetic pathways are listed
    missing = [text for text in expected if text not in answer.body]
    if missing:
        raise Broken(f"{name}: GET {page['path']} does not show {missing}")
    if name == "pathway_visitor" and "/enrolments/" in answer.body:
        raise Broken(f"{name}: a visitor sees a learner's tick forms on {page['path']}")


def _tick_requests(app, tick):
    """POSTs that tick, then untick, each task for each tick learner in turn (as htmx sends them,
    answered with the row and the progress), each with the learner's CSRF token and cookies, read
    from their pathway page as a browser would."""
    learners = []
    for learner in tick["learners"]:
        answer = get(app.url + tick["page"], learner["cookie"])
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.body)
        if answer.status != 200 or token is None:
            raise Broken(f"tick: the learner's pathway page answered {answer.status} without a tick form")
        csrf_cookie = answer.cookie("csrftoken")
        cookie = learner["cookie"] + (f"; csrftoken={csrf_cookie}" if csrf_cookie else "")
        learners.append((learner["enrolment"], cookie, token.group(1)))
    return [
        (
            "POST",
            f"/enrolments/{enrolment}/tasks/{task}/",
            f"csrfmiddlewaretoken={token}&done={done}",
            {
                "Cookie": cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "HX-Request": "true",
                "HX-Current-URL": app.url + tick["page"],
            },
        )
        for done in ("true", "false")
        for task in tick["tasks"]
        for enrolment, cookie, token in learners
    ]


# --- Odds and ends -------------------------------------------------------------------------------


_BEGAN = time.monotonic()


def _say(message):
    print(f"[bench {time.monotonic() - _BEGAN:3.0f}s] {message}", flush=True)


def _version(command):
    try:
        output = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    except OSError:
        return ""
    return output.splitlines()[0] if output else ""


def _stop_cleanly_on_signals():
    """A closed terminal or a CI timeout (SIGTERM, SIGHUP) unwinds like Ctrl-C, so every server
    started is stopped."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)


if __name__ == "__main__":
    sys.exit(main())
