"""Signed links in the weekly email that act without a session: tick a task, pause a pathway.

A link carries a token signed with SECRET_KEY (its own salt per kind of link) naming the learner,
the enrolment and, for a task, the task. It is learner-scoped: the loaders refuse a token whose
enrolment is not that learner's or whose task is not in that enrolment's pathway, so a token
cannot be turned against anyone else's plan. Both kinds of link expire two weeks after the email
that carried them was built (the next weekly emails bring fresh ones).

GET on a link only shows a page (mail scanners follow links); POST acts. See careers.views.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing

from careers.models import Enrolment, Task
from careers.paths import url_path

TASK_LINK_MAX_AGE = timedelta(days=14)
PAUSE_LINK_MAX_AGE = timedelta(days=14)

_TASK_SALT = "careers.inbox.task"
_PAUSE_SALT = "careers.inbox.pause"


class InvalidLink(Exception):
    """The token is not one of ours, or names something that is gone or is not the learner's."""


class ExpiredLink(InvalidLink):
    """A genuine token, older than its link's max age."""


@dataclass(frozen=True)
class TaskLink:
    enrolment: Enrolment
    task: Task


# --- Building ----------------------------------------------------------------------------------


def task_action_url(*, enrolment, task):
    """The absolute address (on SITE_URL) of the page ticking `task` in `enrolment` from the email."""
    token = signing.dumps(
        {"u": enrolment.user_id, "e": enrolment.pk, "t": task.pk}, salt=_TASK_SALT, compress=True
    )
    return _absolute(url_path("careers:inbox_task", token))


def pause_url(*, enrolment):
    """The absolute address (on SITE_URL) of the page pausing `enrolment` from the email."""
    token = signing.dumps({"u": enrolment.user_id, "e": enrolment.pk}, salt=_PAUSE_SALT, compress=True)
    return _absolute(url_path("careers:inbox_pause", token))


def _absolute(path):
    return f"{settings.SITE_URL}{path}"


# --- Reading -----------------------------------------------------------------------------------


def read_task_token(token):
    """The TaskLink named by `token`; raises ExpiredLink or InvalidLink."""
    data = _unsign(token, _TASK_SALT, TASK_LINK_MAX_AGE, keys=("u", "e", "t"))
    enrolment = _enrolment(data)
    task = (
        Task.objects.select_related("phase").filter(pk=data["t"], phase__pathway=enrolment.pathway_id).first()
    )
    if task is None:
        raise InvalidLink
    return TaskLink(enrolment=enrolment, task=task)


def read_pause_token(token):
    """The Enrolment named by `token`; raises ExpiredLink or InvalidLink."""
    return _enrolment(_unsign(token, _PAUSE_SALT, PAUSE_LINK_MAX_AGE, keys=("u", "e")))


def task_link_from_token(token):
    """The TaskLink named by `token`, or None (tampered, expired, another learner's, unknown)."""
    try:
        return read_task_token(token)
    except InvalidLink:
        return None


def enrolment_from_pause_token(token):
    """The Enrolment named by `token`, or None (tampered, expired, another learner's, unknown)."""
    try:
        return read_pause_token(token)
    except InvalidLink:
        return None


def _unsign(token, salt, max_age, keys):
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as expired:
        raise ExpiredLink from expired
    except signing.BadSignature as bad:
        raise InvalidLink from bad
    if not isinstance(data, dict) or not all(isinstance(data.get(key), int) for key in keys):
        raise InvalidLink
    return data


def _enrolment(data):
    enrolment = (
        Enrolment.objects.select_related("pathway", "user__profile")
        .filter(pk=data["e"], user_id=data["u"])
        .first()
    )
    if enrolment is None:
        raise InvalidLink
    return enrolment
