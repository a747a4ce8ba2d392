from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from careers import digest, reminders
from careers.models import DigestLog
from careers.tasks import moment


def _count(number, noun):
    return f"{number} {noun}{'s' if number != 1 else ''}"


class Command(BaseCommand):
    help = (
        "Send the weekly digests due now (or at --now), here and now rather than through the Celery "
        "workers. The same dispatch as the workers' (careers.reminders.dispatch): a digest never goes "
        "out twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", help="the moment to act at, ISO 8601 (e.g. 2026-03-02T09:00:00+00:00)")
        parser.add_argument(
            "--dry-run", action="store_true", help="list who would get what; send and change nothing"
        )

    def handle(self, *args, now=None, dry_run=False, **options):
        try:
            at = moment(now)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if dry_run:
            self._dry_run(at)
            return
        sent, failed = [], []

        def send_now(log):
            try:
                message = reminders.send(log.id, at)
            except Exception as error:
                # One learner's failure does not stop the others: recorded as the worker's last
                # attempt would be (failed, due again later), and reported.
                reminders.fail(log.id, error, timezone.now())
                failed.append(log)
                self.stderr.write(f"Not sent to learner {log.user_id}: {type(error).__name__}: {error}")
                return
            if message:
                sent.append(message)
                self.stdout.write(f"Sent “{message.subject}” to {message.to[0]}")

        reminders.dispatch(at, send_now)
        self.stdout.write(f"{_count(len(sent), 'digest')} sent at {at:%Y-%m-%d %H:%M %Z}.")
        if failed:
            raise CommandError(f"{_count(len(failed), 'digest')} could not be sent: see above.")

    def _dry_run(self, at):
        """The real run's plan (careers.reminders.plan) and content (careers.digest.digest_for),
        without claiming: a week already claimed or sent is left out, a failed one is listed."""
        count = 0
        for planned in (planned for chunk in reminders.plan(at) for planned in chunk):
            week = planned.decision.send_week
            if week is None:
                continue
            taken = DigestLog.objects.filter(user_id=planned.user_id, week=week).exclude(
                state=DigestLog.State.FAILED
            )
            if taken.exists():
                continue
            found = digest.digest_for(user_id=planned.user_id, now=at)
            if found is None:
                continue
            count += 1
            self.stdout.write(f"Would send “{found.subject}” to {found.to} (week of {week:%Y-%m-%d})")
        self.stdout.write(f"{_count(count, 'digest')} due at {at:%Y-%m-%d %H:%M %Z} (dry run).")
