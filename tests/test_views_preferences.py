"""The preferences page (accounts.views.preferences) and its per-pathway controls: the form, a
schedule change moving the next reminder, muting one pathway, sending a preview."""

from datetime import UTC, datetime, time, timedelta
from html import escape
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from careers import reminders
from careers.models import DigestLog, Enrolment
from tests.pages import name_read, read_page

pytestmark = pytest.mark.django_db

PREFERENCES_URL = "/accounts/preferences/"
LOGIN_URL = "/accounts/login/"
SAVED_AS_IS = {"time_zone": "UTC", "reminder_weekday": "0", "reminder_hour": "8", "reminders_enabled": "on"}
FAR_AWAY = datetime(2030, 1, 1, tzinfo=UTC)  # a next_reminder_at no reschedule would choose


def next_local(weekday, hour, zone, after):
    """The first `weekday` at `hour`:00 in `zone` strictly after `after`, in UTC: worked out here,
    independently of careers.reminders."""
    zone = ZoneInfo(zone)
    local = after.astimezone(zone)
    day = local.date() + timedelta(days=(weekday - local.weekday()) % 7)
    candidate = datetime.combine(day, time(hour), tzinfo=zone)
    if candidate <= after:
        candidate = datetime.combine(day + timedelta(days=7), time(hour), tzinfo=zone)
    return candidate.astimezone(UTC)


def next_reminders(user):
    return set(Enrolment.objects.filter(user=user).values_list("next_reminder_at", flat=True))


def set_reminders(client, enrolment, enabled):
    return client.post(reverse("careers:set_reminders", args=[enrolment.id]), {"enabled": enabled})


# --- The form ---------------------------------------------------------------------------------------


def test_preferences_need_a_logged_in_user(client):
    response = client.get(PREFERENCES_URL)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={PREFERENCES_URL}"


def test_preferences_page_shows_a_labelled_form(learner_client):
    page = learner_client.get(PREFERENCES_URL)
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
    assert "Weekly reminder every Monday at 08:00 (UTC)." in html


def test_saving_preferences_redirects_back_with_a_message(learner_client, learner):
    data = {"time_zone": "Asia/Tokyo", "reminder_weekday": "4", "reminder_hour": "19"}  # checkbox unticked

    response = learner_client.post(PREFERENCES_URL, data)
    assert response.status_code == 302
    assert response["Location"] == PREFERENCES_URL

    profile = Profile.objects.get(user=learner)
    assert (profile.time_zone, profile.reminder_weekday, profile.reminder_hour) == ("Asia/Tokyo", 4, 19)
    assert profile.reminders_enabled is False

    html = learner_client.get(PREFERENCES_URL).content.decode()
    assert "Preferences saved." in html
    assert "Weekly reminders are off." in html


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_zone", "Atlantis/Capital"),
        ("time_zone", ""),
        ("reminder_weekday", "7"),
        ("reminder_hour", "24"),
    ],
)
def test_invalid_preferences_give_400_and_keep_the_saved_values(learner_client, learner, field, value):
    profile = learner.profile
    profile.time_zone = "Europe/Madrid"
    profile.save()
    data = {
        "time_zone": "Asia/Tokyo",
        "reminder_weekday": "2",
        "reminder_hour": "21",
        "reminders_enabled": "on",
    }
    data[field] = value

    response = learner_client.post(PREFERENCES_URL, data)

    assert response.status_code == 400
    html = response.content.decode()
    [error] = response.context["form"].errors[field]
    assert html.count(escape(error)) >= 2  # in the summary at the top, and next to its field
    assert f'id="id_{field}_error"' in html  # what the field's aria-describedby points at
    profile.refresh_from_db()
    assert (profile.time_zone, profile.reminder_weekday, profile.reminder_hour) == ("Europe/Madrid", 0, 8)
    assert "Weekly reminder every Monday at 08:00 (Europe/Madrid)." in html  # the saved values
    # What was typed in the other fields is still there to fix and resubmit.
    if field != "reminder_weekday":
        assert '<option value="2" selected>Wednesday</option>' in html
    if field != "reminder_hour":
        assert '<option value="21" selected>21:00</option>' in html


# --- A new schedule moves the next reminder ---------------------------------------------------------


def test_changing_the_reminder_schedule_moves_every_pathways_next_reminder(
    learner_client, learner, make_enrolment, make_pathway
):
    for _ in range(2):
        make_enrolment(user=learner, pathway=make_pathway())
    Enrolment.objects.filter(user=learner).update(next_reminder_at=FAR_AWAY)

    before = timezone.now()
    learner_client.post(
        PREFERENCES_URL,
        {**SAVED_AS_IS, "time_zone": "Asia/Tokyo", "reminder_weekday": "4", "reminder_hour": "7"},
    )
    after = timezone.now()

    # Friday 07:00 in Tokyo, the first after the save, for both pathways.
    [moved] = next_reminders(learner)
    assert moved in {next_local(4, 7, "Asia/Tokyo", before), next_local(4, 7, "Asia/Tokyo", after)}


@pytest.mark.parametrize(
    ("field", "value"),
    [("time_zone", "America/Sao_Paulo"), ("reminder_weekday", "3"), ("reminder_hour", "21")],
)
def test_any_one_schedule_field_moves_the_next_reminder(learner_client, learner, enrolment, field, value):
    Enrolment.objects.filter(pk=enrolment.pk).update(next_reminder_at=FAR_AWAY)
    data = {**SAVED_AS_IS, field: value}

    before = timezone.now()
    learner_client.post(PREFERENCES_URL, data)
    after = timezone.now()

    weekday, hour, zone = int(data["reminder_weekday"]), int(data["reminder_hour"]), data["time_zone"]
    enrolment.refresh_from_db()
    assert enrolment.next_reminder_at in {
        next_local(weekday, hour, zone, before),
        next_local(weekday, hour, zone, after),
    }


def test_a_save_that_changes_no_schedule_field_leaves_the_next_reminder_alone(
    learner_client, learner, enrolment
):
    Enrolment.objects.filter(pk=enrolment.pk).update(next_reminder_at=FAR_AWAY)

    learner_client.post(PREFERENCES_URL, SAVED_AS_IS)  # nothing changed
    learner_client.post(PREFERENCES_URL, {**SAVED_AS_IS, "reminders_enabled": ""})  # only the checkbox
    learner_client.post(PREFERENCES_URL, SAVED_AS_IS)  # and back on

    assert next_reminders(learner) == {FAR_AWAY}
    learner.profile.refresh_from_db()
    assert learner.profile.reminders_enabled


# --- Per pathway: mute, preview ---------------------------------------------------------------------


def test_mute_one_pathway(learner_client, learner, enrolment, make_enrolment, make_pathway):
    other = make_enrolment(user=learner, pathway=make_pathway())
    page = learner_client.get(PREFERENCES_URL).content.decode()
    assert name_read(enrolment.pathway) in read_page(page).text and "Weekly email on." in page
    assert page.count("Send me this week's email now") == 1  # one email for every pathway

    response = set_reminders(learner_client, enrolment, "false")
    assert response.status_code == 302
    assert response["Location"] == PREFERENCES_URL
    enrolment.refresh_from_db()
    other.refresh_from_db()
    assert not enrolment.reminders_enabled
    assert other.reminders_enabled  # the other pathway keeps its email
    page = learner_client.get(PREFERENCES_URL).content.decode()
    assert f"Weekly reminder for “{enrolment.pathway.short_title}” turned off." in page
    assert "Weekly email muted." in page

    Enrolment.objects.filter(pk=enrolment.pk).update(next_reminder_at=None)
    before = timezone.now()
    set_reminders(learner_client, enrolment, "true")
    after = timezone.now()
    enrolment.refresh_from_db()
    assert enrolment.reminders_enabled
    assert enrolment.next_reminder_at in {next_local(0, 8, "UTC", before), next_local(0, 8, "UTC", after)}

    assert set_reminders(learner_client, enrolment, "sometimes").status_code == 400
    enrolment.refresh_from_db()
    assert enrolment.reminders_enabled


def preview(client):
    return client.post(reverse("careers:send_preview"), follow=True)


@pytest.fixture
def eager_tasks(settings, django_capture_on_commit_callbacks):
    """preview(client), with the tasks it queues run (eagerly) once it commits."""
    settings.CELERY_TASK_ALWAYS_EAGER = True

    def run(client):
        with django_capture_on_commit_callbacks(execute=True):
            return preview(client)

    return run


def test_send_this_weeks_email_now_is_queued_and_is_the_whole_digest(
    learner_client,
    learner,
    enrolment,
    make_enrolment,
    make_pathway,
    django_capture_on_commit_callbacks,
    settings,
):
    other = make_enrolment(user=learner, pathway=make_pathway(to_role="Pilot"))  # a name of its own
    scheduled = enrolment.next_reminder_at

    with django_capture_on_commit_callbacks() as queued:
        response = preview(learner_client)

    assert f"is on its way to {learner.email}" in response.content.decode()
    assert mail.outbox == []  # nothing sent inside the request: a task is queued on commit
    assert len(queued) == 1

    settings.CELERY_TASK_ALWAYS_EAGER = True  # the worker's side, here and now
    queued[0]()
    [message] = mail.outbox
    assert message.to == [learner.email]
    assert "across 2 pathways" in message.subject
    assert enrolment.pathway.short_title in message.body and other.pathway.short_title in message.body
    # A preview is not the week's digest: that one still goes out as scheduled.
    assert not DigestLog.objects.exists()
    enrolment.refresh_from_db()
    assert enrolment.next_reminder_at == scheduled


def test_previews_are_limited_to_a_few_an_hour(learner_client, learner, enrolment, eager_tasks):
    for _ in range(reminders.PREVIEWS_PER_HOUR):
        assert "is on its way" in eager_tasks(learner_client).content.decode()

    response = eager_tasks(learner_client)

    assert response.status_code == 200  # the page again, with a message; not an error page
    assert "times in the last hour: try again later." in response.content.decode()
    assert len(mail.outbox) == reminders.PREVIEWS_PER_HOUR


def test_the_limit_is_per_learner(client, make_learner, make_enrolment, pathway, eager_tasks):
    first, second = (make_enrolment(user=make_learner(), pathway=pathway) for _ in range(2))
    client.force_login(first.user)
    for _ in range(reminders.PREVIEWS_PER_HOUR + 1):
        eager_tasks(client)
    client.force_login(second.user)
    assert "is on its way" in eager_tasks(client).content.decode()
    assert [message.to[0] for message in mail.outbox].count(second.user.email) == 1


def test_no_preview_when_every_pathway_is_muted(learner_client, learner, enrolment, eager_tasks):
    set_reminders(learner_client, enrolment, "false")
    response = eager_tasks(learner_client)
    assert "Nothing to send" in response.content.decode()
    assert mail.outbox == []


def test_a_preview_needs_a_log_in(client, enrolment):
    response = client.post(reverse("careers:send_preview"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert mail.outbox == []


def test_reminder_controls_belong_to_their_owner(client, make_learner, make_enrolment, pathway):
    enrolment = make_enrolment(user=make_learner("owner@example.com"), pathway=pathway)
    client.force_login(make_learner("other@example.com"))

    assert set_reminders(client, enrolment, "false").status_code == 404
    assert mail.outbox == []
    enrolment.refresh_from_db()
    assert enrolment.reminders_enabled
