"""Refused look-ups are evidence: a staff member turned away from another office's appointment, from a
person search their role may not run, or from a console page of personal data leaves a ledger event.
The answer they get does not change, and neither the answer nor the event says whether anyone exists.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from frontdesk.accounts.roles import Role
from frontdesk.core.crypto import pseudonym
from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling.codes import new_code
from frontdesk.scheduling.models import Appointment, Person, Service
from tests.factories import OfficeFactory, staff_user
from tests.web.auth import verified_login

pytestmark = pytest.mark.django_db
MISSING_CODE = "AAAA-CCCC"  # never issued in these tests (codes are random; this one is made to miss)


def _appointment(office) -> Appointment:
    person = Person.objects.create(
        first_name="Ana", last_name="Rivera", last_name_key="rivera", date_of_birth="1960-05-17"
    )
    starts_at = datetime.now(UTC) + timedelta(days=1)
    code = new_code()
    while code == MISSING_CODE:
        code = new_code()
    return Appointment.objects.create(
        code=code,
        person=person,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
    )


def _api(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _refused(type_: str) -> list[dict]:
    return [e.event for e in LedgerEvent.objects.filter(type=type_).order_by("id")]


@pytest.fixture
def outsider(db):
    return staff_user("outsider", Role.COUNTER_CLERK, OfficeFactory(code="B01", region=7))


def test_another_offices_appointment_reads_as_missing_on_the_page_and_in_the_ledger(office, outsider):
    appointment = _appointment(office)
    web = verified_login(Client(), outsider)
    pages = [
        web.post("/console/appointments/find/", {"code": code, "purpose": "check_in", "purpose_note": ""})
        for code in (appointment.code, MISSING_CODE)
    ]
    assert [p.status_code for p in pages] == [200, 200]
    # The page answers the same for an existing appointment elsewhere and for none at all.
    for page in pages:
        assert "No appointment with that code at an office you serve." in page.content.decode()
        assert "Rivera" not in page.content.decode()

    events = _refused("records.appointment.refused")
    assert len(events) == 2
    for event, code in zip(events, (appointment.code, MISSING_CODE), strict=True):
        assert event["actor"] == "staff:outsider" and event["purpose"] == "check_in"
        assert event["subjects"] == []  # naming the person would tell that the appointment exists
        assert event["refs"] == {
            "appointment_code": pseudonym("appointment_code", code),
            "reason": "appointment_not_found",
        }
        assert code not in str(event)
    assert set(events[0]) == set(events[1])
    assert not LedgerEvent.objects.filter(type="records.appointment.viewed").exists()


def test_the_api_refuses_and_records_the_same_look_up(office, outsider):
    appointment = _appointment(office)
    api = _api(outsider)
    answers = [
        api.get(f"/api/v1/staff/appointments/{code}", {"purpose": "caller_request"})
        for code in (appointment.code, MISSING_CODE)
    ]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].json() == answers[1].json()
    events = _refused("records.appointment.refused")
    assert [e["refs"]["appointment_code"] for e in events] == [
        pseudonym("appointment_code", appointment.code),
        pseudonym("appointment_code", MISSING_CODE),
    ]
    assert all(e["purpose"] == "caller_request" for e in events)

    acted = api.post(f"/api/v1/staff/appointments/{appointment.code}/cancel", content_type="application/json")
    assert acted.status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    assert _refused("records.appointment.refused")[-1]["refs"] == {
        "appointment_code": pseudonym("appointment_code", appointment.code),
        "action": "cancel",
        "reason": "appointment_not_found",
    }


def test_the_console_action_buttons_record_a_refusal_too(office, outsider):
    appointment = _appointment(office)
    verified_login(Client(), outsider).post(
        "/console/appointments/action/", {"act": f"cancel:{appointment.code}", "confirm": "1"}
    )
    appointment.refresh_from_db()
    assert appointment.status == "booked"
    [event] = _refused("records.appointment.refused")
    assert event["refs"]["action"] == "cancel"


def test_own_office_look_ups_record_no_refusal(office):
    appointment = _appointment(office)
    clerk = staff_user("clerk", Role.COUNTER_CLERK, office)
    found = _api(clerk).get(f"/api/v1/staff/appointments/{appointment.code}", {"purpose": "check_in"})
    assert found.status_code == 200
    assert not LedgerEvent.objects.filter(type__endswith=".refused").exists()


def test_a_look_up_without_a_purpose_is_a_typing_mistake_not_a_refusal(office, outsider):
    appointment = _appointment(office)
    answer = _api(outsider).get(f"/api/v1/staff/appointments/{appointment.code}")
    assert answer.status_code == 422
    assert not LedgerEvent.objects.filter(type__endswith=".refused").exists()


def test_a_person_search_the_role_may_not_run_is_recorded_without_what_was_typed(office):
    auditor = staff_user("auditor", Role.AUDITOR)
    answer = _api(auditor).post(
        "/api/v1/staff/persons/search",
        {"purpose": "audit", "ssn": "123-45-6789"},
        content_type="application/json",
    )
    assert answer.status_code == 403
    [event] = _refused("records.person.refused")
    assert event["actor"] == "staff:auditor" and event["purpose"] == "audit"
    assert event["refs"] == {"query": "ssn", "reason": "forbidden"}
    # Not even the last four digits in what the event says; the whole number nowhere (four digits alone
    # can turn up by chance in its time or hashes).
    assert "6789" not in str(event["refs"]) and "123456789" not in str(event).replace("-", "")


def test_a_console_page_of_personal_data_refused_for_the_role_is_recorded(office):
    auditor = verified_login(Client(), staff_user("auditor", Role.AUDITOR))
    page = auditor.post(
        "/console/people/",
        {"purpose": "audit", "last_name": "Rivera", "dob_month": "5", "dob_day": "17", "dob_year": "1960"},
    )
    assert page.status_code == 403
    [event] = _refused("console.page.refused")
    assert event["actor"] == "staff:auditor" and event["purpose"] == "audit"
    assert event["refs"] == {"page": "console:people", "method": "POST", "reason": "role_not_allowed"}
    assert "Rivera" not in str(event)

    # Only a recognised purpose code is kept: free text could hold anything, a name included.
    auditor.get("/console/schedule/", {"purpose": "Ana Rivera 1960"})
    assert _refused("console.page.refused")[-1]["purpose"] == ""
