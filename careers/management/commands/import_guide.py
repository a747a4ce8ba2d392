from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from careers import guides
from careers.importer import import_pathway


class Command(BaseCommand):
    help = (
        "Import career-transition guides (text files) as pathways. Importing a guide again updates "
        "its pathway in place; a batch with any bad file writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="guide text file")

    def handle(self, *args, paths, **options):
        parsed, errors, slugs = [], [], {}
        for path in paths:
            try:
                guide = guides.read(path)
            except guides.GuideError as error:
                errors.append(str(error))
                continue
            if guide.slug in slugs:
                errors.append(f"{path}: the same pathway ({guide.slug}) as {slugs[guide.slug]}")
                continue
            slugs[guide.slug] = path
            parsed.append((path, guide))
        if errors:
            raise CommandError("nothing imported:\n  " + "\n  ".join(errors))

        with transaction.atomic():
            results = [(path, guide, import_pathway(guide, source=path)) for path, guide in parsed]
        for path, guide, result in results:
            tasks = sum(len(phase.tasks) for phase in guide.phases)
            self.stdout.write(
                f"{path}: {guide.slug} {result.summary()} ({len(guide.phases)} phases, {tasks} tasks)"
            )
