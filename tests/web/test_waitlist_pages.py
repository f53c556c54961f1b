"""The waitlist on every surface: the public pages (English and Spanish), the API and the clerk's console."""

import uuid
from datetime import datetime

import pytest
from django.test import Client
from django.utils import dateformat

from frontdesk.accounts.roles import Role
from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Appointment, OfferStatus, WaitlistEntry, WaitlistOffer
from tests.factories import OfficeFactory, direct_deposit_booking, staff_resource, staff_user
from tests.web.auth import verified_login

pytestmark = pytest.mark.django_db
DOB = {"dob_month": "5", "dob_day": "17", "dob_year": "1960"}
WISHES = {
    "zip": "10007",
    "radius_miles": "25",
    "mode": "in_person",
    "weekdays": ["0", "1", "2", "3", "4"],
    "earliest": "07:00:00",
    "latest": "19:00:00",
}


def book(office, when, last_name="Rivera"):
    return direct_deposit_booking(office, when, last_name)


def signed_in(appointment, language=""):
    web = Client()
    answer = web.post(
        f"{language}/appointment/find/", {"code": appointment.code, "last_name": appointment.person.last_name} | DOB
    )
    assert answer.status_code == 302
    return web


@pytest.fixture
def offered(office, times, django_capture_on_commit_callbacks):
    """Ortiz waits (booked late), then an early booking is cancelled: the offer goes to Ortiz."""
    freed = book(office, times[0], "Early")
    waiting = book(office, times[-1], "Ortiz")
    web = signed_in(waiting)
    assert web.post("/appointment/waitlist/", WISHES).status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(actor=None, appointment=freed)
    return WaitlistOffer.objects.get(), waiting, web


def test_the_appointment_page_leads_to_the_waitlist_and_joining_shows_it(office, times):
    appointment = book(office, times[-1])
    web = signed_in(appointment)
    assert 'id="waitlist-link"' in web.get("/appointment/").content.decode()
    page = web.get("/appointment/waitlist/")
    assert page.status_code == 200 and "Join the waitlist" in page.content.decode()
    # Hours as the site writes times, valued as the form reads them.
    for value, label in (("07:00:00", "7 a.m."), ("12:00:00", "noon"), ("17:00:00", "5 p.m.")):
        assert f'<option value="{value}"' in page.content.decode() and f">{label}</option>" in page.content.decode()
    assert web.post("/appointment/waitlist/", WISHES)["Location"] == "/appointment/"
    entry = WaitlistEntry.objects.get()
    assert entry.appointment == appointment and entry.office_ids == [office.id]
    assert 'id="waitlist-status"' in web.get("/appointment/waitlist/").content.decode()
    # Leaving keeps the appointment.
    web.post("/appointment/waitlist/", {"action": "leave"})
    entry.refresh_from_db()
    assert entry.status == "withdrawn"
    assert Appointment.objects.get(pk=appointment.pk).status == "booked"


def test_the_join_page_is_in_spanish_and_says_what_is_wrong(office, times):
    web = signed_in(book(office, times[-1]), language="/es")
    page = web.get("/es/appointment/waitlist/").content.decode()
    assert "Pedir una hora más temprana" in page
    assert ">17:00</option>" in page  # Spanish writes times on the 24-hour clock
    wrong = web.post("/es/appointment/waitlist/", WISHES | {"weekdays": []}).content.decode()
    assert "Error:" in wrong and not WaitlistEntry.objects.exists()


def test_without_a_verified_look_up_the_join_page_sends_to_find(web, office):
    assert web.get("/appointment/waitlist/")["Location"] == "/appointment/find/"
    assert web.post("/appointment/waitlist/", WISHES)["Location"] == "/appointment/find/"
    assert not WaitlistEntry.objects.exists()


def test_the_offer_link_asks_for_the_look_up_then_takes_the_time(offered, times):
    offer, waiting, _ = offered
    web = Client()  # the link opened on another device: nothing is shown before the look-up
    page = web.get(f"/waitlist/offer/{offer.public_id}/")
    assert page.status_code == 200 and "See the offer" in page.content.decode()
    assert waiting.office.name not in page.content.decode()
    answer = web.post(f"/waitlist/offer/{offer.public_id}/", {"code": waiting.code, "last_name": "Ortiz"} | DOB)
    assert answer["Location"] == f"/waitlist/offer/{offer.public_id}/"
    shown = web.get(answer["Location"]).content.decode()
    assert "Take this time" in shown
    # The office's time and zone, not the server's UTC.
    start, until = (moment.astimezone(waiting.office.zone) for moment in (offer.starts_at, offer.expires_at))
    when = f"{start:%A}, {dateformat.format(start, 'N j, Y')}, {dateformat.format(start, 'P')} ({start:%Z})"
    assert f'<dd id="offer-time">{when}</dd>' in shown
    assert f"kept for you until {dateformat.format(until, 'P')} ({until:%Z})." in shown
    taken = web.post(f"/waitlist/offer/{offer.public_id}/", {"action": "claim"})
    assert taken["Location"] == "/appointment/"
    waiting.refresh_from_db()
    assert waiting.starts_at == times[0]
    offer.refresh_from_db()
    assert offer.status == OfferStatus.CLAIMED


def test_someone_elses_look_up_cannot_open_or_take_an_offer(offered, office, times):
    offer, _waiting, _ = offered
    other = book(office, times[5], "Bot")
    web = Client()
    answer = web.post(f"/waitlist/offer/{offer.public_id}/", {"code": other.code, "last_name": "Bot"} | DOB)
    assert answer.status_code == 200 and "We found no such offer for you." in answer.content.decode()
    web.post(f"/waitlist/offer/{offer.public_id}/", {"action": "claim"})
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OPEN
    assert web.get(f"/waitlist/offer/{uuid.uuid4()}/").status_code == 404


def test_refusing_on_the_site_keeps_the_appointment(offered, times):
    offer, waiting, web = offered
    assert web.post(f"/waitlist/offer/{offer.public_id}/", {"action": "decline"})["Location"] == "/appointment/"
    offer.refresh_from_db()
    waiting.refresh_from_db()
    assert offer.status == OfferStatus.DECLINED and waiting.starts_at == times[-1]
    closed = web.get(f"/waitlist/offer/{offer.public_id}/").content.decode()
    assert 'id="offer-status"' in closed and "Take this time" not in closed


# --- The API --------------------------------------------------------------------------------------


def api_body(appointment, **extra):
    return {
        "code": appointment.code,
        "last_name": appointment.person.last_name,
        "date_of_birth": "1960-05-17",
    } | extra


API_WISHES = {
    "zip": "10007",
    "radius_miles": 25,
    "mode": "in_person",
    "weekdays": [0, 1, 2, 3, 4],
    "earliest": "07:00",
    "latest": "19:00",
}


def test_the_api_joins_once_and_says_so_in_json(web, office, times):
    appointment = book(office, times[-1])
    first = web.post("/api/v1/waitlist", api_body(appointment, **API_WISHES), content_type="application/json")
    assert first.status_code == 201 and first.json()["status"] == "waiting" and first.json()["offices"] == 1
    again = web.post("/api/v1/waitlist", api_body(appointment, **API_WISHES), content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_waiting"
    bad = web.post(
        "/api/v1/waitlist", api_body(appointment, **(API_WISHES | {"weekdays": [9]})), content_type="application/json"
    )
    assert bad.status_code == 422 and set(bad.json()) >= {"code", "message"}
    left = web.post("/api/v1/waitlist/leave", api_body(appointment), content_type="application/json")
    assert left.status_code == 200 and left.json()["status"] == "withdrawn"


def test_the_api_reads_claims_and_refuses_only_for_the_person(web, offered, office, times):
    offer, waiting, _ = offered
    other = book(office, times[5], "Bot")
    stolen = web.post(
        "/api/v1/waitlist/offer/claim", api_body(other, offer=str(offer.public_id)), content_type="application/json"
    )
    assert stolen.status_code == 404 and stolen.json()["code"] == "offer_not_found"
    seen = web.post(
        "/api/v1/waitlist/offer", api_body(waiting, offer=str(offer.public_id)), content_type="application/json"
    )
    assert seen.status_code == 200 and seen.json()["status"] == "open" and seen.json()["office"] == office.code
    taken = web.post(
        "/api/v1/waitlist/offer/claim", api_body(waiting, offer=str(offer.public_id)), content_type="application/json"
    )
    assert taken.status_code == 200 and taken.json()["code"] == waiting.code
    assert datetime.fromisoformat(taken.json()["starts_at"]) == times[0]
    twice = web.post(
        "/api/v1/waitlist/offer/decline", api_body(waiting, offer=str(offer.public_id)), content_type="application/json"
    )
    assert twice.status_code == 409 and twice.json()["code"] == "offer_closed"


def test_waitlist_endpoints_are_limited_per_client(web, office, times, settings):
    settings.FRONTDESK_LOOKUP_RATE_CLIENT = "2/10m"
    appointment = book(office, times[-1])
    answers = [
        web.post(
            "/api/v1/waitlist/offer", api_body(appointment, offer=str(uuid.uuid4())), content_type="application/json"
        )
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [404, 404, 429]


# --- The console ----------------------------------------------------------------------------------


def test_a_clerk_puts_a_caller_on_the_waitlist(clerk_web, office, times):
    appointment = book(office, times[-1])
    page = clerk_web.get(f"/console/waitlist/add/?code={appointment.code}")
    assert page.status_code == 200 and appointment.code in page.content.decode()
    answer = clerk_web.post("/console/waitlist/add/", WISHES | {"code": appointment.code})
    assert answer.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert entry.created_by.username == "clerk"
    again = clerk_web.post("/console/waitlist/add/", WISHES | {"code": appointment.code}).content.decode()
    assert "already on the waitlist" in again


def test_a_clerk_of_another_office_cannot(office, times):
    appointment = book(office, times[-1])
    elsewhere = OfficeFactory(code="B02")
    staff_resource(elsewhere)
    web = verified_login(Client(), staff_user("far", Role.COUNTER_CLERK, elsewhere))
    answer = web.post("/console/waitlist/add/", WISHES | {"code": appointment.code}).content.decode()
    assert "No appointment with that code" in answer and not WaitlistEntry.objects.exists()


def test_the_clerks_day_marks_times_taken_from_the_waitlist(clerk_web, offered, office, times):
    offer, waiting, web = offered
    web.post(f"/waitlist/offer/{offer.public_id}/", {"action": "claim"})
    day = times[0].astimezone(office.zone).date()
    page = clerk_web.get("/console/schedule/", {"date": day.isoformat(), "purpose": "run_schedule"}).content.decode()
    row = page[page.index(f'id="appt-{waiting.code}"') :]
    row = row[: row.index("</tr>")]
    assert "From waitlist" in row
    assert page.count("From waitlist") == 1
    assert LedgerEvent.objects.filter(type="scheduling.waitlist.offer_claimed").exists()


def test_public_bookings_are_limited_per_client(web, office, times, settings):
    settings.FRONTDESK_LOOKUP_RATE_CLIENT = "2/10m"
    body = {
        "office": office.code,
        "service": "direct_deposit_change",
        "mode": "in_person",
        "person": {"first_name": "Ana", "last_name": "Rivera", "date_of_birth": "1960-05-17"},
    }
    answers = [
        web.post("/api/v1/appointments", body | {"starts_at": when.isoformat()}, content_type="application/json")
        for when in times[:3]
    ]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[-1].json()["code"] == "too_many_attempts" and int(answers[-1]["Retry-After"]) > 0
    assert Appointment.objects.count() == 2
