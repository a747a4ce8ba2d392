"""The one home of weekly reminders: when a learner's digest is due, claiming it, sending it, and
every reminder write (on/off, muting a pathway, rescheduling, unsubscribing, preview).

One email per learner and week (careers.digest says what it holds) goes out at the learner's slot:
their reminder weekday and hour in their time zone.

The slot. `Enrolment.next_reminder_at` is the UTC moment of the learner's next slot; it is the
learner's, so every enrolment of a learner carries the same value (this module writes them
together). The dispatcher works through the due learners (an active, unmuted enrolment whose
moment has come, reminders on, a verified address) a chunk of CHUNK_SIZE at a time, in the order
of their ids: two queries read a chunk (their profiles, their enrolments), five claim it, and
nothing is kept from one chunk to the next, so its queries per learner and its memory stay flat
however many are due.

The claim: one state machine on DigestLog, a row unique per (learner, week).

    (no row) --claim--> CLAIMED --lease taken, right before SMTP--> SENDING --accepted--> SENT
                        |  ^  ^                                       |  |
         nothing left   |  |  +--refused (4xx/5xx): retried-----------+  +--timeout or dropped
         to cover:      |  +--error before the hand-over (render,           connection while handing
         SKIPPED <------+     connect, log in): retried                     it over, or lease ran out
                        |                                                   (worker died): UNKNOWN
                        +--last retry failed--> FAILED --a later run claims it again--> CLAIMED

- claim (dispatcher, a chunk of learners in one transaction): their enrolments still due are
  locked (only one dispatcher gets a learner: a second waits, then finds them moved) and moved to
  each learner's next slot; then the rows are inserted (a conflict, a row already there, is left
  as it is), FAILED rows are taken back, and one read returns the rows this claim stamped. A week
  with a row in any other state is never claimed again: re-runs, a change of slot after the week
  went out and a pathway enrolled mid-week send nothing more.
- send (worker): renders the digest and opens the mail connection while the row is CLAIMED (a
  crash or an error there leaves it CLAIMED, so it is sent later: nothing was handed over). Then,
  right before the SMTP transaction, one conditional UPDATE takes the sending lease (CLAIMED ->
  SENDING, `sending_until`): of two workers holding the same claim (a re-queued copy, a redelivered
  task) only one gets it. Right after the server accepts, SENT. A refusal (the server answered
  4xx/5xx, so it did not take the message) puts it back to CLAIMED, and the task retries.
- outcome unknown: a mail server cannot be asked whether it took a message. A timeout or dropped
  connection while handing it over (OUTCOME_UNKNOWN), or a row still SENDING after its lease ran
  out (its worker was killed inside the SMTP transaction: found by the redelivered task, a
  re-queued copy or the dispatcher's sweep), may have gone out, so it becomes UNKNOWN, for the
  admin, and is never sent again: at most once in that window, exactly once everywhere else.
  Nothing (fail, re-queue, claim) takes an UNKNOWN row back; only the worker holding that lease,
  if it was merely slow and then hears "accepted", records SENT.
- fail (the task's final failure): CLAIMED -> FAILED, and the learner is due again
  RETRY_RELEASED_AFTER later, when a run claims the same row again.
- re-queue (dispatcher, every beat): `claimed_at` is when the claim's task was due to run (its
  claim, its last re-queue, or the retry a failed attempt queued). A CLAIMED row whose task was due
  more than REQUEUE_AFTER ago is queued again (re-stamped conditionally, so two dispatchers queue it
  once): its task was lost with the broker (a Redis restarted empty) or with a killed worker. If
  the first copy is merely still queued behind others, whichever runs second finds the row taken
  and does nothing.

Clocks. Two, each with one job:
- The plan clock, the dispatch moment `now`, which an operator may replay (`send_weekly_reminders
  --now`, the task's `now`): who is due (`next_reminder_at <= now`), which week, where the next
  slot is, what the digest says.
- The claim clock, the wall clock (timezone.now()), never replayed: every timing between
  processes: `claimed_at` (claims, re-queues, retries' due times) and so the re-queue age, the
  sending lease `sending_until`, `sent_at`, and the hour after a final failure (`next_reminder_at`
  = wall + RETRY_RELEASED_AFTER: the workers retry in real time). A replay in the past or the
  future therefore meets the workers' claims and leases on their own clock: it neither re-queues a
  claim a worker holds nor leaves one it dropped waiting until its replayed moment comes round.
Timings, all on the claim clock: REQUEUE_AFTER (half a beat period, so a claim made at one beat
and lost is queued again by the next: within one beat period of the broker coming back),
SENDING_LEASE (far longer than one SMTP transaction, each of whose replies waits EMAIL_TIMEOUT at
most), RETRY_RELEASED_AFTER; the retries' backoff is the Celery task's (careers.tasks).
"""

import logging
import smtplib
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce
from operator import or_
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, DateTimeField, Exists, F, Min, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from accounts.models import Profile
from accounts.tokens import unsubscribe_token
from careers.models import DigestLog, Enrolment
from careers.schedule import local_date

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
RETRY_RELEASED_AFTER = timedelta(hours=1)
# How often beat runs the dispatcher (CELERY_BEAT_SCHEDULE in config/settings.py says the same).
BEAT_PERIOD = timedelta(minutes=5)
REQUEUE_AFTER = BEAT_PERIOD / 2
SENDING_LEASE = timedelta(minutes=10)
# Recorded on a row whose lease ran out while SENDING.
WORKER_LOST = "The worker stopped while handing it to the mail server: it may have gone out."
# Raised while the message is being handed to the mail server, these leave its fate unknown: the
# server may have taken it and answered too late (or the connection dropped after DATA).
OUTCOME_UNKNOWN = (
    TimeoutError,
    smtplib.SMTPServerDisconnected,
    ConnectionResetError,
    ConnectionAbortedError,
    BrokenPipeError,
)
# "Send me this week's email now": at most this many per learner and hour.
PREVIEWS_PER_HOUR = 3
PREVIEW_WINDOW = timedelta(hours=1)
# Changing any of these moves the learner's next digest.
SCHEDULE_FIELDS = frozenset({"time_zone", "reminder_weekday", "reminder_hour"})

State = DigestLog.State


# --- When ---------------------------------------------------------------------------------------


def slot_of_week(monday, profile):
    """The UTC moment of the learner's reminder in the local week starting on `monday`."""
    zone = ZoneInfo(profile.time_zone)
    day = monday + timedelta(days=profile.reminder_weekday)
    return datetime.combine(day, time(profile.reminder_hour), tzinfo=zone).astimezone(UTC)


def monday_of_week(moment, profile):
    """Monday (a local date) of the learner's week that contains `moment`."""
    today = local_date(moment, profile.time_zone)
    return today - timedelta(days=today.weekday())


def next_slot(moment, profile):
    """The first reminder slot strictly after `moment`."""
    monday = monday_of_week(moment, profile)
    slot = slot_of_week(monday, profile)
    return slot if slot > moment else slot_of_week(monday + timedelta(days=7), profile)


# --- Reminder writes: views, services and the admin call these -----------------------------------


def reschedule(*, user, now):
    """After a change of reminder day, hour or time zone: the learner's next slot is the first
    after `now`. A week whose digest went out is not sent again: its log stays."""
    Enrolment.objects.filter(user=user).update(next_reminder_at=next_slot(now, user.profile))


def pathway_opened(*, user, now):
    """After enrolling, resuming, unmuting or reopening a pathway: the learner keeps the slot they
    have (one still due this week stays due, so this week's digest is not lost), and a learner
    without one gets the first after `now`. Every enrolment of theirs then carries it."""
    current = Enrolment.objects.filter(user=user).aggregate(at=Min("next_reminder_at"))["at"]
    upcoming = next_slot(now, user.profile)
    target = min(current, upcoming) if current else upcoming
    Enrolment.objects.filter(user=user).exclude(next_reminder_at=target).update(next_reminder_at=target)


def set_pathway_reminders(*, enrolment, enabled, now):
    """Mute (or unmute) one pathway in the learner's digest; their other pathways stay in it."""
    enrolment.reminders_enabled = enabled
    enrolment.save(update_fields=["reminders_enabled"])
    if enabled:
        pathway_opened(user=enrolment.user, now=now)
        enrolment.refresh_from_db(fields=["next_reminder_at"])


def set_learner_reminders(*, user, enabled):
    """Turn the learner's weekly digest on or off (their slot is kept)."""
    profile = user.profile
    if profile.reminders_enabled != enabled:
        profile.reminders_enabled = enabled
        profile.save(update_fields=["reminders_enabled"])


def unsubscribe(*, user):
    """One-click unsubscribe (RFC 8058): the learner's weekly digest stops, all pathways at once."""
    set_learner_reminders(user=user, enabled=False)


@transaction.atomic
def save_preferences(*, profile, changed_fields, now):
    """Save the learner's preferences (from their preferences page or the admin); a new reminder
    day, hour or time zone moves their next digest."""
    profile.save()
    if SCHEDULE_FIELDS.intersection(changed_fields):
        reschedule(user=profile.user, now=now)


PREVIEW_QUEUED, PREVIEW_NOTHING, PREVIEW_LIMITED = "queued", "nothing", "limited"


def request_preview(*, user, now):
    """Queue "this week's email now" for the learner, once the request commits. It is not the
    week's digest (no log, the slot stays). Returns PREVIEW_QUEUED, PREVIEW_NOTHING (no active,
    unmuted pathway) or PREVIEW_LIMITED (PREVIEWS_PER_HOUR already asked for within the hour)."""
    from careers import tasks  # tasks import this module

    if not Enrolment.objects.filter(
        user=user, status=Enrolment.Status.ACTIVE, reminders_enabled=True
    ).exists():
        return PREVIEW_NOTHING
    key = f"careers:previews:{user.pk}"
    cache.add(key, 0, timeout=int(PREVIEW_WINDOW.total_seconds()))  # the window opens at the first
    if cache.incr(key) > PREVIEWS_PER_HOUR:
        return PREVIEW_LIMITED
    tasks.send_preview.delay_on_commit(user.pk, now.isoformat())
    return PREVIEW_QUEUED


def send_preview(*, user_id, now):
    """Send the learner's digest at `now` as a preview (the worker's side of request_preview).
    Returns the message, or None when no pathway is left to cover."""
    from careers import digest

    found = digest.digest_for(user_id=user_id, now=now)
    if found is None:
        return None
    message = digest.build_message(digest=found)
    message.send()
    return message


# --- Who ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    send_week: date | None  # the week to send a digest for now, or None
    next_at: datetime  # where the learner's next_reminder_at moves to


def decide(enrolments, profile, now):
    """What the dispatcher does for a due learner at `now`, given their active, unmuted
    `enrolments`, without writing anything."""
    monday = monday_of_week(now, profile)
    slot = slot_of_week(monday, profile)
    following = slot_of_week(monday + timedelta(days=7), profile)
    if slot > now:
        # This week's slot is still ahead: what fell due was an earlier week's, missed while the
        # workers were down or before a change of day. Old news is not sent; this week's is.
        return Decision(None, slot)
    today = local_date(now, profile.time_zone)
    # A pathway enrolled after this week's slot waits for next week's digest, and one not yet
    # started has nothing to say.
    if any(e.created_at <= slot and e.plan_start_date <= today for e in enrolments):
        return Decision(monday, following)
    return Decision(None, following)


def due(now):
    """Learners whose slot has come: an active, unmuted enrolment due, reminders on, a verified
    address; in the order of their ids."""
    due_now = _reminded().filter(user=OuterRef("pk")).filter(_slot_come(now))
    verified = EmailAddress.objects.filter(user=OuterRef("pk"), primary=True, verified=True)
    return (
        get_user_model()
        .objects.filter(Exists(due_now), Exists(verified), profile__reminders_enabled=True)
        .order_by("pk")
    )


def _reminded():
    """Enrolments a digest covers: active, unmuted."""
    return Enrolment.objects.filter(status=Enrolment.Status.ACTIVE, reminders_enabled=True)


def _slot_come(now):
    return Q(next_reminder_at__lte=now) | Q(next_reminder_at__isnull=True)


@dataclass(frozen=True)
class Planned:
    user_id: int
    decision: Decision


def plan(now):
    """Every due learner at `now` with what to do, in chunks (lists) of at most CHUNK_SIZE: the
    dispatcher claims these, the dry run lists them. Two queries per chunk (the learners' profiles,
    their enrolments), each chunk read afresh after the last one's ids, and nothing kept from one
    chunk to the next: memory stays flat however many learners are due."""
    after = 0
    while True:
        chunk = due(now).filter(pk__gt=after)[:CHUNK_SIZE]
        profiles = list(
            Profile.objects.filter(user__in=chunk)
            .only("user_id", "time_zone", "reminder_weekday", "reminder_hour")
            .order_by("user_id")
        )
        if not profiles:
            return
        enrolments = defaultdict(list)
        for enrolment in (
            _reminded()
            .filter(user_id__in=[profile.user_id for profile in profiles])
            .only("user_id", "created_at", "start_date", "paused_days")
            .order_by()
        ):
            enrolments[enrolment.user_id].append(enrolment)
        yield [Planned(p.user_id, decide(enrolments[p.user_id], p, now)) for p in profiles]
        after = profiles[-1].user_id


# --- Claim, send, fail --------------------------------------------------------------------------


def claim(chunk, now):
    """Claim the planned weeks' digests of a chunk of learners at the plan moment `now` (stamped
    on the claim clock), in one transaction of a few queries whatever the chunk's size. Returns
    the DigestLogs claimed: none for a learner with nothing to send now, or whom another dispatcher
    got to first."""
    decisions = {planned.user_id: planned.decision for planned in chunk}
    with transaction.atomic():
        # The learners still due are this dispatcher's: their enrolments stay locked until the
        # claims commit, so a second dispatcher waits, then finds them moved and passes them by.
        # Locked in one order (pk), two dispatchers never deadlock.
        moved = list(
            Enrolment.objects.select_for_update()
            .filter(_slot_come(now), user_id__in=decisions)
            .order_by("pk")
            .values_list("pk", "user_id")
        )
        if not moved:
            return []
        next_at = defaultdict(set)
        for _pk, user_id in moved:
            next_at[decisions[user_id].next_at].add(user_id)
        Enrolment.objects.filter(pk__in=[pk for pk, _user_id in moved]).update(
            next_reminder_at=Case(
                *(When(user_id__in=users, then=Value(at)) for at, users in next_at.items()),
                output_field=DateTimeField(),
            )
        )
        weeks = {u: decisions[u].send_week for _pk, u in moved if decisions[u].send_week is not None}
        if not weeks:
            return []
        # A week with a row is claimed again only when its last attempt failed.
        found = list(DigestLog.objects.filter(_rows_of(weeks)).values_list("pk", "user_id", "state"))
        failed = [pk for pk, _user_id, state in found if state == State.FAILED]
        new = dict(weeks)
        for _pk, user_id, _state in found:
            del new[user_id]
        wall = timezone.now()
        DigestLog.objects.bulk_create(
            (
                DigestLog(user_id=user_id, week=week, state=State.CLAIMED, claimed_at=wall)
                for user_id, week in new.items()
            ),
            ignore_conflicts=True,  # a row another dispatcher made meanwhile stays that one's claim
        )
        DigestLog.objects.filter(pk__in=failed, state=State.FAILED).update(
            state=State.CLAIMED, claimed_at=wall
        )
        mine = Q(pk__in=failed) | _rows_of(new)
        return list(DigestLog.objects.filter(mine, state=State.CLAIMED, claimed_at=wall).order_by("pk"))


def _rows_of(weeks):
    """DigestLog rows of the learners and weeks in `weeks` ({user id: week})."""
    users = defaultdict(list)
    for user_id, week in weeks.items():
        users[week].append(user_id)
    return reduce(or_, (Q(week=week, user_id__in=ids) for week, ids in users.items()), Q(pk__in=[]))


def dispatch(now, enqueue):
    """Claim every digest due at `now`, settle leases that ran out and re-queue claims left
    unsent; hand each claim to `enqueue(log)`, a chunk at a time once its claims are committed.
    Returns how many (not the logs: memory stays flat however many learners are due). The Celery
    beat task and `send_weekly_reminders` both run this."""
    claimed = 0
    for chunk in plan(now):
        for log in claim(chunk, now):
            enqueue(log)
            claimed += 1
    wall = timezone.now()
    lost = DigestLog.objects.filter(
        Q(sending_until__lt=wall) | Q(sending_until__isnull=True), state=State.SENDING
    ).update(state=State.UNKNOWN, last_error=WORKER_LOST)
    if lost:
        logger.warning("digest outcome unknown, not retried: %s whose worker stopped while sending", lost)
    return claimed + requeue(wall, enqueue)


def requeue(wall, enqueue):
    """Queue again, with `enqueue(log)`, the claims whose task was due more than REQUEUE_AFTER
    before `wall`, a chunk at a time. Each is re-stamped first, conditionally, so two dispatchers
    queue it once. Returns how many."""
    stale = DigestLog.objects.filter(state=State.CLAIMED, claimed_at__lte=wall - REQUEUE_AFTER)
    requeued, after = 0, 0
    while True:
        ids = list(stale.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:CHUNK_SIZE])
        if not ids:
            return requeued
        stale.filter(pk__in=ids).update(claimed_at=wall)
        for log in DigestLog.objects.filter(pk__in=ids, state=State.CLAIMED, claimed_at=wall).order_by("pk"):
            enqueue(log)
            requeued += 1
        after = ids[-1]


def send(log_id, now):
    """Send a claimed digest as it stands at `now`. Returns the message, or None if it was sent,
    failed, has nothing left to cover, is being sent by another worker, or its outcome is unknown.

    Errors before the message is handed over (rendering, connecting, logging in) and refusals by
    the mail server leave the row CLAIMED and are raised, for a retry. A timeout or dropped
    connection while handing it over (OUTCOME_UNKNOWN) may come after the server took it: the row
    becomes UNKNOWN and is not retried. So does a row found still SENDING after its lease ran out.
    """
    from django.core.mail import get_connection

    from careers import digest

    log = DigestLog.objects.filter(pk=log_id).only("user_id", "state", "sending_until").first()
    if log is None or log.state not in (State.CLAIMED, State.SENDING):
        return None
    if log.state == State.SENDING:
        if log.sending_until is None or log.sending_until < timezone.now():
            _lease_ran_out(log)
        return None  # else another worker is handing it over right now
    claimed = DigestLog.objects.filter(pk=log_id, state=State.CLAIMED)
    connection = get_connection()
    try:
        found = digest.digest_for(user_id=log.user_id, now=now)
        if found is None:  # every pathway was paused, muted or left since the claim
            claimed.update(state=State.SKIPPED)
            return None
        message = digest.build_message(digest=found)
        message.connection = connection
        connection.open()  # refused, unknown host, bad login: nothing was handed over
    except Exception as error:
        _close(connection)
        if claimed.update(attempts=F("attempts") + 1, last_error=_describe(error)):
            raise
        return None  # another worker took it meanwhile: its outcome is that worker's
    lease = timezone.now() + SENDING_LEASE
    if not claimed.update(state=State.SENDING, sending_until=lease, attempts=F("attempts") + 1):
        _close(connection)
        return None
    # Only this worker's own lease: a slow worker whose lease ran out and was settled as UNKNOWN
    # still records what it finally heard.
    mine = DigestLog.objects.filter(pk=log_id, state__in=[State.SENDING, State.UNKNOWN], sending_until=lease)
    try:
        message.send()
    except OUTCOME_UNKNOWN as error:
        mine.update(state=State.UNKNOWN, sending_until=None, last_error=_describe(error))
        logger.warning("digest outcome unknown, not retried: log=%s %s", log_id, _describe(error))
        return None
    except Exception as error:
        mine.update(state=State.CLAIMED, sending_until=None, last_error=_describe(error))
        raise
    else:
        mine.update(state=State.SENT, sent_at=timezone.now(), sending_until=None)
    finally:
        _close(connection)
    return message


def retry_queued(*, log_id, due):
    """A failed attempt's retry is queued and due at `due` (claim clock): `claimed_at` moves there,
    so the dispatcher leaves the claim to that retry until REQUEUE_AFTER past it."""
    DigestLog.objects.filter(pk=log_id, state=State.CLAIMED).update(claimed_at=due)


def _lease_ran_out(log):
    """A row still SENDING after its lease: its worker stopped inside the SMTP transaction."""
    if DigestLog.objects.filter(pk=log.pk, state=State.SENDING, sending_until=log.sending_until).update(
        state=State.UNKNOWN, last_error=WORKER_LOST
    ):
        logger.warning("digest outcome unknown, not retried: log=%s %s", log.pk, WORKER_LOST)


def _close(connection):
    """Close the mail connection; a failure to say QUIT changes nothing about what was sent."""
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - the outcome is already recorded
        logger.info("closing the mail connection failed", exc_info=True)


def fail(log_id, error, wall_now):
    """The last attempt failed: keep the row as FAILED (attempts and error for the admin) and make
    the learner due again RETRY_RELEASED_AFTER after `wall_now`, when a run claims it again. Only a
    CLAIMED row: one being sent, sent, or whose outcome is unknown is left alone."""
    with transaction.atomic():
        log = DigestLog.objects.select_for_update().filter(pk=log_id, state=State.CLAIMED).first()
        if log is None:
            return False
        log.state = State.FAILED
        log.last_error = _describe(error) if error else log.last_error
        log.save(update_fields=["state", "last_error"])
        retry_at = wall_now + RETRY_RELEASED_AFTER
        Enrolment.objects.filter(user_id=log.user_id).update(next_reminder_at=retry_at)
    logger.warning(
        "digest not sent after %s attempts, claimed again from %s: log=%s %s",
        log.attempts,
        retry_at.isoformat(),
        log_id,
        log.last_error,
    )
    return True


def _describe(error):
    return f"{type(error).__name__}: {error}"[:1000]


# --- Links (the digest's) -----------------------------------------------------------------------


def absolute(path):
    return f"{settings.SITE_URL}{path}"


def unsubscribe_url(user):
    return absolute(reverse("accounts:unsubscribe", args=[unsubscribe_token(user)]))
