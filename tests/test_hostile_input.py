"""Hostile input (issue 10): property-based tests over every form field and URL parameter.

Whatever a client sends (dates, numbers, null bytes, huge or Unicode values, fields missing or
repeated, tampered tokens in the path, odd htmx headers), the answer is a page, a redirect or a 4xx,
never a 500; a refused request writes nothing; a redirect never leaves the site; and no message
tells whether an address has an account (ACCOUNT_PREVENT_ENUMERATION).

Data is built once per test; every example starts with an empty cache, so rate limits (tested
elsewhere) do not hide the forms behind a 429.
"""

import re
from datetime import date
from urllib.parse import quote

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.models import Profile
from accounts.tokens import unsubscribe_token
from careers import inbox
from careers.models import ActionItem, ActionItemCompletion, Enrolment, HabitTick, TaskCompletion
from tests.factories import habits, timed_tasks

pytestmark = pytest.mark.django_db

EXAMPLES = 40

hostile_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

BAD_HTMX = {"HX-Request": "true", "HX-Current-URL": "http://["}  # urlsplit raises ValueError

# Text a browser could send: any Unicode but lone surrogates (which no client can encode).
unicode_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)

NASTY = [
    "",
    " ",
    "\x00",
    "true\x00",
    "a\x00b",
    "x" * 100_000,
    "🙂" * 5_000,
    "‮ⅷ ﷽ 𝕏",
    "0",
    "-1",
    "1e400",
    "9" * 40,
    "-9223372036854775809",
    "NaN",
    "2026-02-30",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "99999-01-01",
    "2026-03-02T00:00:00+99:00",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "//evil.example/",
    "https://evil.example/",
    "\\\\evil.example",
    "/\\evil.example",
    "javascript:alert(1)",
    "http://[",
    "http://testserver/dashboard/",
    "/dashboard/",
    "true",
    "false",
    "True",
    "on",
    "1",
    "not_for_me",
    "already_done",
    "UTC",
    "Europe/Berlin",
    "learner@example.com",
]

hostile = st.one_of(
    unicode_text,
    st.sampled_from(NASTY),
    st.integers().map(str),
    st.floats().map(str),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(str),
)
# A field's values: [] is a missing field, several values a repeated one.
values = st.lists(hostile, max_size=3)


def fields(*names, **given_values):
    """Form data with each of `names` missing, once or repeated, with hostile values."""
    return st.fixed_dictionaries({name: given_values.get(name, values) for name in names})


htmx_headers = st.one_of(
    st.just({}),
    st.fixed_dictionaries(
        {"HX-Request": st.just("true")},
        optional={"HX-Current-URL": hostile, "HX-History-Restore-Request": st.sampled_from(["true", "x"])},
    ),
)


def tokens(real):
    """Tokens for a path: made up, or a real one cut, extended or with a character changed."""
    return st.one_of(
        unicode_text,
        st.sampled_from(NASTY),
        st.just(real),
        st.integers(0, len(real)).map(lambda n: real[:n]),
        hostile.map(lambda tail: real + tail),
        st.tuples(st.integers(0, len(real) - 1), st.characters(exclude_categories=("Cs",))).map(
            lambda pair: real[: pair[0]] + pair[1] + real[pair[0] + 1 :]
        ),
    )


def path_with(prefix, token, suffix="/"):
    return f"{prefix}{quote(token, safe='')}{suffix}"


def ok(response):
    """Never a server error."""
    assert response.status_code < 500, response.status_code
    return response.status_code


def stays_on_site(response):
    location = response["Location"] if response.status_code in (301, 302) else None
    if location is None and response.get("HX-Redirect"):
        location = response["HX-Redirect"]
    if location is not None:
        assert url_has_allowed_host_and_scheme(location, {"testserver"}), location


def state(user):
    """Everything a learner's request may write."""
    return {
        "enrolments": list(Enrolment.objects.filter(user=user).order_by("pk").values()),
        "task_ticks": list(TaskCompletion.objects.order_by("pk").values()),
        "action_ticks": list(ActionItemCompletion.objects.order_by("pk").values()),
        "habit_ticks": list(HabitTick.objects.order_by("pk").values()),
        "profile": Profile.objects.filter(user=user).values().first(),
        "users": list(get_user_model().objects.order_by("pk").values_list("pk", "email", "password")),
        "addresses": list(EmailAddress.objects.order_by("pk").values_list("pk", "email", "verified")),
    }


def every_user_is_whole():
    """No half-made account: every user has a profile and an email address."""
    users = get_user_model().objects
    assert not users.filter(profile__isnull=True).exists()
    assert not users.filter(emailaddress__isnull=True).exists()


# --- Catalogue and pathway pages -------------------------------------------------------------------


@hostile_settings
@given(data=fields("q", "from_role", "to_role", "length", "difficulty"), headers=htmx_headers)
def test_catalogue_filters_answer_a_page_or_400(client, pathway, data, headers):
    response = client.get(reverse("careers:catalogue"), data, headers=headers)
    status = ok(response)
    assert status in (200, 302, 400)
    if status == 302:  # blank fields dropped from the address: the clean one answers
        stays_on_site(response)
        assert ok(client.get(response["Location"], headers=headers)) in (200, 400)


@hostile_settings
@given(slug=hostile)
def test_any_pathway_address_is_a_page_or_404(client, pathway, slug):
    assert ok(client.get(path_with("/pathways/", slug))) in (200, 404)


# --- Enrolling, ticking, skipping ------------------------------------------------------------------


@hostile_settings
@example(data={"start_date": [str(date.today())], "next": []}, headers={})
@example(data={"start_date": ["2026-02-30", str(date.today())], "next": ["0"]}, headers=BAD_HTMX)
@given(data=fields("start_date", "next"), headers=htmx_headers)
def test_enrol_start_date(learner_client, learner, pathway, data, headers):
    cache.clear()
    before = state(learner)
    response = learner_client.post(reverse("careers:enrol", args=[pathway.slug]), data, headers=headers)
    status = ok(response)
    if status == 400:
        assert state(learner) == before
    else:
        assert status == 302
        stays_on_site(response)
        enrolment = Enrolment.objects.get(user=learner, pathway=pathway)
        assert data["start_date"]  # a missing date is refused
        enrolment.delete()  # the next example enrols afresh


@hostile_settings
@example(data={"start_date": [str(date.today())], "hours_per_week": ["20"], "already_done": []}, headers={})
@given(
    data=fields("start_date", "hours_per_week", "already_done", start_date=st.just([str(date.today())])),
    headers=htmx_headers,
)
def test_enrol_hours_and_tasks_already_done(learner_client, learner, pathway, data, headers):
    cache.clear()
    before = state(learner)
    response = learner_client.post(reverse("careers:enrol", args=[pathway.slug]), data, headers=headers)
    status = ok(response)
    if status == 400:
        assert state(learner) == before
    else:
        assert status == 302
        enrolment = Enrolment.objects.get(user=learner, pathway=pathway)
        TaskCompletion.objects.filter(enrolment=enrolment).delete()
        enrolment.delete()  # the next example enrols afresh


@hostile_settings
@given(hours=hostile)
def test_hours_in_a_pathway_address_are_used_or_ignored(learner_client, pathway, hours):
    assert ok(learner_client.get(pathway.get_absolute_url(), {"hours": hours})) == 200


@hostile_settings
@given(data=fields("hours_per_week", "next"), headers=htmx_headers)
def test_change_pace(learner_client, learner, enrolment, data, headers):
    before = state(learner)
    response = learner_client.post(reverse("careers:change_pace", args=[enrolment.id]), data, headers=headers)
    status = ok(response)
    assert status in (302, 400)
    if status == 400:
        assert state(learner) == before
    stays_on_site(response)


@hostile_settings
@example(
    data={"current_role": [], "skills": [], "hours_per_week": ["10"], "target_role": []},
    method="post",
    signed_in=True,
)
@given(
    data=fields("current_role", "skills", "hours_per_week", "target_role"),
    method=st.sampled_from(["get", "post"]),
    signed_in=st.booleans(),
)
def test_which_pathway_fits_me(client, learner, pathway, data, method, signed_in):
    cache.clear()
    client.logout()
    if signed_in:
        client.force_login(learner)
    before = state(learner)
    response = getattr(client, method)(reverse("careers:fit"), data)
    status = ok(response)
    if method == "get" or not signed_in or status == 400:
        assert state(learner) == before  # only a signed-in learner's valid answers are kept
    assert status in ((200, 400) if method == "get" else (302, 400))
    stays_on_site(response)
    Profile.objects.filter(user=learner).update(
        current_role="", target_role="", skills=[], hours_per_week=None
    )


def _tick_and_skip_routes(enrolment):
    pathway = enrolment.pathway
    task, habit = timed_tasks(pathway)[0], habits(pathway)[0]
    item = ActionItem.objects.filter(pathway=pathway).first()
    return {
        "tick_task": reverse("careers:tick_task", args=[enrolment.id, task.id]),
        "tick_habit": reverse("careers:tick_task", args=[enrolment.id, habit.id]),
        "tick_action_item": reverse("careers:tick_action_item", args=[enrolment.id, item.id]),
        "skip_task": reverse("careers:skip_task", args=[enrolment.id, task.id]),
        "skip_action_item": reverse("careers:skip_action_item", args=[enrolment.id, item.id]),
    }


@hostile_settings
@example(data={"done": ["false", "true"], "next": ["0"]}, headers={}, route="task")
@example(data={"done": ["true"], "next": []}, headers=BAD_HTMX, route="habit")
@example(data={"done": ["true\x00"], "next": ["x" * 100_000]}, headers={}, route="action_item")
@given(
    data=fields("done", "next"), headers=htmx_headers, route=st.sampled_from(["task", "habit", "action_item"])
)
def test_tick_done(learner_client, learner, enrolment, data, headers, route):
    url = _tick_and_skip_routes(enrolment)[f"tick_{route}"]
    before = state(learner)
    response = learner_client.post(url, data, headers=headers)
    status = ok(response)
    valid = bool(data["done"]) and data["done"][-1] in ("true", "false")
    if not valid:
        assert status == 400
        assert state(learner) == before
    else:
        assert status in (200, 302)
        stays_on_site(response)


@hostile_settings
@example(data={"reason": ["not_for_me"], "next": ["next"]}, headers=BAD_HTMX, route="task")
@given(data=fields("reason", "next"), headers=htmx_headers, route=st.sampled_from(["task", "action_item"]))
def test_skip_reason(learner_client, learner, enrolment, data, headers, route):
    url = _tick_and_skip_routes(enrolment)[f"skip_{route}"]
    before = state(learner)
    response = learner_client.post(url, data, headers=headers)
    status = ok(response)
    if status == 400:
        assert state(learner) == before
    else:
        assert data["reason"] and data["reason"][-1] in ("not_for_me", "already_done")
        assert status in (200, 302)
        stays_on_site(response)


@hostile_settings
@given(
    enrolment_id=st.one_of(st.integers(0, 2**70), st.just(None)),
    item_id=st.one_of(st.integers(0, 2**70), st.just(None)),
    route=st.sampled_from(["tick_task", "skip_task", "tick_action_item", "skip_action_item"]),
)
def test_ids_in_the_path_are_found_or_404(learner_client, learner, enrolment, enrolment_id, item_id, route):
    """Huge ids (past PostgreSQL's integer) and other learners' ids are a 404, never a 500."""
    real = _tick_and_skip_routes(enrolment)[route]
    own_enrolment, own_item = (int(n) for n in re.findall(r"\d+", real))
    url = reverse(f"careers:{route}", args=[enrolment_id or own_enrolment, item_id or own_item])
    for path in (url, url.replace("/enrolments/", "/enrolments/-")):
        assert ok(learner_client.post(path, {"done": "true", "reason": "not_for_me"})) in (200, 302, 400, 404)
    for name in ("pause", "resume", "leave", "set_reminders"):
        response = learner_client.post(reverse(f"careers:{name}", args=[enrolment_id or 2**63]), {})
        assert ok(response) in (302, 400, 404)


LEARNER_ROUTES = [
    ("get", "careers:dashboard", []),
    ("post", "careers:enrol", ["pathway-slug"]),
    ("post", "careers:pause", [1]),
    ("post", "careers:resume", [1]),
    ("get", "careers:leave", [1]),
    ("post", "careers:set_reminders", [1]),
    ("post", "careers:change_pace", [1]),
    ("post", "careers:send_preview", []),
    ("post", "careers:tick_task", [1, 1]),
    ("post", "careers:skip_action_item", [1, 1]),
]


@hostile_settings
@example(route=LEARNER_ROUTES[0], headers=BAD_HTMX, query={"next": ["0"]})
@given(route=st.sampled_from(LEARNER_ROUTES), headers=htmx_headers, query=fields("next", "q"))
def test_anonymous_learner_pages_send_to_log_in(client, route, headers, query):
    method, name, args = route
    url = reverse(name, args=args)
    response = getattr(client, method)(
        url + "?" + "&".join(f"next={quote(v)}" for v in query["next"]), query, headers=headers
    )
    assert ok(response) in (200, 302, 405)
    stays_on_site(response)


# --- Pause, resume, leave, reminders --------------------------------------------------------------


@hostile_settings
@example(data={"next": ["0"], "enabled": []}, headers={})
@example(data={"next": ["dashboard", "/\\evil.example"], "enabled": []}, headers=BAD_HTMX)
@given(data=fields("next", "enabled"), headers=htmx_headers)
def test_pause_resume_leave_next_never_leaves_the_site(learner_client, learner, enrolment, data, headers):
    for name in ("pause", "resume", "leave"):
        response = learner_client.post(reverse(f"careers:{name}", args=[enrolment.id]), data, headers=headers)
        assert ok(response) == 302
        stays_on_site(response)
    assert ok(learner_client.get(reverse("careers:leave", args=[enrolment.id]), data)) == 200
    enrolment.refresh_from_db()
    assert enrolment.is_left
    learner_client.post(
        reverse("careers:enrol", args=[enrolment.pathway.slug]), {"start_date": enrolment.start_date}
    )


@hostile_settings
@example(data={"enabled": ["true"], "next": ["preferences"]}, headers={})
@given(data=fields("enabled", "next"), headers=htmx_headers)
def test_set_reminders_enabled(learner_client, learner, enrolment, data, headers):
    before = state(learner)
    response = learner_client.post(
        reverse("careers:set_reminders", args=[enrolment.id]), data, headers=headers
    )
    status = ok(response)
    if data["enabled"] and data["enabled"][-1] in ("true", "false"):
        assert status == 302
        stays_on_site(response)
        enrolment.refresh_from_db()
        assert enrolment.reminders_enabled == (data["enabled"][-1] == "true")
    else:
        assert status == 400
        assert state(learner) == before


@settings(hostile_settings, max_examples=15)
@example(data={"next": ["0"]})
@given(data=fields("next"))
def test_send_preview_next(learner_client, learner, enrolment, data):
    response = learner_client.post(reverse("careers:send_preview"), data)
    assert ok(response) == 302
    stays_on_site(response)


PREFERENCES = {"time_zone": ["Europe/Berlin"], "reminder_weekday": ["0"], "reminder_hour": ["8"]}


@hostile_settings
@example(data={**PREFERENCES, "reminders_enabled": ["on", "\x00"]})
@example(data={**PREFERENCES, "reminder_hour": ["24"], "reminders_enabled": []})
@example(data={**PREFERENCES, "reminder_hour": ["99999"], "reminders_enabled": []})
@example(data={**PREFERENCES, "reminder_weekday": ["7", "-1"], "reminders_enabled": []})
@example(data={**PREFERENCES, "time_zone": ["Europe/Berlin\x00"], "reminders_enabled": []})
@given(data=fields("time_zone", "reminder_weekday", "reminder_hour", "reminders_enabled"))
def test_preferences(learner_client, learner, data):
    before = state(learner)
    status = ok(learner_client.post(reverse("accounts:preferences"), data))
    if status == 400:
        assert state(learner) == before
    else:
        assert status == 302
        profile = Profile.objects.get(user=learner)
        assert profile.time_zone == data["time_zone"][-1]
        assert 0 <= profile.reminder_weekday <= 6 and 0 <= profile.reminder_hour <= 23


# --- Tokens in the path: unsubscribe, inbox links, calendar feed ------------------------------------


@hostile_settings
@given(data=st.data(), method=st.sampled_from(["get", "post"]))
def test_unsubscribe_token(client, learner, data, method):
    real = unsubscribe_token(learner)
    token = data.draw(tokens(real))
    before = state(learner)
    status = ok(getattr(client, method)(path_with("/accounts/unsubscribe/", token)))
    if token != real:
        assert status in (400, 404)
        assert state(learner) == before


@hostile_settings
@given(data=st.data(), method=st.sampled_from(["get", "post"]), form=fields("done"))
def test_inbox_links(client, learner, enrolment, data, method, form):
    task_path = inbox.task_action_url(enrolment=enrolment, task=timed_tasks(enrolment.pathway)[0])
    pause_path = inbox.pause_url(enrolment=enrolment)
    for prefix, real in (
        ("/inbox/tasks/", task_path.rstrip("/").rsplit("/", 1)[1]),
        ("/inbox/pause/", pause_path.rstrip("/").rsplit("/", 1)[1]),
    ):
        token = data.draw(tokens(real))
        before = state(learner)
        status = ok(getattr(client, method)(path_with(prefix, token), form))
        if token != real:
            # 429: one client posting many links in a minute is slowed down (careers.views).
            assert status in (400, 404, 410, 429)
            assert state(learner) == before
    Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.ACTIVE, paused_at=None)


@hostile_settings
@given(data=st.data())
def test_calendar_token(client, learner, data):
    real = Profile.objects.get(user=learner).calendar_token
    token = data.draw(tokens(real))
    status = ok(client.get(path_with("/accounts/calendar/", token, ".ics")))
    assert status == (200 if token == real else 404)


# --- Accounts: sign-up, log-in, password reset, deleting the account --------------------------------

signup_data = fields(
    "email",
    "password1",
    "password2",
    "time_zone",
    email=st.one_of(values, st.emails().map(lambda e: [e])),
)


@hostile_settings
@example(
    data={
        "email": ["new@example.com"],
        "password1": ["glacier-piano-umbra-41"] * 2,
        "password2": ["glacier-piano-umbra-41"],
        "time_zone": ["Mars/Olympus\x00"],
    }
)
@example(
    data={
        "email": ["learner@example.com"],
        "password1": ["glacier-piano-umbra-41"],
        "password2": ["glacier-piano-umbra-41"],
        "time_zone": ["x" * 100_000],
    }
)
@given(data=signup_data)
def test_sign_up(client, learner, data):
    cache.clear()
    users = get_user_model().objects.count()
    status = ok(client.post(reverse("account_signup"), data))
    if status != 302:
        assert status in (200, 400)
        assert get_user_model().objects.count() == users
    every_user_is_whole()
    client.logout()


@hostile_settings
@given(
    data=fields("login", "password", "remember", login=st.one_of(values, st.just(["learner@example.com"])))
)
def test_log_in(client, learner, data):
    cache.clear()
    status = ok(client.post(reverse("account_login"), data))
    assert status in (200, 302, 400)
    client.logout()


@hostile_settings
@given(data=fields("email", email=st.one_of(values, st.emails().map(lambda e: [e]))))
def test_password_reset(client, learner, data):
    cache.clear()
    before = state(learner)
    assert ok(client.post(reverse("account_reset_password"), data)) in (200, 302, 400)
    assert state(learner) == before


@hostile_settings
@given(data=fields("password"))
def test_delete_account_with_a_wrong_password_deletes_nothing(learner_client, learner, enrolment, data):
    cache.clear()
    before = state(learner)
    assert ok(learner_client.post(reverse("accounts:delete_account"), data)) == 400
    assert state(learner) == before


# --- Many fields, bad encodings --------------------------------------------------------------------


def test_too_many_fields_and_bad_encodings_are_4xx(learner_client, learner, enrolment):
    url = _tick_and_skip_routes(enrolment)["tick_task"]
    before = state(learner)
    many = "&".join(["done=true"] * 2_000)
    assert ok(learner_client.post(url, many, content_type="application/x-www-form-urlencoded")) == 400
    assert ok(learner_client.get(reverse("careers:catalogue") + "?" + many.replace("done", "q"))) == 400
    assert ok(
        learner_client.get(reverse("careers:catalogue"), QUERY_STRING="q=%FF%FE%00&difficulty=%C0")
    ) in (
        200,
        400,
    )
    bad_body = b"done=%FF%00true&start_date=\xff\xfe"
    assert ok(learner_client.post(url, bad_body, content_type="application/x-www-form-urlencoded")) == 400
    assert ok(learner_client.post(url, b"\x00\xff", content_type="multipart/form-data; boundary=x")) == 400
    assert state(learner) == before


# --- Messages never tell whether an address has an account ----------------------------------------


def _page_text(response):
    """The page as a reader sees it, without the per-request CSRF token."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_password_reset_says_the_same_for_known_and_unknown_addresses(client, learner, mailoutbox):
    known = client.post(reverse("account_reset_password"), {"email": learner.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert (
        (known.status_code, known["Location"])
        == (unknown.status_code, unknown["Location"])
        == (
            302,
            reverse("account_reset_password_done"),
        )
    )
    assert _page_text(client.get(known["Location"])) == _page_text(client.get(unknown["Location"]))


def test_sign_up_with_a_taken_address_looks_like_any_sign_up(client, learner, mailoutbox):
    def sign_up(email):
        cache.clear()
        client.logout()
        data = {"email": email, "password1": "glacier-piano-umbra-41", "password2": "glacier-piano-umbra-41"}
        return client.post(reverse("account_signup"), data, follow=True)

    taken = sign_up(learner.email)
    fresh = sign_up("newcomer@example.com")
    assert taken.redirect_chain == fresh.redirect_chain != []
    page = taken.content.decode().lower()
    assert "exist" not in page and "already" not in page and "taken" not in page
    assert get_user_model().objects.filter(email__iexact=learner.email).count() == 1


def test_log_in_errors_are_the_same_for_known_and_unknown_addresses(client, learner):
    known = client.post(reverse("account_login"), {"login": learner.email, "password": "wrong-guess-12"})
    unknown = client.post(
        reverse("account_login"), {"login": "nobody@example.com", "password": "wrong-guess-12"}
    )
    assert known.status_code == unknown.status_code
    assert known.context["form"].errors == unknown.context["form"].errors
