"""A booking chooses its resources from the day `bookable_time_check` loaded (one load per booking, not
two); when that choice is stale because someone else just took the resource, the database refuses the
hold and the booking takes another free resource, or answers 409 when none is left."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontdesk.core.errors import Conflict, ValidationFailed
from frontdesk.scheduling import availability, services
from frontdesk.scheduling.availability import Need
from frontdesk.scheduling.models import ResourceHold, Service
from tests.factories import OfficeFactory, person, staff_resource

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 3, 1, tzinfo=UTC)
WHEN = datetime(2027, 3, 15, 10, tzinfo=ZoneInfo("America/New_York"))


def service():
    return Service.objects.get(code="direct_deposit_change")


def book(office, **kwargs):
    return services.appointment_book(
        actor=None,
        office=office,
        service=service(),
        mode="in_person",
        starts_at=WHEN,
        person=person(),
        now=NOW,
        **kwargs,
    )


def stale_check(monkeypatch):
    """Every booking's check returns the window loaded before any of these bookings were made."""
    loaded = {}
    check = availability.bookable_time_check

    def stale(**kwargs):
        key = kwargs["office"].id
        if key not in loaded:
            loaded[key] = check(**kwargs)
        return loaded[key]

    monkeypatch.setattr(services, "bookable_time_check", stale)


def test_a_stale_choice_falls_back_to_the_other_free_resource(monkeypatch):
    office = OfficeFactory()
    staff_resource(office, name="One")
    staff_resource(office, name="Two")
    stale_check(monkeypatch)
    first, second = book(office), book(office)  # both first choose the same (then least-loaded) agent
    held = [ResourceHold.objects.get(appointment=a, active=True).resource_id for a in (first, second)]
    assert len(set(held)) == 2


def test_a_stale_choice_with_nothing_left_is_a_conflict(monkeypatch):
    office = OfficeFactory()
    staff_resource(office, name="Only")
    stale_check(monkeypatch)
    book(office)
    with pytest.raises(Conflict):
        book(office)
    assert ResourceHold.objects.filter(active=True).count() == 1


def test_the_day_is_loaded_once_per_booking():
    office = OfficeFactory()
    staff_resource(office, name="One")
    book(office)  # warm: the service row and anything else read once
    with CaptureQueriesContext(connection) as queries:
        services.appointment_book(
            actor=None,
            office=office,
            service=service(),
            mode="in_person",
            starts_at=WHEN.replace(hour=11),
            person=person(),
            now=NOW,
        )
    resource_reads = [q for q in queries.captured_queries if 'FROM "offices_resource"' in q["sql"]]
    assert len(resource_reads) == 1


def test_an_office_that_cannot_serve_the_need_is_refused_with_a_reason():
    office = OfficeFactory()  # no staff at all
    need = Need(service=service(), mode="in_person")
    with pytest.raises(ValidationFailed) as refused:
        availability.bookable_time_check(office=office, need=need, starts_at=WHEN, now=NOW)
    assert refused.value.field == "office"
