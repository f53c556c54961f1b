"""`frontdesk import_offices [SOURCE]`: load the field office directory.

SOURCE is a path or URL to SSA's "Field Office Addresses and Business Hours" CSV, as published or in
the converted layout. Without SOURCE it loads the copy shipped in the repository
(src/frontdesk/offices/data/, provenance and sha256 in PROVENANCE.md beside it), after checking its checksum.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.core.errors import DomainError
from frontdesk.core.progress_output import add_progress_argument, command_progress
from frontdesk.offices.directory import PUBLISHER_URL, load_source, offices_import
from frontdesk.offices.geo import forget_positions


class Command(BaseCommand):
    help = "Load the field office directory (path or URL; default: the copy shipped in the repository)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", nargs="?", help=f"CSV path or URL, e.g. {PUBLISHER_URL} (default: shipped copy)")
        add_progress_argument(parser)

    def handle(self, *args: Any, source: str | None = None, **options: Any) -> None:
        try:
            text = load_source(source)
            with command_progress(self, options) as progress:
                result = offices_import(text=text, progress=progress)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        except OSError as exc:
            raise CommandError(f"Could not read {source or 'the shipped directory'}: {exc}") from None
        forget_positions()
        self.stdout.write(f"offices: {result.created} created, {result.updated} updated, {len(result.skipped)} skipped")
        for line in result.skipped:
            self.stderr.write(f"  skipped {line}")
