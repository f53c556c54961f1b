"""Many people at once: the last free slot goes to exactly one, and a retried POST books once.

These tests use real transactions and one database connection per thread (transaction=True), so
the database itself (PostgreSQL's exclusion constraint, SQLite's serialized writes and trigger) is
what decides, as in production.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from frontdesk.core.errors import Conflict
from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling import services
from frontdesk.scheduling.catalog import SERVICES
from frontdesk.scheduling.models import Appointment, IdempotencyRecord, Person, ResourceHold, Service
from frontdesk.scheduling.seeding import overlapping_holds
from tests.factories import OfficeFactory, person, staff_resource
from tests.threads import run_together

# serialized_rollback like every other transactional test: a plain flush re-creates content types
# with new ids, which the next serialized test's restore then collides with.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NOW = datetime(2027, 3, 1, tzinfo=UTC)
NY = ZoneInfo("America/New_York")
LAST_SLOT = datetime(2027, 3, 15, 15, 45, tzinfo=NY)  # a Monday; the office closes at 16:00


@pytest.fixture(autouse=True)
def _catalog():
    """Transactional tests empty every table afterwards, the migration's service catalog included."""
    for entry in SERVICES:
        Service.objects.update_or_create(code=entry["code"], defaults={k: v for k, v in entry.items() if k != "code"})


@pytest.fixture
def office_with_one_free_slot():
    """One staff member whose whole Monday is booked except its last quarter hour."""
    office = OfficeFactory()
    staff_resource(office, name="Only agent")
    service = Service.objects.get(code="direct_deposit_change")
    when = datetime(2027, 3, 15, 9, tzinfo=NY)
    n = 0
    while when < LAST_SLOT:
        services.appointment_book(
            actor=None,
            office=office,
            service=service,
            mode="in_person",
            starts_at=when,
            person=person(f"Earlier{chr(ord('a') + n % 26)}"),
            now=NOW,
        )
        when += timedelta(minutes=15)
        n += 1
    return office


def test_fifty_people_want_the_last_free_slot_and_exactly_one_gets_it(office_with_one_free_slot):
    office = office_with_one_free_slot
    service = Service.objects.get(code="direct_deposit_change")
    before = {
        "appointments": Appointment.objects.count(),
        "persons": Person.objects.count(),
        "events": LedgerEvent.objects.count(),
    }

    def book(i: int):
        return services.appointment_book(
            actor=None,
            office=office,
            service=service,
            mode="in_person",
            starts_at=LAST_SLOT,
            person=person(f"Caller{chr(ord('a') + i % 26)}{chr(ord('a') + i // 26)}"),
            now=NOW,
        )

    results = run_together(50, book)

    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(booked) == 1, Counter(type(r).__name__ for r in results)
    assert len(refused) == 49, [r for r in results if not isinstance(r, Appointment | Conflict)]
    assert {r.code for r in refused} == {"slot_taken"}
    # The losers left nothing behind: no person, appointment, hold or audit event.
    assert Appointment.objects.count() == before["appointments"] + 1
    assert Person.objects.count() == before["persons"] + 1
    assert LedgerEvent.objects.count() == before["events"] + 1
    assert ResourceHold.objects.filter(active=True, starts_at=LAST_SLOT).count() == 1
    assert overlapping_holds() == 0


def _first_open_slot(client: Client, office_code: str) -> dict:
    response = client.get(
        "/api/v1/availability",
        {"office": office_code, "service": "direct_deposit_change", "mode": "in_person", "limit": 1},
    )
    assert response.status_code == 200, response.content
    return response.json()[0]


def _booking(slot: dict) -> dict:
    return {
        "office": slot["office_code"],
        "service": "direct_deposit_change",
        "mode": "in_person",
        "starts_at": slot["starts_at"],
        "person": {
            "first_name": "Ana",
            "last_name": "Rivera",
            "date_of_birth": "1960-05-17",
            "email": "ana@example.org",
            "phone": "2125550100",
        },
    }


@pytest.fixture
def busy_office():
    office = OfficeFactory(code="C01")
    for n in range(3):
        staff_resource(office, name=f"Agent {n}")
    return office


def test_a_retried_post_with_the_same_idempotency_key_books_once(busy_office):
    client = Client()
    body = _booking(_first_open_slot(client, busy_office.code))

    responses = [
        client.post("/api/v1/appointments", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="retry-1")
        for _ in range(3)
    ]

    assert [r.status_code for r in responses] == [201, 201, 201]
    assert len({r.json()["code"] for r in responses}) == 1
    assert Appointment.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_concurrent_retries_with_one_idempotency_key_book_once(busy_office):
    """A client that times out and retries at once sends the same request twice in flight."""
    body = _booking(_first_open_slot(Client(), busy_office.code))

    def post(_i: int):
        return Client().post(
            "/api/v1/appointments", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="in-flight"
        )

    responses = run_together(8, post)

    errors = [r for r in responses if isinstance(r, Exception)]
    assert not errors, errors
    assert Appointment.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    codes = {r.json()["code"] for r in responses if r.status_code == 201}
    assert codes == {Appointment.objects.get().code}
    assert [r.status_code for r in responses] == [201] * 8, [r.json() for r in responses]
