"""Staff and interpreter minutes an office could give over a period: utilisation's denominator.

A resource works its shifts, or the office's hours when it has none, on every day the office is open
(federal holidays and closures excluded). Absences are not subtracted: utilisation reads "booked time
against rostered time".

The weekly roster is kept in `OfficeWeekdayCapacity` (one row per office and weekday with anything
rostered), refreshed by `capacity_refresh` when a resource, a shift or the office's hours change
(receivers.py) and recomputed by `stats_rebuild`. A dashboard then reads seven summed rows for any
number of offices (`capacity_minutes`), instead of every shift of a region (docs/adr/0034).
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import Q, Sum

from frontdesk.offices.calendar import federal_holiday
from frontdesk.offices.models import Closure, Office, OfficeHours, Resource, ResourceKind, Shift

from .models import OfficeWeekdayCapacity

KINDS = (ResourceKind.STAFF, ResourceKind.INTERPRETER)


def _minutes(starts: time, ends: time) -> int:
    return int((datetime.combine(date.min, ends) - datetime.combine(date.min, starts)).total_seconds() // 60)


def weekly_roster(office_ids: Iterable[int] | None = None) -> list[OfficeWeekdayCapacity]:
    """The rows `OfficeWeekdayCapacity` should hold for these offices (None: every office), computed
    from their active staff and interpreters, their shifts and the offices' hours. Five queries."""
    offices = Office.objects.all() if office_ids is None else Office.objects.filter(id__in=list(office_ids))
    regions = dict(offices.values_list("id", "region"))
    ids = list(regions)
    if not ids:
        return []
    hours: dict[int, dict[int, int]] = defaultdict(dict)
    for office_id, weekday, opens, closes in OfficeHours.objects.filter(office_id__in=ids).values_list(
        "office_id", "weekday", "opens", "closes"
    ):
        hours[office_id][weekday] = _minutes(opens, closes)
    shifts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for resource_id, weekday, starts, ends in Shift.objects.filter(
        resource__office_id__in=ids, resource__active=True
    ).values_list("resource_id", "weekday", "starts", "ends"):
        shifts[resource_id][weekday] += _minutes(starts, ends)
    totals: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: {str(kind): 0 for kind in KINDS})
    for resource_id, office_id, kind in Resource.objects.filter(
        office_id__in=ids, active=True, kind__in=KINDS
    ).values_list("id", "office_id", "kind"):
        week = shifts.get(resource_id) or hours.get(office_id, {})
        for weekday, minutes in week.items():
            totals[(office_id, weekday)][kind] += minutes
    return [
        OfficeWeekdayCapacity(
            office_id=office_id,
            region=regions[office_id],
            weekday=weekday,
            staff_minutes=minutes[ResourceKind.STAFF],
            interpreter_minutes=minutes[ResourceKind.INTERPRETER],
        )
        for (office_id, weekday), minutes in sorted(totals.items())
        if any(minutes.values())
    ]


def capacity_refresh(office_ids: Iterable[int]) -> None:
    """Recompute these offices' weekly roster rows, in the caller's transaction."""
    ids = list(office_ids)
    OfficeWeekdayCapacity.objects.filter(office_id__in=ids).delete()
    OfficeWeekdayCapacity.objects.bulk_create(weekly_roster(ids))


def capacity_minutes(
    *, start: date, end: date, office_id: int | None = None, region: int | None = None
) -> dict[str, int]:
    """{'staff': minutes, 'interpreter': minutes} over [start, end] for one office or one region.

    The open days of each weekday in the period (federal holidays and national closures out) times the
    summed weekly roster, less each office's own closures: two queries, three when an office in scope
    closed on an open day, whatever the number of offices.
    """
    if (office_id is None) == (region is None):
        raise ValueError("capacity_minutes needs an office or a region")
    totals = {str(kind): 0 for kind in KINDS}
    if end < start:
        return totals
    scope = Q(office_id=office_id) if office_id is not None else Q(region=region)
    closure_scope = Q(office_id=office_id) if office_id is not None else Q(office__region=region)
    national: set[date] = set()
    own: list[tuple[int, date]] = []
    for closed_office, day in Closure.objects.filter(
        closure_scope | Q(office__isnull=True), date__gte=start, date__lte=end
    ).values_list("office_id", "date"):
        if closed_office is None:
            national.add(day)
        else:
            own.append((closed_office, day))
    open_days = {d for d in _days(start, end) if not federal_holiday(d) and d not in national}
    weekdays: dict[int, int] = defaultdict(int)
    for day in open_days:
        weekdays[day.weekday()] += 1
    for weekday, staff, interpreter in (
        OfficeWeekdayCapacity.objects.filter(scope)
        .values("weekday")
        .annotate(staff=Sum("staff_minutes"), interpreter=Sum("interpreter_minutes"))
        .values_list("weekday", "staff", "interpreter")
        .order_by()
    ):
        totals[ResourceKind.STAFF] += (staff or 0) * weekdays.get(weekday, 0)
        totals[ResourceKind.INTERPRETER] += (interpreter or 0) * weekdays.get(weekday, 0)
    closed = [(o, d) for o, d in own if d in open_days]
    if closed:
        week = {
            (o, w): (s, i)
            for o, w, s, i in OfficeWeekdayCapacity.objects.filter(office_id__in={o for o, _ in closed}).values_list(
                "office_id", "weekday", "staff_minutes", "interpreter_minutes"
            )
        }
        for closed_office, day in closed:
            staff, interpreter = week.get((closed_office, day.weekday()), (0, 0))
            totals[ResourceKind.STAFF] -= staff
            totals[ResourceKind.INTERPRETER] -= interpreter
    return totals


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)
