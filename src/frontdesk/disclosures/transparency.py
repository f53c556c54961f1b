"""The quarterly transparency report: how many disclosure requests came in, from which kinds of agency,
under which authority, and what became of them. HTML, CSV and JSON.

Small counts identify people, so any count under 10 (FRONTDESK_TRANSPARENCY_THRESHOLD) is shown as
"fewer than 10". Within a table whose cells add up to the published total, the hidden cells can be
worked out together by subtraction, so more cells are hidden until at least two are and together they
hold at least 10 (complementary suppression). Only a finished quarter is reported: a live count that
moves from 11 to 12 would announce a new request.

Tables: by recipient agency type and by outcome each count every request once; by authority counts a
request under each authority its decision relied on (or "none"), so that table may add up to more than
the total. No cross-tabulation is published: crossing three small tables re-identifies cells.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from frontdesk.core.errors import ValidationFailed
from frontdesk.core.replicas import replica_reads

from .models import DisclosureRequest, RequestStatus
from .vocabulary import AgencyType

DEFAULT_THRESHOLD = 10
OUTCOMES: dict[str, str] = {
    RequestStatus.RELEASED: "released",
    RequestStatus.REJECTED: "rejected",
    RequestStatus.DENIED: "denied",
    # Closed as informal or for want of evidence: no authority was ever shown.
    RequestStatus.REFUSED: "denied",
}
OUTCOME_LABELS = {
    "released": "Released (in part or in full)",
    "rejected": "Rejected by an official",
    "denied": "Denied (no authority, or forbidden)",
    "pending": "Still open at the end of the quarter",
}


def threshold() -> int:
    return int(getattr(settings, "FRONTDESK_TRANSPARENCY_THRESHOLD", DEFAULT_THRESHOLD))


@dataclass
class Cell:
    key: str
    label: str
    count: int | None  # None: suppressed
    display: str

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "count": self.count, "display": self.display}


@dataclass
class Report:
    year: int
    quarter: int
    period_start: dt.date
    period_end: dt.date  # inclusive
    generated_at: dt.datetime
    threshold: int
    total: Cell
    tables: dict[str, list[Cell]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "quarter": self.quarter,
            "period_start": self.period_start.isoformat(),
            "period_end": self.period_end.isoformat(),
            "generated_at": self.generated_at.isoformat(),
            "threshold": self.threshold,
            "total": self.total.as_dict(),
            "by_agency_type": [c.as_dict() for c in self.tables["by_agency_type"]],
            "by_authority": [c.as_dict() for c in self.tables["by_authority"]],
            "by_outcome": [c.as_dict() for c in self.tables["by_outcome"]],
        }


def quarter_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    """First day and the day after the last day of a calendar quarter."""
    if not 1 <= quarter <= 4 or not 2000 <= year <= 2100:
        raise ValidationFailed("Give a year between 2000 and 2100 and a quarter from 1 to 4.", field="quarter")
    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    end = dt.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
    return start, end


def count_shown(count: int, limit: int) -> Cell:
    """One count as published: itself, or "fewer than 10" (the managers' dashboards use this rule too)."""
    return Cell("", "", count, str(count)) if count >= limit else Cell("", "", None, f"fewer than {limit}")


def counts_table(counts: dict[str, int], labels: dict[str, str], limit: int, *, partition: bool) -> list[Cell]:
    """A table of counts as published: small cells hidden and, in a table that adds up to its total
    (`partition`), enough others hidden that subtraction reveals nothing small. Used by the dashboards too."""
    cells = []
    for key in sorted(counts, key=lambda k: (-counts[k], k)):
        shown = count_shown(counts[key], limit)
        cells.append(Cell(key, labels.get(key, key), shown.count, shown.display))
    if partition:
        _suppress_complement(cells, counts, limit)
    return cells


def _suppress_complement(cells: list[Cell], counts: dict[str, int], limit: int) -> None:
    """Hide more cells until the published total minus the shown cells says nothing small.

    In a table that adds up to the total, the hidden cells together are worked out by subtraction: one
    hidden cell is thereby published, and two hidden cells of 3 and 4 publish "7 between them". So the
    smallest shown cells are hidden, one at a time, until at least two are hidden and together they hold
    at least `limit` requests (or nothing is shown).
    """
    hidden = [c for c in cells if c.count is None]
    if not hidden:
        return
    visible = sorted((c for c in cells if c.count is not None), key=lambda c: (c.count, c.key))
    while visible and (len(hidden) < 2 or sum(counts[c.key] for c in hidden) < limit):
        smallest = visible.pop(0)
        smallest.count, smallest.display = None, "suppressed"
        hidden.append(smallest)


def _authorities(request: DisclosureRequest, released: dict[int, list[str]]) -> list[str]:
    if request.pk in released:
        return released[request.pk] or ["none"]
    codes = {a for c in (request.decision or {}).get("categories", []) for a in c.get("authorities", [])}
    return sorted(codes) or ["none"]


@dataclass(frozen=True)
class Counted:
    """What the report needs of one request: its recipient's agency type, its outcome, its authorities."""

    agency_type: str
    outcome: str
    authorities: tuple[str, ...]


def quarter_closed(year: int, quarter: int, *, now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """The quarter's bounds, when it has ended; a quarter still running (or ahead) is refused."""
    start, end = quarter_bounds(year, quarter)
    today = timezone.localdate(now or timezone.now())
    if end > today:
        last = end - dt.timedelta(days=1)
        raise ValidationFailed(
            f"{year}Q{quarter} has not ended (its last day is {last.isoformat()}); only a finished quarter is "
            "reported.",
            code="quarter_not_finished",
            field="quarter",
        )
    return start, end


def requests_counted(start: dt.date, end: dt.date) -> list[Counted]:
    """The requests received in [start, end) (local dates), reduced to what the report counts."""
    zone = timezone.get_default_timezone()
    requests = list(
        DisclosureRequest.objects.filter(
            received_at__gte=dt.datetime.combine(start, dt.time.min, zone),
            received_at__lt=dt.datetime.combine(end, dt.time.min, zone),
        ).select_related("release")
    )
    released = {
        r.pk: list(r.release.authorities)
        for r in requests
        if r.status == RequestStatus.RELEASED and hasattr(r, "release")
    }
    return [
        Counted(r.agency_type, OUTCOMES.get(r.status, "pending"), tuple(_authorities(r, released))) for r in requests
    ]


def tables_of(counted: list[Counted], limit: int) -> tuple[Cell, dict[str, list[Cell]]]:
    """The published total and tables for these requests, small counts hidden (no database)."""
    by_type: dict[str, int] = {}
    by_outcome: dict[str, int] = {}
    by_authority: dict[str, int] = {}
    for request in counted:
        by_type[request.agency_type] = by_type.get(request.agency_type, 0) + 1
        by_outcome[request.outcome] = by_outcome.get(request.outcome, 0) + 1
        for code in request.authorities:
            by_authority[code] = by_authority.get(code, 0) + 1
    total = count_shown(len(counted), limit)
    total.key, total.label = "total", "All requests"
    return total, {
        "by_agency_type": counts_table(by_type, dict(AgencyType.choices), limit, partition=True),
        "by_authority": counts_table(by_authority, {"none": "No authority applied"}, limit, partition=False),
        "by_outcome": counts_table(by_outcome, OUTCOME_LABELS, limit, partition=True),
    }


def transparency_report(*, year: int, quarter: int, now: dt.datetime | None = None) -> Report:
    now = now or timezone.now()
    start, end = quarter_closed(year, quarter, now=now)
    limit = threshold()
    with replica_reads():  # a closed quarter: a standby a second behind gives the same counts
        total, tables = tables_of(requests_counted(start, end), limit)
    return Report(
        year=year,
        quarter=quarter,
        period_start=start,
        period_end=end - dt.timedelta(days=1),
        generated_at=now,
        threshold=limit,
        total=total,
        tables=tables,
    )


def report_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["year", "quarter", "table", "key", "label", "count"])
    writer.writerow([report.year, report.quarter, "total", "total", report.total.label, report.total.display])
    for name, cells in report.tables.items():
        for cell in cells:
            writer.writerow([report.year, report.quarter, name, cell.key, cell.label, cell.display])
    return out.getvalue()


TABLE_TITLES = {
    "by_agency_type": "Requests by kind of recipient agency",
    "by_authority": "Requests by authority relied on",
    "by_outcome": "Requests by outcome",
}


def report_html(report: Report, *, standalone: bool = True) -> str:
    """The report as HTML: a whole page, or (standalone=False) the tables to place in a site page."""
    context = {"report": report, "tables": [(TABLE_TITLES[k], v) for k, v in report.tables.items()]}
    template = "disclosures/transparency_report.html" if standalone else "disclosures/transparency_tables.html"
    return render_to_string(template, context)
