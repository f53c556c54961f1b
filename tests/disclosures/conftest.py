"""Offices, the officials who take in, sign and release requests, and people with appointments."""

import base64
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from frontdesk.accounts.actors import SystemActor
from frontdesk.accounts.roles import Role
from frontdesk.disclosures.catalog import catalog_load
from frontdesk.scheduling import services as scheduling
from frontdesk.scheduling.models import Service
from tests.factories import OfficeFactory, person, staff_resource, staff_user

NY = ZoneInfo("America/New_York")
BOOKED_AT = datetime(2027, 3, 1, tzinfo=UTC)
PDF = b"%PDF-1.4\n% a signed letter\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def catalog(db):
    return catalog_load(actor=SystemActor("tests"))


@pytest.fixture
def office(db):
    office = OfficeFactory(code="A01", region=2)
    staff_resource(office, name="Agent One")
    staff_resource(office, name="Agent Two")
    return office


@pytest.fixture
def staff(office):
    """One official per role; 'manager2' manages the same office (a second person for the same role)."""
    return {
        "clerk": staff_user("clerk", Role.COUNTER_CLERK, office),
        "clerk2": staff_user("clerk2", Role.COUNTER_CLERK, office),
        "manager": staff_user("manager", Role.OFFICE_MANAGER, office),
        "manager2": staff_user("manager2", Role.OFFICE_MANAGER, office),
        "rpo": staff_user("rpo", Role.REGIONAL_PRIVACY_OFFICER, region=2),
        "other_rpo": staff_user("rpo9", Role.REGIONAL_PRIVACY_OFFICER, region=9),
        "counsel": staff_user("counsel", Role.GENERAL_COUNSEL),
        "auditor": staff_user("auditor", Role.AUDITOR),
        "admin": staff_user("admin", Role.ADMINISTRATOR),
    }


@pytest.fixture
def clients(staff):
    made = {}
    for name, user in staff.items():
        client = Client()
        client.force_login(user)
        made[name] = client
    return made


def book(office, *, last_name="Rivera", service="direct_deposit_change", day=15, hour=10, **details):
    """A booked appointment on a fixed future day (services called with a fixed 'now')."""
    return scheduling.appointment_book(
        actor=None,
        office=office,
        service=Service.objects.get(code=service),
        mode="in_person",
        starts_at=datetime(2027, 3, day, hour, tzinfo=NY),
        person=person(last_name=last_name, **details),
        now=BOOKED_AT,
    )


@pytest.fixture
def appointment(office):
    return book(office, ssn="123-45-6789")


def evidence(kind, content=PDF, content_type="application/pdf", filename="letter.pdf"):
    return {
        "kind": kind,
        "filename": filename,
        "content_type": content_type,
        "content_base64": base64.b64encode(content).decode(),
    }


def request_body(**overrides):
    body = {
        "channel": "mail",
        "requester_agency": "Metro County Sheriff's Office",
        "requester_component": "Major Crimes Unit",
        "requester_official": "Sheriff Dana Cole",
        "requester_title": "Sheriff",
        "requester_contact": "dcole@sheriff.example.gov",
        "requester_address": "1 Justice Plaza, Metro City, NY 10007",
        "agency_type": "law_enforcement",
        "purpose": "criminal_law_enforcement",
        "purpose_detail": "Homicide investigation, case 2026-114",
        "crime_class": "violent",
        "subject_status": "indicted",
        "authority_cited": "5 U.S.C. 552a(b)(7)",
        "categories": ["appointment_schedule"],
        # A (b)(7) request names the particular portion: the categories and a records period.
        "records_from": "2027-01-01",
        "records_to": "2027-12-31",
        "requester_position": "agency_head",
        "subjects": [{"first_name": "Ana", "last_name": "Rivera", "date_of_birth": "1960-05-17"}],
        "evidence": [evidence("written_request_agency_head"), evidence("indictment_or_conviction")],
    }
    return body | overrides


def post(client, path, body=None):
    return client.post(f"/api/v1/disclosures{path}", body or {}, content_type="application/json")


def confirm_position(request_id, position="agency_head", by="counsel"):
    """A second official (general counsel by default, never the intake clerk) confirms the signer."""
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=by))
    return post(client, f"/requests/{request_id}/position-confirmation", {"position": position})


def take_in(client, *, confirm=True, **overrides):
    """Take a request in; a (b)(7) letter's listed signer is then confirmed by general counsel, as the
    privacy office would before sign-off (pass confirm=False to leave it unconfirmed)."""
    body = request_body(**overrides)
    response = post(client, "/requests", body)
    assert response.status_code == 201, response.content
    received = response.json()
    kinds = {e["kind"] for e in body.get("evidence", [])}
    position = body.get("requester_position") or "other"
    if confirm and received["status"] != "refused" and position != "other" and "written_request_agency_head" in kinds:
        confirmed = confirm_position(received["id"], position)
        assert confirmed.status_code == 200, confirmed.content
        received = client.get(f"/api/v1/disclosures/requests/{received['id']}").json()
    return received


def sign(client, request_id, role):
    return post(client, f"/requests/{request_id}/sign-offs", {"role": role})


def release(client, request_id):
    return post(client, f"/requests/{request_id}/release")


DOB = date(1960, 5, 17)
