"""The weekly send for many due learners, measured in one process as the workers run it. Run by
`python -m bench` in a child process whose environment names the database (a copy of the migrated
database with the seed pathways) and an in-memory email backend (locmem):

    python -m bench.send --sizes 1000 10000 --sample 1000 > send.json

At each size, learners on one to three of the seed pathways are all due at once. Measured: the
dispatcher (careers.reminders.dispatch) claiming every digest, and the workers' side
(careers.reminders.send: build and send one digest) on the first `--sample` digests claimed (each
send is independent of how many learners are due: the sample keeps the bench short while sends are
slow; the rest are marked sent). Emails per second = learners / (dispatch time + send time per
digest x learners), against a floor: building and sending as many plain messages (one per learner)
with the same backend.
Then the dispatcher's peak Python memory (tracemalloc) on the following week's run, so tracing
does not slow the timings. Prints JSON; exits non-zero only if the send is broken (a due learner
not claimed once, a digest sent not exactly once).
"""

import argparse
import json
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta

import django

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)  # a Monday, 09:00 UTC: every learner's 08:00 slot has come


def make_due_learners(pathways, count, offset):
    """`count` learners, due at NOW, each on one to three of `pathways`."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    from accounts.models import Profile
    from careers.models import Enrolment

    users = get_user_model().objects.bulk_create(
        (
            get_user_model()(username=f"due{n}", email=f"due{n}@example.com", password="!")
            for n in range(offset, offset + count)
        ),
        batch_size=5000,
    )
    EmailAddress.objects.bulk_create(
        (EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users), batch_size=5000
    )
    Profile.objects.bulk_create((Profile(user=u) for u in users), batch_size=5000)
    Enrolment.objects.bulk_create(
        (
            Enrolment(
                user=u,
                pathway=pathway,
                start_date=date(2026, 2, 23),
                next_reminder_at=datetime(2026, 3, 2, 8, tzinfo=UTC),
            )
            for n, u in enumerate(users)
            for pathway in pathways[: n % 3 + 1]
        ),
        batch_size=5000,
    )
    # Enrolled before this week's slot, so this week's digest covers them.
    Enrolment.objects.filter(user__in=users).update(created_at=datetime(2026, 2, 20, tzinfo=UTC))


def plain_send_seconds(count):
    """The floor: build and send `count` plain messages, one connection each as the workers do."""
    from django.core import mail

    def send(n):
        mail.EmailMessage(
            "This week",
            "Hello,\n\nThree tasks are waiting for you this week.\n\nSee you next week.\n",
            None,
            [f"plain{n}@example.com"],
        ).send()

    for n in range(100):  # warm-up: first imports and caches
        send(n)
    mail.outbox = []
    started = time.perf_counter()
    for n in range(count):
        send(n)
    seconds = time.perf_counter() - started
    sent = len(mail.outbox)
    mail.outbox = []
    if sent != count:
        raise SystemExit(f"plain send: {sent} messages for {count}")
    return seconds


class Counted:
    """A dispatcher's queue that counts what it is given."""

    count = 0

    def __call__(self, log):
        self.count += 1


def measure(size, offset, pathways, sample):
    from django.core import mail

    from bench.load import QueryCounter
    from careers import reminders
    from careers.models import DigestLog, Enrolment

    DigestLog.objects.all().delete()
    Enrolment.objects.all().delete()
    make_due_learners(pathways, size, offset)
    enrolments = Enrolment.objects.count()

    mail.outbox = []
    claimed = []
    with QueryCounter() as dispatch_queries:
        started = time.perf_counter()
        reminders.dispatch(NOW, lambda log: claimed.append(log.id))
        dispatch_seconds = time.perf_counter() - started
    if len(claimed) != size:
        raise SystemExit(f"weekly send broken: {size} due learners, {len(claimed)} claimed")
    timed = claimed[:sample] if sample else claimed
    with QueryCounter() as send_queries:
        started = time.perf_counter()
        for log_id in timed:
            reminders.send(log_id, NOW)
        send_seconds = time.perf_counter() - started
    emails = len(mail.outbox)
    mail.outbox = []
    if emails != len(timed):
        raise SystemExit(f"weekly send broken: {len(timed)} digests sent, {emails} emails")
    # As if other workers had sent the rest, so next week's dispatch does not re-queue them.
    DigestLog.objects.filter(state=DigestLog.State.CLAIMED).update(state=DigestLog.State.SENT, sent_at=NOW)
    floor_seconds = plain_send_seconds(size)  # as many as the learners due: enough to time steadily

    # Peak memory of the dispatcher: the following week's run, traced. Claims are counted, not kept:
    # Celery would have taken each away (a list of ids here would be the bench's memory, not the
    # dispatcher's).
    queued = Counted()
    started = time.perf_counter()
    tracemalloc.start()
    tracemalloc.reset_peak()
    reminders.dispatch(NOW + timedelta(days=7), queued)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    traced_seconds = time.perf_counter() - started
    if queued.count != size:
        raise SystemExit(f"weekly send broken: {size} due learners the next week, {queued.count} claimed")

    send_seconds_each = send_seconds / len(timed)
    app_rate = size / (dispatch_seconds + send_seconds_each * size)
    floor_rate = size / floor_seconds
    queries_per_claim = dispatch_queries.count / size
    queries_per_send = send_queries.count / len(timed)
    return {
        "learners": size,
        "enrolments": enrolments,
        "digests_sent": len(timed),
        "emails_per_second": round(app_rate, 1),
        "plain_per_second": round(floor_rate, 1),
        "ratio": round(app_rate / floor_rate, 4),
        "claims_per_second": round(size / dispatch_seconds, 1),
        "sends_per_second": round(1 / send_seconds_each, 1),
        "queries_per_claim": round(queries_per_claim, 3),
        "queries_per_send": round(queries_per_send, 3),
        "queries_per_email": round(queries_per_claim + queries_per_send, 3),
        "dispatch_peak_mib": round(peak / 2**20, 2),
        "seconds": {
            "dispatch": round(dispatch_seconds, 1),
            "send": round(send_seconds, 1),
            "plain": round(floor_seconds, 1),
            "traced_dispatch": round(traced_seconds, 1),
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000])
    parser.add_argument("--sample", type=int, default=1_000, help="digests sent per size (0: all)")
    args = parser.parse_args()
    django.setup()
    from careers.models import Pathway

    pathways = list(Pathway.objects.order_by("pk")[:3])
    rows, offset = [], 0
    for size in args.sizes:
        rows.append(measure(size, offset, pathways, args.sample))
        offset += size
    json.dump({"pathways": [p.slug for p in pathways], "sizes": rows}, sys.stdout)


if __name__ == "__main__":
    main()
