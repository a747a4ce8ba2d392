"""What the catalogue and the pathway page keep between requests (careers.page_cache), as a reader
meets it: a browser's repeat view is answered 304 while nothing it shows changed, and a new 200
when something did (an edit, the learner's tick); what one reader sees never reaches another (a
signed-in page's form tokens are the reader's own), and a message waiting is shown, not a copy.
(Every kind of edit showing at once is in test_content_version.py.)"""

import uuid

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import Client, override_settings
from django.urls import reverse

from careers import selectors
from careers.models import Pathway, TaskCompletion
from tests.factories import make_enrolment, make_learner, tick, timed_tasks
from tests.pages import read_page

pytestmark = pytest.mark.django_db

CATALOGUE = reverse("careers:catalogue")
HTMX = {"HX-Request": "true"}


def again(client, path, response, **headers):
    """`path` asked for again as a browser does when it holds `response`."""
    return client.get(path, headers={"If-None-Match": response["ETag"], **headers})


@pytest.mark.parametrize("path", ["pathway", "catalogue", "catalogue search"])
def test_a_visitors_repeat_view_is_answered_304_until_the_content_changes(client, pathway, path):
    path = {
        "pathway": pathway.get_absolute_url(),
        "catalogue": CATALOGUE,
        "catalogue search": CATALOGUE + "?q=data",
    }[path]
    first = client.get(path)
    assert first.status_code == 200 and first["ETag"]
    repeat = again(client, path, first)
    assert (repeat.status_code, repeat.content) == (304, b"")
    assert repeat["ETag"] == first["ETag"]

    Pathway.objects.get(pk=pathway.pk).save()  # an edit: a new content version
    changed = again(client, path, first)
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert changed.content == first.content  # nothing shown changed: the same page, rendered anew


def test_a_learners_repeat_view_is_answered_304_until_they_tick(learner_client, enrolment):
    path = enrolment.pathway.get_absolute_url()
    learner_client.get(path)  # the CSRF cookie, which the page's forms are made with
    first = learner_client.get(path)
    assert first.status_code == 200 and "private" in first["Cache-Control"]
    assert again(learner_client, path, first).status_code == 304

    tick(enrolment, timed_tasks(enrolment.pathway)[0])
    ticked = again(learner_client, path, first)
    assert ticked.status_code == 200 and ticked["ETag"] != first["ETag"]
    task = timed_tasks(enrolment.pathway)[0]
    box = read_page(ticked).find("input", id=f"task-{enrolment.id}-{task.id}-done")
    assert "checked" in box.attrs

    tick(enrolment, task, done=False)  # undone: the page is as it was
    unticked = read_page(again(learner_client, path, ticked)).find("input", id=box.attrs["id"])
    assert "checked" not in unticked.attrs


def test_a_learner_never_gets_another_readers_page(client, enrolment, learner):
    path = enrolment.pathway.get_absolute_url()
    visitor = client.get(path)
    other = make_learner("other@example.com")
    other_client = Client()
    other_client.force_login(other)
    other_page = other_client.get(path)

    learner_client = Client()
    learner_client.force_login(learner)
    box = f"task-{enrolment.id}-{timed_tasks(enrolment.pathway)[0].id}-done"
    for held in (visitor, other_page):
        mine = again(learner_client, path, held)
        assert mine.status_code == 200 and read_page(mine).find("input", id=box)


def test_the_tick_forms_of_a_signed_in_page_carry_the_readers_own_token(enrolment, learner):
    task = timed_tasks(enrolment.pathway)[0]
    path = enrolment.pathway.get_absolute_url()
    for email in ("first@example.com", "second@example.com"):  # others view the page first
        reader = Client()
        reader.force_login(make_enrolment(user=make_learner(email), pathway=enrolment.pathway).user)
        reader.get(path)
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    client.get(path)  # the CSRF cookie
    form = read_page(client.get(path)).find("form", id=f"task-{enrolment.id}-{task.id}")
    token = form.find("input", name="csrfmiddlewaretoken").attrs["value"]
    response = client.post(form.attrs["action"], {"csrfmiddlewaretoken": token, "done": "true"})
    assert response.status_code == 302
    assert TaskCompletion.objects.filter(enrolment=enrolment, task=task).exists()


def test_a_message_waiting_is_shown_on_a_page_a_visitor_saw_before(client, pathway, learner):
    path = pathway.get_absolute_url()
    before = client.get(path)
    client.force_login(learner)
    client.post(reverse("account_logout"))  # "You’ve logged out.", shown on the next page
    shown = client.get(path)
    assert "You’ve logged out." in read_page(shown).find(class_="messages").text
    assert not read_page(client.get(path)).find(class_="messages")  # once
    assert again(client, path, before).status_code == 304


def test_the_catalogue_keeps_the_htmx_results_and_the_whole_page_apart(client, pathway):
    results = client.get(CATALOGUE, headers=HTMX)
    assert not read_page(results).find("html")
    for headers in ({}, {**HTMX, "HX-History-Restore-Request": "true"}):
        page = read_page(client.get(CATALOGUE, headers=headers))
        assert page.find("html") and page.find("form", role="search")
    assert not read_page(client.get(CATALOGUE, headers=HTMX)).find("html")
    # A browser holding the whole page is not sent 304 for the results alone, nor the reverse.
    assert again(client, CATALOGUE, client.get(CATALOGUE), **HTMX).status_code == 200
    assert again(client, CATALOGUE, results).status_code == 200


@pytest.fixture
def shared_pages(redis_server):
    """Pages kept as in production: each process's memory in front of a Redis all processes share."""
    shared = {
        "BACKEND": "config.cache.FailOpenRedisCache",
        "LOCATION": redis_server,
        "KEY_PREFIX": f"pages-{uuid.uuid4().hex}",  # this test's own entries on the session's Redis
    }
    with override_settings(CACHES={**settings.CACHES, "pages_shared": shared}):
        yield caches["pages"]


def test_a_page_one_web_process_rendered_is_served_by_another_and_an_edit_shows_in_both(
    client, pathway, shared_pages, django_assert_num_queries
):
    path = pathway.get_absolute_url()
    rendered = client.get(path)
    assert rendered.status_code == 200

    def another_process():  # nothing of its own in memory: no page, no guide
        shared_pages.clear()
        selectors._pathway_content.cache_clear()  # the guide this process read

    another_process()
    with django_assert_num_queries(1):  # the content version; the page itself comes from Redis
        served = client.get(path)
    assert served.content == rendered.content

    edited = Pathway.objects.get(pk=pathway.pk)
    edited.title = "Renamed pathway"
    edited.save()
    assert read_page(client.get(path)).find("title").text.startswith("Renamed pathway")
    another_process()
    assert read_page(client.get(path)).find("title").text.startswith("Renamed pathway")
