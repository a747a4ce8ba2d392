from django.core.management.base import BaseCommand, CommandError

from careers import reminders
from careers.tasks import moment


class Command(BaseCommand):
    help = (
        "Send the weekly reminders due now (or at --now), here and now rather than through the "
        "Celery workers. Claims work as for the workers: a reminder never goes out twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", help="the moment to act at, ISO 8601 (e.g. 2026-03-02T09:00:00+00:00)")
        parser.add_argument("--dry-run", action="store_true", help="list who is due; send and change nothing")

    def handle(self, *args, now=None, dry_run=False, **options):
        try:
            at = moment(now)
        except ValueError as error:
            raise CommandError(str(error)) from None
        if dry_run:
            self._dry_run(at)
            return
        sent = []

        def send_now(log):
            message = reminders.send(log.id, at)
            if message:
                sent.append(message)
                self.stdout.write(f"Sent “{message.subject}” to {message.to[0]}")

        reminders.dispatch(at, send_now)
        self.stdout.write(
            f"{len(sent)} reminder{'s' if len(sent) != 1 else ''} sent at {at:%Y-%m-%d %H:%M %Z}."
        )

    def _dry_run(self, at):
        count = 0
        for enrolment in reminders.due(at):
            decision = reminders.decide(enrolment, enrolment.user.profile, at)
            if decision.send_week and not enrolment.reminders.filter(week=decision.send_week).exists():
                count += 1
                self.stdout.write(
                    f"Would send to {enrolment.user.email}: {enrolment.pathway.title} "
                    f"(week of {decision.send_week:%Y-%m-%d})"
                )
        self.stdout.write(
            f"{count} reminder{'s' if count != 1 else ''} due at {at:%Y-%m-%d %H:%M %Z} (dry run)."
        )
