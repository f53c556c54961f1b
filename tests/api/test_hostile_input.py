"""Invalid and hostile input on every endpoint: a 4xx with a code and a message, and nothing written."""

import pytest

from frontdesk.floor.models import Ticket
from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling.models import Appointment, Person

from .conftest import booking, first_slot

pytestmark = pytest.mark.django_db

HOSTILE_STRINGS = [
    "",
    " ",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "x" * 5000,
    "\u202e\u0000",
    "%00",
    "😀" * 50,
    "../../etc/passwd",
    "9" * 40,
    "-1",
    "null",
]


def counts():
    return (Appointment.objects.count(), Person.objects.count(), Ticket.objects.count(), LedgerEvent.objects.count())


def assert_clean_4xx(response):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] and body["message"], body


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
def test_public_reads_with_hostile_parameters(api, office, value):
    before = counts()
    for path, params in [
        ("/api/v1/offices", {"state": value, "page": value}),
        ("/api/v1/offices/near", {"zip": value, "radius_miles": value}),
        ("/api/v1/availability", {"service": value, "mode": "in_person", "office": "A01"}),
        ("/api/v1/availability", {"service": "direct_deposit_change", "mode": value, "office": "A01"}),
        ("/api/v1/availability", {"service": "direct_deposit_change", "mode": "in_person", "zip": value}),
        (
            "/api/v1/availability",
            {
                "service": "direct_deposit_change",
                "mode": "in_person",
                "office": "A01",
                "start": value,
                "interpreter_language": value,
            },
        ),
    ]:
        response = api.get(path, params)
        if response.status_code != 200:
            assert_clean_4xx(response)
    response = api.get(f"/api/v1/offices/{value[:100]}") if value.strip() and "/" not in value else None
    if response is not None:
        assert_clean_4xx(response)
    assert counts() == before


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
def test_public_writes_with_hostile_bodies(api, office, value):
    slot = first_slot(api)
    before = counts()
    good = booking(slot)
    bodies = [
        good | {"office": value},
        good | {"service": value},
        good | {"mode": value},
        good | {"starts_at": value},
        good | {"interpreter_language": value},
        good | {"person": good["person"] | {"last_name": value}},
        good | {"person": good["person"] | {"date_of_birth": value}},
        good | {"person": good["person"] | {"ssn": value}},
        good | {"person": good["person"] | {"email": value}},
        good | {"companion": good["person"] | {"first_name": "Luis"}, "companion_relationship": value},
        {"person": value},
        value,
    ]
    for body in bodies:
        response = api.post("/api/v1/appointments", body, content_type="application/json")
        if response.status_code == 201:  # a harmless value (e.g. "-1" as ssn is refused, "" email is fine)
            Appointment.objects.filter(code=response.json()["code"]).delete()
            continue
        assert_clean_4xx(response)
    for path in (
        "/api/v1/appointments/find",
        "/api/v1/appointments/cancel",
        "/api/v1/appointments/ics",
        "/api/v1/appointments/reschedule",
    ):
        response = api.post(
            path,
            {"code": value, "last_name": value, "date_of_birth": value, "starts_at": value},
            content_type="application/json",
        )
        assert_clean_4xx(response)
    assert counts()[0] == before[0]


@pytest.mark.parametrize("raw", [b"{", b"[]", b"null", b"\xff\xfe", b'{"office": 1e999}', b'{"a": "\\u0000"}'])
def test_malformed_json_is_a_400_or_422(api, office, raw):
    before = counts()
    response = api.post("/api/v1/appointments", raw, content_type="application/json")
    assert response.status_code in (400, 422)
    assert response.json()["code"] in ("malformed_request", "validation_error")
    assert counts() == before


def test_out_of_range_dates_and_times_are_422(api, office):
    slot = first_slot(api)
    for starts_at in ("9999-12-31T23:59:00Z", "0001-01-01T00:00:00Z", "2027-03-15T10:00:00"):
        response = api.post("/api/v1/appointments", booking(slot, starts_at=starts_at), content_type="application/json")
        assert response.status_code == 422
    response = api.get(
        "/api/v1/availability",
        {"service": "direct_deposit_change", "mode": "in_person", "office": "A01", "start": "9999-12-31"},
    )
    assert response.status_code == 422
    response = api.get(
        "/api/v1/availability",
        {
            "service": "direct_deposit_change",
            "mode": "in_person",
            "office": "A01",
            "start": "2030-01-10",
            "end": "2030-01-01",
        },
    )
    assert response.status_code == 422 and response.json()["field"] == "end"


@pytest.mark.parametrize("value", HOSTILE_STRINGS)
def test_staff_endpoints_with_hostile_input(clerk_api, office, value):
    before = counts()
    safe = value[:60].replace("/", "")
    requests = [
        ("get", f"/api/v1/staff/offices/{safe or 'A01'}/schedule", {"purpose": value}),
        ("get", "/api/v1/staff/offices/A01/schedule", {"purpose": "run_schedule", "date": value}),
        ("get", f"/api/v1/staff/appointments/{safe or 'X'}", {"purpose": "check_in"}),
        ("post", f"/api/v1/staff/appointments/{safe or 'X'}/check-in", {}),
        ("post", "/api/v1/staff/persons/search", {"purpose": value, "ssn": value}),
        ("post", "/api/v1/staff/persons/search", {"purpose": "caller_request", "ssn": value}),
        ("post", "/api/v1/staff/offices/A01/walk-ins", {"service": value}),
        ("post", "/api/v1/staff/offices/A01/walk-ins", {"service": "direct_deposit_change", "person": value}),
        ("post", f"/api/v1/staff/walk-ins/{safe or 'x'}/status", {"status": "called", "window": value}),
        ("post", "/api/v1/staff/offices/A01/closures", {"date": value, "reason": value}),
    ]
    for method, path, data in requests:
        if method == "get":
            response = clerk_api.get(path, data)
        else:
            response = clerk_api.post(path, data, content_type="application/json")
        if response.status_code == 200:
            continue
        assert_clean_4xx(response)
    assert counts()[:3] == before[:3]


def test_staff_endpoints_refuse_the_public(api, office):
    for path in ("/api/v1/staff/offices/A01/schedule", "/api/v1/staff/offices/A01/queue"):
        response = api.get(path)
        assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_nul_is_refused_in_json_but_uploaded_files_may_contain_it(api, office):
    from frontdesk.core.middleware import RejectNulMiddleware

    refused = api.post("/api/v1/appointments/find", b'{"code": "A\\u0000"}', content_type="application/json")
    assert refused.status_code == 400 and refused.json()["code"] == "malformed_request"
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import RequestFactory

    upload = SimpleUploadedFile("letter.pdf", b"%PDF-1.7\x00\x01binary", content_type="application/pdf")
    request = RequestFactory().post("/upload/", {"file": upload})
    passed = RejectNulMiddleware(lambda r: "reached the view")(request)
    assert passed == "reached the view"
