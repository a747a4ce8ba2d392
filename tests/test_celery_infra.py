"""The Celery test infrastructure itself: a task really travels through Redis to a worker thread."""

import threading
import time

import redis
from django.contrib.auth import get_user_model
from django.core import mail

from config.celery import app


# Registered at import, before any worker starts; the name keeps it apart from the project's tasks.
@app.task(bind=True, name="tests.test_celery_infra.email_user")
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


def test_after_the_worker_fixture_the_app_follows_the_settings_again(settings):
    # Runs after the test above (file order): the fixture's Redis broker is gone, and app.conf again
    # reads the broker from Django's settings, live.
    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert app.conf.broker_transport_options == getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    settings.CELERY_BROKER_URL = "redis://broker.invalid:6379/0"
    assert app.conf.broker_url == "redis://broker.invalid:6379/0"
