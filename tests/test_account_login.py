"""Logging in (by email, verified addresses only) and out."""

from html import escape

import pytest

from tests.pages import is_logged_in, log_in

LOGOUT_URL = "/accounts/logout/"
DASHBOARD_URL = "/dashboard/"

pytestmark = pytest.mark.django_db


def test_a_verified_learner_logs_in_and_lands_on_the_dashboard(client, learner):
    response = log_in(client, learner.email)
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD_URL
    assert is_logged_in(client)


def test_wrong_password_shows_an_error_on_the_form(client, learner):
    response = log_in(client, learner.email, "not-the-password")

    assert response.status_code == 200
    [error] = response.context["form"].non_field_errors()
    assert escape(error) in response.content.decode()
    assert not is_logged_in(client)


def test_log_out_is_a_post_and_goes_home(learner_client):
    page = learner_client.get(LOGOUT_URL)
    assert page.status_code == 200
    assert b'action="/accounts/logout/"' in page.content
    assert is_logged_in(learner_client)  # GET only asks

    response = learner_client.post(LOGOUT_URL)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not is_logged_in(learner_client)
