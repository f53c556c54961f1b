"""Is this time bookable, and may the person still change it: one answer in the services, shown alike
by the API and the public site."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.accounts.roles import Role
from frontdesk.core.errors import Conflict, ValidationFailed
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Appointment, Service, Status
from tests.factories import OfficeFactory, person, staff_resource, staff_user

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 3, 1, 15, tzinfo=UTC)
NY = ZoneInfo("America/New_York")


@pytest.fixture
def office():
    office = OfficeFactory(code="B01")
    staff_resource(office, name="Only agent")
    return office


def book(office, when, now=NOW, **kwargs):
    service = Service.objects.get(code="direct_deposit_change")
    return services.appointment_book(
        actor=None, office=office, service=service, mode="in_person", starts_at=when, person=person(), now=now, **kwargs
    )


def test_too_soon_and_past_the_window_say_where_the_window_is(office):
    with pytest.raises(ValidationFailed, match="too soon to book; the earliest is 2027-03-01 11:00"):
        book(office, datetime(2027, 3, 1, 10, 15, tzinfo=NY))
    horizon = Service.objects.get(code="direct_deposit_change").horizon_days
    last_day = (NOW + timedelta(days=horizon)).astimezone(NY).date()
    with pytest.raises(ValidationFailed, match=f"booked up to {last_day.isoformat()}"):
        book(office, datetime.combine(last_day + timedelta(days=3), datetime.min.time(), NY).replace(hour=10))
    assert not Appointment.objects.exists()


def test_a_bookable_time_that_is_taken_is_still_409(office):
    book(office, datetime(2027, 3, 15, 10, tzinfo=NY))
    with pytest.raises(Conflict) as taken:
        book(office, datetime(2027, 3, 15, 10, tzinfo=NY))
    assert taken.value.code == "slot_taken"


def test_the_api_answers_422_for_an_off_grid_time_and_a_search_past_the_window(client, office):
    slot = client.get(
        "/api/v1/availability", {"service": "direct_deposit_change", "mode": "in_person", "office": "B01"}
    ).json()[0]
    starts = datetime.fromisoformat(slot["starts_at"]) + timedelta(minutes=7)
    answer = client.post(
        "/api/v1/appointments",
        {
            "office": "B01",
            "service": "direct_deposit_change",
            "mode": "in_person",
            "starts_at": starts.isoformat(),
            "person": {"first_name": "Ana", "last_name": "Rivera", "date_of_birth": "1960-05-17"},
        },
        content_type="application/json",
    )
    assert answer.status_code == 422, answer.content
    assert answer.json()["field"] == "starts_at" and "start every 15 minutes" in answer.json()["message"]
    far = (datetime.now(UTC) + timedelta(days=400)).date().isoformat()
    for where in ({"office": "B01"}, {"zip": "10007", "radius_miles": 50}):
        search = client.get(
            "/api/v1/availability",
            {"service": "direct_deposit_change", "mode": "in_person", "start": far, "end": far} | where,
        )
        assert search.status_code == 422, search.content
        assert "can be booked up to" in search.json()["message"]


def test_after_its_time_the_person_cannot_cancel_or_move_but_the_office_can(office):
    appointment = book(office, datetime(2027, 3, 15, 10, tzinfo=NY))
    later = datetime(2027, 3, 15, 12, tzinfo=NY)
    with pytest.raises(Conflict) as cancel:
        services.appointment_cancel(actor=None, appointment=appointment, now=later)
    assert cancel.value.code == "appointment_started"
    with pytest.raises(Conflict) as move:
        services.appointment_reschedule(
            actor=None, appointment=appointment, starts_at=datetime(2027, 3, 16, 10, tzinfo=NY), now=later
        )
    assert move.value.code == "appointment_started"
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED
    clerk = staff_user("clerk.b01", Role.COUNTER_CLERK, office)
    assert services.appointment_cancel(actor=clerk, appointment=appointment, now=later).status == Status.CANCELLED
