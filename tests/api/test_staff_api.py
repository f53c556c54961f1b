"""Staff see their own office's day, state a purpose for every read of a person, and leave a trace."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from frontdesk.accounts.roles import Role
from frontdesk.core.crypto import pseudonym
from frontdesk.floor import services as floor_services
from frontdesk.floor.models import Ticket
from frontdesk.ledger.models import LedgerEvent
from frontdesk.offices.calendar import local_today
from frontdesk.scheduling.models import Appointment, Service
from tests.factories import OfficeFactory, staff_user

from .conftest import booking, first_slot

pytestmark = pytest.mark.django_db


def login(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def booked(api, office):
    # A week ahead, so that check-in (open from two hours before) is shut whatever the time of day.
    slot = first_slot(api, start=(local_today(office) + timedelta(days=7)).isoformat())
    response = api.post(
        "/api/v1/appointments",
        booking(slot, person=booking(slot)["person"] | {"ssn": "123-45-6789"}),
        content_type="application/json",
    )
    assert response.status_code == 201
    return Appointment.objects.get(code=response.json()["code"])


def schedule(client, day, purpose="run_schedule"):
    return client.get("/api/v1/staff/offices/A01/schedule", {"date": day.isoformat(), "purpose": purpose})


def test_a_read_without_a_purpose_is_refused_and_with_one_is_recorded(clerk_api, clerk, booked):
    day = booked.starts_at.astimezone(booked.office.zone).date()
    refused = clerk_api.get("/api/v1/staff/offices/A01/schedule", {"date": day.isoformat()})
    assert refused.status_code == 422 and refused.json()["code"] == "purpose_required"
    assert not LedgerEvent.objects.filter(type="records.schedule.viewed").exists()
    response = schedule(clerk_api, day)
    assert response.status_code == 200
    [row] = response.json()
    assert row["person"]["last_name"] == "Rivera" and row["person"]["ssn_last4"] == "6789"
    event = LedgerEvent.objects.get(type="records.schedule.viewed")
    assert event.event["purpose"] == "run_schedule"
    assert event.event["actor"] == "staff:clerk" and event.event["role"] == "counter_clerk"
    assert event.event["subjects"] == [pseudonym("person", str(booked.person.public_id))]


def test_other_offices_and_roles_without_scope_see_nothing(booked):
    day = booked.starts_at.astimezone(booked.office.zone).date()
    outsider = staff_user("outsider", Role.COUNTER_CLERK, OfficeFactory(code="Z99"))
    admin = staff_user("admin", Role.ADMINISTRATOR)
    auditor = staff_user("auditor", Role.AUDITOR)
    # A regional privacy officer reaches a person's records through a disclosure request, not the day.
    regional = staff_user("rpo", Role.REGIONAL_PRIVACY_OFFICER, region=booked.office.region)
    for user in (outsider, admin, auditor, regional):
        assert schedule(login(user), day).status_code == 403
        response = login(user).get(f"/api/v1/staff/appointments/{booked.code}", {"purpose": "check_in"})
        assert response.status_code == 404
    assert not LedgerEvent.objects.filter(type="records.schedule.viewed", event__actor="staff:outsider").exists()


def test_check_in_through_the_api(clerk_api, booked):
    response = clerk_api.post(f"/api/v1/staff/appointments/{booked.code}/check-in", {}, content_type="application/json")
    # The slot is at least an hour away, so check-in is not open yet: a clear 409, nothing changed.
    assert response.status_code == 409 and response.json()["code"] == "not_check_in_time"
    booked.refresh_from_db()
    assert booked.status == "booked"
    assert (
        clerk_api.post(
            f"/api/v1/staff/appointments/{booked.code}/teleport", content_type="application/json"
        ).status_code
        == 404
    )


def test_person_search_needs_purpose_and_sees_only_the_office(clerk_api, booked):
    refused = clerk_api.post(
        "/api/v1/staff/persons/search", {"purpose": "", "ssn": "123-45-6789"}, content_type="application/json"
    )
    assert refused.status_code == 422
    found = clerk_api.post(
        "/api/v1/staff/persons/search",
        {"purpose": "caller_request", "ssn": "123456789"},
        content_type="application/json",
    )
    assert [p["last_name"] for p in found.json()] == ["Rivera"]
    outsider = login(staff_user("outsider", Role.COUNTER_CLERK, OfficeFactory(code="Z98")))
    none = outsider.post(
        "/api/v1/staff/persons/search",
        {"purpose": "caller_request", "ssn": "123456789"},
        content_type="application/json",
    )
    assert none.status_code == 200 and none.json() == []
    assert LedgerEvent.objects.filter(type="records.person.viewed").count() == 2


def walk_in(client, **body):
    return client.post(
        "/api/v1/staff/offices/A01/walk-ins",
        {"service": "direct_deposit_change", **body},
        content_type="application/json",
    )


def set_status(client, ticket_id, status, window="1"):
    return client.post(
        f"/api/v1/staff/walk-ins/{ticket_id}/status",
        {"status": status, "window": window},
        content_type="application/json",
    )


def test_a_walk_in_from_the_api_joins_the_merged_queue_and_a_window_calls_it(clerk_api, clerk, office):
    kiosk = floor_services.ticket_issue_walk_in(
        office=office, service=Service.objects.get(code="direct_deposit_change")
    )
    added = walk_in(clerk_api, accessible=True)
    assert added.status_code == 201
    body = added.json()
    assert (body["ticket"], body["kind"], body["status"], body["accessible"], body["window"]) == (
        "W002",
        "walk_in",
        "waiting",
        True,
        None,
    )
    ticket = Ticket.objects.get(public_id=body["id"])
    assert ticket.at_counter and ticket.issued_by == clerk and ticket.person is None
    queue = clerk_api.get("/api/v1/staff/offices/A01/queue").json()
    assert [w["ticket"] for w in queue] == [kiosk.label, "W002"]  # one queue: the kiosk's and the clerk's
    floor_services.window_save(actor=clerk, office=office, name="1", service_codes=[], languages=[], accessible=True)
    called = set_status(clerk_api, str(kiosk.public_id), "called")
    assert called.status_code == 200 and (called.json()["status"], called.json()["window"]) == ("called", "1")
    served = set_status(clerk_api, str(kiosk.public_id), "served")
    assert served.json()["status"] == "served"
    assert set_status(clerk_api, body["id"], "called").json()["window"] == "1"
    # the ledger has counts and times, never who
    issued = LedgerEvent.objects.filter(type="floor.ticket.issued").last()
    assert set(issued.event["refs"]) == {"office", "kind", "waiting"} and issued.event["subjects"] == []


def test_calling_a_ticket_that_is_not_next_is_refused_and_changes_nothing(clerk_api, clerk, office):
    first = walk_in(clerk_api).json()
    second = walk_in(clerk_api).json()
    no_window = set_status(clerk_api, second["id"], "called")
    assert no_window.status_code == 422 and no_window.json()["field"] == "window"
    floor_services.window_save(actor=clerk, office=office, name="1", service_codes=[], languages=[], accessible=False)
    refused = set_status(clerk_api, second["id"], "called")
    assert refused.status_code == 409 and refused.json()["code"] == "not_next"
    assert "W002 is not next at window 1: W001 is" in refused.json()["message"]
    assert set(Ticket.objects.values_list("outcome", flat=True)) == {"waiting"}
    assert set_status(clerk_api, first["id"], "called").status_code == 200
    busy = set_status(clerk_api, second["id"], "called")
    assert busy.status_code == 409 and busy.json()["code"] == "window_busy"
    not_here = set_status(clerk_api, second["id"], "served")
    assert not_here.status_code == 409 and not_here.json()["code"] == "not_at_window"


def test_a_walk_in_who_went_away_is_marked_gone_without_a_window(clerk_api, clerk, office):
    first = walk_in(clerk_api).json()
    second = walk_in(clerk_api).json()
    gone = clerk_api.post(
        f"/api/v1/staff/walk-ins/{first['id']}/status", {"status": "left"}, content_type="application/json"
    )
    assert gone.status_code == 200 and gone.json()["status"] == "no_show"
    assert [t["ticket"] for t in clerk_api.get("/api/v1/staff/offices/A01/queue").json()] == [second["ticket"]]
    again = clerk_api.post(
        f"/api/v1/staff/walk-ins/{first['id']}/status", {"status": "left"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["code"] == "not_waiting"
    no_window = clerk_api.post(
        f"/api/v1/staff/walk-ins/{second['id']}/status", {"status": "called"}, content_type="application/json"
    )
    assert no_window.status_code == 422 and no_window.json()["field"] == "window"
    assert LedgerEvent.objects.filter(type="floor.ticket.left").count() == 1


def test_a_walk_in_can_be_recorded_as_a_persons_and_an_unknown_person_writes_nothing(clerk_api, booked):
    person = booked.person
    added = walk_in(clerk_api, person=str(person.public_id))
    assert added.status_code == 201 and added.json()["person"] == str(person.public_id)
    assert Ticket.objects.get(public_id=added.json()["id"]).person == person
    before = (Ticket.objects.count(), LedgerEvent.objects.count())
    unknown = walk_in(clerk_api, person="00000000-0000-4000-8000-000000000000")
    assert unknown.status_code == 422 and unknown.json()["field"] == "person"
    assert (Ticket.objects.count(), LedgerEvent.objects.count()) == before


def test_staff_booking(clerk_api, office):
    slot = first_slot(clerk_api)
    created = clerk_api.post("/api/v1/staff/appointments", booking(slot), content_type="application/json")
    assert created.status_code == 201
    assert Appointment.objects.get(code=created.json()["code"]).booked_by.username == "clerk"


def test_only_the_manager_closes_the_office(clerk_api, office):
    body = {"date": (datetime.now(UTC).date() + timedelta(days=365)).isoformat(), "reason": "Training"}
    assert (
        clerk_api.post("/api/v1/staff/offices/A01/closures", body, content_type="application/json").status_code == 403
    )
    manager = login(staff_user("manager", Role.OFFICE_MANAGER, office))
    response = manager.post("/api/v1/staff/offices/A01/closures", body, content_type="application/json")
    assert response.status_code == 201
    assert LedgerEvent.objects.filter(type="offices.closure.saved").count() == 1
