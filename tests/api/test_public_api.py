"""The public API end to end: find a slot, book, read, get the calendar file, move, cancel."""

import pytest
from icalendar import Calendar

from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling.models import Appointment, Person

from .conftest import booking, first_slot

pytestmark = pytest.mark.django_db


def verify(code, last_name="Rivera", dob="1960-05-17"):
    return {"code": code, "last_name": last_name, "date_of_birth": dob}


def test_book_read_ics_reschedule_cancel(api, office):
    slot = first_slot(api)
    created = api.post("/api/v1/appointments", booking(slot), content_type="application/json")
    assert created.status_code == 201, created.content
    code = created.json()["code"]
    found = api.post(
        "/api/v1/appointments/find", verify(code.lower().replace("-", "")), content_type="application/json"
    )
    assert found.status_code == 200, found.content
    assert found.json()["office"]["timezone"] == "America/New_York"

    ics = api.post("/api/v1/appointments/ics", verify(code), content_type="application/json")
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(ics.content)
    event = calendar.walk("VEVENT")[0]
    assert str(event.decoded("dtstart").tzinfo) == "America/New_York"
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    text = ics.content.decode()
    assert "deposit" not in text.lower() and "Social Security appointment" in text

    later = api.get(
        "/api/v1/availability", {"service": "direct_deposit_change", "mode": "in_person", "office": "A01", "limit": 10}
    ).json()[-1]
    moved = api.post(
        "/api/v1/appointments/reschedule",
        verify(code) | {"starts_at": later["starts_at"]},
        content_type="application/json",
    )
    assert moved.status_code == 200, moved.content
    cancelled = api.post("/api/v1/appointments/cancel", verify(code), content_type="application/json")
    assert cancelled.json()["status"] == "cancelled"
    assert LedgerEvent.objects.filter(type__startswith="scheduling.appointment.").count() == 3


def test_wrong_last_name_wrong_birth_date_and_unknown_code_look_the_same(api, office):
    code = api.post("/api/v1/appointments", booking(first_slot(api)), content_type="application/json").json()["code"]
    answers = [
        api.post("/api/v1/appointments/find", body, content_type="application/json")
        for body in (verify(code, last_name="Smith"), verify(code, dob="1961-05-17"), verify("ACDE-FGHJ"), verify("x"))
    ]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1


def test_the_slot_taken_gives_409_and_writes_nothing(api, office):
    slot = first_slot(api, interpreter_language="ase")
    first = api.post("/api/v1/appointments", booking(slot, interpreter_language="ase"), content_type="application/json")
    assert first.status_code == 201
    people = Person.objects.count()
    second = api.post(
        "/api/v1/appointments",
        booking(slot, last_name="Other", interpreter_language="ase"),
        content_type="application/json",
    )
    assert second.status_code == 409 and second.json()["code"] == "slot_taken"
    assert Person.objects.count() == people and Appointment.objects.count() == 1


def test_idempotency_key_replays_the_first_result(api, office):
    body = booking(first_slot(api))
    first = api.post("/api/v1/appointments", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/api/v1/appointments", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Appointment.objects.count() == 1
    other = api.post(
        "/api/v1/appointments", body | {"mode": "phone"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


def test_offices_services_and_search_near_a_zip(api, office):
    assert api.get("/api/v1/offices").json()[0]["code"] == "A01"
    near = api.get("/api/v1/offices/near", {"zip": "10007", "radius_miles": 10}).json()
    assert near[0]["code"] == "A01" and near[0]["distance_miles"] < 1
    services = {s["code"]: s for s in api.get("/api/v1/services").json()}
    assert services["noncitizen_eligibility_review"]["in_person_required"] is True
    assert services["direct_deposit_change"]["name_es"]
    slots = api.get(
        "/api/v1/availability",
        {
            "service": "direct_deposit_change",
            "mode": "in_person",
            "zip": "10007",
            "radius_miles": 50,
            "interpreter_language": "ase",
        },
    )
    assert slots.status_code == 200 and slots.json()[0]["office_code"] == "A01"


def test_the_openapi_document_declares_every_error():
    from django.test import Client

    document = Client().get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            declared = set(operation["responses"])
            assert {"404", "422"} <= declared, (method, path, declared)
            if path.startswith("/api/v1/staff/"):
                assert {"401", "403"} <= declared
