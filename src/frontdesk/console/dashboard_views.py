"""The managers' dashboards (one office, one region): charts drawn on the server, a table beside each,
and the same numbers as CSV. The answer is `stats.selectors.dashboard_get`'s; this module only shows it."""

import csv
import io
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from frontdesk.core.errors import DomainError
from frontdesk.stats.buckets import bucket_short
from frontdesk.stats.policies import dashboard_reach
from frontdesk.stats.selectors import MAX_DAYS, Dashboard, dashboard_get
from frontdesk.web.fields import UswdsForm

from .charts import Chart, stacked_bars
from .office_views import staff_office


class DashboardForm(UswdsForm):
    office = forms.RegexField(label="Office code", regex=r"^[A-Za-z0-9]{1,8}$", required=False)
    region = forms.IntegerField(label="Region", min_value=1, max_value=99, required=False)
    start = forms.DateField(label="First day", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="Last day", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("office") and data.get("region") is not None:
            raise forms.ValidationError("Choose an office or a region, not both.")
        return data


def _charts(board: Dashboard) -> list[Chart]:
    every = max(1, len(board.days) // 7)
    categories = [d.day.strftime("%b %-d") for d in board.days]
    return [
        stacked_bars(
            id="chart-visits",
            title="Appointments and walk-ins per day",
            categories=categories,
            series=[("Appointments", [d.booked for d in board.days]), ("Walk-ins", [d.walk_ins for d in board.days])],
            every=every,
        ),
        stacked_bars(
            id="chart-no-shows",
            title="No-shows per day",
            categories=categories,
            series=[("No-shows", [d.no_shows for d in board.days])],
            every=every,
        ),
        stacked_bars(
            id="chart-waits",
            title="People by time waited in the office",
            categories=[
                f"{bucket_short(i)} min" if i == 0 else bucket_short(i) for i in range(len(board.wait_histogram))
            ],
            series=[("People", [n for _, n in board.wait_histogram])],
        ),
    ]


def _board(request: HttpRequest) -> tuple[DashboardForm, Dashboard | None, int]:
    """The form and the dashboard it asks for; without a choice, the one the person's role reaches."""
    data = request.GET.copy()
    if not data.get("office") and not data.get("region"):
        reach = dashboard_reach(request.user)
        if reach.region is not None:
            data["region"] = str(reach.region)
        elif reach.office_id is not None and (office := staff_office(request)) is not None:
            # The reach names an office only for a manager of it: the office on their own staff profile.
            data["office"] = office.code
    form = DashboardForm(data)
    if not form.is_valid():
        return form, None, 400
    try:
        board = dashboard_get(
            actor=request.user,
            office_code=(form.cleaned_data.get("office") or "").upper(),
            region=form.cleaned_data.get("region"),
            start=form.cleaned_data.get("start"),
            end=form.cleaned_data.get("end"),
            today=timezone.localdate(),
        )
    except DomainError as error:
        if error.status in (403, 404):
            raise
        form.add_domain_error(error)
        return form, None, 400
    return form, board, 200


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    form, board, status = _board(request)
    context = {"form": form, "board": board, "charts": _charts(board) if board else [], "max_days": MAX_DAYS}
    return render(request, "console/dashboard.html", context, status=status)


@require_GET
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    form, board, _ = _board(request)
    if board is None:
        return _bad_csv(form)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "key", "label", "value"])
    for day in board.days:
        for name in ("booked", "walk_ins", "no_shows", "cancelled", "checked_in"):
            writer.writerow(["per_day", day.day.isoformat(), name, getattr(day, name)])
    for wait in board.waits:
        writer.writerow(["wait_minutes", wait.label, "people", wait.people])
        writer.writerow(["wait_minutes", wait.label, "p50_at_most", "" if wait.p50 is None else wait.p50])
        writer.writerow(["wait_minutes", wait.label, "p90_at_most", "" if wait.p90 is None else wait.p90])
    for label, n in board.wait_histogram:
        writer.writerow(["wait_histogram", label, "people", n])
    for row in board.next_available:
        writer.writerow(
            ["next_available_days", row.service, "median", "" if row.median_days is None else row.median_days]
        )
        writer.writerow(
            ["next_available_days", row.service, "longest", "" if row.longest_days is None else row.longest_days]
        )
    for use in board.utilisation:
        writer.writerow(["utilisation_percent", use.label, "percent", "" if use.percent is None else use.percent])
    writer.writerow(["outside_requests", "total", board.requests_total.label, board.requests_total.display])
    for cell in board.requests_by_outcome:
        writer.writerow(["outside_requests", cell.key, cell.label, cell.display])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"dashboard-{board.scope}-{board.key}-{board.start.isoformat()}-{board.end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _bad_csv(form: DashboardForm) -> HttpResponse:
    problems = "; ".join(str(e) for errors in form.errors.values() for e in errors)
    return HttpResponse(f"Bad request: {problems}\n", status=400, content_type="text/plain; charset=utf-8")
