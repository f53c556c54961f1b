"""The office floor on the web: the kiosk (no JavaScript needed), the board and its JSON, the calling console."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from frontdesk.floor import services
from frontdesk.floor.models import KioskDevice, Ticket, TicketOutcome, Window
from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling.codes import new_code
from frontdesk.scheduling.models import Appointment, Person, Service, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock_still():
    """The look-up limits count in fixed windows (per minute here): a slow run could straddle two and see
    its count reset, so the tests that spend a limit run with the clock standing still."""
    with time_machine.travel(datetime.now(UTC), tick=False):
        yield


@pytest.fixture
def service(db) -> Service:
    return next(s for s in Service.objects.filter(active=True).order_by("code") if "in_person" in s.modes)


@pytest.fixture
def appointment(office, service):
    person = Person.objects.create(
        first_name="Ana", last_name="Rivera", last_name_key="rivera", date_of_birth=date(1960, 5, 17)
    )
    starts = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=15)
    return Appointment.objects.create(
        code=new_code(),
        person=person,
        office=office,
        service=service,
        mode="in_person",
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
    )


def check_in_data(appointment, **changes):
    return {
        "code": appointment.code,
        "last_name": "Rivera",
        "dob_month": "5",
        "dob_day": "17",
        "dob_year": "1960",
        "phone": "",
    } | changes


@pytest.mark.parametrize("prefix", ["", "/es"])
def test_kiosk_pages_open_in_both_languages_without_javascript(web, office, prefix):
    for page in ("kiosk/", "kiosk/check-in/", "kiosk/walk-in/", "board/"):
        response = web.get(f"{prefix}/offices/{office.code}/{page}")
        assert response.status_code == 200, page
        assert "<script>" not in response.content.decode()  # no inline script: the CSP allows none
    spanish = web.get(f"{prefix}/offices/{office.code}/kiosk/").content.decode()
    assert ("Tengo una cita" in spanish) == (prefix == "/es")


def test_a_walk_in_gets_a_numbered_ticket_and_an_estimated_wait(web, office, service):
    response = web.post(f"/offices/{office.code}/kiosk/walk-in/", {"service": service.code, "phone": "212 555 0100"})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and str(ticket.public_id) in response["Location"]
    page = web.get(response["Location"]).content.decode()
    assert "W001" in page and "about" in page
    assert ticket.phone_encrypted and "0100" not in ticket.phone_encrypted


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "This field is required"),
        ({"service": "no-such-service"}, "Select a valid choice"),
        ({"service": "__SERVICE__", "phone": "12"}, "10-digit US phone number"),
        ({"service": "__SERVICE__", "interpreter_language": "xx"}, "Select a valid choice"),
    ],
)
def test_kiosk_walk_in_refuses_bad_input_with_a_message_and_writes_nothing(web, office, service, data, message):
    data = {k: (service.code if v == "__SERVICE__" else v) for k, v in data.items()}
    response = web.post(f"/offices/{office.code}/kiosk/walk-in/", data)
    assert 400 <= response.status_code < 500
    assert message in response.content.decode()
    assert Ticket.objects.count() == 0


def test_an_appointment_holder_checks_in_at_the_kiosk(web, office, appointment):
    response = web.post(f"/offices/{office.code}/kiosk/check-in/", check_in_data(appointment))
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Status.CHECKED_IN
    page = web.get(response["Location"]).content.decode()
    assert "A001" in page and "Rivera" not in page and "Ana" not in page and appointment.code not in page
    # Nothing is remembered on the shared screen: the site's "your appointment" page knows nobody.
    assert web.get("/appointment/").status_code == 302


def test_a_wrong_verification_gets_no_ticket_and_the_usual_answer(web, office, appointment):
    response = web.post(f"/offices/{office.code}/kiosk/check-in/", check_in_data(appointment, last_name="Smith"))
    assert response.status_code == 404
    assert "We found no appointment with that code" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED and Ticket.objects.count() == 0


def test_kiosk_check_in_is_limited_like_every_public_look_up(clock_still, web, office, appointment, settings):
    settings.FRONTDESK_LOOKUP_RATE_CLIENT = "2/m"
    for _ in range(2):
        web.post(f"/offices/{office.code}/kiosk/check-in/", check_in_data(appointment, last_name="Smith"))
    response = web.post(f"/offices/{office.code}/kiosk/check-in/", check_in_data(appointment))
    assert response.status_code == 429 and response["Retry-After"]
    assert Ticket.objects.count() == 0


def test_kiosk_forms_need_the_csrf_token(office, service):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"/offices/{office.code}/kiosk/walk-in/", {"service": service.code})
    assert response.status_code == 403 and Ticket.objects.count() == 0


def test_an_unknown_office_is_404(web):
    assert web.get("/offices/ZZ9/kiosk/").status_code == 404
    assert web.get("/offices/ZZ9/board.json").status_code == 404


def test_the_board_json_holds_numbers_windows_and_the_wait_only(web, office, clerk, service, appointment):
    services.ticket_issue_for_appointment(office=office, appointment=appointment)
    window = services.window_save(
        actor=clerk, office=office, name="4", service_codes=[], languages=[], accessible=False
    )
    services.ticket_call_next(actor=clerk, window=window)
    response = web.get(f"/offices/{office.code}/board.json")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    state = response.json()
    assert state["now_serving"][0]["number"] == "A001" and state["now_serving"][0]["window"] == "4"
    assert set(state) == {"now_serving", "recent", "waiting", "wait_minutes"}
    assert set(state["now_serving"][0]) == {"number", "window", "called_at", "key"}
    text = response.content.decode() + web.get(f"/offices/{office.code}/board/").content.decode()
    assert "Rivera" not in text and appointment.code not in text


def test_the_board_refreshes_itself_without_javascript(web, office):
    page = web.get(f"/offices/{office.code}/board/").content.decode()
    assert '<noscript><meta http-equiv="refresh"' in page


# --- The calling console --------------------------------------------------------------------------


def test_calling_from_a_window(clerk_web, office, service):
    services.ticket_issue_walk_in(office=office, service=service)
    assert clerk_web.get("/console/floor/").status_code == 200
    opened = clerk_web.post("/console/floor/window/", {"name": "3", "service_codes": [], "languages": ["ase"]})
    assert opened.status_code == 302
    called = clerk_web.post("/console/floor/act/", {"action": "call"})
    assert called.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.outcome == TicketOutcome.CALLED and ticket.window.name == "3"
    page = clerk_web.get("/console/floor/").content.decode()
    assert 'id="at-window-number">W001' in page
    clerk_web.post("/console/floor/act/", {"action": "recall", "ticket": str(ticket.public_id)})
    clerk_web.post("/console/floor/act/", {"action": "served", "ticket": str(ticket.public_id)})
    ticket.refresh_from_db()
    assert ticket.calls == 2 and ticket.outcome == TicketOutcome.SERVED and ticket.served_at


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"action": "explode"}, 400),
        ({"action": "served"}, 400),
        ({"action": "served", "ticket": "not-a-uuid"}, 400),
        ({"action": "transfer", "ticket": "00000000-0000-0000-0000-000000000000"}, 400),
        ({"action": "served", "ticket": "00000000-0000-0000-0000-000000000000"}, 404),
    ],
)
def test_calling_refuses_bad_input_with_a_4xx(clerk_web, office, data, status):
    clerk_web.post("/console/floor/window/", {"name": "3"})
    response = clerk_web.post("/console/floor/act/", data)
    assert response.status_code == status
    assert response.content.strip()


def test_a_window_needs_a_name(clerk_web, office):
    response = clerk_web.post("/console/floor/window/", {"name": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert Window.objects.count() == 0


def test_calling_is_for_front_line_staff_only(office, auditor, service):
    from tests.web.auth import verified_login

    services.ticket_issue_walk_in(office=office, service=service)
    assert Client().get("/console/floor/").status_code == 302  # to sign-in
    audit = verified_login(Client(), auditor)
    assert audit.get("/console/floor/").status_code == 403
    assert audit.post("/console/floor/act/", {"action": "call"}).status_code == 403
    assert Ticket.objects.get().outcome == TicketOutcome.WAITING


def test_console_actions_need_the_csrf_token(clerk, office):
    from tests.web.auth import verified_login

    strict = verified_login(Client(enforce_csrf_checks=True), clerk)
    assert strict.post("/console/floor/window/", {"name": "3"}).status_code == 403
    assert Window.objects.count() == 0


def _ticket_fields(ticket):
    return (ticket.kind, ticket.service_id, ticket.due_at, ticket.interpreter_language, ticket.outcome, ticket.label)


def _check_in_at_counter(surface, client, appointment):
    if surface == "console":
        response = client.post(
            "/console/appointments/action/", {"act": f"check-in:{appointment.code}", "back": "/console/schedule/"}
        )
        assert response.status_code == 302
    else:
        response = client.post(
            f"/api/v1/staff/appointments/{appointment.code}/check-in", {}, content_type="application/json"
        )
        assert response.status_code == 200 and response.json()["status"] == "checked_in"


@pytest.mark.parametrize("surface", ["console", "api"])
def test_a_check_in_at_the_counter_queues_the_person_like_the_kiosk(surface, clerk_web, web, office, appointment):
    _check_in_at_counter(surface, clerk_web, appointment)
    appointment.refresh_from_db()
    assert appointment.status == Status.CHECKED_IN
    at_counter = Ticket.objects.get(appointment=appointment)
    # The same person checked in at the kiosk instead: the very same ticket, field for field.
    Ticket.objects.all().delete()
    Appointment.objects.filter(pk=appointment.pk).update(status=Status.BOOKED, checked_in_at=None)
    assert web.post(f"/offices/{office.code}/kiosk/check-in/", check_in_data(appointment)).status_code == 302
    at_kiosk = Ticket.objects.get(appointment=appointment)
    assert _ticket_fields(at_counter) == _ticket_fields(at_kiosk)
    assert at_counter.label == "A001" and at_counter.outcome == TicketOutcome.WAITING


@pytest.mark.parametrize("surface", ["console", "api"])
def test_a_counter_check_in_is_called_from_the_merged_queue(surface, clerk, clerk_web, office, appointment):
    _check_in_at_counter(surface, clerk_web, appointment)
    window = services.window_save(
        actor=clerk, office=office, name="1", service_codes=[], languages=[], accessible=False
    )
    called = services.ticket_call_next(actor=clerk, window=window)
    assert called is not None and called.appointment_id == appointment.pk


@pytest.mark.parametrize("surface", ["console", "api"])
def test_a_refused_counter_check_in_issues_no_ticket(surface, clerk_web, office, appointment):
    Appointment.objects.filter(pk=appointment.pk).update(
        starts_at=appointment.starts_at + timedelta(days=2), ends_at=appointment.ends_at + timedelta(days=2)
    )
    if surface == "console":
        clerk_web.post("/console/appointments/action/", {"act": f"check-in:{appointment.code}"})
    else:
        refused = clerk_web.post(
            f"/api/v1/staff/appointments/{appointment.code}/check-in", {}, content_type="application/json"
        )
        assert refused.status_code == 409
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED and Ticket.objects.count() == 0


def test_a_phone_appointment_checked_in_at_the_counter_gets_no_ticket(clerk_web, appointment):
    Appointment.objects.filter(pk=appointment.pk).update(mode="phone")
    _check_in_at_counter("api", clerk_web, appointment)
    assert Ticket.objects.count() == 0


def _enrolled_kiosk(manager_web, office, name="Lobby left"):
    """A browser on which the office manager enrolled the kiosk: it keeps only the kiosk cookie."""
    response = manager_web.post("/console/floor/kiosks/", {"name": name})
    assert response.status_code == 302
    cookie = response.cookies[services.KIOSK_COOKIE]
    assert cookie["httponly"] and cookie["path"] == f"/offices/{office.code}/"
    kiosk = Client()
    kiosk.cookies[services.KIOSK_COOKIE] = cookie.value
    kiosk.cookies[services.KIOSK_COOKIE]["path"] = cookie["path"]
    return kiosk, KioskDevice.objects.get(name=name)


def _wrong_look_ups(client, office, appointment, tries):
    """Look-ups of made-up codes (404s), so neither a code's limit nor its lock comes into it."""
    answers = []
    for _ in range(tries):
        data = check_in_data(appointment, code=new_code())
        answers.append(client.post(f"/offices/{office.code}/kiosk/check-in/", data).status_code)
    return answers


def test_an_enrolled_kiosk_is_limited_per_device_not_per_address(
    clock_still, manager_web, web, office, appointment, settings
):
    settings.FRONTDESK_LOOKUP_RATE_CLIENT = "2/m"
    settings.FRONTDESK_LOOKUP_RATE_KIOSK = "5/m"
    kiosk, device = _enrolled_kiosk(manager_web, office)
    # The kiosk (same address as the visitor below) goes past the address limit up to its own.
    assert _wrong_look_ups(kiosk, office, appointment, 6) == [404] * 5 + [429]
    # A visitor's browser without the cookie on the kiosk page: the per-address limit, counted apart.
    assert _wrong_look_ups(web, office, appointment, 3) == [404, 404, 429]
    assert LedgerEvent.objects.filter(type="floor.kiosk.enrolled").count() == 1
    assert str(device.public_id) not in str(LedgerEvent.objects.get(type="floor.kiosk.enrolled").event)


def test_an_enrolled_kiosk_checks_people_in_and_still_locks_a_code_after_wrong_answers(
    clock_still, manager_web, office, appointment, settings
):
    settings.FRONTDESK_LOOKUP_RATE_CLIENT = "2/m"
    kiosk, _device = _enrolled_kiosk(manager_web, office)
    for _ in range(settings.FRONTDESK_LOOKUP_LOCK_AFTER):
        kiosk.post(f"/offices/{office.code}/kiosk/check-in/", check_in_data(appointment, last_name="Smith"))
    locked = kiosk.post(f"/offices/{office.code}/kiosk/check-in/", check_in_data(appointment))
    # The right answer after the wrong ones: the code is locked for everyone, kiosk or not.
    assert locked.status_code != 302 and Ticket.objects.count() == 0
    assert 'name="one_time_code"' in locked.content.decode()


def test_a_revoked_or_foreign_kiosk_cookie_counts_as_a_visitor(clock_still, manager_web, office, appointment, settings):
    settings.FRONTDESK_LOOKUP_RATE_CLIENT = "2/m"
    settings.FRONTDESK_LOOKUP_RATE_KIOSK = "50/m"
    kiosk, device = _enrolled_kiosk(manager_web, office)
    page = manager_web.get("/console/floor/kiosks/").content.decode()
    assert "Lobby left" in page and f'value="{device.public_id}"' in page
    assert manager_web.post("/console/floor/kiosks/", {"revoke": str(device.public_id)}).status_code == 302
    device.refresh_from_db()
    assert device.revoked_at is not None
    assert _wrong_look_ups(kiosk, office, appointment, 3) == [404, 404, 429]
    forged = Client()
    forged.cookies[services.KIOSK_COOKIE] = "not-a-signed-token"
    assert _wrong_look_ups(forged, office, appointment, 1) == [429]  # the same address, already spent


def test_a_kiosk_cookie_of_another_office_is_no_kiosk_here(clock_still, manager_web, office, appointment, settings):
    from tests.factories import OfficeFactory

    settings.FRONTDESK_LOOKUP_RATE_CLIENT = "2/m"
    settings.FRONTDESK_LOOKUP_RATE_KIOSK = "50/m"
    other = OfficeFactory(code="B07")
    kiosk, _ = _enrolled_kiosk(manager_web, office)
    token = kiosk.cookies[services.KIOSK_COOKIE].value
    assert services.kiosk_device_of(token=token, office=other) is None
    assert services.kiosk_device_of(token=token, office=office) is not None
    # The cookie sent to the other office's kiosk page: that office's address limit.
    assert _wrong_look_ups(kiosk, other, appointment, 3) == [404, 404, 429]


def test_only_the_offices_manager_enrols_kiosks(clerk_web, office):
    assert clerk_web.get("/console/floor/kiosks/").status_code == 403
    assert clerk_web.post("/console/floor/kiosks/", {"name": "Lobby"}).status_code == 403
    assert KioskDevice.objects.count() == 0


def test_a_kiosk_needs_a_name(manager_web):
    response = manager_web.post("/console/floor/kiosks/", {"name": "  "})
    assert response.status_code == 400 and "Name the kiosk" in response.content.decode()
    assert KioskDevice.objects.count() == 0
