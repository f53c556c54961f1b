"""The old walk-in queue's rows become walk-in tickets of the merged queue (docs/adr/0040-walk-ins-are-floor-tickets.md).

Each `scheduling.WalkIn` becomes a `floor.Ticket` of kind walk_in, issued at the counter by the clerk who
added it, keeping its public id (links and API clients keep working), its person, service, interpreter
language and times. A walk-in's number is kept unless the kiosk already numbered tickets that day: then
the old queue's numbers follow the day's last ticket (numbers are unique per office and day). "left"
becomes "no_show" (the closed outcome that is not "served"). Going back turns every walk-in ticket issued
at the counter into a `WalkIn` row again (the old code's queue), and leaves kiosk tickets where they are.
"""

from django.db import migrations
from django.db.models import Max

TO_OUTCOME = {"waiting": "waiting", "called": "called", "served": "served", "left": "no_show"}
TO_STATUS = {outcome: status for status, outcome in TO_OUTCOME.items()}


def walk_ins_into_tickets(apps, schema_editor):
    WalkIn = apps.get_model("scheduling", "WalkIn")
    Ticket = apps.get_model("floor", "Ticket")
    offsets = {}  # (office, day) -> the day's last kiosk ticket number
    tickets = []
    for walk_in in WalkIn.objects.order_by("office_id", "local_date", "number").iterator(chunk_size=2000):
        day = (walk_in.office_id, walk_in.local_date)
        if day not in offsets:
            last = Ticket.objects.filter(office_id=walk_in.office_id, local_date=walk_in.local_date).aggregate(
                n=Max("number")
            )["n"]
            offsets[day] = last or 0
        tickets.append(
            Ticket(
                public_id=walk_in.public_id,
                office_id=walk_in.office_id,
                local_date=walk_in.local_date,
                number=offsets[day] + walk_in.number,
                kind="walk_in",
                service_id=walk_in.service_id,
                interpreter_language=walk_in.interpreter_language,
                issued_at=walk_in.arrived_at,
                called_at=walk_in.called_at,
                last_called_at=walk_in.called_at,
                served_at=walk_in.finished_at,
                outcome=TO_OUTCOME[walk_in.status],
                calls=1 if walk_in.called_at else 0,
                at_counter=True,
                issued_by_id=walk_in.created_by_id,
                person_id=walk_in.person_id,
            )
        )
    Ticket.objects.bulk_create(tickets, batch_size=2000)
    WalkIn.objects.all().delete()


def tickets_into_walk_ins(apps, schema_editor):
    WalkIn = apps.get_model("scheduling", "WalkIn")
    Ticket = apps.get_model("floor", "Ticket")
    counter = Ticket.objects.filter(kind="walk_in", at_counter=True)
    WalkIn.objects.bulk_create(
        (
            WalkIn(
                public_id=ticket.public_id,
                office_id=ticket.office_id,
                service_id=ticket.service_id,
                local_date=ticket.local_date,
                number=ticket.number,
                person_id=ticket.person_id,
                interpreter_language=ticket.interpreter_language,
                status=TO_STATUS[ticket.outcome],
                arrived_at=ticket.issued_at,
                called_at=ticket.called_at,
                finished_at=ticket.served_at,
                created_by_id=ticket.issued_by_id,
            )
            for ticket in counter.order_by("office_id", "local_date", "number").iterator(chunk_size=2000)
        ),
        batch_size=2000,
    )
    counter.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("floor", "0003_ticket_counter_and_person"),
        ("scheduling", "0010_merge_contact_encrypted_and_waitlist"),
    ]

    operations = [migrations.RunPython(walk_ins_into_tickets, tickets_into_walk_ins, elidable=False)]
