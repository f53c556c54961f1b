"""`frontdesk access_alerts`: look for staff reads the regional privacy officer should review.

By default it checks the last 24 hours; `--date YYYY-MM-DD` checks one whole UTC day (run it nightly
for the day before). Alerts are stored once per staff member and window and listed by
GET /api/v1/disclosures/alerts for the privacy officer of the staff member's region.
"""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from frontdesk.accounts.actors import SystemActor
from frontdesk.disclosures.alerts import access_alerts_compute


class Command(BaseCommand):
    help = "Compute access alerts (many people viewed without check-ins; citizenship searches)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="a UTC day to check, YYYY-MM-DD (default: the last 24 hours)")
        parser.add_argument("--hours", type=int, default=24, help="window length ending now (default 24)")

    def handle(self, *args: Any, date: str | None = None, hours: int = 24, **options: Any) -> None:
        now = timezone.now()
        if date:
            try:
                day = dt.date.fromisoformat(date)
            except ValueError:
                raise CommandError("Give --date as YYYY-MM-DD.") from None
            start = dt.datetime.combine(day, dt.time.min, dt.UTC)
            end = start + dt.timedelta(days=1)
        else:
            if not 1 <= hours <= 24 * 31:
                raise CommandError("--hours must be between 1 and 744.")
            end = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
            start = end - dt.timedelta(hours=hours)
        alerts = access_alerts_compute(actor=SystemActor("access_alerts"), window_start=start, window_end=end, now=now)
        self.stdout.write(f"{len(alerts)} alert(s) for {start.isoformat()} .. {end.isoformat()}")
        for alert in alerts:
            self.stdout.write(f"  {alert.kind} {alert.actor} region={alert.region} count={alert.count}")
