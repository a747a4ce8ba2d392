"""Every account page, allauth's and ours, is a page of the site: base.html's layout, a title and a
heading, and nothing inline that the Content Security Policy would block."""

import re

import pytest

pytestmark = pytest.mark.django_db

LOGOUT_URL = "/accounts/logout/"


def assert_site_page(response):
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html  # extends base.html
    assert "app.css" in html and "app.js" in html
    assert "<h1>" in html
    assert " – Career Pathways</title>" in html
    # The CSP allows no inline scripts or styles.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " style=" not in html and "<style" not in html
    return html


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/signup/",
        "/accounts/login/",
        "/accounts/confirm-email/",
        "/accounts/confirm-email/not-a-real-key/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/password/reset/key/1-not-a-key/",
        "/accounts/password/reset/key/done/",
    ],
)
def test_anonymous_account_pages_use_the_site_layout(client, url):
    assert_site_page(client.get(url))


@pytest.mark.parametrize(
    "url", [LOGOUT_URL, "/accounts/preferences/", "/accounts/email/", "/accounts/password/change/"]
)
def test_account_management_pages_use_the_site_layout(learner_client, url):
    html = assert_site_page(learner_client.get(url))
    assert 'class="account-nav"' in html or url == LOGOUT_URL
