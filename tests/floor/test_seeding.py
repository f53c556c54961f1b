"""Past walk-in tickets for the demo's history: on open days with bookings only, closed, numbered per day,
counted by the dashboards' rebuild, and written once."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from frontdesk.floor.models import Ticket, TicketOutcome
from frontdesk.floor.seeding import walk_ins_seed
from frontdesk.offices.calendar import closed_dates, local_today
from frontdesk.scheduling.seeding import SeedOptions, seed_offices
from frontdesk.stats.models import OfficeDayStats
from frontdesk.stats.rebuild import stats_rebuild
from tests.factories import OfficeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded_office():
    office = OfficeFactory(code="S01", name="Seeded Office")
    start = datetime.now(UTC).date() - timedelta(days=14)
    seed_offices([office], SeedOptions(start=start, days=21, fill=0.7, seed=3, rooms_share=0.0))
    return office, start


def test_past_open_days_with_bookings_get_closed_walk_in_tickets(seeded_office):
    office, start = seeded_office
    created = walk_ins_seed([office], start=start, seed=3)
    tickets = list(Ticket.objects.filter(office=office).order_by("local_date", "number"))
    assert created == len(tickets) > 0
    today = local_today(office)
    closed = closed_dates(office, start, today)
    open_days = {h.weekday for h in office.hours.all()}
    for ticket in tickets:
        assert start <= ticket.local_date < today and ticket.local_date not in closed
        assert ticket.local_date.weekday() in open_days
        assert ticket.issued_at.astimezone(office.zone).date() == ticket.local_date
        assert ticket.outcome in (TicketOutcome.SERVED, TicketOutcome.NO_SHOW)
        if ticket.outcome == TicketOutcome.SERVED:
            assert ticket.issued_at < ticket.called_at < ticket.served_at
        else:
            assert ticket.called_at is None and ticket.served_at > ticket.issued_at
    per_day = {}
    for ticket in tickets:
        per_day.setdefault(ticket.local_date, []).append(ticket.number)
    assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in per_day.values())
    assert sum(t.outcome == TicketOutcome.SERVED for t in tickets) > len(tickets) / 2


def test_the_rebuild_counts_them_and_a_second_run_adds_nothing(seeded_office):
    office, start = seeded_office
    created = walk_ins_seed([office], start=start, seed=3)
    assert walk_ins_seed([office], start=start, seed=3) == 0
    stats_rebuild()
    counted = sum(OfficeDayStats.objects.filter(office=office).values_list("walk_ins", flat=True))
    assert counted == created == Ticket.objects.filter(office=office).count()


def test_the_command_refuses_a_span_it_cannot_seed(seeded_office):
    with pytest.raises(Exception, match="--days must be between 1 and 366"):
        call_command("seed_walk_ins", days=0)
