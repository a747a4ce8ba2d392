"""Serving and driving over HTTP: gunicorn as production runs it, wrk on loopback, and a plain
urllib GET to check that a page answers what it should before it is measured."""

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.plugins import LOCALHOST, free_port

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk.lua"
WORKERS = 2
SETTLE_SECONDS = 0.5


class Broken(Exception):
    """Something the bench drives does not work (a page answers non-200, a server does not start):
    the one way `make bench` fails. Slowness never is."""


class Gunicorn:
    """`gunicorn WSGI_APP` with WORKERS sync workers on a free loopback port, in its own process
    group, stopped (the whole group) on leaving the block, also after an error.

    `env_for(port)` gives the server's environment (the app's SITE_URL names its port).
    """

    def __init__(self, name, wsgi_app, env_for, logdir, ready_path="/"):
        self.name, self.wsgi_app, self.env_for = name, wsgi_app, env_for
        self.log = Path(logdir) / f"gunicorn-{name}.log"
        self.ready_path = ready_path
        self.process = None
        self.port = None

    @property
    def url(self):
        return f"http://{LOCALHOST}:{self.port}"

    def __enter__(self):
        for _attempt in range(3):  # another process may take the free port first
            self.port = free_port()
            with open(self.log, "ab") as log:
                self.process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        self.wsgi_app,
                        f"--workers={WORKERS}",
                        "--worker-class=sync",
                        f"--bind={LOCALHOST}:{self.port}",
                    ],
                    cwd=ROOT,
                    env=self.env_for(self.port),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            if self._wait_until_ready():
                return self
            self.stop()
            if "in use" not in self.log_tail():
                break
        raise Broken(f"gunicorn ({self.name}) did not start:\n{self.log_tail()}")

    def __exit__(self, *exc):
        self.stop()

    def _wait_until_ready(self, seconds=60):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if get(self.url + self.ready_path).status == 200:
                    return True
            except OSError:
                pass
            time.sleep(0.2)
        return False

    def stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def log_tail(self, lines=30):
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def cookie(self, name):
        """The value of cookie `name` set by this answer, or None."""
        for header in self.headers.get_all("Set-Cookie") or ():
            found = re.match(rf"\s*{re.escape(name)}=([^;]*)", header)
            if found:
                return found.group(1)
        return None


def get(url, cookie=""):
    """GET `url` (redirects not followed: a page that redirects is not the page)."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("GET", "/" + path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read().decode("utf-8", "replace"))
    finally:
        connection.close()


def write_requests(path, requests):
    """A request file for bench/wrk.lua: (method, path, body, {header: value}) per line."""
    lines = []
    for method, target, body, headers in requests:
        fields = [method, target, body, *(f"{name}: {value}" for name, value in headers.items())]
        if any("\t" in field or "\n" in field for field in fields):
            raise ValueError(f"a tab or newline in a request field: {fields!r}")
        lines.append("\t".join(fields))
    Path(path).write_text("\n".join(lines) + "\n")
    return path


def wrk(url, requests_file, *, seconds, connections, warm_up=False):
    """Drive `url` with wrk (one thread) for `seconds`; returns requests/s and what wrk.lua counted.
    Raises Broken when an answer was not 200, or (unless warming up) nothing was answered.

    Starts after a short pause, so that the requests a previous run left in the servers' queues are
    answered before this one is timed."""
    time.sleep(SETTLE_SECONDS)
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout=10s",
        f"--script={WRK_SCRIPT}",
        url,
        "--",
        str(requests_file),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    found = re.search(r"^BENCH (\{.*\})$", result.stdout, re.MULTILINE)
    if result.returncode != 0 or not found:
        raise Broken(f"wrk failed on {url} ({requests_file}):\n{result.stdout}{result.stderr}")
    run = json.loads(found.group(1))
    if run["unexpected"]:
        raise Broken(
            f"{run['unexpected']} of {run['requests']} answers from {url} ({Path(requests_file).name}) "
            f"were not 200 (the last: {run['last_unexpected_status']})"
        )
    if not run["requests"] and not warm_up:
        raise Broken(f"no answer from {url} ({requests_file}) in {seconds}s:\n{result.stdout}")
    run["rps"] = run["requests"] / (run["duration_us"] / 1e6) if run["duration_us"] else 0.0
    return run
