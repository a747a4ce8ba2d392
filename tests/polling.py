"""Waiting, in a test, for what another process or thread does (a Celery worker, the loopback mail
server): as long as it takes on a slow machine, and no longer than that."""

import time


def wait_for(condition, seconds=60.0, every=0.05):
    """True as soon as `condition()` is, False if it still is not after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True
