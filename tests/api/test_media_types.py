"""API bodies must be declared JSON (415 otherwise), and API answers are not cached."""

import json

import pytest

from frontdesk.scheduling.models import Appointment, Person

from .conftest import booking, first_slot

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/octet-stream", "application/x-www-form-urlencoded", "multipart/form-data", None],
)
def test_a_booking_not_declared_json_is_415_and_writes_nothing(api, office, content_type):
    body = json.dumps(booking(first_slot(api)))
    extra = {} if content_type is None else {"content_type": content_type}
    answer = api.generic("POST", "/api/v1/appointments", body, **extra)
    assert answer.status_code == 415, answer.content
    assert answer.json()["code"] == "unsupported_media_type"
    assert "application/json" in answer.json()["message"]
    assert answer["Accept-Post"] == "application/json"
    assert not Appointment.objects.exists() and not Person.objects.exists()


def test_a_nul_in_a_name_sent_as_octet_stream_is_refused_and_not_stored(api, office):
    payload = booking(first_slot(api))
    payload["person"]["last_name"] = "Riv\x00era"
    answer = api.generic("POST", "/api/v1/appointments", json.dumps(payload), content_type="application/octet-stream")
    assert answer.status_code == 415
    assert not Person.objects.exists()


def test_json_with_a_charset_or_a_json_suffix_is_accepted(api, office):
    slot = first_slot(api)
    answer = api.generic(
        "POST", "/api/v1/appointments", json.dumps(booking(slot)), content_type="application/json; charset=utf-8"
    )
    assert answer.status_code == 201, answer.content


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/staff/persons/search",
        "/api/v1/staff/offices/A01/walk-ins",
        "/api/v1/disclosures/requests",
        "/api/v1/appointments/find",
    ],
)
def test_multipart_without_a_boundary_is_a_4xx_json_answer_never_a_500(clerk_api, office, path):
    answer = clerk_api.generic("POST", path, b"--x\r\nbroken", content_type="multipart/form-data")
    assert answer.status_code == 415, answer.content
    assert answer["Content-Type"].startswith("application/json")


def test_staff_and_look_up_answers_are_never_cached(api, clerk_api, office):
    slot = first_slot(api)
    created = api.post("/api/v1/appointments", booking(slot), content_type="application/json")
    assert "no-store" in created["Cache-Control"]
    found = api.post(
        "/api/v1/appointments/find",
        {"code": created.json()["code"], "last_name": "Rivera", "date_of_birth": "1960-05-17"},
        content_type="application/json",
    )
    assert found.status_code == 200 and "no-store" in found["Cache-Control"]
    staff = clerk_api.get(f"/api/v1/staff/appointments/{created.json()['code']}", {"purpose": "serve_appointment"})
    assert staff.status_code == 200, staff.content
    assert "no-store" in staff["Cache-Control"] and "private" in staff["Cache-Control"]
