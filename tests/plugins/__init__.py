"""Test plumbing, loaded as pytest plugins by `pytest_plugins` in the root conftest.py.

- `postgresql`: a throwaway PostgreSQL server that Django's test database is created on.
- `celery_worker`: a throwaway redis-server and real Celery workers (a thread, or processes) fed from it.
- `smtp_server`: a real SMTP server on loopback that counts what it took, refuses or holds on demand.
- `settings`: the settings every test runs with.
"""

import socket

LOCALHOST = "127.0.0.1"


def free_port(host=LOCALHOST):
    """A TCP port that is free right now. Another process may take it before we bind: callers retry."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
