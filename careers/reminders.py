"""Weekly "This week" reminders: when each is due, claiming it, building and sending the email.

Each enrolment keeps `next_reminder_at`, the UTC moment of its next slot (the learner's chosen
weekday and hour, in their time zone). The dispatcher picks the enrolments whose moment has
come, in one query per chunk, and claims each one before anything is sent: a conditional update
of `next_reminder_at` (only one dispatcher can move it) plus a ReminderLog row that is unique
per enrolment and week. A send that finally fails releases its claim so a later run retries.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.tokens import unsubscribe_token
from careers import selectors
from careers.models import Enrolment, ReminderLog
from careers.schedule import local_date

CHUNK_SIZE = 500
RETRY_RELEASED_AFTER = timedelta(hours=1)
# A claim whose email was neither sent nor released this long after (its worker died with it)
# is handed to a worker again.
STALE_CLAIM_AFTER = timedelta(minutes=30)
SENDING_LEASE = timedelta(minutes=10)


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


def reschedule(enrolments, profile, now):
    """Point the `enrolments` (a queryset, all the learner's) at the next slot after `now`: on
    enrolling, resuming, or a change of day, hour or time zone. A week whose reminder went out is
    not sent again: its log stays."""
    enrolments.update(next_reminder_at=next_slot(now, profile))


# --- Who ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    send_week: date | None  # the week to send a reminder for now, or None
    next_at: datetime  # where next_reminder_at moves to


def decide(enrolment, profile, now):
    """What the dispatcher does with a due enrolment at `now`, without writing anything."""
    monday = monday_of_week(now, profile)
    slot = slot_of_week(monday, profile)
    following = slot_of_week(monday + timedelta(days=7), profile)
    if slot > now:
        # This week's slot is still ahead: what fell due was an earlier week's, missed while the
        # workers were down or before a change of day. Old news is not sent; this week's is.
        return Decision(None, slot)
    if enrolment.created_at > slot:
        return Decision(None, following)  # enrolled after this week's slot: first one next week
    if local_date(now, profile.time_zone) < enrolment.plan_start_date:
        return Decision(None, following)  # nothing to do before the pathway starts
    return Decision(monday, following)


def due(now):
    """Enrolments whose reminder slot has come: active, reminders on, email address verified."""
    verified = EmailAddress.objects.filter(user=OuterRef("user"), primary=True, verified=True)
    return (
        Enrolment.objects.filter(status=Enrolment.Status.ACTIVE, reminders_enabled=True)
        .filter(Q(next_reminder_at__lte=now) | Q(next_reminder_at__isnull=True))
        .filter(user__profile__reminders_enabled=True)
        .filter(Exists(verified))
        .select_related("user__profile", "pathway")
        .order_by("next_reminder_at", "pk")
    )


def claim(enrolment, now):
    """Claim this week's reminder of a due enrolment. Returns its ReminderLog, or None when
    nothing is to be sent now or another dispatcher got there first."""
    profile = enrolment.user.profile
    decision = decide(enrolment, profile, now)
    with transaction.atomic():
        as_read = (
            {"next_reminder_at": enrolment.next_reminder_at}
            if enrolment.next_reminder_at
            else {"next_reminder_at__isnull": True}
        )
        moved = Enrolment.objects.filter(pk=enrolment.pk, **as_read).update(next_reminder_at=decision.next_at)
        if not moved or decision.send_week is None:
            return None
        log, created = ReminderLog.objects.get_or_create(
            enrolment=enrolment, week=decision.send_week, defaults={"claimed_at": now}
        )
    return log if created else None


def dispatch(now, enqueue):
    """Claim every reminder due at `now` and hand each to `enqueue(log)`. Returns the logs."""
    claimed = []
    for enrolment in due(now).iterator(chunk_size=CHUNK_SIZE):
        log = claim(enrolment, now)
        if log:
            enqueue(log)
            claimed.append(log)
    stale = ReminderLog.objects.filter(sent_at__isnull=True, claimed_at__lte=now - STALE_CLAIM_AFTER)
    for log in stale.iterator(chunk_size=CHUNK_SIZE):
        # Re-stamp before re-queueing, conditionally, so two dispatchers re-queue it once.
        if ReminderLog.objects.filter(pk=log.pk, claimed_at=log.claimed_at).update(claimed_at=now):
            enqueue(log)
            claimed.append(log)
    return claimed


def release(log_id, now):
    """Give up a claim whose email could not be sent, so that a later run tries again."""
    with transaction.atomic():
        log = ReminderLog.objects.select_for_update().filter(pk=log_id, sent_at__isnull=True).first()
        if log is None:
            return
        log.delete()
        Enrolment.objects.filter(pk=log.enrolment_id).update(next_reminder_at=now + RETRY_RELEASED_AFTER)


# --- What ---------------------------------------------------------------------------------------


def absolute(path):
    return f"{settings.SITE_URL}{path}"


def unsubscribe_url(user):
    return absolute(reverse("accounts:unsubscribe", args=[unsubscribe_token(user)]))


def subject_for(progress):
    """The email's subject: it counts exactly the items listed under "This week" (tasks due and
    late, action-plan steps, habits), the same `plan.this_week` the dashboard shows."""
    pathway = progress.enrolment.pathway
    goal = pathway.to_role or pathway.title
    items = progress.plan.this_week
    if not items:
        return f"This week on your path to {goal}: all caught up"
    count = len(items)
    noun = "task" if all(item.kind == "task" for item in items) else "item"
    late = sum(item.is_late for item in items)
    late_note = f" ({late} late)" if late else ""
    return f"This week on your path to {goal}: {count} {noun}{'s' if count != 1 else ''}{late_note}"


def build_message(enrolment_id, now):
    """The "This week" email of an enrolment at `now`, with one-click unsubscribe (RFC 8058)."""
    progress = selectors.enrolment_progress(enrolment_id, now)
    enrolment = progress.enrolment
    user = enrolment.user
    unsubscribe = unsubscribe_url(user)
    context = {
        "progress": progress,
        "plan": progress.plan,
        "pathway": enrolment.pathway,
        "profile": user.profile,
        "dashboard_url": absolute(f"{reverse('careers:dashboard')}#enrolment-{enrolment.id}"),
        "pathway_url": absolute(enrolment.pathway.get_absolute_url()),
        "preferences_url": absolute(reverse("accounts:preferences")),
        "unsubscribe_url": unsubscribe,
        "site_url": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject=subject_for(progress),
        body=render_to_string("emails/weekly.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string("emails/weekly.html", context), "text/html")
    return message


def send(log_id, now):
    """Send a claimed reminder. Returns the message, or None if it was sent, released, or is
    being sent by another worker."""
    started = timezone.now()
    lease = ReminderLog.objects.filter(pk=log_id, sent_at__isnull=True).filter(
        Q(sending_until__isnull=True) | Q(sending_until__lt=started)
    )
    if not lease.update(sending_until=started + SENDING_LEASE, attempts=F("attempts") + 1):
        return None
    enrolment_id = ReminderLog.objects.values_list("enrolment_id", flat=True).get(pk=log_id)
    try:
        message = build_message(enrolment_id, now)
        message.send()
    except Exception:
        ReminderLog.objects.filter(pk=log_id).update(sending_until=None)
        raise
    ReminderLog.objects.filter(pk=log_id).update(sent_at=timezone.now(), sending_until=None)
    return message
