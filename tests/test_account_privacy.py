"""The learner's data is theirs (accounts.selectors.learner_data, accounts.services.delete_account,
accounts.views.download_data and delete_account_view): download everything as JSON, or delete the
account and everything in it, after which nothing is sent to them."""

import json
from datetime import UTC, date, datetime

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from accounts.selectors import learner_data
from accounts.services import WrongPassword, delete_account
from careers import reminders
from careers.models import (
    ActionItem,
    ActionItemCompletion,
    DigestLog,
    Enrolment,
    HabitTick,
    Pathway,
    Phase,
    Task,
    TaskCompletion,
)
from tests.factories import (
    PASSWORD,
    habits,
    make_enrolment,
    make_enrolment_at,
    make_learner,
    skip,
    skip_action_item,
    tick,
    tick_action_item,
    tick_habit,
    timed_tasks,
)

pytestmark = pytest.mark.django_db

DATA_URL = "/accounts/data/"
DELETE_URL = "/accounts/delete/"
DONE_URL = "/accounts/delete/done/"
LOGIN_URL = "/accounts/login/"

TICKED_AT = datetime(2026, 3, 3, 9, 15, tzinfo=UTC)
SKIPPED_AT = datetime(2026, 3, 4, 18, 0, tzinfo=UTC)
STARTED = date(2026, 2, 23)  # a Monday
ENROLLED = datetime(2026, 2, 28, 7, tzinfo=UTC)  # Saturday, after that week's slot
DIGEST_DUE = datetime(2026, 3, 2, 8, 5, tzinfo=UTC)  # Monday 08:05 UTC: the default slot has come


def steps(pathway):
    return list(ActionItem.objects.filter(pathway=pathway).order_by("order"))


def fill(user, pathway, *, digest=True):
    """Give `user` a history on `pathway`: a tick, a skip, a done and a skipped step, a habit tick
    and (unless told) a sent digest. Returns the enrolment."""
    enrolment = make_enrolment_at(ENROLLED, user=user, pathway=pathway, start_date=STARTED)
    first, second, *_ = timed_tasks(pathway)
    tick(enrolment, first, at=TICKED_AT)
    skip(enrolment, second, reason="already_done", at=SKIPPED_AT)
    step_done, step_skipped, *_ = steps(pathway)
    tick_action_item(enrolment, step_done, at=TICKED_AT)
    skip_action_item(enrolment, step_skipped, reason="not_for_me", at=SKIPPED_AT)
    tick_habit(enrolment, habits(pathway)[0], at=TICKED_AT)
    if not digest:
        return enrolment
    DigestLog.objects.create(
        user=user,
        week=date(2026, 2, 23),
        state=DigestLog.State.SENT,
        claimed_at=datetime(2026, 2, 23, 8, tzinfo=UTC),
        sent_at=datetime(2026, 2, 23, 8, 1, tzinfo=UTC),
        attempts=1,
    )
    return enrolment


def rows_of(user_id):
    """How many rows each model holds for the learner `user_id`."""
    return {
        "user": get_user_model().objects.filter(pk=user_id).count(),
        "email addresses": EmailAddress.objects.filter(user_id=user_id).count(),
        "profile": Profile.objects.filter(user_id=user_id).count(),
        "enrolments": Enrolment.objects.filter(user_id=user_id).count(),
        "ticks and skips": TaskCompletion.objects.filter(enrolment__user_id=user_id).count(),
        "steps": ActionItemCompletion.objects.filter(enrolment__user_id=user_id).count(),
        "habit ticks": HabitTick.objects.filter(enrolment__user_id=user_id).count(),
        "digest logs": DigestLog.objects.filter(user_id=user_id).count(),
        "sessions": sum(
            session.get_decoded().get(SESSION_KEY) == str(user_id) for session in Session.objects.all()
        ),
    }


def logged_in_client(user, *, enforce_csrf_checks=False):
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user)
    return client


def download(client):
    response = client.post(DATA_URL)
    assert response.status_code == 200
    return json.loads(response.content)


# --- Download my data ---------------------------------------------------------------------------


def test_preferences_offer_both_actions(learner_client):
    html = learner_client.get("/accounts/preferences/").content.decode()
    assert 'id="your-data"' in html
    assert f'href="{DATA_URL}"' in html
    assert f'href="{DELETE_URL}"' in html


@pytest.mark.parametrize("url", [DATA_URL, DELETE_URL])
@pytest.mark.parametrize("method", ["get", "post"])
def test_privacy_pages_need_a_logged_in_user(client, url, method):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={url}"


def test_the_download_page_has_a_button(learner_client):
    page = learner_client.get(DATA_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<form method="post" action="{DATA_URL}">' in html
    assert "Download my data</button>" in html


def test_the_download_is_a_dated_json_attachment(learner_client, learner):
    Profile.objects.filter(user=learner).update(time_zone="Pacific/Kiritimati")  # UTC+14
    before = timezone.now()
    response = learner_client.post(DATA_URL)
    after = timezone.now()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    days = {moment.astimezone(timezone.get_fixed_timezone(14 * 60)).date() for moment in (before, after)}
    assert response["Content-Disposition"] in {
        f'attachment; filename="career-pathways-data-{day.isoformat()}.json"' for day in days
    }
    assert response["Cache-Control"] == "no-store"


def test_the_export_holds_the_account_and_preferences(client, make_learner):
    learner = make_learner("ada@example.com", time_zone="Europe/Berlin", reminder_weekday=4, reminder_hour=19)
    EmailAddress.objects.create(user=learner, email="ada@work.example", verified=False, primary=False)
    client.force_login(learner)  # sets last_login
    learner.refresh_from_db()

    data = download(client)

    assert data["format"] == "career-pathways-export"
    assert data["account"] == {
        "email_addresses": [
            {"email": "ada@example.com", "primary": True, "verified": True},
            {"email": "ada@work.example", "primary": False, "verified": False},
        ],
        "date_joined": DjangoJSONEncoder().default(learner.date_joined),  # ISO 8601, to the millisecond
        "last_login": DjangoJSONEncoder().default(learner.last_login),
    }
    preferences = data["preferences"]
    assert {
        key: preferences[key] for key in ("time_zone", "reminder_day", "reminder_time", "weekly_reminders")
    } == {
        "time_zone": "Europe/Berlin",
        "reminder_day": "Friday",
        "reminder_time": "19:00",
        "weekly_reminders": True,
    }
    assert "calendar address" in preferences["calendar_feed"]
    # Secrets stay out: the calendar feed's address and the password hash.
    body = json.dumps(data)
    assert learner.profile.calendar_token not in body
    assert learner.password not in body


def test_the_export_holds_every_enrolment_with_its_ticks_skips_habits_and_digests(
    learner_client, learner, pathway
):
    enrolment = fill(learner, pathway)
    first, second, *_ = timed_tasks(pathway)
    step_done, step_skipped, *_ = steps(pathway)
    habit = habits(pathway)[0]

    data = download(learner_client)

    [exported] = data["enrolments"]
    assert exported["pathway"] == {"title": pathway.title, "slug": pathway.slug, "archived": False}
    assert exported["status"] == "active"
    assert exported["start_date"] == "2026-02-23"
    assert exported["enrolled_at"] == "2026-02-28T07:00:00Z"
    assert (exported["paused_at"], exported["left_at"], exported["completed_at"]) == (None, None, None)
    assert exported["reminders"] is True
    assert exported["tasks"] == [
        {
            "task": first.text,
            "phase": first.phase.title,
            "archived": False,
            "state": "done",
            "skip_reason": None,
            "at": "2026-03-03T09:15:00Z",
        },
        {
            "task": second.text,
            "phase": second.phase.title,
            "archived": False,
            "state": "skipped",
            "skip_reason": "already_done",
            "at": "2026-03-04T18:00:00Z",
        },
    ]
    assert exported["action_steps"] == [
        {
            "step": step_done.text,
            "horizon": step_done.get_horizon_display(),
            "archived": False,
            "state": "done",
            "skip_reason": None,
            "at": "2026-03-03T09:15:00Z",
        },
        {
            "step": step_skipped.text,
            "horizon": step_skipped.get_horizon_display(),
            "archived": False,
            "state": "skipped",
            "skip_reason": "not_for_me",
            "at": "2026-03-04T18:00:00Z",
        },
    ]
    assert exported["habit_ticks"] == [
        {"task": habit.text, "phase": habit.phase.title, "archived": False, "at": "2026-03-03T09:15:00Z"}
    ]
    assert data["weekly_digests"] == [
        {
            "week": "2026-02-23",
            "state": "sent",
            "claimed_at": "2026-02-23T08:00:00Z",
            "sent_at": "2026-02-23T08:01:00Z",
            "attempts": 1,
        }
    ]
    assert enrolment.pk  # the learner's own, and only that one


@pytest.mark.skipif(not hasattr(Task, "archived_at"), reason="content is not archivable")
def test_ticks_on_archived_content_stay_in_the_export(learner_client, learner, pathway):
    fill(learner, pathway)
    first, second, *_ = timed_tasks(pathway)
    step_done, *_ = steps(pathway)
    habit = habits(pathway)[0]
    archived_at = datetime(2026, 3, 10, tzinfo=UTC)
    # A guide edit removed the first task, the ongoing phase (with its habit) and a step.
    Task.objects.filter(pk=first.pk).update(archived_at=archived_at)
    Phase.objects.filter(pk=habit.phase_id).update(archived_at=archived_at)
    ActionItem.objects.filter(pk=step_done.pk).update(archived_at=archived_at)
    Pathway.objects.filter(pk=pathway.pk).update(archived_at=archived_at)

    [exported] = download(learner_client)["enrolments"]

    assert exported["pathway"]["archived"] is True
    assert [(t["task"], t["archived"]) for t in exported["tasks"]] == [
        (first.text, True),
        (second.text, False),
    ]
    assert [(s["step"], s["archived"]) for s in exported["action_steps"]][0] == (step_done.text, True)
    assert [(h["task"], h["archived"]) for h in exported["habit_ticks"]] == [(habit.text, True)]


def test_left_and_paused_enrolments_are_exported_with_their_times(learner_client, learner, make_pathway):
    left = make_enrolment(user=learner, pathway=make_pathway())
    paused = make_enrolment(user=learner, pathway=make_pathway())
    left_at, paused_at = datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 3, 6, tzinfo=UTC)
    Enrolment.objects.filter(pk=left.pk).update(status="left", left_at=left_at, reminders_enabled=False)
    Enrolment.objects.filter(pk=paused.pk).update(status="paused", paused_at=paused_at)

    exported = download(learner_client)["enrolments"]

    assert [(e["status"], e["left_at"], e["paused_at"], e["reminders"]) for e in exported] == [
        ("left", "2026-03-05T00:00:00Z", None, False),
        ("paused", None, "2026-03-06T00:00:00Z", True),
    ]


def test_the_export_holds_only_the_learners_own_data(learner_client, learner, pathway):
    other = make_learner("someone-else@example.com")
    fill(other, pathway)
    make_enrolment(user=learner, pathway=pathway)

    data = download(learner_client)

    assert [a["email"] for a in data["account"]["email_addresses"]] == ["learner@example.com"]
    [exported] = data["enrolments"]
    assert exported["tasks"] == exported["action_steps"] == exported["habit_ticks"] == []
    assert data["weekly_digests"] == []
    assert "someone-else" not in json.dumps(data)


def test_the_export_takes_a_constant_number_of_queries(make_learner, make_pathway, pathway):
    small = make_learner()
    make_enrolment(user=small, pathway=pathway)
    large = make_learner()
    fill(large, pathway)
    for _ in range(3):
        other = make_pathway(phases=[(2, 3), (None, 2)], action_items={"this_week": 2})
        fill(large, other, digest=False)

    counts = []
    for user in (small, large):
        with CaptureQueriesContext(connection) as queries:
            learner_data(user=user, now=timezone.now())
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 7


# --- Delete my account --------------------------------------------------------------------------


def test_the_delete_page_asks_for_the_password(learner_client):
    page = learner_client.get(DELETE_URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'type="password" name="password"' in html
    assert 'autocomplete="current-password"' in html
    assert "Delete my account</button>" in html


@pytest.mark.parametrize("password", ["not-my-password", ""])
def test_a_wrong_password_deletes_nothing(learner, pathway, password):
    fill(learner, pathway)
    client = logged_in_client(learner)
    before = rows_of(learner.pk)

    response = client.post(DELETE_URL, {"password": password})

    assert response.status_code == 400
    assert response.context["form"].errors["password"]
    assert 'role="alert"' in response.content.decode()
    assert rows_of(learner.pk) == before
    assert client.get("/accounts/preferences/").status_code == 200  # still logged in


def test_the_service_refuses_a_wrong_password(learner):
    with pytest.raises(WrongPassword):
        delete_account(user=learner, password=PASSWORD + "x")
    assert rows_of(learner.pk)["user"] == 1


def test_deleting_removes_everything_of_the_learner_and_nothing_else(learner, pathway):
    other = make_learner("other@example.com")
    fill(other, pathway)
    fill(learner, pathway)
    client = logged_in_client(learner)
    logged_in_client(learner)  # a second device
    logged_in_client(other)
    token = learner.profile.calendar_token
    before, others_before = rows_of(learner.pk), rows_of(other.pk)
    assert all(before.values()) and before["sessions"] == 2

    response = client.post(DELETE_URL, {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == DONE_URL
    assert rows_of(learner.pk) == dict.fromkeys(before, 0)
    assert rows_of(other.pk) == others_before
    # The calendar address is gone with the profile.
    assert client.get(reverse("accounts:calendar_feed", args=[token])).status_code == 404


def test_after_deleting_the_learner_sees_a_confirmation_and_is_logged_out(learner):
    client = logged_in_client(learner)
    old_cookie = client.cookies["sessionid"].value

    response = client.post(DELETE_URL, {"password": PASSWORD}, follow=True)

    assert response.status_code == 200
    assert "Your account and everything in it has been deleted." in response.content.decode()
    assert not response.context["user"].is_authenticated
    assert client.get("/accounts/preferences/").status_code == 302  # to the log-in page
    # The old session cookie (say, copied from another device) no longer authenticates either.
    replay = Client()
    replay.cookies["sessionid"] = old_cookie
    assert replay.get("/accounts/preferences/").status_code == 302
    assert not Session.objects.filter(session_key=old_cookie).exists()


def test_no_email_goes_out_after_deleting(learner, pathway, mailoutbox):
    make_enrolment_at(ENROLLED, user=learner, pathway=pathway, start_date=STARTED)
    claimed = []
    reminders.dispatch(DIGEST_DUE, claimed.append)  # claimed, queued, not sent yet
    [log] = claimed
    assert log.user_id == learner.pk and log.state == DigestLog.State.CLAIMED
    client = logged_in_client(learner)
    mailoutbox.clear()

    client.post(DELETE_URL, {"password": PASSWORD})

    # The worker picks the queued digest up: its log went with the account, so nothing is sent.
    assert reminders.send(log.id, DIGEST_DUE) is None
    assert reminders.send_preview(user_id=learner.pk, now=DIGEST_DUE) is None  # a queued preview
    assert reminders.dispatch(DIGEST_DUE, claimed.append) == 0  # and no later run finds them
    assert mail.outbox == []


def test_deleting_needs_a_csrf_token(learner, pathway):
    fill(learner, pathway)
    client = logged_in_client(learner, enforce_csrf_checks=True)
    before = rows_of(learner.pk)

    assert client.post(DELETE_URL, {"password": PASSWORD}).status_code == 403
    assert client.post(DATA_URL).status_code == 403
    assert rows_of(learner.pk) == before

    page = client.get(DELETE_URL)
    token = page.context["csrf_token"]
    assert (
        client.post(DELETE_URL, {"password": PASSWORD, "csrfmiddlewaretoken": str(token)}).status_code == 302
    )
    assert rows_of(learner.pk)["user"] == 0


def test_guessing_the_password_is_rate_limited(learner):
    client = logged_in_client(learner)
    answers = [client.post(DELETE_URL, {"password": f"guess-{n}"}).status_code for n in range(11)]
    assert answers == [400] * 10 + [429]  # allauth's "reauthenticate" limit: 10 a minute per user
    assert rows_of(learner.pk)["user"] == 1
