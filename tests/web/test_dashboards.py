"""The managers' dashboards in the console: who may open which, small outside-request counts hidden,
the CSV, bad input, and that the page shows the counters the services kept."""

import csv
import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone

from frontdesk.accounts.roles import Role
from frontdesk.disclosures.models import DisclosureRequest
from frontdesk.ledger.models import LedgerEvent
from tests.factories import OfficeFactory, staff_user
from tests.stats.helpers import busy_day
from tests.web.auth import verified_login

pytestmark = pytest.mark.django_db
START, END = "2027-03-10", "2027-03-20"


def period(**params) -> dict:
    return {"start": START, "end": END} | params


@pytest.fixture
def officer_web(office):
    return verified_login(Client(), staff_user("rpo", Role.REGIONAL_PRIVACY_OFFICER, region=office.region))


def _requests(office, clerk, count, status, when):
    for n in range(count):
        DisclosureRequest.objects.create(
            office=office,
            region=office.region,
            intake_by=clerk,
            received_at=when,
            updated_at=when,
            channel="mail",
            requester_agency=f"Agency {n}",
            requester_official="Head",
            requester_contact="x@example.gov",
            requester_address="1 Main St",
            agency_type="law_enforcement",
            purpose="other",
            categories=["identity"],
            status=status,
        )


def test_the_manager_sees_their_office_with_a_table_beside_each_chart(manager_web, office, clerk):
    busy_day(office, clerk)
    page = manager_web.get("/console/dashboard/", period())
    assert page.status_code == 200
    html = page.content.decode()
    assert f"Dashboard: {office.name} ({office.code})" in html
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    # Drawn on the server, passing the CSP: no script, no style element or attribute.
    assert main.count("<svg viewBox") == 3
    assert "<script" not in main and "<style" not in main and " style=" not in main
    assert 'role="img"' in html and "<caption>Per day</caption>" in html
    # The counters: 15 March has two appointments kept, one walk-in served after 7 minutes.
    assert '<th scope="row">Mon Mar 15</th><td>2</td><td>2</td><td>1</td>' in html
    assert "Appointments: <strong>3</strong>" in html  # the one moved to the 16th counts there


def test_the_manager_cannot_open_another_office_or_a_region_and_the_refusal_is_recorded(manager_web, office):
    other = OfficeFactory(region=office.region)
    assert manager_web.get("/console/dashboard/", period(office=other.code)).status_code == 403
    assert manager_web.get("/console/dashboard/", period(region=office.region)).status_code == 403
    assert LedgerEvent.objects.filter(type="stats.dashboard.refused").count() == 2


def test_clerks_and_auditors_are_turned_away(clerk_web, auditor_web):
    assert clerk_web.get("/console/dashboard/").status_code == 403
    assert auditor_web.get("/console/dashboard/csv/").status_code == 403


def test_the_regional_officer_sees_the_region_and_its_offices_not_another_region(officer_web, office):
    elsewhere = OfficeFactory(region=office.region + 1)
    page = officer_web.get("/console/dashboard/", period())
    assert page.status_code == 200 and f"Region {office.region}" in page.content.decode()
    assert officer_web.get("/console/dashboard/", period(office=office.code)).status_code == 200
    assert officer_web.get("/console/dashboard/", period(office=elsewhere.code)).status_code == 403
    assert officer_web.get("/console/dashboard/", period(region=office.region + 1)).status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2027-01-01", "end": "2027-06-01"},  # too long
        {"start": "2027-03-20", "end": "2027-03-10"},  # backwards
        {"start": "yesterday"},
        {"region": "0"},
        {"office": "A01'; DROP"},
        {"office": "A01", "region": "2"},
    ],
)
def test_bad_input_is_a_400_that_says_why(manager_web, params):
    page = manager_web.get("/console/dashboard/", params)
    assert page.status_code == 400 and "There is a problem to fix" in page.content.decode()
    assert manager_web.get("/console/dashboard/csv/", params).status_code == 400


def test_an_unknown_office_is_a_404(officer_web):
    assert officer_web.get("/console/dashboard/", period(office="ZZ99")).status_code == 404


def test_small_outside_request_counts_are_hidden_as_in_the_transparency_report(officer_web, office, clerk):
    when = timezone.make_aware(dt.datetime(2027, 3, 12, 12))
    _requests(office, clerk, 12, "denied", when)
    _requests(office, clerk, 3, "rejected", when)
    page = officer_web.get("/console/dashboard/", period()).content.decode()
    assert "Disclosure requests received in the period: <strong>15</strong>" in page
    # 3 rejected is under 10, and the total would give it away by subtraction: both outcomes hidden.
    assert "fewer than 10" in page and "suppressed" in page
    assert "<td>12</td>" not in page and "<td>3</td>" not in page


def test_the_csv_has_the_same_numbers_and_hides_the_same_cells(manager_web, office, clerk):
    busy_day(office, clerk)
    when = timezone.make_aware(dt.datetime(2027, 3, 12, 12))
    _requests(office, clerk, 2, "released", when)
    response = manager_web.get("/console/dashboard/csv/", period())
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert f"dashboard-office-{office.code}-{START}-{END}.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["table", "key", "label", "value"]
    values = {(r[0], r[1], r[2]): r[3] for r in rows[1:]}
    assert values[("per_day", "2027-03-15", "booked")] == "2"
    assert values[("per_day", "2027-03-15", "walk_ins")] == "2"
    assert values[("per_day", "2027-03-16", "booked")] == "1"
    assert values[("outside_requests", "total", "All outside requests")] == "fewer than 10"
    assert "2" not in {v for (t, _, _), v in values.items() if t == "outside_requests"}


def test_utilisation_is_booked_time_against_rostered_time(manager_web, office, clerk):
    busy_day(office, clerk)
    # The office fixture has two agents and one interpreter, 9:00 to 16:00 on weekdays.
    page = manager_web.get("/console/dashboard/", {"start": "2027-03-15", "end": "2027-03-15"}).content.decode()
    # Two agents x 7 hours = 14 rostered hours; 30 minutes booked (two 15-minute appointments): 4%.
    assert '<th scope="row">Staff</th><td>0.5</td><td>14.0</td><td>4%</td>' in page
