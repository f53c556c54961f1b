from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Sign a ledger checkpoint now (same as `ledger checkpoint`)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Sign even if the tree has not grown.")
        parser.add_argument("--every", type=float, default=0, help="Keep signing every N seconds.")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("ledger", "checkpoint", *(["--force"] if options["force"] else []), every=options["every"])
