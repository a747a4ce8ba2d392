"""Benchmark (run by `make bench`, not by `make test`): the weekly digest for many due learners.

Learners follow one to three pathways each. Prints, at two sizes (1,000 and 10,000 learners):
digests claimed per second and database queries per digest for the dispatcher (careers.reminders.
dispatch), digests built and sent per second and queries per digest for the workers' side
(careers.reminders.send), and the dispatcher's peak Python memory (tracemalloc, measured on the
following week's dispatch so the timings above are not slowed by tracing). Numbers only: nothing
here passes or fails on time; queries per digest must stay flat from the small size to the large.
"""

import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection

from accounts.models import Profile
from careers import reminders
from careers.models import DigestLog, Enrolment
from tests import factories

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


def make_due_learners(pathways, count, offset):
    """`count` learners, due at NOW, each on one to three of `pathways`."""
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
        for n, u in enumerate(users)
        for pathway in pathways[: n % 3 + 1]
    )
    Enrolment.objects.filter(user__in=users).update(created_at=datetime(2026, 2, 20, tzinfo=UTC))


@pytest.mark.django_db(transaction=True)
def test_bench_weekly_digests(speech_pathway, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    pathways = [speech_pathway, factories.make_pathway(), factories.make_pathway(phases=[(6, 4), (None, 2)])]
    offset = 0
    rows = []
    for size in SIZES:
        DigestLog.objects.all().delete()
        Enrolment.objects.all().delete()
        make_due_learners(pathways, size, offset)
        offset += size
        enrolments = Enrolment.objects.count()
        mail.outbox = []
        claimed = []
        with QueryCounter() as dispatch_queries:
            started = time.perf_counter()
            reminders.dispatch(NOW, lambda log, ids=claimed: ids.append(log.id))
            dispatch_seconds = time.perf_counter() - started
        with QueryCounter() as send_queries:
            started = time.perf_counter()
            for log_id in claimed:
                reminders.send(log_id, NOW)
            send_seconds = time.perf_counter() - started
        assert len(claimed) == len(mail.outbox) == size  # one email per learner, not per pathway

        # Peak memory of the dispatcher: the following week's run, traced (ids queued, as Celery).
        queued = []
        tracemalloc.start()
        tracemalloc.reset_peak()
        reminders.dispatch(NOW + timedelta(days=7), lambda log, ids=queued: ids.append(log.id))
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert len(queued) == size
        rows.append(
            (
                size,
                enrolments,
                size / dispatch_seconds,
                dispatch_queries.count / size,
                size / send_seconds,
                send_queries.count / size,
                size / (dispatch_seconds + send_seconds),
                peak / 2**20,
            )
        )
    with capsys.disabled():
        print("\nweekly digests on PostgreSQL (one process, locmem email backend)")
        print(
            f"{'learners':>9} {'enrolments':>10} {'claim/s':>8} {'q/claim':>8} {'send/s':>7} "
            f"{'q/send':>7} {'overall/s':>10} {'dispatch peak MiB':>18}"
        )
        for size, enrolments, claims, claim_q, sends, send_q, overall, peak in rows:
            print(
                f"{size:>9} {enrolments:>10} {claims:>8.0f} {claim_q:>8.2f} {sends:>7.0f} "
                f"{send_q:>7.2f} {overall:>10.0f} {peak:>18.1f}"
            )
    # Queries per digest stay flat with the number of learners (numbers, not time).
    assert rows[-1][3] <= rows[0][3] + 0.01 and rows[-1][5] <= rows[0][5] + 0.01
