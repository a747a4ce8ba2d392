"""The Celery app: `celery -A config worker` / `celery -A config beat`.

Settings come from Django's settings, every name prefixed with CELERY_ (CELERY_BROKER_URL becomes
broker_url); tasks are found in each installed app's tasks.py.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
