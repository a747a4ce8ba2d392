"""Redis stopped: the cache (config.cache.FailOpenRedisCache) fails open, so log-in, sign-up and
password reset, whose allauth rate limits count in the cache, keep answering as usual, and so do the
catalogue, the pathway page, the dashboard and ticking. A real redis-server, started for the test
and then stopped."""

import logging
import time

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from tests.factories import all_tasks
from tests.pages import is_logged_in, log_in, sign_up

pytestmark = pytest.mark.django_db

SIGNUP_URL = reverse("account_signup")
VERIFICATION_SENT_URL = "/accounts/confirm-email/"
DASHBOARD_URL = "/dashboard/"


@pytest.fixture
def redis_cache(throwaway_redis):
    """The default cache on a redis-server of this test's own, configured as in production."""
    caches = {
        "default": {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": throwaway_redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with override_settings(CACHES=caches):
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
