"""The test plumbing itself (tests/plugins/): the suite runs on a real PostgreSQL, and a Celery task
really travels through Redis to a worker thread."""

import threading
import time

import pytest
import redis
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection

from config.celery import app

# --- postgresql -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_suite_runs_on_a_real_postgresql():
    assert connection.vendor == "postgresql"

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_setting('server_encoding')")
        database, encoding = cursor.fetchone()
    assert database.startswith("test_careers")
    assert encoding == "UTF8"

    # The ORM works against the migrated test database.
    assert get_user_model().objects.count() == 0


# --- celery_worker --------------------------------------------------------------------------


# Registered at import, before any worker starts; the name keeps it apart from the project's tasks.
@app.task(bind=True, name="tests.test_plugins.email_user")
def email_user(self, user_id):
    user = get_user_model().objects.get(pk=user_id)  # committed by the test, read on the worker's connection
    where = f"eager={self.request.is_eager} thread={threading.current_thread().name}"
    mail.send_mail("Hello from the worker", where, None, [user.email])


def _lpush_calls(url):
    client = redis.Redis.from_url(url)
    try:
        return client.info("commandstats").get("cmdstat_lpush", {}).get("calls", 0)
    finally:
        client.close()


def test_a_task_goes_through_redis_to_the_worker_thread(celery_worker_on_redis, redis_server):
    user = get_user_model().objects.create_user(username="worker", email="worker@example.com")
    published_before = _lpush_calls(redis_server)

    email_user.delay(user.pk)

    deadline = time.monotonic() + 10
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [message.to for message in mail.outbox] == [["worker@example.com"]]
    assert mail.outbox[0].body.startswith("eager=False thread=")
    assert threading.current_thread().name not in mail.outbox[0].body
    assert _lpush_calls(redis_server) > published_before  # the message was published to this Redis


def test_after_the_worker_fixture_the_app_follows_the_settings_again(request, settings, transactional_db):
    def app_follows_the_settings():
        assert app.conf.broker_url == settings.CELERY_BROKER_URL
        assert app.conf.broker_transport_options == getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
        settings.CELERY_BROKER_URL = "redis://broker.invalid:6379/0"
        assert app.conf.broker_url == "redis://broker.invalid:6379/0"  # read from the settings, live

    # Finalizers run last in, first out: this check runs once the worker fixture (asked for below)
    # has been torn down, and before `settings` is restored. Its failure is an error at teardown.
    # (The database is asked for above: pytest-django cannot set it up from within a test.)
    request.addfinalizer(app_follows_the_settings)
    request.getfixturevalue("celery_worker_on_redis")

    assert app.conf.broker_url == request.getfixturevalue("redis_server")
