"""A person joins the waitlist and takes an offered earlier time, in English and Spanish; axe on each page."""

from datetime import timedelta

import pytest

from frontdesk.offices.calendar import local_today
from frontdesk.scheduling import services
from frontdesk.scheduling.availability import Need, office_slots
from frontdesk.scheduling.models import Appointment, OfferStatus, Service, WaitlistOffer
from tests.factories import OfficeFactory, direct_deposit_booking, staff_resource

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def office(catalog):
    office = OfficeFactory(code="A01", zip_code="10007", name="Lower Manhattan")
    staff_resource(office, name="Agent One")
    return office


def book(office, when, last_name):
    return direct_deposit_booking(office, when, last_name)


def look_up(visit, code: str, last_name: str) -> None:
    page = visit.page
    page.fill("#id_code", code)
    page.fill("#id_last_name", last_name)
    page.select_option("#id_dob_month", "5")
    page.fill("#id_dob_day", "17")
    page.fill("#id_dob_year", "1960")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


@pytest.mark.parametrize("language", ["", "/es"], ids=["english", "spanish"])
def test_join_the_waitlist_and_take_an_offered_time(visit, office, language):
    need = Need(service=Service.objects.get(code="direct_deposit_change"), mode="in_person")
    today = local_today(office)
    slots = office_slots(office=office, need=need, start=today + timedelta(days=2), end=today + timedelta(days=30))
    early = book(office, slots[0].starts_at, "Early")
    waiting = book(office, slots[-1].starts_at, "Ortiz")
    suffix = "es" if language else "en"
    page = visit.page

    # Early cancels before Ortiz asks: the freed time is held from the public until the waitlist has had
    # it, and Ortiz is offered it on joining, not at the next sweep (docs/adr/0041).
    services.appointment_cancel(actor=None, appointment=early)

    visit.open(f"{language}/appointment/find/")
    look_up(visit, waiting.code, "Ortiz")
    visit.open(f"{language}/appointment/waitlist/")
    visit.check(f"waitlist-join-{suffix}")
    page.fill("#id_zip", "10007")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/appointment/" in page.url

    offer = WaitlistOffer.objects.get()
    assert offer.starts_at == slots[0].starts_at

    page.context.clear_cookies()  # the link opened later, without the earlier look-up
    visit.open(f"{language}/waitlist/offer/{offer.public_id}/")
    visit.check(f"waitlist-verify-{suffix}")
    look_up(visit, waiting.code, "Ortiz")
    assert page.locator("#take-offer").is_visible()
    visit.check(f"waitlist-offer-{suffix}")
    with page.expect_navigation():
        page.locator("#take-offer").click()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.CLAIMED
    assert Appointment.objects.get(pk=waiting.pk).starts_at == slots[0].starts_at
    visit.check(f"waitlist-taken-{suffix}")
