"""A person with no booking on the waitlist (docs/adr/0036): the API (with a one-time code to the contact
given) and the clerk's console (a caller on the phone) call the same rule; a claim books the time."""

import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import dateformat

from frontdesk.accounts.roles import Role
from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling import replies, services, waitlist
from frontdesk.scheduling.models import Appointment, OfferStatus, Service, WaitlistEntry, WaitlistOffer, WaitlistStatus
from frontdesk.scheduling.sms import MemorySmsBackend
from tests.factories import OfficeFactory, person, staff_resource, staff_user
from tests.web.auth import verified_login

pytestmark = pytest.mark.django_db

PERSON = {"first_name": "Lucia", "last_name": "Mendoza", "date_of_birth": "1975-02-03", "email": "lucia@example.org"}
REQUEST = {
    "person": PERSON,
    "service": "direct_deposit_change",
    "zip": "10007",
    "radius_miles": 25,
    "mode": "in_person",
    "weekdays": [0, 1, 2, 3, 4],
    "earliest": "07:00",
    "latest": "19:00",
}
FORM = {
    "first_name": "Lucia",
    "last_name": "Mendoza",
    "date_of_birth": "1975-02-03",
    "email": "lucia@example.org",
    "phone": "",
    "preferred_language": "en",
    "interpreter_language": "",
    "zip": "10007",
    "radius_miles": "25",
    "mode": "in_person",
    "weekdays": ["0", "1", "2", "3", "4"],
    "earliest": "07:00:00",
    "latest": "19:00:00",
}


def post(web, path, body):
    return web.post(f"/api/v1{path}", body, content_type="application/json")


def last_code() -> str:
    found = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    return found.group(1)


def cancel_first(office, when, django_capture_on_commit_callbacks):
    freed = services.appointment_book(
        actor=None,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=when,
        person=person("Early"),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(actor=None, appointment=freed)


def test_the_api_joins_after_the_one_time_code_and_a_claim_books_the_time(
    web, office, times, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        asked = post(web, "/waitlist/request", REQUEST)
    assert asked.status_code == 202 and asked.json()["status"] == "unverified"
    request_id = asked.json()["id"]
    assert mail.outbox[-1].to == ["lucia@example.org"] and "waitlist code" in mail.outbox[-1].subject
    code = last_code()
    # Not in line before the code is typed; a wrong code is counted and refused.
    wrong = post(web, "/waitlist/request/confirm", {"request": request_id, "one_time_code": "000000"})
    if code == "000000":  # one chance in a million
        return
    assert wrong.status_code == 403 and wrong.json()["code"] == "code_wrong"
    assert WaitlistEntry.objects.get().code_attempts == 1
    confirmed = post(web, "/waitlist/request/confirm", {"request": request_id, "one_time_code": code})
    assert confirmed.status_code == 201 and confirmed.json()["status"] == "waiting"
    spent = post(web, "/waitlist/request/confirm", {"request": request_id, "one_time_code": code})
    assert spent.status_code == 404
    again = post(web, "/waitlist/request", REQUEST)
    assert again.status_code == 409 and again.json()["code"] == "already_waiting"

    # Any time that fits is offered (there is no booking to be earlier than).
    cancel_first(office, times[3], django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    assert offer.entry.appointment is None and offer.starts_at == times[3]
    assert "one-time code" in mail.outbox[-1].body and "confirmation code" not in mail.outbox[-1].body
    with django_capture_on_commit_callbacks(execute=True):
        assert post(web, "/waitlist/offer/code", {"offer": str(offer.public_id)}).status_code == 202
    taken = post(web, "/waitlist/offer/claim-with-code", {"offer": str(offer.public_id), "one_time_code": last_code()})
    assert taken.status_code == 201, taken.json()
    booked = Appointment.objects.get(code=taken.json()["code"])
    entry = WaitlistEntry.objects.get()
    assert booked.person_id == entry.person_id and booked.starts_at == times[3]
    assert entry.status == WaitlistStatus.FULFILLED and entry.appointment == booked
    assert WaitlistOffer.objects.get().status == OfferStatus.CLAIMED
    # The public log carries pseudonyms and ids, no name or contact.
    logged = " ".join(e.canonical for e in LedgerEvent.objects.filter(type__startswith="scheduling.waitlist"))
    assert "Mendoza" not in logged and "lucia@" not in logged
    assert LedgerEvent.objects.filter(type="scheduling.waitlist.offer_claimed").count() == 1


def test_an_offer_without_a_booking_needs_its_own_code(web, office, times, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_id = post(web, "/waitlist/request", REQUEST).json()["id"]
    post(web, "/waitlist/request/confirm", {"request": request_id, "one_time_code": last_code()})
    cancel_first(office, times[2], django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    # No code was asked for this offer: nothing to guess.
    refused = post(web, "/waitlist/offer/claim-with-code", {"offer": str(offer.public_id), "one_time_code": "123456"})
    assert refused.status_code == 403 and refused.json()["code"] == "code_expired"
    made_up = post(web, "/waitlist/offer/code", {"offer": "00000000-0000-0000-0000-000000000000"})
    assert made_up.status_code == 202
    with django_capture_on_commit_callbacks(execute=True):
        post(web, "/waitlist/offer/code", {"offer": str(offer.public_id)})
    declined = post(
        web, "/waitlist/offer/decline-with-code", {"offer": str(offer.public_id), "one_time_code": last_code()}
    )
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert WaitlistEntry.objects.get().status == WaitlistStatus.WAITING
    assert not Appointment.objects.filter(person__last_name="Mendoza").exists()


def test_the_code_message_is_in_spanish_for_a_spanish_speaker(web, office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post(web, "/waitlist/request", REQUEST | {"person": PERSON | {"preferred_language": "es"}})
    assert "lista de espera" in mail.outbox[-1].body


def test_a_request_needs_a_contact_to_send_the_code_to(web, office):
    person_only = {k: v for k, v in PERSON.items() if k != "email"}
    answer = post(web, "/waitlist/request", REQUEST | {"person": person_only})
    assert answer.status_code == 422 and "email address or a phone" in answer.json()["message"]
    assert not WaitlistEntry.objects.exists()


def test_a_clerk_adds_a_caller_without_a_booking_once(clerk_web, office, times, django_capture_on_commit_callbacks):
    page = clerk_web.get("/console/waitlist/add-caller/")
    assert page.status_code == 200 and "without a booking" in page.content.decode()
    service = Service.objects.get(code="direct_deposit_change")
    # Services by name and interpreters from the list the booking pages use, not codes typed from memory.
    assert f'<option value="{service.pk}">Change where your payment is deposited</option>' in page.content.decode()
    assert '<option value="ase">American Sign Language (ASL)</option>' in page.content.decode()
    unknown = clerk_web.post(
        "/console/waitlist/add-caller/", FORM | {"service": str(service.pk), "interpreter_language": "xx"}
    )
    assert "Select a valid choice" in unknown.content.decode() and not WaitlistEntry.objects.exists()
    answer = clerk_web.post("/console/waitlist/add-caller/", FORM | {"service": str(service.pk)})
    assert answer.status_code == 302
    entry = WaitlistEntry.objects.get()
    assert entry.appointment is None and entry.status == WaitlistStatus.WAITING
    assert entry.created_by.username == "clerk" and entry.service == service
    again = clerk_web.post("/console/waitlist/add-caller/", FORM | {"service": str(service.pk)}).content.decode()
    assert "already on the waitlist" in again and WaitlistEntry.objects.count() == 1
    # The same entry then gets the freed time; the clerk can take it for the caller on the phone.
    cancel_first(office, times[1], django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    clerk = entry.created_by
    booked = waitlist.offer_claim(actor=clerk, offer_id=offer.public_id, person=entry.person)
    assert booked.person_id == entry.person_id and booked.starts_at == times[1]


def test_a_caller_without_a_booking_takes_the_offer_by_texting_1(
    clerk_web, office, times, settings, django_capture_on_commit_callbacks
):
    settings.FRONTDESK_SMS_BACKEND = "frontdesk.scheduling.sms.MemorySmsBackend"
    MemorySmsBackend.outbox.clear()
    service = Service.objects.get(code="direct_deposit_change")
    form = FORM | {"service": str(service.pk), "phone": "2125550133", "preferred_language": "es"}
    assert clerk_web.post("/console/waitlist/add-caller/", form).status_code == 302
    cancel_first(office, times[1], django_capture_on_commit_callbacks)
    [offer_text] = MemorySmsBackend.outbox
    assert offer_text["body"].endswith(" O responda 1 para tomarla, 2 para decir que no.")
    with django_capture_on_commit_callbacks(execute=True):
        answer = replies.sms_reply_handle(sender="+12125550133", body="1")
    booked = Appointment.objects.get(person__last_name="Mendoza")
    assert booked.starts_at == times[1]
    assert answer == replies.reply_text("offer_booked", "es", code=booked.code)
    assert f"Su código de confirmación es {booked.code}." in answer  # not "your appointment is moved"


def test_a_clerk_whose_office_the_caller_cannot_reach_cannot_add_them(office):
    far = OfficeFactory(code="B02", zip_code="94103", latitude=37.7725, longitude=-122.4091)
    staff_resource(far)
    web = verified_login(Client(), staff_user("far", Role.COUNTER_CLERK, far))
    service = Service.objects.get(code="direct_deposit_change")
    answer = web.post("/console/waitlist/add-caller/", FORM | {"service": str(service.pk)}).content.decode()
    assert "your own office" in answer and not WaitlistEntry.objects.exists()


def test_the_public_offer_page_sends_a_code_and_books_the_time(
    clerk_web, web, office, times, django_capture_on_commit_callbacks
):
    service = Service.objects.get(code="direct_deposit_change")
    clerk_web.post("/console/waitlist/add-caller/", FORM | {"service": str(service.pk)})
    cancel_first(office, times[1], django_capture_on_commit_callbacks)
    offer = WaitlistOffer.objects.get()
    page = web.get(f"/waitlist/offer/{offer.public_id}/").content.decode()
    assert "A time is available for you" in page and 'id="send-code"' in page
    start, until = (moment.astimezone(office.zone) for moment in (offer.starts_at, offer.expires_at))
    when = f"{start:%A}, {dateformat.format(start, 'N j, Y')}, {dateformat.format(start, 'P')} ({start:%Z})"
    assert f"{when} at {office.name}" in page  # the office's time and zone, not the server's UTC
    assert f"kept for you until {dateformat.format(until, 'P')} ({until:%Z})." in page
    assert "Hay una hora disponible para usted" in web.get(f"/es/waitlist/offer/{offer.public_id}/").content.decode()
    wrong = web.post(f"/waitlist/offer/{offer.public_id}/", {"action": "claim", "one_time_code": "12345"})
    assert "expired" in wrong.content.decode() and not Appointment.objects.filter(person__last_name="Mendoza").exists()
    with django_capture_on_commit_callbacks(execute=True):
        sent = web.post(f"/waitlist/offer/{offer.public_id}/", {"action": "send"})
    assert sent.status_code == 200 and mail.outbox[-1].to == ["lucia@example.org"]
    taken = web.post(f"/waitlist/offer/{offer.public_id}/", {"action": "claim", "one_time_code": last_code()})
    assert taken.status_code == 302 and taken["Location"] == "/appointment/"
    booked = Appointment.objects.get(person__last_name="Mendoza")
    assert booked.starts_at == times[1] and WaitlistOffer.objects.get().status == OfferStatus.CLAIMED
