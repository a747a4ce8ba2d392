"""Redis stopped: the cache (config.cache.FailOpenRedisCache) fails open, so log-in, sign-up and
password reset, whose allauth rate limits count in the cache, keep answering as usual, and so do the
catalogue, the pathway page, the dashboard and ticking; sessions, read from Redis while it is up,
come from the database. A real redis-server, started for the test
and then stopped. And Redis restarted empty under queued weekly digests: the next beat queues them
again (careers.reminders), a real worker sends them, one email each."""

import logging
import time
from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from redis import Redis

from careers import reminders
from careers.models import DigestLog
from careers.tasks import dispatch_reminders
from tests.factories import all_tasks, make_enrolment_at, make_learner
from tests.pages import is_logged_in, log_in, sign_up
from tests.polling import wait_for

pytestmark = pytest.mark.django_db

LEARNERS = 20
STARTED = date(2026, 2, 23)  # a Monday
ENROLLED = datetime(2026, 2, 28, 7, tzinfo=UTC)
NOW = "2026-03-02T09:00:00+00:00"  # Monday: every learner's first digest is due

SIGNUP_URL = reverse("account_signup")
VERIFICATION_SENT_URL = "/accounts/confirm-email/"
DASHBOARD_URL = "/dashboard/"


@pytest.fixture
def redis_cache(throwaway_redis):
    """The default and pages caches on a redis-server of this test's own, configured as in
    production, and sessions read through it."""
    redis = {
        "BACKEND": "config.cache.FailOpenRedisCache",
        "LOCATION": throwaway_redis.url,
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    caches = {
        "default": redis,
        "pages": settings.CACHES["pages"],
        "pages_shared": {**redis, "KEY_PREFIX": "pages"},
    }
    with override_settings(CACHES=caches, SESSION_ENGINE="django.contrib.sessions.backends.cached_db"):
        yield throwaway_redis


def test_the_cache_is_redis_until_it_stops_then_every_operation_is_a_logged_miss(redis_cache, caplog):
    cache.set("k", 1)
    assert cache.get("k") == 1  # really stored in Redis
    redis_cache.stop()

    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="config.cache"):
        assert cache.get("k", "missing") == "missing"
        cache.set("k", 2)
        assert cache.add("lock", True) is True
        assert cache.incr("count", 3) == 3
        assert cache.delete("k") is False
        assert cache.get_many(["a", "b"]) == {}
        assert cache.set_many({"a": 1}) == ["a"]
        cache.delete_many(["a"])
        assert cache.has_key("a") is False
    assert time.monotonic() - started < 5
    assert len([r for r in caplog.records if "cache unreachable" in r.getMessage()]) == 9


def test_with_redis_stopped_sign_up_log_in_and_password_reset_answer_as_usual(
    redis_cache, client, learner, mailoutbox, caplog
):
    redis_cache.stop()

    response = sign_up(client, "ada@example.com")
    assert response.status_code == 302
    assert response["Location"] == VERIFICATION_SENT_URL
    assert [message.to for message in mailoutbox] == [["ada@example.com"]]

    assert client.get(reverse("account_login")).status_code == 200
    response = log_in(client, learner.email)
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD_URL
    assert is_logged_in(client)
    client.logout()

    page = client.get(reverse("account_reset_password"))
    assert page.status_code == 200
    response = client.post(reverse("account_reset_password"), {"email": learner.email})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    assert mailoutbox[-1].to == [learner.email]

    assert any("cache unreachable" in record.getMessage() for record in caplog.records)


def test_sessions_are_read_from_redis_and_from_the_database_while_it_is_stopped(redis_cache, learner_client):
    def session_reads():
        with CaptureQueriesContext(connection) as queries:
            assert learner_client.get(DASHBOARD_URL).status_code == 200  # still logged in
        return [query for query in queries.captured_queries if "django_session" in query["sql"]]

    learner_client.get(DASHBOARD_URL)
    assert session_reads() == []  # the session came from Redis
    redis_cache.stop()
    assert len(session_reads()) == 1


def test_with_redis_stopped_the_catalogue_pathway_dashboard_and_ticking_work(
    redis_cache, learner_client, enrolment, pathway
):
    redis_cache.stop()

    assert learner_client.get(reverse("careers:catalogue")).status_code == 200
    assert learner_client.get(pathway.get_absolute_url()).status_code == 200
    assert learner_client.get(DASHBOARD_URL).status_code == 200
    task = all_tasks(pathway)[0]
    response = learner_client.post(
        reverse("careers:tick_task", args=[enrolment.id, task.id]), {"done": ["false", "true"]}
    )
    assert response.status_code == 302
    assert enrolment.task_completions.filter(task=task).exists()


# --- Digests queued when Redis restarts empty ------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("redis", ["restarted empty", "kept its queue"])
def test_digests_queued_when_redis_restarts_empty_go_out_at_the_next_beat_once_each(
    pathway, throwaway_redis, celery_app_on_broker, worker_process, smtp_server, redis
):
    """Claimed, queued, then Redis restarts empty: the next beat (one beat period later) queues the
    claims again and each learner gets one email. Had Redis kept its queue, each claim would be
    queued twice: still one email each (the sending lease goes to one copy)."""
    learners = [
        make_enrolment_at(ENROLLED, user=make_learner(), pathway=pathway, start_date=STARTED).user
        for _ in range(LEARNERS)
    ]
    celery_app_on_broker(throwaway_redis.url)
    queue = Redis.from_url(throwaway_redis.url)
    assert dispatch_reminders.apply(kwargs={"now": NOW}).get() == LEARNERS  # beat's task, run here
    assert queue.llen("celery") == LEARNERS  # queued; no worker yet
    if redis == "restarted empty":
        throwaway_redis.restart()
        celery_app_on_broker(throwaway_redis.url)  # publish on a fresh connection
        assert queue.llen("celery") == 0

    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + reminders.BEAT_PERIOD):
        assert dispatch_reminders.apply(kwargs={"now": NOW}).get() == LEARNERS  # the next beat
    worker_process(throwaway_redis.url)

    def drained():
        sent = not DigestLog.objects.exclude(state=DigestLog.State.SENT).exists()
        return sent and queue.llen("celery") == 0 and queue.hlen("unacked") == 0

    assert wait_for(drained)
    assert [smtp_server.delivered[learner.email] for learner in learners] == [1] * LEARNERS
    assert smtp_server.total == LEARNERS
