"""`frontdesk seed_answers`: the demo's answered reminders and waiting list (`scheduling.seeding.answers`)."""

from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from frontdesk.offices.models import Office
from frontdesk.scheduling.seeding.answers import answers_seed


class Command(BaseCommand):
    help = (
        "Seed, at offices with upcoming appointments, people waiting for an earlier time and answers to "
        "reminders (confirmed, cancelled, offers taken), through the product's own services (demo)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2027, help="Random seed (the demo's by default)")

    def handle(self, *args: Any, seed: int, **options: Any) -> None:
        now = datetime.now(UTC)
        offices = Office.objects.filter(appointments__starts_at__gte=now).distinct().order_by("code")
        done = answers_seed(offices, seed=seed, now=now)
        self.stdout.write(
            f"{done.waiting} people waiting for an earlier time; {done.confirmed} reminders confirmed and "
            f"{done.cancelled} cancelled by reply; {done.offers} offers made, {done.claimed} taken"
        )
