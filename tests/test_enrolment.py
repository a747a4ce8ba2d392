"""Enrolling in a pathway, pausing, resuming and leaving it; the dashboard; who may see what."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from careers.models import Enrolment, TaskCompletion
from careers.schedule import local_date

pytestmark = pytest.mark.django_db


def enrol_url(pathway):
    return reverse("careers:enrol", args=[pathway.slug])


def test_pathway_page_invites_visitors_to_sign_up(client, speech_pathway):
    html = client.get(speech_pathway.get_absolute_url()).content.decode()
    assert "Sign up to enrol" in html
    assert f"/accounts/signup/?next=/pathways/{speech_pathway.slug}/" in html
    assert 'type="checkbox"' not in html


def test_enrol_form_defaults_to_today_in_the_learners_time_zone(client, make_learner, speech_pathway):
    learner = make_learner(time_zone="Pacific/Kiritimati")  # UTC+14: often a day ahead of UTC
    client.force_login(learner)
    html = client.get(speech_pathway.get_absolute_url()).content.decode()
    today = local_date(timezone.now(), "Pacific/Kiritimati")
    assert f'value="{today:%Y-%m-%d}"' in html
    assert ">Enrol in this pathway</button>" in html


def test_enrol_creates_one_enrolment_and_shows_the_dashboard(learner_client, learner, speech_pathway):
    start = timezone.now().date()
    response = learner_client.post(enrol_url(speech_pathway), {"start_date": start.isoformat()})
    enrolment = Enrolment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/#enrolment-{enrolment.id}"
    assert (enrolment.user, enrolment.pathway, enrolment.start_date, enrolment.status) == (
        learner,
        speech_pathway,
        start,
        "active",
    )

    again = learner_client.post(enrol_url(speech_pathway), {"start_date": start.isoformat()}, follow=True)
    assert Enrolment.objects.count() == 1
    assert "You already follow" in again.content.decode()

    dashboard = learner_client.get("/dashboard/").content.decode()
    assert speech_pathway.title in dashboard
    assert "Week 1 of 24" in dashboard
    assert "Foundation in Speech Processing" in dashboard
    assert "Complete a signal processing course (e.g., Coursera&#x27;s DSP specialization)" in dashboard


@pytest.mark.parametrize(
    ("start_date", "error"),
    [
        ("not-a-date", "Enter a date like 2026-03-02."),
        ("", "Choose the day you start."),
        ("2031-02-30", "Enter a date like 2026-03-02."),
        ((date.today() + timedelta(days=800)).isoformat(), "within a year of today"),
    ],
)
def test_bad_start_date_is_a_form_error(learner_client, speech_pathway, start_date, error):
    response = learner_client.post(enrol_url(speech_pathway), {"start_date": start_date})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Enrolment.objects.count() == 0


def test_enrol_needs_a_log_in(client, speech_pathway):
    response = client.post(enrol_url(speech_pathway), {"start_date": "2026-01-05"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert Enrolment.objects.count() == 0


def test_enrol_in_unknown_pathway_is_404(learner_client):
    assert (
        learner_client.post("/pathways/no-such-thing/enrol/", {"start_date": "2026-01-05"}).status_code == 404
    )


def test_enrol_by_get_is_not_allowed(learner_client, speech_pathway):
    assert learner_client.get(enrol_url(speech_pathway)).status_code == 405


def test_a_learner_can_follow_several_pathways(learner_client, speech_pathway):
    from careers import guides
    from careers.importer import import_pathway
    from tests.conftest import GUIDES_DIR

    nlp = import_pathway(guides.read(GUIDES_DIR / "deep-learning-engineer-to-nlp-engineer.txt")).pathway
    today = date.today().isoformat()
    learner_client.post(enrol_url(speech_pathway), {"start_date": today})
    learner_client.post(enrol_url(nlp), {"start_date": today})
    dashboard = learner_client.get("/dashboard/").content.decode()
    assert Enrolment.objects.count() == 2
    assert speech_pathway.title in dashboard and nlp.title in dashboard


def test_pause_and_resume(learner_client, learner, speech_pathway):
    learner_client.post(enrol_url(speech_pathway), {"start_date": date.today().isoformat()})
    enrolment = Enrolment.objects.get()

    response = learner_client.post(reverse("careers:pause", args=[enrolment.id]), follow=True)
    enrolment.refresh_from_db()
    assert enrolment.status == "paused" and enrolment.paused_at is not None
    assert "Paused" in response.content.decode()

    enrolment.paused_at = timezone.now() - timedelta(days=9)
    enrolment.save()
    learner_client.post(reverse("careers:resume", args=[enrolment.id]))
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.paused_at, enrolment.paused_days) == ("active", None, 9)


def test_leave_asks_for_confirmation_and_keeps_history(learner_client, speech_pathway):
    learner_client.post(enrol_url(speech_pathway), {"start_date": date.today().isoformat()})
    enrolment = Enrolment.objects.get()
    task = speech_pathway.phases.first().tasks.first()
    learner_client.post(reverse("careers:tick_task", args=[enrolment.id, task.id]), {"done": "true"})

    confirm = learner_client.get(reverse("careers:leave", args=[enrolment.id]))
    assert confirm.status_code == 200
    assert "Leave pathway</button>" in confirm.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == "active"

    learner_client.post(reverse("careers:leave", args=[enrolment.id]))
    enrolment.refresh_from_db()
    assert enrolment.status == "left" and enrolment.left_at is not None
    assert TaskCompletion.objects.filter(enrolment=enrolment).count() == 1
    dashboard = learner_client.get("/dashboard/").content.decode()
    assert "Pathways you left" in dashboard

    # Ticking is closed while left; enrolling again re-opens the same enrolment with its ticks.
    closed = learner_client.post(
        reverse("careers:tick_task", args=[enrolment.id, task.id]), {"done": "false"}
    )
    assert closed.status_code == 409
    page = learner_client.get(speech_pathway.get_absolute_url()).content.decode()
    assert ">Enrol again</button>" in page
    learner_client.post(enrol_url(speech_pathway), {"start_date": date.today().isoformat()})
    enrolment.refresh_from_db()
    assert enrolment.status == "active"
    assert Enrolment.objects.count() == 1
    assert TaskCompletion.objects.filter(enrolment=enrolment).count() == 1


def test_dashboard_empty_state(learner_client):
    html = learner_client.get("/dashboard/").content.decode()
    assert "You are not following a pathway yet" in html
    assert 'href="/pathways/"' in html


def test_dashboard_needs_a_log_in(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/dashboard/"


def test_dashboard_queries_do_not_grow_with_enrolments(
    client, make_learner, speech_pathway, django_assert_max_num_queries
):
    from careers import guides
    from careers.importer import import_pathway
    from careers.services import enrol, set_task_done
    from tests.conftest import GUIDES_DIR

    learner = make_learner()
    client.force_login(learner)
    enrolment, _ = enrol(user=learner, pathway=speech_pathway, start_date=date.today())
    set_task_done(
        enrolment=enrolment, task=speech_pathway.phases.first().tasks.first(), done=True, now=timezone.now()
    )
    with django_assert_max_num_queries(14) as one:
        client.get("/dashboard/")
    for path in GUIDES_DIR.glob("*.txt"):
        pathway = import_pathway(guides.read(path)).pathway
        enrol(user=learner, pathway=pathway, start_date=date.today())
    with django_assert_max_num_queries(len(one.captured_queries)) as three:
        client.get("/dashboard/")
    assert len(three.captured_queries) == len(one.captured_queries)


def test_other_learners_enrolment_is_404_and_unchanged(client, make_learner, speech_pathway):
    from careers.services import enrol

    owner = make_learner("owner@example.com")
    enrolment, _ = enrol(user=owner, pathway=speech_pathway, start_date=date.today())
    task = speech_pathway.phases.first().tasks.first()
    client.force_login(make_learner("intruder@example.com"))

    assert (
        client.post(reverse("careers:tick_task", args=[enrolment.id, task.id]), {"done": "true"}).status_code
        == 404
    )
    assert client.post(reverse("careers:pause", args=[enrolment.id])).status_code == 404
    assert client.get(reverse("careers:leave", args=[enrolment.id])).status_code == 404
    assert client.post(reverse("careers:leave", args=[enrolment.id])).status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == "active"
    assert not TaskCompletion.objects.exists()
    assert speech_pathway.title not in client.get("/dashboard/").content.decode()
