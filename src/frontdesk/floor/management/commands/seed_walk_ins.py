"""`frontdesk seed_walk_ins`: past walk-in tickets beside the seeded appointments (`floor.seeding`)."""

from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.floor.seeding import walk_ins_seed
from frontdesk.offices.models import Office


class Command(BaseCommand):
    help = "Seed past walk-in tickets at offices that have seeded appointments (demo and benchmarks)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=28, help="How many past days (1 to 366; default 28)")
        parser.add_argument("--seed", type=int, default=2027, help="Random seed (the demo's by default)")

    def handle(self, *args: Any, days: int, seed: int, **options: Any) -> None:
        if not 1 <= days <= 366:
            raise CommandError("--days must be between 1 and 366.")
        start = datetime.now(UTC).date() - timedelta(days=days)
        offices = Office.objects.filter(appointments__starts_at__date__gte=start).distinct().order_by("code")
        created = walk_ins_seed(offices, start=start, seed=seed)
        self.stdout.write(f"{created} past walk-in tickets at {offices.count()} offices over the last {days} days")
