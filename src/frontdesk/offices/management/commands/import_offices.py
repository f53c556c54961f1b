"""`frontdesk import_offices [SOURCE]`: load the field office directory.

SOURCE is a path or URL to SSA's "Field Office Addresses and Business Hours" CSV, as published or as
converted in shared/data. Without SOURCE it reads FRONTDESK_DATA_DIR/ssa_field_offices_2022-06-10.csv.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from frontdesk.core.errors import DomainError
from frontdesk.offices.directory import DEFAULT_FILENAME, PUBLISHER_URL, load_source, offices_import
from frontdesk.offices.geo import forget_positions


class Command(BaseCommand):
    help = "Load the field office directory (path or URL; default: the copy in FRONTDESK_DATA_DIR)."

    def add_arguments(self, parser):
        parser.add_argument("source", nargs="?", help=f"CSV path or URL, e.g. {PUBLISHER_URL} (default: data dir copy)")

    def handle(self, *args, source=None, **options):
        source = source or str(settings.FRONTDESK_DATA_DIR / DEFAULT_FILENAME)
        try:
            result = offices_import(text=load_source(source))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        except OSError as exc:
            raise CommandError(f"Could not read {source}: {exc}") from None
        forget_positions()
        self.stdout.write(f"offices: {result.created} created, {result.updated} updated, {len(result.skipped)} skipped")
        for line in result.skipped:
            self.stderr.write(f"  skipped {line}")
