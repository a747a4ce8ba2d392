"""careers.inbox: the signed links of the weekly email, built and read back without the views."""

import time
from datetime import timedelta
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import signing

from careers import inbox
from tests.factories import timed_tasks

pytestmark = pytest.mark.django_db


def token(url):
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[1]


def signed_ago(age, build):
    with mock.patch("django.core.signing.time.time", return_value=time.time() - age.total_seconds()):
        return token(build())


def test_a_task_link_reads_back_as_its_enrolment_and_task(enrolment, pathway):
    task = timed_tasks(pathway)[0]
    link = inbox.task_link_from_token(token(inbox.task_action_url(enrolment=enrolment, task=task)))
    assert (link.enrolment, link.task) == (enrolment, task)
    assert link.enrolment.pathway == pathway  # ready for the page, with the learner's profile
    assert inbox.enrolment_from_pause_token(token(inbox.pause_url(enrolment=enrolment))) == enrolment


def test_expired_links_raise_expired_and_load_as_none(enrolment, pathway):
    task = timed_tasks(pathway)[0]
    old_task = signed_ago(
        inbox.TASK_LINK_MAX_AGE + timedelta(seconds=5),
        lambda: inbox.task_action_url(enrolment=enrolment, task=task),
    )
    old_pause = signed_ago(
        inbox.PAUSE_LINK_MAX_AGE + timedelta(seconds=5), lambda: inbox.pause_url(enrolment=enrolment)
    )
    with pytest.raises(inbox.ExpiredLink):
        inbox.read_task_token(old_task)
    with pytest.raises(inbox.ExpiredLink):
        inbox.read_pause_token(old_pause)
    assert inbox.task_link_from_token(old_task) is None
    assert inbox.enrolment_from_pause_token(old_pause) is None


@pytest.mark.parametrize(
    "bad",
    ["", "x", "not:a:token", signing.dumps({"u": 1, "e": 1, "t": 1})],
    ids=["empty", "word", "colons", "signed-with-another-salt"],
)
def test_tokens_not_ours_are_invalid_not_expired(bad):
    with pytest.raises(inbox.InvalidLink) as raised:
        inbox.read_task_token(bad)
    assert not isinstance(raised.value, inbox.ExpiredLink)
    assert inbox.enrolment_from_pause_token(bad) is None


def test_a_token_naming_someone_elses_enrolment_loads_as_none(enrolment, make_enrolment, pathway):
    other = make_enrolment(pathway=pathway)
    task = timed_tasks(pathway)[0]
    mixed = signing.dumps({"u": enrolment.user_id, "e": other.id, "t": task.id}, salt="careers.inbox.task")
    assert inbox.task_link_from_token(mixed) is None
    mixed_pause = signing.dumps({"u": other.user_id, "e": enrolment.id}, salt="careers.inbox.pause")
    assert inbox.enrolment_from_pause_token(mixed_pause) is None
