"""Keeping the daily counters up to date: one upsert per change, in the caller's transaction.

Each function is one `INSERT ... ON CONFLICT DO UPDATE SET n = n + excluded.n` (SQLite 3.24+ and
PostgreSQL both have it), so a booking pays one statement for its statistics and two concurrent
bookings at one office add up instead of overwriting each other (docs/adr/0031). The caller owns the
transaction: when a booking rolls back, so does its count.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo

from django.db import connection

from frontdesk.offices.models import Office
from frontdesk.scheduling.models import Appointment, Status

from .buckets import bucket_of
from .models import OfficeDayStats, OfficeDayWait, WaitKind

COUNTERS: tuple[str, ...] = (
    "booked",
    "cancelled",
    "checked_in",
    "no_shows",
    "walk_ins",
    "staff_minutes",
    "interpreter_minutes",
)


@dataclass(frozen=True)
class Delta:
    """Changes to one (office, day, service) row."""

    office_id: int
    day: date
    service_id: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, date, int]:
        return (self.office_id, self.day, self.service_id)


def _region() -> str:
    """Each counter row carries its office's region (docs/adr/0034), read in the same statement: the
    caller passes the office id once more for this placeholder."""
    return f"(SELECT region FROM {connection.ops.quote_name(Office._meta.db_table)} WHERE id = %s)"  # noqa: S608 (a model constant)


def _upsert_stats(deltas: Iterable[Delta]) -> None:
    # Table and column names are the model's constants (COUNTERS is checked below); values are parameters.
    rows = [d for d in deltas if any(d.counts.values())]
    if not rows:
        return
    unknown = {name for d in rows for name in d.counts} - set(COUNTERS)
    if unknown:
        raise ValueError(f"unknown counters: {sorted(unknown)}")
    table = connection.ops.quote_name(OfficeDayStats._meta.db_table)
    columns = ", ".join(COUNTERS)
    marks = ", ".join([_region(), *["%s"] * (3 + len(COUNTERS))])
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNTERS)
    params: list[int | str | None] = []
    for d in rows:
        params += [d.office_id, d.office_id, connection.ops.adapt_datefield_value(d.day), d.service_id]
        params += [d.counts.get(c, 0) for c in COUNTERS]
    values = ", ".join([f"({marks})"] * len(rows))
    sql = (
        f"INSERT INTO {table} (region, office_id, day, service_id, {columns}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT (office_id, day, service_id) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def local_day(appointment: Appointment, instant: datetime | None = None) -> date:
    return (instant or appointment.starts_at).astimezone(appointment.office.zone).date()


def _booking_counts(appointment: Appointment, sign: int) -> dict[str, int]:
    minutes = appointment.service.duration_minutes
    return {
        "booked": sign,
        "staff_minutes": sign * minutes,
        "interpreter_minutes": sign * minutes if appointment.interpreter_language else 0,
    }


def record_appointment_booked(appointment: Appointment) -> None:
    """A new appointment counts on its local day, with the staff (and interpreter) time it holds."""
    _upsert_stats(
        [Delta(appointment.office_id, local_day(appointment), appointment.service_id, _booking_counts(appointment, 1))]
    )


def record_appointment_moved(
    appointment: Appointment, *, from_office_id: int, from_starts_at: datetime, from_zone: tzinfo
) -> None:
    """A reschedule: the old day loses the appointment and the new day gains it (one statement)."""
    old_day = from_starts_at.astimezone(from_zone).date()
    new = Delta(appointment.office_id, local_day(appointment), appointment.service_id, _booking_counts(appointment, 1))
    old = Delta(from_office_id, old_day, appointment.service_id, _booking_counts(appointment, -1))
    if old.key == new.key:
        return  # the same day and office: nothing to count
    _upsert_stats([old, new])


def record_appointment_status(appointment: Appointment, *, to: str, now: datetime) -> None:
    """A status change: cancelled (the day loses its booking), checked in, no-show, or completed (the
    office wait is recorded). Called once per transition, after the status was saved."""
    if to == Status.COMPLETED:
        seconds = appointment_wait_seconds(appointment)
        if seconds is not None and appointment.checked_in_at is not None:
            record_office_wait(
                office_id=appointment.office_id,
                day=local_day(appointment, appointment.checked_in_at),
                seconds=seconds,
                kind=WaitKind.APPOINTMENT,
            )
        return
    counts: dict[str, int]
    if to == Status.CANCELLED:
        counts = {**_booking_counts(appointment, -1), "cancelled": 1}
    elif to == Status.CHECKED_IN:
        counts = {"checked_in": 1}
    elif to == Status.NO_SHOW:
        counts = {"no_shows": 1}
    else:
        return
    _upsert_stats([Delta(appointment.office_id, local_day(appointment), appointment.service_id, counts)])


def appointment_wait_seconds(appointment: Appointment) -> float | None:
    """How long a person with an appointment waited in the office, until tickets record the call.

    From check-in, or the booked time for someone who came early (they were not waiting on the office
    before their time), to completion, less the service's booked length. An estimate: it reads the
    counter's overrun as waiting. A ticket's real called-at time replaces it through record_office_wait.
    """
    if appointment.checked_in_at is None or appointment.completed_at is None:
        return None
    began = max(appointment.checked_in_at, appointment.starts_at)
    spent = appointment.completed_at - began - timedelta(minutes=appointment.service.duration_minutes)
    return max(0.0, spent.total_seconds())


def record_walk_in(*, office_id: int, day: date, service_id: int) -> None:
    _upsert_stats([Delta(office_id, day, service_id, {"walk_ins": 1})])


def record_office_wait(*, office_id: int, day: date, seconds: float, kind: str) -> None:
    """One person's wait in the office on a local day: from arriving (check-in, a ticket issued) to
    being called or served. The queue calls this when a ticket is served; one upsert."""
    if kind not in WaitKind.values:
        raise ValueError(f"wait kind must be one of {WaitKind.values}")
    table = connection.ops.quote_name(OfficeDayWait._meta.db_table)
    sql = (
        f"INSERT INTO {table} (region, office_id, day, kind, bucket, count) "  # noqa: S608
        f"VALUES ({_region()}, %s, %s, %s, %s, 1) "
        f"ON CONFLICT (office_id, day, kind, bucket) DO UPDATE SET count = {table}.count + 1"
    )
    day_value = connection.ops.adapt_datefield_value(day)
    with connection.cursor() as cursor:
        cursor.execute(sql, [office_id, office_id, day_value, kind, bucket_of(seconds)])
