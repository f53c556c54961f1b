"""A person's tickets in their disclosure packet: the floor registers them as a record source, so the
disclosures app (below the floor) lists them without importing the floor
(docs/adr/0040-walk-ins-are-floor-tickets.md).

A person's tickets are the walk-in tickets a clerk recorded as theirs (`Ticket.person`) and the tickets of
their own appointments. Which fields are released is decided by `disclosures.categories`, as for every record.
"""

import datetime as dt
from collections.abc import Iterator

from django.db.models import Q

from frontdesk.disclosures.categories import TICKET
from frontdesk.disclosures.packet import PacketField, person_records_register
from frontdesk.scheduling.models import Person

from .models import Ticket


def _local(moment: dt.datetime | None, ticket: Ticket) -> str | None:
    return None if moment is None else moment.astimezone(ticket.office.zone).isoformat()


TICKET_FIELDS = (
    PacketField(TICKET, "office", "office", lambda t: {"code": t.office.code, "name": t.office.name}),
    PacketField(TICKET, "local_date", "local_date", lambda t: t.local_date.isoformat()),
    PacketField(TICKET, "kind", "kind", lambda t: t.kind),
    PacketField(TICKET, "outcome", "outcome", lambda t: t.outcome),
    PacketField(TICKET, "issued_at", "issued_at", lambda t: _local(t.issued_at, t)),
    PacketField(TICKET, "called_at", "called_at", lambda t: _local(t.called_at, t)),
    PacketField(TICKET, "served_at", "served_at", lambda t: _local(t.served_at, t)),
    PacketField(TICKET, "service", "service", lambda t: {"code": t.service.code, "name": t.service.name_en}),
    PacketField(TICKET, "interpreter_language", "interpreter_language", lambda t: t.interpreter_language or None),
    PacketField(TICKET, "accessible", "accessible_window", lambda t: True if t.accessible else None),
)


def tickets_of(person: Person) -> Iterator[tuple[dt.date, Ticket]]:
    tickets = (
        Ticket.objects.filter(Q(person=person) | Q(appointment__person=person))
        .select_related("office", "service")
        .order_by("issued_at", "id")
    )
    for ticket in tickets:
        yield ticket.local_date, ticket


def register() -> None:
    person_records_register(record="ticket", fields=TICKET_FIELDS, of_person=tickets_of)
