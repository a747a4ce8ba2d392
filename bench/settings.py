"""The app's own settings (config/settings.py, from the same environment variables), with static
files collected into the bench run's temp dir instead of var/static/: `make bench` serves the app
as production does without touching a deployment's files. Its URLs add two empty views
(bench/urls.py), measured as references."""

import os

from config.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
ROOT_URLCONF = "bench.urls"
