"""Past walk-in tickets for demo and benchmark offices, so the dashboards' walk-in counts and walk-in
waits have a history like the seeded appointments' (`scheduling.seeding` writes those; the floor is
above scheduling in the layers, so its history is seeded here, after them).

Per office and past open day: about four walk-ins for every ten in-person appointments booked that day
(field offices serve many people without an appointment), issued through the office's hours, a wait to
the first call drawn from a lognormal distribution (median 20 minutes), nine in ten served and the rest
gone before their call. Written directly, once: a day that has tickets already is left as it is.
"""

import math
import random
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from django.db import transaction

from frontdesk.floor.models import Ticket, TicketKind, TicketOutcome
from frontdesk.offices.calendar import closed_dates, local_dates, local_instant, local_today
from frontdesk.offices.models import Office
from frontdesk.scheduling.models import Appointment, Mode, Service

WALK_INS_PER_APPOINTMENT = 0.4
WAIT_MEDIAN_MINUTES = 20
WAIT_SIGMA = 0.6  # one in ten waits longer than about 43 minutes
GONE_SHARE = 0.1
SPANISH_SHARE = 0.08
ACCESSIBLE_SHARE = 0.05


def walk_ins_seed(offices: Iterable[Office], *, start: date, seed: int, now: datetime | None = None) -> int:
    """Tickets for each office's open days from `start` to yesterday (office-local); returns how many."""
    now = now or datetime.now(UTC)
    services = [s for s in Service.objects.filter(active=True).order_by("code") if Mode.IN_PERSON in s.modes]
    if not services:
        return 0
    created = 0
    for office in offices:
        end = local_today(office, now) - timedelta(days=1)
        if end < start:
            continue
        rows = _office_tickets(office, start, end, services, random.Random(f"{seed}:walk-ins:{office.code}"))
        with transaction.atomic():
            Ticket.objects.bulk_create(rows, batch_size=2000)
        created += len(rows)
    return created


def _office_tickets(
    office: Office, start: date, end: date, services: list[Service], rng: random.Random
) -> list[Ticket]:
    hours = {h.weekday: (h.opens, h.closes) for h in office.hours.all()}
    closed = closed_dates(office, start, end)
    seeded = set(
        Ticket.objects.filter(office=office, local_date__range=(start, end)).values_list("local_date", flat=True)
    )
    booked = Counter(
        starts.astimezone(office.zone).date()
        for starts in Appointment.objects.filter(
            office=office,
            mode=Mode.IN_PERSON,
            starts_at__gte=datetime.combine(start, datetime.min.time(), office.zone) - timedelta(days=1),
            starts_at__lt=datetime.combine(end, datetime.min.time(), office.zone) + timedelta(days=2),
        ).values_list("starts_at", flat=True)
    )
    rows: list[Ticket] = []
    for day in local_dates(start, end):
        if day in closed or day in seeded or day.weekday() not in hours or not booked[day]:
            continue
        opens = local_instant(day, hours[day.weekday()][0], office.zone)
        closes = local_instant(day, hours[day.weekday()][1], office.zone)
        if opens is None or closes is None:
            continue
        # Issued up to an hour before closing: the doors' last walk-ins.
        span = max(0.0, (closes - opens).total_seconds() - 3600)
        count = _poisson(rng, booked[day] * WALK_INS_PER_APPOINTMENT)
        issued = sorted(opens + timedelta(seconds=rng.uniform(0, span)) for _ in range(count))
        for number, at in enumerate(issued, start=1):
            rows.append(_ticket(office, day, number, at, rng.choice(services), rng))
    return rows


def _ticket(
    office: Office, day: date, number: int, issued_at: datetime, service: Service, rng: random.Random
) -> Ticket:
    issued_at = issued_at.replace(microsecond=0)
    wait = timedelta(minutes=WAIT_MEDIAN_MINUTES * math.exp(rng.gauss(0, WAIT_SIGMA)))
    gone = rng.random() < GONE_SHARE
    called_at = None if gone else issued_at + wait
    served_at = issued_at + wait if called_at is None else called_at + timedelta(minutes=service.duration_minutes)
    return Ticket(
        office=office,
        local_date=day,
        number=number,
        kind=TicketKind.WALK_IN,
        service=service,
        interpreter_language="es" if rng.random() < SPANISH_SHARE else "",
        accessible=rng.random() < ACCESSIBLE_SHARE,
        issued_at=issued_at,
        called_at=called_at,
        last_called_at=called_at,
        served_at=served_at,
        outcome=TicketOutcome.NO_SHOW if gone else TicketOutcome.SERVED,
        calls=0 if gone else 1,
    )


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: fine for the tens of walk-ins an office has in a day."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
