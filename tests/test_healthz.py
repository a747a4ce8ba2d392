"""GET /healthz, for load balancers: 200 when the database and the broker answer, 503 naming the part
that does not; cheap, no session, never cached, not redirected to HTTPS."""

from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import override_settings

from tests.plugins import free_port

pytestmark = pytest.mark.django_db


def test_healthy_on_the_test_setup(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]
    assert not response.cookies  # no session, no CSRF cookie
    assert "Cookie" not in response.get("Vary", "")


def test_a_load_balancer_may_ask_with_head_but_not_post(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_names_the_database_when_it_does_not_answer(client):
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "unreachable", "broker": "ok"}


def test_names_the_broker_when_redis_does_not_answer(client):
    closed_port = free_port()  # nothing listens there
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port}/0"):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unreachable"}


def test_a_running_redis_broker_is_healthy(client, redis_server):
    with override_settings(CELERY_BROKER_URL=redis_server):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_a_filesystem_broker_whose_folder_is_gone_is_unreachable(client, settings, tmp_path):
    missing = tmp_path / "gone"
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(missing)}
    assert not Path(missing).exists()

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unreachable"}


def test_is_exempt_from_the_https_redirect(client):
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert client.get("/").status_code == 301  # everything else goes to https://
        assert client.get("/healthz").status_code == 200
