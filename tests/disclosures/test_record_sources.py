"""A person's floor tickets reach their disclosure packet through the record source the floor registers
(disclosures sits below the floor and never imports it; docs/adr/0040-walk-ins-are-floor-tickets.md)."""

import ast
import datetime as dt
from pathlib import Path

import pytest

from frontdesk.disclosures import packet
from frontdesk.floor.models import Ticket
from frontdesk.scheduling.models import Person, Service
from tests.factories import OfficeFactory

ALL = frozenset({"identity", "appointment_schedule", "appointment_reason", "contact_details", "benefit_information"})


@pytest.fixture
def person(db):
    return Person.objects.create(
        first_name="Ana", last_name="Rivera", last_name_key="rivera", date_of_birth=dt.date(1960, 5, 17)
    )


def _ticket(office, person, day, number, **extra):
    return Ticket.objects.create(
        office=office,
        kind="walk_in",
        service=Service.objects.get(code="direct_deposit_change"),
        local_date=day,
        number=number,
        person=person,
        at_counter=True,
        issued_at=dt.datetime(day.year, day.month, day.day, 15, tzinfo=dt.UTC),
        **extra,
    )


def test_the_floor_registers_its_tickets_as_a_record_source():
    assert [s.record for s in packet.record_sources()] == ["ticket"]
    assert packet.RECORD_FIELDS["ticket"] == packet.record_sources()[0].fields


def test_a_persons_walk_in_tickets_are_in_their_records_within_the_period_and_the_approved_categories(person):
    office = OfficeFactory(code="D01")
    _ticket(office, person, dt.date(2027, 3, 17), 1, outcome="served", accessible=True, interpreter_language="es")
    _ticket(office, person, dt.date(2027, 5, 2), 1)
    _ticket(office, None, dt.date(2027, 3, 17), 2)  # someone else's
    records = packet.subject_records(person, ALL, records_from=dt.date(2027, 3, 1), records_to=dt.date(2027, 3, 31))
    tickets = [r["fields"] for r in records if r["record"] == "ticket"]
    assert len(tickets) == 1
    assert tickets[0]["local_date"] == "2027-03-17" and tickets[0]["outcome"] == "served"
    assert tickets[0]["accessible_window"] is True and tickets[0]["interpreter_language"] == "es"
    assert "number" not in tickets[0] and "person" not in tickets[0]
    # Only the schedule approved: the reason (service) and the needs (contact details) stay out.
    narrow = packet.subject_records(person, frozenset({"appointment_schedule"}), records_from=None, records_to=None)
    fields = [r["fields"] for r in narrow if r["record"] == "ticket"]
    assert len(fields) == 2 and all("service" not in f and "interpreter_language" not in f for f in fields)


def test_a_source_cannot_take_the_packets_own_record_names():
    with pytest.raises(ValueError):
        packet.person_records_register(record="person", fields=(), of_person=lambda p: iter(()))


def test_disclosures_imports_nothing_of_the_floor():
    root = Path(packet.__file__).parent
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith("frontdesk.floor"), path
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("frontdesk.floor") for a in node.names), path
