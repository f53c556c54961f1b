"""The managers' dashboards: one answer per screen, read from the daily counters (docs/adr/0031).

`dashboard_get` checks the policy, then sums OfficeDayStats and OfficeDayWait over the period, reads
the last next-available measurement, the rostered capacity and the outside requests. Counts that could
point at a person (outside requests and what became of them) go through the transparency report's
suppression rule, the same function, so the dashboard and the published report hide the same cells.
"""

import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from frontdesk.accounts.actors import Actor
from frontdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from frontdesk.disclosures.models import DisclosureRequest, RequestStatus
from frontdesk.disclosures.transparency import OUTCOME_LABELS, OUTCOMES, Cell, count_shown, counts_table, threshold
from frontdesk.ledger.refusals import refusal_record
from frontdesk.offices.models import Office

from . import policies
from .buckets import LAST, bucket_label, percentile_minutes
from .capacity import capacity_minutes
from .models import NextAvailable, OfficeDayStats, OfficeDayWait, WaitKind

MAX_DAYS = 92
DAILY = ("booked", "walk_ins", "no_shows", "cancelled", "checked_in")


@dataclass(frozen=True)
class DayRow:
    day: date
    booked: int
    walk_ins: int
    no_shows: int
    cancelled: int
    checked_in: int


@dataclass(frozen=True)
class WaitSummary:
    label: str
    people: int
    p50: int | None  # minutes: the upper bound of the bucket holding the median
    p90: int | None
    open_ended_p90: bool


@dataclass(frozen=True)
class NextAvailableRow:
    service: str
    offices: int  # offices measured that offer it
    median_days: float | None
    longest_days: int | None
    none_open: int  # offices with nothing open within the horizon


@dataclass(frozen=True)
class Utilisation:
    label: str
    held_minutes: int
    capacity_minutes: int

    @property
    def held_hours(self) -> float:
        return round(self.held_minutes / 60, 1)

    @property
    def capacity_hours(self) -> float:
        return round(self.capacity_minutes / 60, 1)

    @property
    def percent(self) -> int | None:
        return round(100 * self.held_minutes / self.capacity_minutes) if self.capacity_minutes else None


@dataclass
class Dashboard:
    title: str
    scope: str  # "office" or "region"
    key: str  # the office code or the region number
    start: date
    end: date
    days: list[DayRow]
    totals: dict[str, int]
    waits: list[WaitSummary]
    wait_histogram: list[tuple[str, int]]
    next_available: list[NextAvailableRow]
    measured_at: datetime | None
    utilisation: list[Utilisation]
    requests_total: Cell
    requests_by_outcome: list[Cell]
    threshold: int
    offices: int
    notes: list[str] = field(default_factory=list)


def period(*, start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The period asked for, or the last four weeks; at most MAX_DAYS days."""
    end = end or today
    start = start or end - timedelta(days=27)
    if start > end:
        raise ValidationFailed("The first day must not be after the last day.", field="start")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(f"Choose at most {MAX_DAYS} days.", field="start")
    return start, end


def _refuse(actor: Actor, what: str, key: str, message: str) -> PermissionDenied:
    refusal_record(action="stats.dashboard", actor=actor, reason="out_of_scope", refs={"scope": what, "key": key})
    return PermissionDenied(message)


def dashboard_get(
    *,
    actor: Actor,
    office_code: str = "",
    region: int | None = None,
    start: date | None = None,
    end: date | None = None,
    today: date | None = None,
) -> Dashboard:
    """One office's dashboard (office_code) or one region's (region), for the period [start, end]."""
    today = today or timezone.localdate()
    start, end = period(start=start, end=end, today=today)
    if office_code:
        office = Office.objects.filter(code=office_code).first()
        if office is None:
            raise NotFound("No office has that code.")
        if not policies.can_view_office_dashboard(actor, office):
            raise _refuse(actor, "office", office.code, "You can see the dashboard of your own office only.")
        where = Q(office_id=office.id)
        capacity_scope: dict[str, int] = {"office_id": office.id}
        next_where = where
        offices = 1
        requests = DisclosureRequest.objects.filter(office_id=office.id)
        title, scope, key = f"{office.name} ({office.code})", "office", office.code
    elif region is not None:
        if not policies.can_view_region_dashboard(actor, region):
            raise _refuse(actor, "region", str(region), "You can see the dashboard of your own region only.")
        offices = Office.objects.filter(region=region).count()
        if not offices:
            raise NotFound("No office is in that region.")
        # The counters carry their office's region: one (region, day) index, no join (docs/adr/0034).
        where = Q(region=region)
        capacity_scope = {"region": region}
        next_where = Q(office__region=region)  # one row per office and service: a join is cheap
        requests = DisclosureRequest.objects.filter(region=region)
        title, scope, key = f"Region {region}", "region", str(region)
    else:
        raise ValidationFailed("Choose an office or a region.", field="office")
    in_period = Q(day__gte=start, day__lte=end)
    days, held = _days(where & in_period, start, end)
    totals = {name: sum(getattr(d, name) for d in days) for name in DAILY}
    capacity = capacity_minutes(start=start, end=end, **capacity_scope)
    waits, histogram = _waits(where & in_period)
    next_rows, measured_at = _next_available(next_where)
    total, by_outcome = _requests(requests, start, end)
    return Dashboard(
        title=title,
        scope=scope,
        key=key,
        start=start,
        end=end,
        days=days,
        totals=totals,
        waits=waits,
        wait_histogram=histogram,
        next_available=next_rows,
        measured_at=measured_at,
        utilisation=[
            Utilisation("Staff", held["staff"] or 0, capacity["staff"]),
            Utilisation("Interpreters", held["interpreter"] or 0, capacity["interpreter"]),
        ],
        requests_total=total,
        requests_by_outcome=by_outcome,
        threshold=threshold(),
        offices=offices,
    )


def _days(where: Q, start: date, end: date) -> tuple[list[DayRow], dict[str, int]]:
    """The daily rows, and the staff and interpreter minutes held over the period, in one query."""
    sums = {
        row["day"]: row
        for row in OfficeDayStats.objects.filter(where)
        .values("day")
        .annotate(staff=Sum("staff_minutes"), interpreter=Sum("interpreter_minutes"), **{n: Sum(n) for n in DAILY})
        .order_by()
    }
    held = {k: sum(row[k] or 0 for row in sums.values()) for k in ("staff", "interpreter")}
    rows = []
    day = start
    while day <= end:
        row: Mapping[str, Any] = sums.get(day, {})
        rows.append(DayRow(day, *(row.get(name) or 0 for name in DAILY)))
        day += timedelta(days=1)
    return rows, held


def _waits(where: Q) -> tuple[list[WaitSummary], list[tuple[str, int]]]:
    by_kind: dict[str, dict[int, int]] = defaultdict(dict)
    for row in OfficeDayWait.objects.filter(where).values("kind", "bucket").annotate(n=Sum("count")).order_by():
        by_kind[row["kind"]][row["bucket"]] = row["n"] or 0
    everyone: dict[int, int] = defaultdict(int)
    for counts in by_kind.values():
        for bucket, n in counts.items():
            everyone[bucket] += n
    summaries = [_summary("Everyone", everyone)]
    summaries += [_summary(str(label), by_kind.get(kind, {})) for kind, label in WaitKind.choices]
    histogram = [(bucket_label(i), everyone.get(i, 0)) for i in range(LAST + 1)]
    return summaries, histogram


def _summary(label: str, counts: dict[int, int]) -> WaitSummary:
    return WaitSummary(
        label=label,
        people=sum(counts.values()),
        p50=percentile_minutes(counts, 50),
        p90=percentile_minutes(counts, 90),
        open_ended_p90=_in_last(counts, 90),
    )


def _in_last(counts: dict[int, int], q: float) -> bool:
    total = sum(counts.values())
    below = sum(n for bucket, n in counts.items() if bucket < LAST)
    return total > 0 and below < q / 100 * total


def _next_available(where: Q) -> tuple[list[NextAvailableRow], datetime | None]:
    rows: dict[str, list[int | None]] = defaultdict(list)
    measured: datetime | None = None
    for name, days, at in (
        NextAvailable.objects.filter(where).values_list("service__name_en", "days", "measured_at").order_by()
    ):
        rows[name].append(days)
        measured = at if measured is None or at < measured else measured
    result = []
    for name in sorted(rows):
        known = [d for d in rows[name] if d is not None]
        result.append(
            NextAvailableRow(
                service=name,
                offices=len(rows[name]),
                median_days=statistics.median(known) if known else None,
                longest_days=max(known) if known else None,
                none_open=len(rows[name]) - len(known),
            )
        )
    return result, measured


def _requests(requests: QuerySet[DisclosureRequest], start: date, end: date) -> tuple[Cell, list[Cell]]:
    zone = timezone.get_default_timezone()
    counts: dict[str, int] = defaultdict(int)
    for status, n in (
        requests.filter(
            received_at__gte=datetime.combine(start, time.min, zone),
            received_at__lt=datetime.combine(end + timedelta(days=1), time.min, zone),
        )
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[OUTCOMES.get(RequestStatus(status), "pending")] += n
    limit = threshold()
    total = count_shown(sum(counts.values()), limit)
    total.key, total.label = "total", "All outside requests"
    return total, counts_table(dict(counts), OUTCOME_LABELS, limit, partition=True)
