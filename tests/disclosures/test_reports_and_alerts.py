"""The transparency report hides small counts; access alerts reach the region's privacy officer; the
accounting cannot be changed or deleted."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.test import Client
from django.utils import timezone

from frontdesk.accounts.actors import SystemActor
from frontdesk.core.crypto import pseudonym
from frontdesk.disclosures.alerts import access_alerts_compute
from frontdesk.disclosures.models import AccessAlert, AccountingEntry, DisclosureRequest
from frontdesk.disclosures.transparency import quarter_bounds, report_csv, report_html, transparency_report
from frontdesk.ledger.models import LedgerEvent
from frontdesk.ledger.services import event_append

from .conftest import release, sign, take_in

pytestmark = pytest.mark.django_db
LAST_QUARTER = (2026, 3)


def _make_requests(staff, count, *, agency_type, status, received):
    from frontdesk.disclosures.inputs import RequestDetails, SubjectDetails
    from frontdesk.disclosures.intake import request_receive

    for _ in range(count):
        request = request_receive(
            actor=staff["clerk"],
            details=RequestDetails(
                channel="mail",
                requester_agency="Agency",
                requester_official="Head",
                requester_contact="x@example.gov",
                requester_address="1 Main St",
                agency_type=agency_type,
                purpose="other",
                categories=("identity",),
            ),
            subjects=[SubjectDetails(last_name="Doe", date_of_birth=dt.date(1980, 1, 1))],
            now=received,
        )
        DisclosureRequest.objects.filter(pk=request.pk).update(status=status)


def test_the_quarterly_report_counts_and_hides_small_numbers(catalog, staff):
    start, _ = quarter_bounds(*LAST_QUARTER)
    inside = dt.datetime.combine(start + dt.timedelta(days=10), dt.time(12), dt.UTC)
    _make_requests(staff, 12, agency_type="law_enforcement", status="denied", received=inside)
    _make_requests(staff, 3, agency_type="court", status="rejected", received=inside)
    _make_requests(staff, 11, agency_type="congress", status="denied", received=inside)
    _make_requests(staff, 1, agency_type="court", status="denied", received=inside - dt.timedelta(days=200))
    report = transparency_report(year=LAST_QUARTER[0], quarter=LAST_QUARTER[1])
    data = report.as_dict()
    assert data["total"] == {"key": "total", "label": "All requests", "count": 26, "display": "26"}
    types = {c["key"]: c for c in data["by_agency_type"]}
    assert types["court"]["display"] == "fewer than 10" and types["court"]["count"] is None
    # With one hidden cell and a published total, the next smallest is hidden too.
    assert types["congress"]["display"] == "suppressed" and types["law_enforcement"]["count"] == 12
    outcomes = {c["key"]: c["display"] for c in data["by_outcome"]}
    assert outcomes == {"denied": "suppressed", "rejected": "fewer than 10"}
    assert all(
        c["count"] is None or c["count"] >= 10
        for t in ("by_agency_type", "by_authority", "by_outcome")
        for c in data[t]
    )
    csv_text = report_csv(report)
    assert csv_text.splitlines()[0] == "year,quarter,table,key,label,count"
    assert "fewer than 10" in csv_text and ",3\n" not in csv_text
    html = report_html(report)
    assert "<table" in html and "fewer than 10" in html and "Who asked us" in html
    assert "<table" in report_html(report, standalone=False)


def test_the_report_is_public_in_three_formats_and_only_for_finished_quarters(catalog):
    public = Client()
    as_json = public.get("/api/v1/disclosures/transparency", {"year": 2026, "quarter": 3})
    assert as_json.status_code == 200 and as_json.json()["total"]["display"] == "fewer than 10"
    as_csv = public.get("/api/v1/disclosures/transparency.csv", {"year": 2026, "quarter": 3})
    assert as_csv["Content-Type"].startswith("text/csv")
    as_html = public.get("/api/v1/disclosures/transparency.html", {"year": 2026, "quarter": 3})
    assert as_html["Content-Type"].startswith("text/html") and b"<table" in as_html.content
    this_quarter = (timezone.localdate().month - 1) // 3 + 1
    unfinished = public.get(
        "/api/v1/disclosures/transparency", {"year": timezone.localdate().year, "quarter": this_quarter}
    )
    assert unfinished.status_code == 422 and unfinished.json()["code"] == "quarter_not_finished"


def _view(actor, people, *, kind="person", refs=None):
    with transaction.atomic():
        event_append(
            type=f"records.{kind}.viewed",
            actor=actor,
            purpose="caller_request",
            subjects=sorted(pseudonym("person", p) for p in people),
            refs=refs or {"query": "name_dob", "results": len(people)},
        )


def test_many_people_viewed_without_check_ins_raise_an_alert_for_the_region(catalog, staff, clients, settings):
    settings.FRONTDESK_ALERT_VIEW_THRESHOLD = 5
    browsing = [f"00000000-0000-0000-0000-{i:012d}" for i in range(7)]
    for chunk in (browsing[:3], browsing[3:]):
        _view(staff["clerk"], chunk)
    _view(staff["clerk2"], browsing[:2])  # a few views: no alert
    # A check-in for one of them makes that view expected.
    with transaction.atomic():
        event_append(
            type="scheduling.appointment.checked_in",
            actor=staff["clerk"],
            purpose="check_in",
            subjects=[pseudonym("person", browsing[0])],
            refs={"appointment": "x"},
        )
    _view(staff["clerk2"], [browsing[0]], kind="person", refs={"query": "citizenship_status", "results": 1})
    now = timezone.now()
    window = (now - dt.timedelta(hours=1), now + dt.timedelta(hours=1))
    alerts = access_alerts_compute(actor=SystemActor("tests"), window_start=window[0], window_end=window[1])
    kinds = sorted((a.kind, a.actor, a.count) for a in alerts)
    assert kinds == [("citizenship_search", "staff:clerk2", 1), ("views_without_check_in", "staff:clerk", 6)]
    assert all(a.region == 2 for a in alerts)
    # Idempotent per window; announced on the ledger once.
    access_alerts_compute(actor=SystemActor("tests"), window_start=window[0], window_end=window[1])
    assert AccessAlert.objects.count() == 2
    assert LedgerEvent.objects.filter(type="disclosures.access_alert.raised").count() == 2

    listed = clients["rpo"].get("/api/v1/disclosures/alerts")
    assert listed.status_code == 200 and len(listed.json()) == 2
    assert "Rivera" not in listed.content.decode()
    assert clients["other_rpo"].get("/api/v1/disclosures/alerts").json() == []
    for name in ("clerk", "manager", "counsel", "auditor"):
        assert clients[name].get("/api/v1/disclosures/alerts").status_code == 403


def test_the_access_alerts_command_runs(catalog, capsys):
    call_command("access_alerts")
    call_command("access_alerts", "--date", "2026-11-01")
    assert "alert(s)" in capsys.readouterr().out


def test_the_accounting_cannot_be_changed_or_deleted(catalog, clients, appointment):
    received = take_in(clients["clerk"])
    for name, role in (
        ("manager", "office_manager"),
        ("rpo", "regional_privacy_officer"),
        ("counsel", "general_counsel"),
    ):
        assert sign(clients[name], received["id"], role).status_code == 201
    assert release(clients["rpo"], received["id"]).status_code == 201
    entry = AccountingEntry.objects.get()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccountingEntry.objects.filter(pk=entry.pk).update(subject_may_see=True)
    with pytest.raises(DatabaseError), transaction.atomic():
        AccountingEntry.objects.filter(pk=entry.pk).delete()
    assert AccountingEntry.objects.get().subject_may_see is False
