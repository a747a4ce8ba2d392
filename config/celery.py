"""The Celery app: `celery -A config worker` / `celery -A config beat`.

Settings come from Django's settings, every name prefixed with CELERY_ (CELERY_BROKER_URL becomes
broker_url); tasks are found in each installed app's tasks.py. Workers log as the web does (settings
LOGGING): one structured line per task from django-structlog.
"""

import os

from celery import Celery, signals
from django_structlog.celery.steps import DjangoStructLogInitStep

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.steps["worker"].add(DjangoStructLogInitStep)
app.autodiscover_tasks()


@signals.setup_logging.connect
def use_django_logging(**kwargs):
    """Keep Django's LOGGING (JSON lines or console text) instead of Celery's own log format."""
    from django.conf import settings
    from django.utils.log import configure_logging

    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
