"""Benchmark (run by `make bench`, not by `make test`): weekly reminders for many due learners.

Prints reminders per second and database queries per reminder, for the claim (dispatch) and for
building and sending each email, at two sizes, to show the queries per reminder stay flat.
"""

import time
from datetime import UTC, date, datetime

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection

from accounts.models import Profile
from careers import reminders
from careers.models import Enrolment

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
SIZES = (1_000, 10_000)


class QueryCounter:
    """Counts the SQL statements run on the default connection (no cap, unlike queries_log)."""

    def __enter__(self):
        self.count = 0
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)


def make_due_learners(pathway, count, offset):
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"bench{n}", email=f"bench{n}@example.com")
        for n in range(offset, offset + count)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
    )
    Profile.objects.bulk_create(Profile(user=u) for u in users)
    Enrolment.objects.bulk_create(
        Enrolment(
            user=u,
            pathway=pathway,
            start_date=date(2026, 2, 23),
            next_reminder_at=datetime(2026, 3, 2, 8, tzinfo=UTC),
        )
        for u in users
    )
    Enrolment.objects.filter(user__in=users).update(created_at=datetime(2026, 2, 20, tzinfo=UTC))


@pytest.mark.django_db(transaction=True)
def test_bench_weekly_reminders(speech_pathway, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    offset = 0
    rows = []
    for size in SIZES:
        Enrolment.objects.all().delete()
        make_due_learners(speech_pathway, size, offset)
        offset += size
        mail.outbox = []
        claimed = []
        with QueryCounter() as dispatch_queries:
            started = time.perf_counter()
            reminders.dispatch(NOW, claimed.append)
            dispatch_seconds = time.perf_counter() - started
        with QueryCounter() as send_queries:
            started = time.perf_counter()
            for log in claimed:
                reminders.send(log.id, NOW)
            send_seconds = time.perf_counter() - started
        assert len(claimed) == len(mail.outbox) == size
        rows.append(
            (
                size,
                size / dispatch_seconds,
                dispatch_queries.count / size,
                size / send_seconds,
                send_queries.count / size,
                size / (dispatch_seconds + send_seconds),
            )
        )
    with capsys.disabled():
        print("\nweekly reminders on PostgreSQL (one process, locmem email backend)")
        print(f"{'learners':>9} {'claim/s':>9} {'q/claim':>8} {'send/s':>8} {'q/send':>7} {'overall/s':>10}")
        for size, claims, claim_q, sends, send_q, overall in rows:
            print(f"{size:>9} {claims:>9.0f} {claim_q:>8.2f} {sends:>8.0f} {send_q:>7.2f} {overall:>10.0f}")
    assert rows[-1][2] <= rows[0][2] + 0.01 and rows[-1][4] <= rows[0][4] + 0.01
