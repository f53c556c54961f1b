"""When an office and its resources are open, as UTC instants, for a local date.

Opening hours are local wall-clock times. Each is turned into an instant with the office's IANA zone,
so a day of a DST change has its true length and zones without DST (Phoenix, Honolulu, San Juan,
Guam, Pago Pago) never shift. A wall time that does not exist (inside a spring-forward gap) is never
offered; one that happens twice (fall back) is read as its first occurrence.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.db import connection

from .models import Closure, Office


@lru_cache(maxsize=64)
def _federal_holidays(year: int) -> holidays.HolidayBase:
    # Federal offices close on federal holidays everywhere, territories included; observed days too.
    return holidays.US(years=year, observed=True)


def federal_holiday(day: date) -> str | None:
    return _federal_holidays(day.year).get(day)


def local_instant(day: date, wall: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall time, or None when that wall time does not exist that day."""
    local = datetime.combine(day, wall, tzinfo=zone)
    utc = local.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return utc


def closed_dates(office: Office, start: date, end: date) -> dict[date, str]:
    """Dates in [start, end] on which the office is closed, with the reason (holiday or closure)."""
    sql, params = closure_query(office, start, end)
    # Every booking asks: one hand-written query instead of the ORM's query building (a third of it).
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY date", params)
        return closed_with(start, end, cursor.fetchall())


def closure_query(office: Office, start: date, end: date) -> tuple[str, list]:
    """The query for an office's closures (its own and nationwide) in [start, end]: rows (date, reason),
    for `closed_with`. A caller may send it together with other reads (`availability.resources_and_closures`)."""
    sql = (
        f"SELECT date, reason FROM {connection.ops.quote_name(Closure._meta.db_table)} "  # noqa: S608
        "WHERE (office_id IS NULL OR office_id = %s) AND date >= %s AND date <= %s"
    )
    adapt = connection.ops.adapt_datefield_value
    return sql, [office.id, adapt(start), adapt(end)]


def closed_with(start: date, end: date, closures: Iterable[tuple]) -> dict[date, str]:
    """`closed_dates` from the rows of `closure_query`: federal holidays, then the closures."""
    closed: dict[date, str] = {}
    day = start
    while day <= end:
        name = federal_holiday(day)
        if name:
            closed[day] = name
        day += timedelta(days=1)
    for closure_date, reason in closures:
        closed[date.fromisoformat(closure_date) if isinstance(closure_date, str) else closure_date] = reason
    return closed


def local_dates(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def local_today(office: Office, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(office.zone).date()
