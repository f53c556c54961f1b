"""The daily counters follow the services: one upsert per change, rolled back with a failed change, and
a rebuild from scratch gives exactly what was kept incrementally."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontdesk.accounts.roles import Role
from frontdesk.core.errors import Conflict
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Service
from frontdesk.stats import services as stats
from frontdesk.stats.buckets import bucket_of, percentile_minutes
from frontdesk.stats.models import OfficeDayStats, OfficeDayWait, WaitKind
from frontdesk.stats.rebuild import stats_rebuild
from tests.factories import OfficeFactory, interpreter, staff_resource, staff_user

from .helpers import at, book, busy_day, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    office = OfficeFactory()
    staff_resource(office, name="Agent One")
    staff_resource(office, name="Agent Two")
    interpreter(office, "ase")
    return office


@pytest.fixture
def clerk(office):
    return staff_user("clerk", Role.COUNTER_CLERK, office)


def row(office, day, code="direct_deposit_change") -> OfficeDayStats:
    return OfficeDayStats.objects.get(office=office, day=day, service=Service.objects.get(code=code))


def test_a_day_of_changes_is_counted_on_the_right_days(office, clerk):
    seen = busy_day(office, clerk)
    fifteenth = row(office, seen["day"])
    # Alvarez (kept), Diaz (no-show) remain; Chen cancelled; Baker moved to the 16th.
    assert (fifteenth.booked, fifteenth.cancelled, fifteenth.checked_in, fifteenth.no_shows) == (2, 1, 1, 1)
    assert fifteenth.walk_ins == 2
    assert fifteenth.staff_minutes == 30 and fifteenth.interpreter_minutes == 0
    sixteenth = row(office, at(10, day=16).date())
    assert (sixteenth.booked, sixteenth.staff_minutes, sixteenth.interpreter_minutes) == (1, 15, 15)
    waits = {(w.kind, w.bucket): w.count for w in OfficeDayWait.objects.filter(office=office)}
    # Checked in 8:50 for 9:00, done 9:40 for a 15-minute service: 25 minutes over. Walk-in: 7 minutes.
    assert waits == {(WaitKind.APPOINTMENT, bucket_of(25 * 60)): 1, (WaitKind.WALK_IN, bucket_of(7 * 60)): 1}


def test_rebuilt_counters_equal_the_incrementally_kept_ones(office, clerk):
    busy_day(office, clerk)
    other = OfficeFactory(region=3)
    staff_resource(other)
    book(other, at(9), "Evans")
    kept = snapshot()
    assert kept[0] and kept[1]
    OfficeDayStats.objects.update(booked=99)  # damage them
    OfficeDayWait.objects.all().delete()
    out = io.StringIO()
    call_command("stats_rebuild", stdout=out)
    assert snapshot() == kept
    assert "from 5 appointments and 2 walk-in tickets" in out.getvalue()


def test_a_booking_costs_one_statement_for_its_statistics(office):
    service = Service.objects.get(code="direct_deposit_change")
    appointment = book(office, at(9))
    with CaptureQueriesContext(connection) as queries:
        stats.record_appointment_booked(appointment)
    assert len(queries) == 1 and "ON CONFLICT" in queries[0]["sql"]
    assert OfficeDayStats.objects.get(office=office, service=service).booked == 2


def test_a_refused_booking_counts_nothing(office):
    book(office, at(9))
    book(office, at(9), "Other")  # both agents now hold 9:00
    before = snapshot()
    with pytest.raises(Conflict):
        book(office, at(9), "Third")
    assert snapshot() == before


def test_a_move_within_the_same_day_changes_no_count(office):
    appointment = book(office, at(9))
    before = snapshot()
    services.appointment_reschedule(actor=None, appointment=appointment, starts_at=at(11), now=at(8, day=1))
    assert snapshot() == before


def test_record_office_wait_takes_a_ticket_s_wait_and_refuses_an_unknown_kind(office):
    day = at(9).date()
    stats.record_office_wait(office_id=office.id, day=day, seconds=3 * 60, kind=WaitKind.WALK_IN)
    stats.record_office_wait(office_id=office.id, day=day, seconds=4 * 60, kind=WaitKind.WALK_IN)
    assert OfficeDayWait.objects.get(office=office, day=day, kind="walk_in", bucket=0).count == 2
    with pytest.raises(ValueError):
        stats.record_office_wait(office_id=office.id, day=day, seconds=60, kind="teleport")


def test_rebuild_reports_what_it_read(office, clerk):
    busy_day(office, clerk)
    counts = stats_rebuild()
    assert counts["appointments"] == 4 and counts["walk_ins"] == 2


def test_percentiles_come_from_the_buckets():
    assert percentile_minutes({}, 50) is None
    counts = {bucket_of(3 * 60): 5, bucket_of(25 * 60): 4, bucket_of(200 * 60): 1}
    assert percentile_minutes(counts, 50) == 5
    assert percentile_minutes(counts, 90) == 30
    assert percentile_minutes(counts, 100) == 120
