"""Recomputing the daily counters from the appointments and tickets themselves, and measuring the wait
for the next available appointment.

`stats_rebuild` uses the first after a bulk load (the seed, an import) or to repair the counters; it
must give exactly what the services' upserts keep (tests/stats/test_rebuild.py holds it to that).
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from frontdesk.core.errors import ValidationFailed
from frontdesk.floor.models import Ticket, TicketKind, TicketOutcome
from frontdesk.offices.calendar import local_today
from frontdesk.offices.models import Office, Resource, ResourceKind
from frontdesk.scheduling.availability import Need, booking_window_end, office_slots
from frontdesk.scheduling.models import Appointment, Mode, Service, Status

from .buckets import bucket_of
from .capacity import weekly_roster
from .models import NextAvailable, OfficeDayStats, OfficeDayWait, OfficeWeekdayCapacity, WaitKind
from .services import COUNTERS

Key = tuple[int, date, int]


def _appointment_wait(checked_in: datetime, starts: datetime, completed: datetime, minutes: int) -> float:
    # The same estimate as services.appointment_wait_seconds, on the columns read here.
    return max(0.0, (completed - max(checked_in, starts)).total_seconds() - 60 * minutes)


def stats_rebuild(*, batch_size: int = 5000) -> dict[str, int]:
    """Delete every counter and the weekly roster and recompute them, in one transaction.

    On PostgreSQL the counter tables are locked first (EXCLUSIVE: reads go on, writes wait), so a
    booking committing meanwhile is either already in the appointments read here or waits and counts
    after the rebuild; never lost, never counted twice.
    """
    offices = list(Office.objects.values_list("id", "timezone", "region"))
    zones = {pk: ZoneInfo(tz) for pk, tz, _ in offices}
    regions = {pk: region for pk, _, region in offices}
    stats: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    waits: dict[tuple[int, date, str, int], int] = defaultdict(int)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in (OfficeDayStats, OfficeDayWait, OfficeWeekdayCapacity):
                    cursor.execute(f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} IN EXCLUSIVE MODE")
        rows = Appointment.objects.values_list(
            "office_id",
            "service_id",
            "service__duration_minutes",
            "starts_at",
            "status",
            "interpreter_language",
            "checked_in_at",
            "completed_at",
        ).order_by()
        appointments = 0
        for office_id, service_id, minutes, starts, status, language, checked_in, completed in rows.iterator(
            chunk_size=batch_size
        ):
            appointments += 1
            zone = zones[office_id]
            row = stats[(office_id, starts.astimezone(zone).date(), service_id)]
            if status == Status.CANCELLED:
                row["cancelled"] += 1
            else:
                row["booked"] += 1
                row["staff_minutes"] += minutes
                row["interpreter_minutes"] += minutes if language else 0
            if checked_in is not None:
                row["checked_in"] += 1
            if status == Status.NO_SHOW:
                row["no_shows"] += 1
            if status == Status.COMPLETED and checked_in is not None and completed is not None:
                bucket = bucket_of(_appointment_wait(checked_in, starts, completed, minutes))
                waits[(office_id, checked_in.astimezone(zone).date(), WaitKind.APPOINTMENT, bucket)] += 1
        walk_ins = 0
        roster = weekly_roster()
        # Walk-in tickets of the office floor (kiosk or counter: the old walk-in queue's rows became tickets,
        # docs/adr/0040-walk-ins-are-floor-tickets.md), counted as the floor's signals count them.
        for office_id, service_id, day, outcome, issued, called in (
            Ticket.objects.filter(kind=TicketKind.WALK_IN)
            .values_list("office_id", "service_id", "local_date", "outcome", "issued_at", "called_at")
            .order_by()
            .iterator(chunk_size=batch_size)
        ):
            walk_ins += 1
            stats[(office_id, day, service_id)]["walk_ins"] += 1
            if outcome == TicketOutcome.SERVED and called is not None:
                waits[(office_id, day, WaitKind.WALK_IN, bucket_of((called - issued).total_seconds()))] += 1
        OfficeDayStats.objects.all().delete()
        OfficeDayWait.objects.all().delete()
        OfficeWeekdayCapacity.objects.all().delete()
        OfficeDayStats.objects.bulk_create(
            (
                OfficeDayStats(office_id=o, region=regions[o], day=d, service_id=s, **counts)
                for (o, d, s), counts in stats.items()
            ),
            batch_size=batch_size,
        )
        OfficeDayWait.objects.bulk_create(
            (
                OfficeDayWait(office_id=o, region=regions[o], day=d, kind=k, bucket=b, count=n)
                for (o, d, k, b), n in waits.items()
            ),
            batch_size=batch_size,
        )
        OfficeWeekdayCapacity.objects.bulk_create(roster, batch_size=batch_size)
    return {
        "appointments": appointments,
        "walk_ins": walk_ins,
        "rows": len(stats),
        "wait_rows": len(waits),
        "capacity_rows": len(roster),
    }


def next_available_refresh(*, offices: Iterable[Office] | None = None, now: datetime | None = None) -> int:
    """Measure, per office and service it can serve in person, the first open time; store it. Returns
    the number of measurements. Slow (an availability search each): the hourly job runs it."""
    now = now or datetime.now(UTC)
    services = list(Service.objects.filter(active=True))
    measured = 0
    for office in offices if offices is not None else Office.objects.all():
        skills: set[str] = set()
        for row in Resource.objects.filter(office=office, kind=ResourceKind.STAFF, active=True).values_list(
            "skills", flat=True
        ):
            skills.update(row or [])
        today = local_today(office, now)
        for service in services:
            if service.required_skill not in skills or Mode.IN_PERSON not in (service.modes or []):
                continue
            try:
                need = Need(service=service, mode=Mode.IN_PERSON)
                end = booking_window_end(service, office, now)
                slots = office_slots(office=office, need=need, start=today, end=end, limit=1, now=now)
            except ValidationFailed:
                slots = []
            first = slots[0].starts_at if slots else None
            days = (first.astimezone(office.zone).date() - today).days if first else None
            NextAvailable.objects.update_or_create(
                office=office,
                service=service,
                defaults={"measured_at": now, "first_start": first, "days": days},
            )
            measured += 1
    return measured
