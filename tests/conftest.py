"""Test data shared by the feature tests: pathways, learners, enrolments.

The plumbing lives in tests/plugins/ (a throwaway PostgreSQL, Redis and a Celery worker, the test
settings), loaded by `pytest_plugins` in the root conftest.py for tests and bench alike. The
factories behind these fixtures are in tests/factories.py (import helpers and constants such as
GUIDES_DIR from there), for tests that need more than one of a thing or a special shape.
"""

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with empty caches: allauth counts log-in and sign-up attempts there, so
    one test's attempts must not rate-limit the next, and no page is kept from another test."""
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def speech_pathway(db):
    """The richer seed pathway (4 timed phases, 12 tasks, 9 action items), imported from its guide.

    For the few tests that check a real guide end to end; others use `pathway` or `make_pathway`.
    """
    return factories.import_guide(factories.SPEECH_GUIDE)


@pytest.fixture
def make_pathway(db):
    """make_pathway(phases=[(3, 2), (None, 1)], action_items={"this_week": 1}, ...): see factories."""
    return factories.make_pathway


@pytest.fixture
def pathway(make_pathway):
    """A small pathway: two timed phases (2 tasks over 3 weeks, 1 task over 2), an ongoing one
    (1 task), one step per action-plan horizon, and one row in every other section."""
    return make_pathway(
        phases=[(3, 2), (2, 1), (None, 1)],
        resources_per_phase=1,
        action_items={"this_week": 1, "this_month": 1, "next_90_days": 1},
        transferable_skills=1,
        skills_to_learn=1,
        reality_checks={"love": 1, "miss": 1, "challenge": 1},
        faq=1,
    )


@pytest.fixture
def make_learner(db):
    """make_learner(email=None, *, time_zone="UTC", verified=True, password=factories.PASSWORD,
    **profile): a user with a primary (verified) email address and a profile."""
    return factories.make_learner


@pytest.fixture
def learner(make_learner):
    """learner@example.com, verified, in UTC."""
    return make_learner("learner@example.com")


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


@pytest.fixture
def make_enrolment(db):
    """make_enrolment(*, user=None, pathway=None, start_date=None, now=None), through services.enrol."""
    return factories.make_enrolment


@pytest.fixture
def enrolment(make_enrolment, learner, pathway):
    """`learner` on `pathway`, enrolled now, starting today. For a fixed clock, call make_enrolment
    with start_date= and now=."""
    return make_enrolment(user=learner, pathway=pathway)
