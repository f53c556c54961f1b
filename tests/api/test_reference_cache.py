"""Offices and services are cached per process (frontdesk.core.reference_cache): an edit is seen at once
in the process that made it, a booking never follows hours the office no longer has, and a service
withdrawn or changed is not booked as it was."""

from datetime import date, datetime, time, timedelta

import pytest

from frontdesk.accounts.roles import Role
from frontdesk.core import reference_cache
from frontdesk.offices import lookups
from frontdesk.offices.lookups import office_with_hours
from frontdesk.offices.services import office_hours_set
from frontdesk.scheduling.models import Appointment, Service
from frontdesk.scheduling.service_lookup import active_service
from tests.factories import OfficeFactory, staff_user

from .conftest import booking

pytestmark = pytest.mark.django_db

SERVICE = "direct_deposit_change"


def slots(api, **extra):
    response = api.get(
        "/api/v1/availability", {"service": SERVICE, "mode": "in_person", "office": "A01", "limit": 100, **extra}
    )
    assert response.status_code == 200, response.content
    return response.json()


def afternoon_slot(api) -> dict:
    """A slot at 14:00 or later, office time (the office opens 9 to 16), on a day a week ahead: that
    day's morning is still to come whatever the time now."""
    start = (date.today() + timedelta(days=7)).isoformat()
    return next(s for s in slots(api, start=start) if datetime.fromisoformat(s["local_start"]).time() >= time(14))


def test_shorter_hours_refuse_a_booking_the_cached_office_would_have_taken(api, office):
    slot = afternoon_slot(api)  # the office and its hours are now cached
    assert office_with_hours("a01") is office_with_hours("A01")  # served from the cache
    weekday = datetime.fromisoformat(slot["local_start"]).weekday()
    manager = staff_user("manager", Role.OFFICE_MANAGER, office)

    office_hours_set(actor=manager, office=office, weekday=weekday, opens=time(9), closes=time(12))

    answer = api.post("/api/v1/appointments", booking(slot), content_type="application/json")
    assert answer.status_code == 422, answer.content
    assert answer.json()["field"] == "starts_at"
    assert not Appointment.objects.exists()
    day = datetime.fromisoformat(slot["local_start"]).date().isoformat()
    offered = slots(api, start=day, end=day)
    assert offered and all(datetime.fromisoformat(s["local_start"]).time() < time(12) for s in offered)


def test_a_day_closed_after_caching_is_not_offered_or_booked(api, office):
    slot = afternoon_slot(api)
    weekday = datetime.fromisoformat(slot["local_start"]).weekday()
    manager = staff_user("manager", Role.OFFICE_MANAGER, office)

    office_hours_set(actor=manager, office=office, weekday=weekday, opens=None, closes=None)

    day = datetime.fromisoformat(slot["local_start"]).date().isoformat()
    assert slots(api, start=day, end=day) == []
    answer = api.post("/api/v1/appointments", booking(slot), content_type="application/json")
    assert answer.status_code == 422 and "closed" in answer.json()["message"]


def test_a_renamed_office_is_shown_with_its_new_name(api, office):
    assert api.get("/api/v1/offices/A01").json()["name"] == office.name
    office.name = "Downtown"
    office.save()
    assert api.get("/api/v1/offices/A01").json()["name"] == "Downtown"


def test_a_withdrawn_service_cannot_be_booked(api, office):
    slot = afternoon_slot(api)  # the service is now cached
    service = Service.objects.get(code=SERVICE)
    service.active = False
    service.save()

    answer = api.post("/api/v1/appointments", booking(slot), content_type="application/json")
    assert answer.status_code == 422 and answer.json()["field"] == "service"
    assert active_service(SERVICE) is None


def test_a_changed_service_books_with_its_new_length_and_name(api, office):
    slot = slots(api)[0]
    service = Service.objects.get(code=SERVICE)
    service.duration_minutes, service.name_en = 15, "Change where your payment goes"
    service.save()

    created = api.post("/api/v1/appointments", booking(slot), content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["service_name_en"] == "Change where your payment goes"
    assert (datetime.fromisoformat(body["ends_at"]) - datetime.fromisoformat(body["starts_at"])).seconds == 15 * 60


def test_an_unknown_code_is_not_remembered(api, office):
    assert office_with_hours("Z99") is None
    OfficeFactory(code="Z99")
    assert office_with_hours("Z99") is not None


def test_the_cache_lives_its_seconds_then_reloads(settings, monkeypatch):
    loads: list[str] = []
    cache = reference_cache.ReferenceCache(lambda key: loads.append(key) or key.upper())
    clock = [1000.0]
    monkeypatch.setattr(reference_cache.time, "monotonic", lambda: clock[0])
    settings.FRONTDESK_REFERENCE_CACHE_SECONDS = 30

    assert cache.get("a") == "A" and cache.get("a") == "A"
    assert loads == ["a"]
    clock[0] += 31
    assert cache.get("a") == "A"
    assert loads == ["a", "a"]

    settings.FRONTDESK_REFERENCE_CACHE_SECONDS = 0  # off: every read loads
    cache.get("a"), cache.get("a")
    assert loads == ["a", "a", "a", "a"]


def test_a_save_forgets_again_when_its_transaction_commits(office, monkeypatch, django_capture_on_commit_callbacks):
    loads: list[str] = []
    original = lookups.offices_by_code._load
    monkeypatch.setattr(lookups.offices_by_code, "_load", lambda code: loads.append(code) or original(code))
    with django_capture_on_commit_callbacks(execute=True):
        office.name = "Uptown"
        office.save()
        office_with_hours("A01")  # a reader in between caches the row before the commit
        assert loads == ["A01"]
    assert office_with_hours("A01").name == "Uptown"
    assert loads == ["A01", "A01"]  # what was read before the commit was dropped at the commit
