"""Migration floor 0004 moves the old walk-in queue's rows into tickets, and back
(docs/adr/0040-walk-ins-are-floor-tickets.md); scheduling 0011 then drops the old table."""

from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from frontdesk.accounts.roles import Role
from frontdesk.floor.models import Ticket
from frontdesk.scheduling.models import Person, Service
from tests.factories import OfficeFactory, staff_user

BEFORE = ("floor", "0003_ticket_counter_and_person")
AFTER = ("scheduling", "0011_walk_ins_are_floor_tickets")
DAY = date(2027, 3, 15)
OTHER_DAY = date(2027, 3, 16)


def _migrate_to(target: tuple[str, str]):
    """Migrate to `target`; return the app registry as of then (its historical models)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state(target).apps


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_walk_ins_become_counter_tickets_and_going_back_restores_them():
    try:
        before = _migrate_to(BEFORE)
        old_walk_in = before.get_model("scheduling", "WalkIn")
        old_ticket = before.get_model("floor", "Ticket")
        office = OfficeFactory(code="M01")
        clerk = staff_user("migrating-clerk", Role.COUNTER_CLERK, office)
        service = Service.objects.get(code="direct_deposit_change")
        person = before.get_model("scheduling", "Person").objects.create(
            first_name="Ana", last_name="Rivera", last_name_key="rivera", date_of_birth=date(1960, 5, 17)
        )
        # The kiosk numbered two tickets on DAY already: the old queue's numbers must follow them.
        kiosk = [
            old_ticket.objects.create(
                office_id=office.pk, local_date=DAY, number=n, kind="walk_in", service_id=service.pk, issued_at=at(9, n)
            )
            for n in (1, 2)
        ]
        rows = [
            # (day, number, status, arrived, called, finished, person)
            (DAY, 1, "served", at(9, 5), at(9, 12), at(9, 30), person.pk),
            (DAY, 2, "left", at(9, 6), None, at(9, 40), None),
            (DAY, 3, "waiting", at(9, 7), None, None, None),
            (OTHER_DAY, 1, "called", at(10, 0, OTHER_DAY), at(10, 5, OTHER_DAY), None, None),
        ]
        walk_ins = [
            old_walk_in.objects.create(
                office_id=office.pk,
                service_id=service.pk,
                local_date=day,
                number=number,
                status=status,
                arrived_at=arrived,
                called_at=called,
                finished_at=finished,
                person_id=person_id,
                interpreter_language="es" if number == 1 else "",
                created_by_id=clerk.pk,
            )
            for day, number, status, arrived, called, finished, person_id in rows
        ]
        ids = [w.public_id for w in walk_ins]

        _migrate_to(AFTER)
        assert "scheduling_walkin" not in connection.introspection.table_names()
        moved = {t.public_id: t for t in Ticket.objects.filter(at_counter=True)}
        assert set(moved) == set(ids)  # the same ids: API clients' links keep working
        served, left, waiting, called = (moved[i] for i in ids)
        assert [(t.local_date, t.number) for t in (served, left, waiting, called)] == [
            (DAY, 3),
            (DAY, 4),
            (DAY, 5),
            (OTHER_DAY, 1),  # no kiosk ticket that day: the number stays
        ]
        assert [t.outcome for t in (served, left, waiting, called)] == ["served", "no_show", "waiting", "called"]
        assert (served.issued_at, served.called_at, served.served_at, served.calls) == (
            at(9, 5),
            at(9, 12),
            at(9, 30),
            1,
        )
        assert served.person == Person.objects.get(pk=person.pk) and served.interpreter_language == "es"
        assert {t.kind for t in moved.values()} == {"walk_in"} and {t.issued_by for t in moved.values()} == {clerk}
        assert (waiting.called_at, waiting.calls, waiting.window) == (None, 0, None)
        assert [t.label for t in Ticket.objects.filter(at_counter=False).order_by("number")] == ["W001", "W002"]

        after_back = _migrate_to(BEFORE)
        restored = after_back.get_model("scheduling", "WalkIn").objects.order_by("local_date", "number")
        assert [
            (w.public_id, w.local_date, w.status, w.arrived_at, w.called_at, w.finished_at, w.person_id)
            for w in restored
        ] == [
            (ids[0], DAY, "served", at(9, 5), at(9, 12), at(9, 30), person.pk),
            (ids[1], DAY, "left", at(9, 6), None, at(9, 40), None),
            (ids[2], DAY, "waiting", at(9, 7), None, None, None),
            (ids[3], OTHER_DAY, "called", at(10, 0, OTHER_DAY), at(10, 5, OTHER_DAY), None, None),
        ]
        assert {w.created_by_id for w in restored} == {clerk.pk}
        remaining = after_back.get_model("floor", "Ticket").objects.order_by("number")
        assert [t.pk for t in remaining] == [t.pk for t in kiosk]  # the kiosk's tickets stay tickets
    finally:
        call_command("migrate", verbosity=0)
