"""The learner's Profile (accounts.models, time_zones, selectors): one per user from the start, the
time zone from sign-up, the reminder summary, and the masked email shown on unsubscribe pages."""

import re

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Profile
from accounts.selectors import masked_email
from accounts.time_zones import clean_time_zone, is_valid_time_zone, time_zone_choices
from tests.factories import PASSWORD
from tests.pages import sign_up

User = get_user_model()


# --- One profile per user ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_user_gets_one_profile_when_created():
    user = User.objects.create_user("grace", "grace@example.com", PASSWORD)
    profile = user.profile
    assert profile.pk
    assert (
        profile.time_zone,
        profile.reminder_weekday,
        profile.reminder_hour,
        profile.reminders_enabled,
    ) == (
        "UTC",
        0,
        8,
        True,
    )
    user.save()  # saving again makes no second profile
    assert User.objects.get(pk=user.pk).profile == profile
    admin = User.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    assert admin.profile.pk
    assert Profile.objects.count() == 2


def test_reminder_summary():
    assert (
        Profile(reminder_weekday=4, reminder_hour=7, time_zone="Asia/Tokyo").reminder_summary
        == "Weekly reminder every Friday at 07:00 (Asia/Tokyo)."
    )
    assert Profile(reminders_enabled=False).reminder_summary == "Weekly reminders are off."


# --- The time zone from sign-up ---------------------------------------------------------------------


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
    response = sign_up(client, "ada@example.com", time_zone=sent)
    assert response.status_code == 302  # never an error at sign-up
    profile = Profile.objects.get(user__email="ada@example.com")
    assert profile.time_zone == saved
    assert (profile.reminder_weekday, profile.reminder_hour, profile.reminders_enabled) == (0, 8, True)


@pytest.mark.django_db
def test_sign_up_without_a_time_zone_field_at_all_uses_utc(client):
    sign_up(client, "ada@example.com", time_zone=None)  # no JavaScript
    assert Profile.objects.get(user__email="ada@example.com").time_zone == "UTC"


@pytest.mark.django_db
def test_signup_page_has_the_hidden_time_zone_field_for_app_js(client):
    page = client.get("/accounts/signup/")
    assert page.status_code == 200
    assert re.search(rb'<input type="hidden" name="time_zone"[^>]*data-browser-time-zone', page.content)


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


# --- Masked email -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("learner@example.com", "l••••••@example.com"),
        ("al@example.com", "a•@example.com"),
        ("a@example.com", "a•@example.com"),  # never shows the whole name
    ],
)
def test_masked_email_keeps_the_first_letter_and_the_domain(email, masked):
    assert masked_email(email) == masked
