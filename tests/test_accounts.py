"""Accounts: sign-up with email verification, log in/out, password reset, the learner's Profile and
preferences page, and the restyled allauth pages."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.cache import cache

from accounts.adapter import site_url
from accounts.models import Profile
from accounts.time_zones import clean_time_zone, is_valid_time_zone, time_zone_choices

PASSWORD = "plum-orbit-harbour-47"
SIGNUP_URL = "/accounts/signup/"
LOGIN_URL = "/accounts/login/"
LOGOUT_URL = "/accounts/logout/"
PREFERENCES_URL = "/accounts/preferences/"
VERIFICATION_SENT_URL = "/accounts/confirm-email/"
DASHBOARD_URL = "/dashboard/"

User = get_user_model()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth counts attempts in the cache; each test starts from zero.
    cache.clear()
    yield
    cache.clear()


def sign_up(client, email="ada@example.com", time_zone="Europe/Berlin"):
    data = {"email": email, "password1": PASSWORD, "password2": PASSWORD, "time_zone": time_zone}
    return client.post(SIGNUP_URL, data)


def log_in(client, email="ada@example.com", password=PASSWORD):
    return client.post(LOGIN_URL, {"login": email, "password": password})


def link_in(message, path_prefix):
    match = re.search(rf"https?://[^\s/]+{re.escape(path_prefix)}\S+", message.body)
    assert match, f"no {path_prefix} link in:\n{message.body}"
    return match.group(0)


def path_of(url):
    return re.sub(r"^https?://[^/]+", "", url)


def is_logged_in(client):
    return "_auth_user_id" in client.session


def make_learner(email="grace@example.com", verified=True):
    user = User.objects.create_user(username=email.split("@")[0], email=email, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    return user


# ---------- Sign-up, email verification, log in, log out ----------


@pytest.mark.django_db
def test_sign_up_sends_a_confirmation_link_and_blocks_log_in_until_confirmed(client, mailoutbox):
    response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == VERIFICATION_SENT_URL
    user = User.objects.get(email="ada@example.com")
    assert user.username  # filled in by allauth: nobody types one
    assert not EmailAddress.objects.get(user=user).verified
    assert not is_logged_in(client)

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ada@example.com"]
    assert message.subject.startswith("[Career Pathways] ")
    assert "Career Pathways" in message.body
    link_in(message, "/accounts/confirm-email/")

    # Mandatory verification: the right password still does not log you in.
    other_browser = client.__class__()
    response = log_in(other_browser)
    assert response.status_code == 302
    assert response["Location"] == VERIFICATION_SENT_URL
    assert not is_logged_in(other_browser)


@pytest.mark.django_db
def test_confirming_in_the_browser_that_signed_up_logs_in_and_lands_on_the_dashboard(client, mailoutbox):
    sign_up(client)
    confirm_path = path_of(link_in(mailoutbox[0], "/accounts/confirm-email/"))

    page = client.get(confirm_path)
    assert page.status_code == 200
    assert b"ada@example.com" in page.content
    assert not EmailAddress.objects.get(email="ada@example.com").verified  # GET changes nothing

    response = client.post(confirm_path)
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD_URL
    assert EmailAddress.objects.get(email="ada@example.com").verified
    assert is_logged_in(client)


@pytest.mark.django_db
def test_confirming_elsewhere_then_logging_in_redirects_to_the_dashboard(client, mailoutbox):
    sign_up(client)
    confirm_path = path_of(link_in(mailoutbox[0], "/accounts/confirm-email/"))

    other_browser = client.__class__()
    response = other_browser.post(confirm_path)
    assert response.status_code == 302
    assert response["Location"] == LOGIN_URL
    assert not is_logged_in(other_browser)

    response = log_in(other_browser)
    assert response.status_code == 302
    assert response["Location"] == DASHBOARD_URL  # not followed: the dashboard is another app's page
    assert is_logged_in(other_browser)


@pytest.mark.django_db
def test_wrong_password_shows_an_error_on_the_form(client):
    make_learner()
    response = log_in(client, "grace@example.com", "not-the-password")
    assert response.status_code == 200
    assert b"alert--error" in response.content
    assert not is_logged_in(client)


@pytest.mark.django_db
def test_invalid_sign_up_shows_errors_next_to_the_fields(client, mailoutbox):
    response = client.post(SIGNUP_URL, {"email": "not-an-email", "password1": "a", "password2": "b"})
    assert response.status_code == 200
    assert b'class="errorlist"' in response.content
    assert b'aria-invalid="true"' in response.content
    assert not User.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_email_links_use_site_url_not_the_request_host(client, mailoutbox, settings):
    settings.SITE_URL = "https://pathways.example"
    sign_up(client)
    assert link_in(mailoutbox[0], "/accounts/confirm-email/").startswith(
        "https://pathways.example/accounts/confirm-email/"
    )
    assert "https://pathways.example/" in mailoutbox[0].body


def test_site_url_keeps_path_and_query(settings):
    settings.SITE_URL = "https://pathways.example"
    assert site_url("http://internal:8000/a/b/?x=1#f") == "https://pathways.example/a/b/?x=1#f"
    assert site_url("/accounts/login/") == "https://pathways.example/accounts/login/"


@pytest.mark.django_db
def test_log_out_is_a_post_and_goes_home(client):
    client.force_login(make_learner())

    page = client.get(LOGOUT_URL)
    assert page.status_code == 200
    assert b'action="/accounts/logout/"' in page.content
    assert is_logged_in(client)  # GET only asks

    response = client.post(LOGOUT_URL)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert not is_logged_in(client)


@pytest.mark.django_db
def test_password_reset_by_emailed_link(client, mailoutbox, settings):
    settings.SITE_URL = "https://pathways.example"
    make_learner()

    response = client.post("/accounts/password/reset/", {"email": "grace@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].subject == "[Career Pathways] Reset your password"
    link = link_in(mailoutbox[0], "/accounts/password/reset/key/")
    assert link.startswith("https://pathways.example/")

    # allauth moves the key into the session, then shows the form on a key-less URL.
    response = client.get(path_of(link))
    assert response.status_code == 302
    form_url = response["Location"]
    assert client.get(form_url).status_code == 200
    new_password = "tundra-lantern-violet-83"
    response = client.post(form_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/key/done/"

    assert log_in(client, "grace@example.com", new_password)["Location"] == DASHBOARD_URL


@pytest.mark.django_db
def test_changing_the_password_keeps_you_logged_in_and_emails_a_notice(client, mailoutbox, settings):
    settings.SITE_URL = "https://pathways.example"
    client.force_login(make_learner())
    new_password = "tundra-lantern-violet-83"
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
    )
    assert response.status_code == 302
    assert is_logged_in(client)
    assert [m.subject for m in mailoutbox] == ["[Career Pathways] Your password was changed"]
    assert "https://pathways.example/accounts/password/reset/" in mailoutbox[0].body


# ---------- Profile and the time zone from sign-up ----------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sent", "saved"),
    [
        ("Europe/Berlin", "Europe/Berlin"),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("Mars/Olympus_Mons", "UTC"),
        ("", "UTC"),
        ("localtime", "UTC"),
        ("x" * 500, "UTC"),
    ],
)
def test_sign_up_saves_the_browser_time_zone_or_utc(client, sent, saved):
    response = sign_up(client, time_zone=sent)
    assert response.status_code == 302  # never an error at sign-up
    profile = Profile.objects.get(user__email="ada@example.com")
    assert profile.time_zone == saved
    assert (profile.reminder_weekday, profile.reminder_hour, profile.reminders_enabled) == (0, 8, True)


@pytest.mark.django_db
def test_sign_up_without_a_time_zone_field_at_all_uses_utc(client):
    client.post(SIGNUP_URL, {"email": "ada@example.com", "password1": PASSWORD, "password2": PASSWORD})
    assert Profile.objects.get(user__email="ada@example.com").time_zone == "UTC"


@pytest.mark.django_db
def test_signup_page_has_the_hidden_time_zone_field_for_app_js(client):
    page = client.get(SIGNUP_URL)
    assert page.status_code == 200
    assert re.search(rb'<input type="hidden" name="time_zone"[^>]*data-browser-time-zone', page.content)


@pytest.mark.django_db
def test_every_user_gets_one_profile_when_created():
    user = make_learner()
    profile = user.profile
    assert profile.pk and profile.time_zone == "UTC"
    user.save()  # saving again makes no second profile
    assert User.objects.get(pk=user.pk).profile == profile
    admin = User.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    assert admin.profile.pk
    assert Profile.objects.count() == 2


def test_time_zone_helpers():
    assert is_valid_time_zone("Asia/Kolkata")
    assert not is_valid_time_zone("Asia/Nowhere")
    assert not is_valid_time_zone(None)
    assert clean_time_zone(" Europe/Paris ") == "Europe/Paris"
    assert clean_time_zone("nope") == "UTC"
    choices = time_zone_choices()
    assert choices[0][0] == "UTC"
    offered = {value for _group, zones in choices[1:] for value, _label in zones}
    assert "Europe/London" in offered and "localtime" not in offered


# ---------- Preferences page ----------


@pytest.mark.django_db
def test_preferences_need_a_logged_in_user(client):
    response = client.get(PREFERENCES_URL)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={PREFERENCES_URL}"


@pytest.mark.django_db
def test_preferences_page_shows_a_labelled_form(client):
    client.force_login(make_learner())
    page = client.get(PREFERENCES_URL)
    assert page.status_code == 200
    html = page.content.decode()
    for name, label in [
        ("time_zone", "Time zone"),
        ("reminder_weekday", "Reminder day"),
        ("reminder_hour", "Reminder time"),
        ("reminders_enabled", "Send me a weekly reminder email"),
    ]:
        assert f'<label for="id_{name}">{label}' in html
    assert '<option value="Europe/London">London</option>' in html
    assert '<option value="6">Sunday</option>' in html
    assert '<option value="23">23:00</option>' in html
    assert '<option value="8" selected>08:00</option>' in html
    assert 'type="checkbox" name="reminders_enabled"' in html


@pytest.mark.django_db
def test_saving_preferences_redirects_back_with_a_message(client):
    user = make_learner()
    client.force_login(user)
    data = {"time_zone": "Asia/Tokyo", "reminder_weekday": "4", "reminder_hour": "19"}  # checkbox unticked

    response = client.post(PREFERENCES_URL, data)
    assert response.status_code == 302
    assert response["Location"] == PREFERENCES_URL

    profile = Profile.objects.get(user=user)
    assert (profile.time_zone, profile.reminder_weekday, profile.reminder_hour) == ("Asia/Tokyo", 4, 19)
    assert profile.reminders_enabled is False

    page = client.get(PREFERENCES_URL)
    assert "Preferences saved." in page.content.decode()
    assert "Weekly reminders are off." in page.content.decode()


@pytest.mark.django_db
def test_changing_the_reminder_schedule_reschedules_reminders(client, monkeypatch):
    calls = []
    monkeypatch.setattr(
        "careers.services.reschedule_reminders", lambda *, user, now: calls.append((user.pk, now))
    )
    user = make_learner()
    client.force_login(user)
    same = {"time_zone": "UTC", "reminder_weekday": "0", "reminder_hour": "8"}

    client.post(PREFERENCES_URL, same)  # only the checkbox changed
    assert calls == []
    client.post(PREFERENCES_URL, {**same, "reminder_hour": "9", "reminders_enabled": "on"})
    assert [pk for pk, _now in calls] == [user.pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Atlantis/Capital"),
        ("time_zone", ""),
        ("reminder_weekday", "7"),
        ("reminder_hour", "24"),
    ],
)
def test_invalid_preferences_give_400_and_keep_the_saved_values(client, field, value):
    user = make_learner()
    client.force_login(user)
    profile = user.profile
    profile.time_zone = "Europe/Madrid"
    profile.save()
    data = {
        "time_zone": "Asia/Tokyo",
        "reminder_weekday": "2",
        "reminder_hour": "21",
        "reminders_enabled": "on",
    }
    data[field] = value

    response = client.post(PREFERENCES_URL, data)

    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert f'id="id_{field}_error"' in html  # the error sits next to its field
    profile.refresh_from_db()
    assert (profile.time_zone, profile.reminder_weekday, profile.reminder_hour) == ("Europe/Madrid", 0, 8)
    # What was typed in the other fields is still there to fix and resubmit.
    if field != "reminder_weekday":
        assert '<option value="2" selected>Wednesday</option>' in html
    if field != "reminder_hour":
        assert '<option value="21" selected>21:00</option>' in html


# ---------- The restyled allauth pages ----------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        SIGNUP_URL,
        LOGIN_URL,
        VERIFICATION_SENT_URL,
        "/accounts/confirm-email/not-a-real-key/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/password/reset/key/1-not-a-key/",
        "/accounts/password/reset/key/done/",
    ],
)
def test_anonymous_account_pages_use_the_site_layout(client, url):
    assert_site_page(client.get(url))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", [LOGOUT_URL, PREFERENCES_URL, "/accounts/email/", "/accounts/password/change/"]
)
def test_account_management_pages_use_the_site_layout(client, url):
    client.force_login(make_learner())
    response = assert_site_page(client.get(url))
    assert b'class="account-nav"' in response.content or url == LOGOUT_URL


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
    return response
