"""The quarterly transparency report: how many disclosure requests came in, from which kinds of agency,
under which authority, and what became of them. HTML, CSV and JSON.

Small counts identify people, so any count under 10 (FRONTDESK_TRANSPARENCY_THRESHOLD) is shown as
"fewer than 10". Within a table whose cells add up to the published total, a single hidden cell could be
worked out by subtraction, so the next smallest cell is hidden too (complementary suppression). Only a
finished quarter is reported: a live count that moves from 11 to 12 would announce a new request.

Tables: by recipient agency type and by outcome each count every request once; by authority counts a
request under each authority its decision relied on (or "none"), so that table may add up to more than
the total. No cross-tabulation is published: crossing three small tables re-identifies cells.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from frontdesk.core.errors import ValidationFailed

from .models import DisclosureRequest, RequestStatus
from .vocabulary import AgencyType

DEFAULT_THRESHOLD = 10
OUTCOMES = {
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

    def as_dict(self) -> dict:
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

    def as_dict(self) -> dict:
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


def _display(count: int, limit: int) -> Cell:
    return Cell("", "", count, str(count)) if count >= limit else Cell("", "", None, f"fewer than {limit}")


def _table(counts: dict[str, int], labels: dict[str, str], limit: int, *, partition: bool) -> list[Cell]:
    cells = []
    for key in sorted(counts, key=lambda k: (-counts[k], k)):
        shown = _display(counts[key], limit)
        cells.append(Cell(key, labels.get(key, key), shown.count, shown.display))
    if partition:
        hidden = [c for c in cells if c.count is None]
        visible = [c for c in cells if c.count is not None]
        if len(hidden) == 1 and visible:
            smallest = min(visible, key=lambda c: (c.count, c.key))
            smallest.count, smallest.display = None, "suppressed"
    return cells


def _authorities(request: DisclosureRequest, released: dict[int, list[str]]) -> list[str]:
    if request.pk in released:
        return released[request.pk] or ["none"]
    codes = {a for c in (request.decision or {}).get("categories", []) for a in c.get("authorities", [])}
    return sorted(codes) or ["none"]


def transparency_report(*, year: int, quarter: int, now: dt.datetime | None = None) -> Report:
    now = now or timezone.now()
    start, end = quarter_bounds(year, quarter)
    if end > timezone.localdate(now):
        raise ValidationFailed("Only a finished quarter is reported.", code="quarter_not_finished", field="quarter")
    limit = threshold()
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
    by_type: dict[str, int] = {}
    by_outcome: dict[str, int] = {}
    by_authority: dict[str, int] = {}
    for request in requests:
        by_type[request.agency_type] = by_type.get(request.agency_type, 0) + 1
        outcome = OUTCOMES.get(request.status, "pending")
        by_outcome[outcome] = by_outcome.get(outcome, 0) + 1
        for code in _authorities(request, released):
            by_authority[code] = by_authority.get(code, 0) + 1
    total = _display(len(requests), limit)
    total.key, total.label = "total", "All requests"
    type_labels = dict(AgencyType.choices)
    return Report(
        year=year,
        quarter=quarter,
        period_start=start,
        period_end=end - dt.timedelta(days=1),
        generated_at=now,
        threshold=limit,
        total=total,
        tables={
            "by_agency_type": _table(by_type, type_labels, limit, partition=True),
            "by_authority": _table(by_authority, {"none": "No authority applied"}, limit, partition=False),
            "by_outcome": _table(by_outcome, OUTCOME_LABELS, limit, partition=True),
        },
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
