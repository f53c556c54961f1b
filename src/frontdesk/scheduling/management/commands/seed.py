"""`frontdesk seed`: the national benchmark dataset (staff, interpreters, ~70% of 60 days booked).

A bulk load of history: it writes no ledger events (docs/adr/0004-seed-and-benchmarks.md). Load the
offices first (`frontdesk import_offices`).
"""

import time
from datetime import UTC, date, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.core.progress_output import add_progress_argument, command_progress
from frontdesk.offices.models import Office
from frontdesk.scheduling.seeding import SeedOptions, overlapping_holds, seed_offices


class Command(BaseCommand):
    help = "Staff every office and book about 70% of the next 60 days (benchmark data; no ledger events)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--offices", type=int, default=None, help="Only the first N offices by code (default all)")
        parser.add_argument("--regions", default="", help="Only offices in these regions, e.g. 1,2,3")
        parser.add_argument("--days", type=int, default=60, help="Days to book from --start (default 60)")
        parser.add_argument("--fill", type=float, default=0.7, help="Share of staff time booked (default 0.7)")
        parser.add_argument("--seed", type=int, default=1, help="Random seed: same seed, same rows (default 1)")
        parser.add_argument("--start", type=date.fromisoformat, default=None, help="First date (default today, UTC)")
        parser.add_argument("--rooms-share", type=float, default=0.2, help="Share of offices that book windows")
        parser.add_argument("--batch-size", type=int, default=50_000, help="Appointments per transaction")
        parser.add_argument("--verify", action="store_true", help="Afterwards count overlapping holds (one query)")
        add_progress_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        query = Office.objects.order_by("code")
        if options["regions"]:
            try:
                regions = [int(r) for r in options["regions"].split(",") if r.strip()]
            except ValueError:
                raise CommandError("--regions takes region numbers, e.g. 1,2,3") from None
            query = query.filter(region__in=regions)
        if options["offices"] is not None:
            query = query[: options["offices"]]
        offices = list(query)
        if not offices:
            raise CommandError("No offices to seed: run `frontdesk import_offices` first.")
        if not 0 <= options["fill"] <= 1 or options["days"] < 1:
            raise CommandError("--fill is between 0 and 1 and --days at least 1.")
        seed_options = SeedOptions(
            start=options["start"] or datetime.now(UTC).date(),
            days=options["days"],
            fill=options["fill"],
            seed=options["seed"],
            rooms_share=options["rooms_share"],
            batch_size=options["batch_size"],
        )
        with command_progress(self, options) as progress:
            report = seed_offices(offices, seed_options, progress=progress)
        self.stdout.write(
            f"seeded {report.offices} offices from {seed_options.start} for {seed_options.days} days "
            f"(seed {seed_options.seed}): {report.resources} resources, {report.persons} persons, "
            f"{report.appointments} appointments, {report.holds} holds, {report.absences} absences; "
            f"fill {report.fill:.1%}"
        )
        self.stdout.write(
            f"{report.rows} rows in {report.seconds:.1f} s = {report.rows_per_second:,.0f} rows/s "
            f"({', '.join(f'{k} {v:.1f} s' for k, v in report.phases.items())})"
        )
        if options["verify"]:
            started = time.perf_counter()
            overlaps = overlapping_holds()
            self.stdout.write(f"overlapping active holds: {overlaps} ({time.perf_counter() - started:.1f} s)")
            if overlaps:
                raise CommandError("Some resource is held twice: the seed is wrong.")
