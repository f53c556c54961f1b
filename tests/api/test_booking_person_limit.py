"""Public bookings are limited per person and per client address (issue 14, "bots do not win").

A script that grabs times for one customer from many addresses escapes the per-client limit; the count
per person (names as compared everywhere, and birth date) stops it, on the site and the API together.
Staff booking for a caller are not counted.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django_ratelimit.core import get_usage

from frontdesk.core.errors import TooManyAttempts
from frontdesk.scheduling.models import Appointment
from frontdesk.scheduling.throttle import BOOKING_CLIENT, booking_person_key, booking_throttle, client_key

from .conftest import booking

pytestmark = pytest.mark.django_db


def slots(api, count):
    response = api.get(
        "/api/v1/availability",
        {"service": "direct_deposit_change", "mode": "in_person", "office": "A01", "limit": count},
    )
    assert response.status_code == 200, response.content
    return response.json()


def book(slot, address, **person):
    body = booking(slot)
    body["person"] |= person
    return Client(REMOTE_ADDR=address).post("/api/v1/appointments", body, content_type="application/json")


@pytest.fixture
def limit(settings):
    settings.FRONTDESK_BOOKING_RATE_PERSON = "3/d"
    return 3


def test_one_person_from_many_addresses_is_stopped(office, api, limit):
    free = slots(api, limit + 2)
    for n in range(limit):
        assert book(free[n], f"198.51.100.{n + 1}").status_code == 201
    refused = book(free[limit], "198.51.100.99")
    assert refused.status_code == 429
    assert refused.json()["code"] == "too_many_attempts"
    assert int(refused["Retry-After"]) > 0
    assert Appointment.objects.count() == limit  # nothing written for the refused booking
    # Someone else, from the same address, still books.
    assert book(free[limit], "198.51.100.99", first_name="Beatriz", last_name="Soto").status_code == 201


def test_spelling_variants_of_a_name_count_as_one_person(limit):
    born = date(1960, 5, 17)
    key = booking_person_key(first_name="José", last_name="Núñez-Rivera", date_of_birth=born)
    assert booking_person_key(first_name="JOSE", last_name="nunez rivera", date_of_birth=born) == key
    assert booking_person_key(first_name="Jose", last_name="Nunez Rivera", date_of_birth=date(1960, 5, 18)) != key


def test_moves_count_with_bookings(office, api, limit):
    free = slots(api, limit + 2)
    made = book(free[0], "198.51.100.1").json()
    verify = {"code": made["code"], "last_name": "Rivera", "date_of_birth": "1960-05-17"}
    for n in range(1, limit):
        moved = Client(REMOTE_ADDR=f"198.51.100.{n + 1}").post(
            "/api/v1/appointments/reschedule",
            verify | {"starts_at": free[n]["starts_at"]},
            content_type="application/json",
        )
        assert moved.status_code == 200, moved.content
    refused = Client(REMOTE_ADDR="198.51.100.50").post(
        "/api/v1/appointments/reschedule",
        verify | {"starts_at": free[limit]["starts_at"]},
        content_type="application/json",
    )
    assert refused.status_code == 429
    assert Appointment.objects.get(code=made["code"]).starts_at.isoformat() == free[limit - 1]["starts_at"].replace(
        "Z", "+00:00"
    )


def test_the_site_counts_with_the_api(office, api, limit, settings):
    free = slots(api, limit + 1)
    for n in range(limit):
        assert book(free[n], f"198.51.100.{n + 1}").status_code == 201
    # The site's details step for the same person now says to wait, and books nothing.
    slot = free[limit]
    page = Client(REMOTE_ADDR="198.51.100.77").post(
        "/book/details/",
        {
            "office": "A01",
            "service": "direct_deposit_change",
            "mode": "in_person",
            "start": slot["starts_at"],
            "first_name": "Ana",
            "last_name": "Rivera",
            "dob_month": "5",
            "dob_day": "17",
            "dob_year": "1960",
            "email": "ana@example.org",
            "token": "t-1",
        },
    )
    assert page.status_code == 200
    assert "Too many tries. For your safety, please wait" in page.content.decode()
    assert Appointment.objects.count() == limit


def test_staff_booking_for_a_caller_is_not_counted(office, api, clerk_api, limit):
    free = slots(api, limit + 1)
    for n in range(limit):
        assert book(free[n], f"198.51.100.{n + 1}").status_code == 201
    by_clerk = clerk_api.post("/api/v1/staff/appointments", booking(free[limit]), content_type="application/json")
    assert by_clerk.status_code == 201, by_clerk.content


def test_one_address_booking_for_many_made_up_people_is_stopped(office, api, settings):
    settings.FRONTDESK_BOOKING_RATE_CLIENT = "3/d"
    free = slots(api, 5)
    names = ["Alpha", "Bravo", "Charlie", "Delta"]
    answers = [book(free[n], "203.0.113.66", first_name="Resold", last_name=names[n]) for n in range(4)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert answers[3].json()["code"] == "too_many_attempts"
    assert Appointment.objects.count() == 3
    # Another address is not held back by that one.
    assert book(free[3], "198.51.100.8", first_name="Resold", last_name="Echo").status_code == 201


def test_a_day_limit_still_counts_tries_spread_over_the_day(db, settings):
    """A counter keeps its window's expiry when it is incremented: with Django's own database cache every
    increment reset the expiry to five minutes, so tries ten minutes apart were never counted past one."""
    settings.FRONTDESK_BOOKING_RATE_CLIENT = "20/d"
    client = client_key("203.0.113.66")
    # django-ratelimit's windows are fixed and staggered by key: start where the whole run fits in one.
    with time_machine.travel(datetime(2027, 3, 1, 6, tzinfo=UTC), tick=False):
        usage = get_usage(None, group=BOOKING_CLIENT, key=lambda _g, _r: client, rate="20/d", increment=False)
    start = datetime(2027, 3, 1, 6, tzinfo=UTC) + timedelta(seconds=usage["time_left"] + 1)
    with time_machine.travel(start, tick=False) as clock:
        for n in range(20):
            clock.move_to(start + timedelta(minutes=10 * n))
            booking_throttle(person=f"made-up person {n}", client=client)
        clock.move_to(start + timedelta(minutes=10 * 20))
        with pytest.raises(TooManyAttempts):
            booking_throttle(person="made-up person 20", client=client)
