"""One table says which roles run an office's day; the API and the console both answer by it.

The office's schedule, the walk-in queue, one appointment and a person search are for the office's
front-line staff (`scheduling.policies.OFFICE_DAY_ROLES`). A regional privacy officer once read all four
through the API while the console refused the same pages: each surface answered for itself.
"""

from datetime import timedelta

import pytest
from django.test import Client

from frontdesk.accounts.roles import Role
from frontdesk.offices.calendar import local_today
from frontdesk.scheduling.models import Appointment
from frontdesk.scheduling.policies import OFFICE_DAY_ROLES
from tests.web.auth import verified_login

from ..api.conftest import booking, first_slot
from ..factories import staff_user

pytestmark = pytest.mark.django_db

OPERATIONS = ("schedule", "appointment", "person_search", "queue")

# The table, written out rather than derived, so a change to the policy must change it too.
MAY_RUN_THE_DAY = {
    Role.COUNTER_CLERK: True,
    Role.TECHNICAL_EXPERT: True,
    Role.OFFICE_MANAGER: True,
    Role.REGIONAL_PRIVACY_OFFICER: False,
    Role.GENERAL_COUNSEL: False,
    Role.AUDITOR: False,
    Role.ADMINISTRATOR: False,
}


def test_the_table_is_the_policy():
    assert {role for role, allowed in MAY_RUN_THE_DAY.items() if allowed} == set(OFFICE_DAY_ROLES)
    assert set(MAY_RUN_THE_DAY) == set(Role)


@pytest.fixture
def booked(office) -> Appointment:
    api = Client()
    slot = first_slot(api, start=(local_today(office) + timedelta(days=7)).isoformat())
    details = booking(slot)
    details["person"]["ssn"] = "123-45-6789"
    response = api.post("/api/v1/appointments", details, content_type="application/json")
    assert response.status_code == 201, response.content
    return Appointment.objects.get(code=response.json()["code"])


def _api(client: Client, operation: str, appointment: Appointment) -> tuple[int, bool]:
    office = appointment.office.code
    day = appointment.starts_at.astimezone(appointment.office.zone).date().isoformat()
    if operation == "schedule":
        response = client.get(f"/api/v1/staff/offices/{office}/schedule", {"date": day, "purpose": "run_schedule"})
        return response.status_code, appointment.code in response.content.decode()
    if operation == "appointment":
        response = client.get(f"/api/v1/staff/appointments/{appointment.code}", {"purpose": "check_in"})
        return response.status_code, appointment.code in response.content.decode()
    if operation == "person_search":
        response = client.post(
            "/api/v1/staff/persons/search",
            {"purpose": "caller_request", "ssn": "123456789"},
            content_type="application/json",
        )
        return response.status_code, "Rivera" in response.content.decode()
    response = client.get(f"/api/v1/staff/offices/{office}/queue")
    return response.status_code, response.status_code == 200


def _console(client: Client, operation: str, appointment: Appointment) -> tuple[int, bool]:
    day = appointment.starts_at.astimezone(appointment.office.zone).date().isoformat()
    if operation == "schedule":
        response = client.get("/console/schedule/", {"date": day, "purpose": "run_schedule"})
        return response.status_code, appointment.code in response.content.decode()
    if operation == "appointment":
        response = client.post("/console/appointments/find/", {"code": appointment.code, "purpose": "check_in"})
        return response.status_code, appointment.code in response.content.decode()
    if operation == "person_search":
        response = client.post("/console/people/", {"purpose": "caller_request", "ssn": "123456789"})
        return response.status_code, "Rivera" in response.content.decode()
    response = client.get("/console/floor/")  # the old /console/queue/ leads here (301)
    return response.status_code, response.status_code == 200 and 'id="floor-queue"' in response.content.decode()


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_api_and_console_answer_each_role_the_same(role, office, booked):
    # Every role is placed where it would reach this office if its role allowed: its office, its region.
    user = staff_user(f"user-{role.value}", role, office if role in OFFICE_DAY_ROLES else None, region=office.region)
    api = Client()
    api.force_login(user)
    console = verified_login(Client(), user)
    for operation in OPERATIONS:
        api_status, api_shows = _api(api, operation, booked)
        console_status, console_shows = _console(console, operation, booked)
        if MAY_RUN_THE_DAY[role]:
            assert (api_status, console_status) == (200, 200), operation
            assert api_shows and console_shows, operation
        else:
            # Refused on both: 403 for a page or a list; 404 for one appointment (out of scope looks missing).
            assert api_status in (403, 404) and console_status == 403, (operation, api_status, console_status)
            assert not api_shows and not console_shows, operation
