"""Staff and interpreter minutes an office could give over a period: utilisation's denominator.

A resource works its shifts, or the office's hours when it has none, on every day the office is open
(federal holidays and closures excluded). Absences are not subtracted: utilisation reads "booked time
against rostered time". Four queries for any number of offices.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.db.models import Q

from frontdesk.offices.calendar import federal_holiday
from frontdesk.offices.models import Closure, OfficeHours, Resource, ResourceKind, Shift

KINDS = (ResourceKind.STAFF, ResourceKind.INTERPRETER)


def _minutes(starts: time, ends: time) -> int:
    return int((datetime.combine(date.min, ends) - datetime.combine(date.min, starts)).total_seconds() // 60)


def capacity_minutes(office_ids: Iterable[int], start: date, end: date) -> dict[str, int]:
    """{'staff': minutes, 'interpreter': minutes} over [start, end] for these offices together."""
    ids = list(office_ids)
    totals = {str(kind): 0 for kind in KINDS}
    if not ids or end < start:
        return totals
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
    closed: dict[int | None, set[date]] = defaultdict(set)
    for office_id, day in Closure.objects.filter(
        Q(office_id__in=ids) | Q(office__isnull=True), date__gte=start, date__lte=end
    ).values_list("office_id", "date"):
        closed[office_id].add(day)
    # Open weekdays in the period, counted once; an office's own closures are taken off its copy.
    open_days = [d for d in _days(start, end) if not federal_holiday(d) and d not in closed[None]]
    common: dict[int, int] = defaultdict(int)
    for day in open_days:
        common[day.weekday()] += 1
    weekdays_by_office: dict[int, dict[int, int]] = {}
    for office_id in ids:
        counts = common
        own = closed.get(office_id)
        if own:
            counts = defaultdict(int, common)
            for day in own & set(open_days):
                counts[day.weekday()] -= 1
        weekdays_by_office[office_id] = counts
    for resource_id, office_id, kind in Resource.objects.filter(
        office_id__in=ids, active=True, kind__in=KINDS
    ).values_list("id", "office_id", "kind"):
        week = shifts.get(resource_id) or hours.get(office_id, {})
        days = weekdays_by_office[office_id]
        totals[kind] += sum(minutes * days.get(weekday, 0) for weekday, minutes in week.items())
    return totals


def _days(start: date, end: date) -> Iterable[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)
