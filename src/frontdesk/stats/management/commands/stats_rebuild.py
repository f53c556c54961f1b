"""`manage.py stats_rebuild [--next-available]`: recompute the dashboards' daily counters from scratch."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from frontdesk.stats.rebuild import next_available_refresh, stats_rebuild


class Command(BaseCommand):
    help = "Recompute the dashboards' daily counters from every appointment and walk-in ticket."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--next-available",
            action="store_true",
            help="Also measure the first open time of every service at every office (slow: one search each).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = stats_rebuild()
        self.stdout.write(
            f"Rebuilt {counts['rows']} daily rows, {counts['wait_rows']} wait rows and "
            f"{counts['capacity_rows']} weekly roster rows from "
            f"{counts['appointments']} appointments and {counts['walk_ins']} walk-in tickets."
        )
        if options["next_available"]:
            self.stdout.write(f"Measured {next_available_refresh()} next available times.")
