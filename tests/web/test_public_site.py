"""The public site through Django's test client: booking, look-up, change, cancel, languages, headers."""

import pytest
from django.test import Client

from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling.availability import Need
from frontdesk.scheduling.models import Appointment, Service, Status
from frontdesk.web import booking

pytestmark = pytest.mark.django_db

PERSON = {
    "first_name": "Ana",
    "last_name": "Rivera",
    "dob_month": "5",
    "dob_day": "17",
    "dob_year": "1960",
    "email": "ana@example.org",
    "phone": "",
}


def first_start(web, **params) -> str:
    query = {"office": "A01", "service": "direct_deposit_change", "mode": "in_person"} | params
    response = web.get("/book/time/", query)
    assert response.status_code == 200
    return response.context["days"][0].slots[0].value


def book(web, start: str, **extra) -> Appointment:
    data = {"office": "A01", "service": "direct_deposit_change", "mode": "in_person", "start": start, "token": "t1"}
    response = web.post("/book/details/", data | PERSON | extra)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/appointment/"
    return Appointment.objects.get()


def test_offices_near_a_zip_list_distance(web, office):
    response = web.get("/offices/", {"zip": "10007"})
    assert response.status_code == 200
    assert "Lower Manhattan" in response.content.decode()
    assert "0.0 miles away" in response.content.decode()


def test_an_unknown_zip_is_an_error_beside_the_field(web, office):
    response = web.get("/offices/", {"zip": "00000"})
    body = response.content.decode()
    assert 'id="error-summary"' in body
    assert 'aria-invalid="true"' in body


def test_in_person_only_services_offer_no_phone(web, office):
    response = web.get("/book/options/", {"office": "A01", "service": "ssn_card_original_documents"})
    body = response.content.decode()
    assert "must be done in person" in body
    assert 'value="phone"' not in body


def test_the_service_list_says_in_person_once_for_each_service_that_needs_it(web, office):
    body = web.get("/book/", {"office": "A01"}).content.decode()
    required = Service.objects.filter(active=True, in_person_required=True).count()
    assert required >= 2 and body.count("Must be done in person.") == required
    assert "this is in person" not in body and "must be done in person" not in body  # not again in the description


def test_a_phone_mode_forced_by_url_is_refused_by_the_engine(web, office):
    response = web.get(
        "/book/options/",
        {"office": "A01", "service": "ssn_card_original_documents", "mode": "phone", "submitted": "1"},
    )
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()


def test_booking_keeps_personal_data_out_of_urls(web, office):
    start = first_start(web)
    appointment = book(web, start)
    assert appointment.status == Status.BOOKED
    page = web.get("/appointment/")
    body = page.content.decode()
    assert appointment.code in body and "You are booked" in body
    assert LedgerEvent.objects.filter(type="scheduling.appointment.booked").count() == 1


def test_a_repeated_submit_books_once(web, office):
    start = first_start(web)
    book(web, start)
    data = {"office": "A01", "service": "direct_deposit_change", "mode": "in_person", "start": start, "token": "t1"}
    again = web.post("/book/details/", data | PERSON)
    assert again.status_code == 302
    assert Appointment.objects.count() == 1


def test_a_taken_slot_says_so_and_writes_nothing(web, office):
    start = first_start(web)
    book(web, start)
    for n in range(2):  # the office has two agents: take the second one too
        Client().post(
            "/book/details/",
            {"office": "A01", "service": "direct_deposit_change", "mode": "in_person", "start": start, "token": f"x{n}"}
            | PERSON
            | {"last_name": f"Other{'x' * n}"},
        )
    before = Appointment.objects.count()
    response = Client().post(
        "/book/details/",
        {"office": "A01", "service": "direct_deposit_change", "mode": "in_person", "start": start, "token": "late"}
        | PERSON
        | {"last_name": "Late"},
    )
    assert response.status_code == 200
    assert "That time was just taken" in response.content.decode()
    assert Appointment.objects.count() == before


def test_bad_details_show_every_error_and_write_nothing(web, office):
    start = first_start(web)
    data = {"office": "A01", "service": "direct_deposit_change", "mode": "phone", "start": start, "token": "t"}
    response = web.post(
        "/book/details/", data | {"first_name": "", "dob_month": "2", "dob_day": "31", "dob_year": "1960"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    summary = body[body.index('id="error-summary"') : body.index("</ul>", body.index('id="error-summary"'))]
    # Each problem once in the summary, naming its field; the date's three inputs are one question.
    for problem in ("First name: This field is required.", "Date of birth: That day does not exist in that month."):
        assert summary.count(problem) == 1, summary
    assert f"There are {summary.count('<li>')} problems to fix" in summary
    assert Appointment.objects.count() == 0


def test_a_missing_birth_date_is_one_line_in_the_summary_in_spanish(web, office):
    start = first_start(web)
    data = {"office": "A01", "service": "direct_deposit_change", "mode": "phone", "start": start, "token": "t"}
    body = web.post("/es/book/details/", data | {"first_name": "Ana", "last_name": "Rivera"}).content.decode()
    summary = body[body.index('id="error-summary"') : body.index("</ul>", body.index('id="error-summary"'))]
    assert summary.count("Fecha de nacimiento:") == 1, summary
    assert "This field is required" not in summary


def test_find_change_and_cancel_with_code_name_and_birth_date(web, office):
    start = first_start(web)
    appointment = book(web, start)
    stranger = Client()
    wrong = stranger.post(
        "/appointment/find/",
        {"code": appointment.code, "last_name": "Nobody", "dob_month": "5", "dob_day": "17", "dob_year": "1960"},
    )
    assert "We found no appointment" in wrong.content.decode()
    assert stranger.get("/appointment/").status_code == 302
    found = stranger.post(
        "/appointment/find/",
        {
            "code": appointment.code.lower(),
            "last_name": "rivera",
            "dob_month": "5",
            "dob_day": "17",
            "dob_year": "1960",
        },
    )
    assert found["Location"] == "/appointment/"
    calendar = stranger.get("/appointment/calendar.ics")
    assert calendar["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VTIMEZONE" in calendar.content
    # Any offered time will do (the page leaves out the current one); the first day shown may be today
    # with only a few times left, so take the fourth across the days.
    offered = [slot.value for day in stranger.get("/appointment/reschedule/").context["days"] for slot in day.slots]
    later = offered[3]
    moved = stranger.post("/appointment/reschedule/", {"start": later})
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert appointment.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ") == later
    assert stranger.post("/appointment/cancel/").status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED
    stranger.post("/appointment/forget/")
    assert stranger.get("/appointment/").status_code == 302


def test_spanish_pages_are_in_spanish(web, office):
    assert "Haga una cita" in web.get("/es/").content.decode()
    body = web.get("/es/book/options/", {"office": "A01", "service": "direct_deposit_change"}).content.decode()
    assert "¿Cómo quiere reunirse?" in body and 'lang="es"' in body
    # The switcher keeps the visitor's place.
    assert 'href="/book/options/?office=A01&amp;service=direct_deposit_change"' in body


def test_every_public_page_has_a_spanish_twin(web, office):
    for path in ("/", "/offices/", "/privacy/", "/appointment/find/", "/accounting/"):
        english = web.get(path)
        spanish = web.get("/es" + path)
        assert english.status_code == spanish.status_code == 200
        assert 'lang="es"' in spanish.content.decode()
        assert english.content != spanish.content


def test_security_headers(web, office):
    response = web.get("/", secure=True)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "max-age=31536000" in response["Strict-Transport-Security"]


def test_personal_pages_are_never_cached(web, office):
    assert "no-store" in web.get("/appointment/find/")["Cache-Control"]


def test_forms_need_the_csrf_token(office):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/appointment/find/", {"code": "X", "last_name": "Y", "dob_month": "1", "dob_day": "1", "dob_year": "1990"}
    )
    assert response.status_code == 403


def test_accounting_asks_for_proof_first(web, office):
    body = web.get("/accounting/").content.decode()
    assert "first show us it is you" in body


def test_cancelling_is_offered_quieter_than_the_main_actions(web, office):
    book(web, first_start(web))
    page = web.get("/appointment/").content.decode()
    actions = page[page.index('class="usa-button-group') : page.index("</ul>", page.index('class="usa-button-group'))]
    assert "Cancel the appointment" not in actions and "Change the time" in actions
    assert 'class="usa-link" id="cancel-link"' in page


def test_the_time_picker_shows_whole_days_and_later_times_start_where_they_stopped(web, office):
    query = {"office": "A01", "service": "direct_deposit_change", "mode": "in_person"}
    page = web.get("/book/time/", query)
    days = page.context["days"]
    last = days[-1]
    # Every day shown ends at the office's last start of that day (no day cut short).
    later = web.get("/book/time/", query | {"from": page.context["later"]})
    next_day = later.context["days"][0].day
    assert next_day > last.day
    need = Need(Service.objects.get(code="direct_deposit_change"), "in_person")
    all_open = booking.open_slots(office, need, last.day)
    that_day = [s for s in all_open if s.local_start.date() == last.day]
    assert [c.value for c in last.slots] == [booking.slot_value(s) for s in that_day]
    assert sum(len(d.slots) for d in days) <= booking.MAX_SLOTS or len(days) == 1
