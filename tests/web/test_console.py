"""The staff console through Django's test client: sign-in with MFA and lockout, the office's day, the
manager's setup and the auditor's ledger pages. Staff sign in with `verified_login` (tests/web/auth.py)."""

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from frontdesk.accounts.roles import Role
from frontdesk.core.errors import DomainError
from frontdesk.floor import services as floor_services
from frontdesk.floor.models import Ticket
from frontdesk.ledger.models import LedgerEvent
from frontdesk.ledger.services import ledger_sequence
from frontdesk.offices.models import Closure, OfficeHours, Resource
from frontdesk.scheduling import services
from frontdesk.scheduling.codes import new_code
from frontdesk.scheduling.models import Appointment, Person, Service, Status
from tests.factories import staff_user
from tests.web.auth import current_code, totp_device

pytestmark = pytest.mark.django_db
PASSWORD = "not-used-in-tests-1"


def sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post("/console/sign-in/", {"username": username, "password": password})


def test_sign_in_takes_a_password_then_a_code(office, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the wrong code below would otherwise delay the right one
    clerk = staff_user("clerk", Role.COUNTER_CLERK, office)
    device = totp_device(clerk)
    client = Client()
    response = sign_in(client, "clerk")
    assert response["Location"] == "/console/sign-in/code/"
    # Between the two steps the session is not signed in: neither pages nor the API are open.
    assert client.get("/console/schedule/").status_code == 302
    assert client.get("/api/v1/staff/offices/A01/queue").status_code == 401
    wrong = client.post("/console/sign-in/code/", {"token": "000000" if current_code(device) != "000000" else "111111"})
    assert "That code did not work" in wrong.content.decode()
    done = client.post("/console/sign-in/code/", {"token": current_code(device)})
    assert done["Location"] == "/console/"
    assert client.get("/console/schedule/").status_code == 200


def test_first_sign_in_sets_up_an_authenticator(office, settings):
    settings.FRONTDESK_MFA_SELF_ENROLL = True
    staff_user("clerk", Role.COUNTER_CLERK, office)
    client = Client()
    assert sign_in(client, "clerk")["Location"] == "/console/sign-in/set-up/"
    page = client.get("/console/sign-in/set-up/")
    assert "data:image/svg+xml" in page.content.decode()
    device = TOTPDevice.objects.get(user__username="clerk", confirmed=False)
    done = client.post("/console/sign-in/set-up/", {"token": current_code(device)})
    assert done["Location"] == "/console/"
    device.refresh_from_db()
    assert device.confirmed


def test_without_self_enrolment_an_administrator_issues_the_key(office, settings):
    settings.FRONTDESK_MFA_SELF_ENROLL = False
    staff_user("clerk", Role.COUNTER_CLERK, office)
    client = Client()
    sign_in(client, "clerk")
    page = client.get("/console/sign-in/set-up/").content.decode()
    assert "mfa_issue" in page
    assert not TOTPDevice.objects.exists()


def test_the_administrator_needs_a_second_factor_too(office):
    # The administrator reads no personal data but decides who may (docs/adr/0015-staff-role-administration.md).
    admin = staff_user("admin", Role.ADMINISTRATOR)
    device = totp_device(admin)
    client = Client()
    assert sign_in(client, "admin")["Location"] == "/console/sign-in/code/"
    assert client.get("/console/staff/")["Location"].startswith("/console/sign-in/")
    assert client.post("/console/sign-in/code/", {"token": current_code(device)})["Location"] == "/console/"
    assert client.get("/console/staff/").status_code == 200
    assert client.get("/console/people/").status_code == 403


def test_five_wrong_passwords_lock_the_username_out(office):
    staff_user("clerk", Role.COUNTER_CLERK, office)
    client = Client()
    for _ in range(4):
        assert "not right" in sign_in(client, "clerk", "wrong-password").content.decode()
    locked = sign_in(client, "clerk", "wrong-password")
    assert locked.status_code == 429
    assert sign_in(client, "clerk").status_code == 429  # even the right password, for now


def test_sign_out(clerk_web):
    assert clerk_web.post("/console/sign-out/")["Location"] == "/console/sign-in/"
    assert clerk_web.get("/console/").status_code == 302


def _appointment(office, starts_at, last_name="Rivera") -> Appointment:
    person = Person.objects.create(
        first_name="Ana", last_name=last_name, last_name_key=last_name.lower(), date_of_birth="1960-05-17"
    )
    return Appointment.objects.create(
        code=new_code(),
        person=person,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
    )


def test_the_schedule_needs_a_purpose_and_records_the_read(clerk_web, office):
    now = datetime.now(UTC)
    _appointment(office, now)
    blank = clerk_web.get("/console/schedule/")
    assert "Rivera" not in blank.content.decode()
    assert not LedgerEvent.objects.filter(type="records.schedule.viewed").exists()
    day = now.astimezone(office.zone).date().isoformat()
    shown = clerk_web.get("/console/schedule/", {"purpose": "run_schedule", "date": day})
    assert "Rivera" in shown.content.decode()
    event = LedgerEvent.objects.get(type="records.schedule.viewed")
    assert event.event["purpose"] == "run_schedule"


def test_a_schedule_asked_for_without_a_day_is_todays_at_the_office(clerk_web, office):
    _appointment(office, datetime.now(UTC))
    shown = clerk_web.get("/console/schedule/", {"purpose": "run_schedule", "date": ""})
    assert shown.status_code == 200 and "Rivera" in shown.content.decode()
    assert "This field is required" not in shown.content.decode()


def test_check_in_from_the_schedule(clerk_web, office):
    appointment = _appointment(office, datetime.now(UTC) + timedelta(minutes=10))
    response = clerk_web.post(
        "/console/appointments/action/", {"act": f"check-in:{appointment.code}", "back": "/console/schedule/"}
    )
    assert response["Location"] == f"/console/schedule/#appt-{appointment.code}"  # back at the same row
    appointment.refresh_from_db()
    assert appointment.status == Status.CHECKED_IN


def test_a_refused_action_is_a_message_not_an_error(clerk_web, office):
    appointment = _appointment(office, datetime.now(UTC) + timedelta(days=2))
    clerk_web.post("/console/appointments/action/", {"act": f"check-in:{appointment.code}"})
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED
    page = clerk_web.get("/console/schedule/")
    assert "Check-in opens two hours before" in page.content.decode()


def test_staff_of_another_office_cannot_act(office):
    from tests.factories import OfficeFactory
    from tests.web.auth import verified_login

    other = OfficeFactory(code="B01")
    outsider = verified_login(Client(), staff_user("outsider", Role.COUNTER_CLERK, other))
    appointment = _appointment(office, datetime.now(UTC))
    outsider.post("/console/appointments/action/", {"act": f"cancel:{appointment.code}", "confirm": "1"})
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED


def test_the_old_queue_page_leads_to_the_floor_for_good(clerk_web, office):
    response = clerk_web.get("/console/queue/")
    assert response.status_code == 301 and response["Location"] == "/console/floor/"
    assert clerk_web.post("/console/queue/add/", {"service": "direct_deposit_change"}).status_code == 404
    assert not Ticket.objects.exists()


def test_a_walk_in_given_at_the_counter_joins_the_queue_the_windows_call(clerk_web, clerk, office):
    kiosk = floor_services.ticket_issue_walk_in(
        office=office, service=Service.objects.get(code="direct_deposit_change")
    )
    form = clerk_web.get("/console/floor/walk-in/")
    assert form.status_code == 200 and 'id="give-ticket"' in form.content.decode()
    given = clerk_web.post(
        "/console/floor/walk-in/",
        {"service": "direct_deposit_change", "interpreter_language": "es", "accessible": "on"},
    )
    assert given.status_code == 302 and given["Location"] == "/console/floor/"
    ticket = Ticket.objects.get(at_counter=True)
    assert (ticket.label, ticket.issued_by, ticket.interpreter_language, ticket.accessible) == (
        "W002",
        clerk,
        "es",
        True,
    )
    floor = clerk_web.get("/console/floor/").content.decode()
    assert "Ticket W002 given" in floor
    queue = floor[floor.index('id="floor-queue"') :]
    assert queue.index(kiosk.label) < queue.index("W002")  # one queue, in arrival order
    # a window opened for Spanish and accessibility calls the clerk's ticket like any other
    window = floor_services.window_save(
        actor=clerk, office=office, name="1", service_codes=[], languages=["es"], accessible=True
    )
    floor_services.ticket_finish(
        actor=clerk, ticket=floor_services.ticket_call_next(actor=clerk, window=window), window=window, outcome="served"
    )
    assert floor_services.ticket_call_next(actor=clerk, window=window) == ticket


def test_a_walk_in_without_a_service_is_refused_beside_the_field(clerk_web, office):
    refused = clerk_web.post("/console/floor/walk-in/", {"service": "", "interpreter_language": ""})
    assert refused.status_code == 400 and "usa-error-message" in refused.content.decode()
    assert not Ticket.objects.exists()


def test_a_walk_in_who_went_away_is_marked_gone_from_the_queue(clerk_web, office):
    ticket = floor_services.ticket_issue_walk_in(
        office=office, service=Service.objects.get(code="direct_deposit_change")
    )
    floor = clerk_web.get("/console/floor/").content.decode()
    assert f'aria-label="{ticket.label} has gone"' in floor
    gone = clerk_web.post("/console/floor/act/", {"action": "left", "ticket": str(ticket.public_id)})
    assert gone.status_code == 302  # no window needs to be open for this
    ticket.refresh_from_db()
    assert ticket.outcome == "no_show"
    floor = clerk_web.get("/console/floor/").content.decode()
    assert "marked as gone" in floor and "Nobody is waiting." in floor


def test_a_walk_in_the_office_cannot_take_answers_the_refusals_own_status(clerk_web, office):
    office.hours.all().delete()  # an office without hours has no day to queue in
    refused = clerk_web.post("/console/floor/walk-in/", {"service": "direct_deposit_change"})
    assert refused.status_code == 409 and "does not serve walk-ins" in refused.content.decode()
    assert not Ticket.objects.exists()


def test_a_walk_in_found_by_a_look_up_is_recorded_as_theirs_and_never_shown(clerk_web, office):
    appointment = _appointment(office, datetime.now(UTC))
    person = appointment.person
    found = clerk_web.post(
        "/console/people/",
        {"purpose": "caller_request", "last_name": "Rivera", "dob_month": "5", "dob_day": "17", "dob_year": "1960"},
    ).content.decode()
    assert f"/console/floor/walk-in/?person={person.public_id}" in found
    form = clerk_web.get("/console/floor/walk-in/", {"person": str(person.public_id)}).content.decode()
    assert 'id="for-person"' in form and "Rivera" not in form
    clerk_web.post("/console/floor/walk-in/", {"service": "direct_deposit_change", "person": str(person.public_id)})
    assert Ticket.objects.get().person == person
    floor = clerk_web.get("/console/floor/").content.decode()
    assert "W001" in floor and "Rivera" not in floor and "Ana" not in floor
    board = Client().get(f"/offices/{office.code}/board/").content.decode()
    assert "Rivera" not in board
    issued = LedgerEvent.objects.filter(type="floor.ticket.issued").get()
    assert str(person.public_id) not in json.dumps(issued.event) and set(issued.event["refs"]) == {
        "office",
        "kind",
        "waiting",
    }


def test_person_look_up_needs_a_purpose(clerk_web, office):
    _appointment(office, datetime.now(UTC))
    refused = clerk_web.post(
        "/console/people/", {"last_name": "Rivera", "dob_month": "5", "dob_day": "17", "dob_year": "1960"}
    )
    assert "Rivera</th>" not in refused.content.decode()
    found = clerk_web.post(
        "/console/people/",
        {"purpose": "caller_request", "last_name": "Rivera", "dob_month": "5", "dob_day": "17", "dob_year": "1960"},
    )
    assert "Ana Rivera" in found.content.decode()
    assert LedgerEvent.objects.filter(type="records.person.viewed").count() == 1


def test_book_for_a_caller(clerk_web, office):
    page = clerk_web.get("/console/book/", {"service": "direct_deposit_change", "mode": "phone"})
    start = page.context["days"][0].slots[0].value
    response = clerk_web.post(
        "/console/book/details/",
        {
            "office": "A01",
            "service": "direct_deposit_change",
            "mode": "phone",
            "start": start,
            "first_name": "Ana",
            "last_name": "Rivera",
            "dob_month": "5",
            "dob_day": "17",
            "dob_year": "1960",
            "phone": "2125550100",
        },
    )
    assert response["Location"] == "/console/book/"
    appointment = Appointment.objects.get()
    assert appointment.booked_by.username == "clerk"


def test_manager_sets_hours_closures_and_staff(manager_web, office):
    manager_web.post("/console/office/hours/", {"weekday": "5", "opens": "09:00", "closes": "12:00"})
    assert OfficeHours.objects.filter(office=office, weekday=5).exists()
    manager_web.post("/console/office/hours/", {"weekday": "5", "opens": "", "closes": ""})
    assert not OfficeHours.objects.filter(office=office, weekday=5).exists()
    bad = manager_web.post("/console/office/hours/", {"weekday": "1", "opens": "17:00", "closes": "09:00"})
    assert bad.status_code == 422
    assert OfficeHours.objects.get(office=office, weekday=1).opens.hour == 9
    day = (datetime.now(UTC) + timedelta(days=10)).date().isoformat()
    manager_web.post("/console/office/closures/add/", {"date": day, "reason": "Training"})
    assert Closure.objects.filter(office=office, date=day).exists()
    manager_web.post("/console/office/closures/remove/", {"date": day})
    assert not Closure.objects.filter(office=office).exists()
    manager_web.post(
        "/console/office/resources/add/", {"kind": "interpreter", "name": "Lin", "languages": ["zh"], "remote": "on"}
    )
    lin = Resource.objects.get(name="Lin")
    assert lin.remote and lin.languages == ["zh"]
    manager_web.post("/console/office/resources/update/", {"resource": str(lin.public_id), "active": "0"})
    lin.refresh_from_db()
    assert not lin.active
    types = set(LedgerEvent.objects.values_list("type", flat=True))
    assert {"offices.hours.changed", "offices.closure.saved", "offices.resource.added"} <= types


def test_a_clerk_cannot_change_the_office(clerk_web, office):
    assert clerk_web.post("/console/office/hours/", {"weekday": "1", "opens": "", "closes": ""}).status_code == 403
    assert OfficeHours.objects.filter(office=office, weekday=1).exists()


def test_auditor_sees_the_ledger_and_verifies_it(auditor_web, clerk_web, office):
    clerk_web.get("/console/schedule/", {"purpose": "run_schedule", "date": "2026-01-05"})
    status = auditor_web.get("/console/audit/")
    assert status.status_code == 200
    events = auditor_web.get("/console/audit/events/").content.decode()
    assert "records.schedule.viewed" in events
    result = auditor_web.post("/console/audit/verify/").content.decode()
    assert "Verif" in result


def test_the_event_list_filters_by_type_newest_first_for_auditors_only(auditor_web, clerk_web, office):
    clerk_web.get("/console/schedule/", {"purpose": "run_schedule", "date": "2026-01-05"})
    clerk_web.get("/console/schedule/", {"purpose": "run_schedule", "date": "2026-01-06"})
    ledger_sequence()  # the list shows events once they have an index
    page = auditor_web.get("/console/audit/events/", {"type": "records.schedule"}).content.decode()
    table = page.split('id="events"', 1)[1]
    rows = re.findall(r'<tr><th scope="row">(\d+)</th><td>[^<]*</td><td>([^<]*)</td>', table)
    assert len(rows) == 2 and {kind for _, kind in rows} == {"records.schedule.viewed"}
    assert int(rows[0][0]) > int(rows[1][0])
    assert clerk_web.get("/console/audit/events/").status_code == 403


@pytest.mark.parametrize(
    "offset,mode,shown",
    [
        (timedelta(minutes=30), "in_person", ["Check in", "Cancel"]),
        (timedelta(minutes=30), "phone", ["Start the call", "Cancel"]),
        (timedelta(hours=5), "in_person", ["Cancel"]),  # too early to check in (the 1 a.m. case)
        (timedelta(minutes=-20), "in_person", ["Check in", "No-show", "Cancel"]),
    ],
)
def test_the_schedule_offers_exactly_the_actions_the_services_accept(clerk_web, clerk, office, offset, mode, shown):
    appointment = _appointment(office, datetime.now(UTC) + offset)
    appointment.mode = mode
    appointment.save(update_fields=["mode"])
    day = appointment.starts_at.astimezone(office.zone).date().isoformat()
    page = clerk_web.get("/console/schedule/", {"purpose": "run_schedule", "date": day}).content.decode()
    page = page[page.index('id="schedule"') :]  # the table's row (the "Now" panel repeats the first action)
    buttons = re.findall(rf'value="([a-z-]+):{appointment.code}">([^<]+)<', page)
    assert [label for _action, label in buttons] == shown
    # The services agree: what is shown works, what is hidden is refused.
    attempts = {"check-in": services.appointment_check_in, "no-show": services.appointment_mark_no_show}
    for action, attempt in attempts.items():
        works = action in [a for a, _label in buttons]
        with transaction.atomic():
            try:
                attempt(actor=clerk, appointment=appointment)
                outcome = True
            except DomainError:
                outcome = False
            transaction.set_rollback(True)
        assert outcome == works, (action, offset, mode)


def test_cancel_asks_once_more_and_keeping_changes_nothing(clerk_web, office):
    appointment = _appointment(office, datetime.now(UTC) + timedelta(hours=3))
    back = "/console/schedule/?purpose=run_schedule"
    asked = clerk_web.post("/console/appointments/action/", {"act": f"cancel:{appointment.code}", "back": back})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert f"Cancel appointment {appointment.code}?" in page and 'name="confirm" value="1"' in page
    local = appointment.starts_at.astimezone(office.zone)
    assert f"{local:%A} {local.day} {local:%B}, {local:%-I:%M %p %Z}" in page  # the office's time, not UTC
    assert f'href="{back}#appt-{appointment.code}"' in page.replace("&amp;", "&")
    appointment.refresh_from_db()
    assert appointment.status == Status.BOOKED
    done = clerk_web.post(
        "/console/appointments/action/", {"act": f"cancel:{appointment.code}", "back": back, "confirm": "1"}
    )
    assert done.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Status.CANCELLED


def test_the_day_view_counts_who_is_waiting_marks_the_next_person_and_filters(clerk_web, office):
    now = datetime.now(UTC)
    # Put the office where it is daytime now, so the three times (within an hour) share one local day.
    office.timezone = next(z for z in ("America/New_York", "Asia/Tokyo") if 2 <= now.astimezone(ZoneInfo(z)).hour < 22)
    office.save(update_fields=["timezone"])
    office.refresh_from_db()
    served = _appointment(office, now - timedelta(hours=1), last_name="Served")
    served.status = Status.COMPLETED
    served.save(update_fields=["status"])
    waiting = _appointment(office, now - timedelta(minutes=5), last_name="Waiting")
    waiting.status = Status.CHECKED_IN
    waiting.save(update_fields=["status"])
    later = _appointment(office, now + timedelta(hours=1), last_name="Later")
    later.interpreter_language = "es"
    later.save(update_fields=["interpreter_language"])
    query = {"purpose": "run_schedule", "date": now.astimezone(office.zone).date().isoformat()}
    page = clerk_web.get("/console/schedule/", query).content.decode()
    assert "<strong>1</strong> waiting here" in page and "<strong>1</strong> served" in page
    # The next person is the first one still to serve: the one waiting, not the one served before.
    assert re.search(rf'id="appt-{waiting.code}" class="fd-next"', page)
    assert f'href="#appt-{waiting.code}">Skip to the next person' in page and page.count('id="next"') == 1
    # "Show" narrows the table; the "Now" panel above it keeps the whole day in view.
    only_waiting = table(clerk_web.get("/console/schedule/", query | {"show": "waiting"}))
    assert waiting.code in only_waiting and later.code not in only_waiting and served.code not in only_waiting
    interpreters = table(clerk_web.get("/console/schedule/", query | {"show": "interpreter"}))
    assert later.code in interpreters and waiting.code not in interpreters


def table(response) -> str:
    page = response.content.decode()
    return page[page.index('id="schedule"') : page.index("</table>")]


def test_the_now_panel_shows_who_is_next_waiting_due_on_the_phone_and_needing_an_interpreter(clerk_web, office):
    now = datetime.now(UTC)
    office.timezone = next(z for z in ("America/New_York", "Asia/Tokyo") if 2 <= now.astimezone(ZoneInfo(z)).hour < 22)
    office.save(update_fields=["timezone"])
    office.refresh_from_db()
    _appointment(office, now - timedelta(hours=1), last_name="Missed")
    current = _appointment(office, now - timedelta(minutes=5), last_name="Current")
    waiting = _appointment(office, now + timedelta(minutes=40), last_name="Early")
    waiting.status = Status.CHECKED_IN
    waiting.save(update_fields=["status"])
    call = _appointment(office, now + timedelta(minutes=10), last_name="Caller")
    call.mode = "phone"
    call.save(update_fields=["mode"])
    later_call = _appointment(office, now + timedelta(minutes=50), last_name="Latecaller")
    later_call.mode = "phone"
    later_call.interpreter_language = "es"
    later_call.save(update_fields=["mode", "interpreter_language"])
    query = {"purpose": "run_schedule", "date": now.astimezone(office.zone).date().isoformat()}
    response = clerk_web.get("/console/schedule/", query | {"show": "waiting"})
    page = response.content.decode()
    start = page.index('id="now"')
    panel = page[start : page.index("</section>", start)]

    def card(name: str) -> str:
        start = panel.index(f'id="now-{name}"')
        return panel[start : panel.index('<div class="fd-now__card', start + 1) if name != "interpreters" else None]

    # Next: the first still to serve whose time has not ended (not the one an hour ago), with its button,
    # which goes back to the panel.
    assert "Current" in card("next") and "Missed" not in card("next")
    assert f'value="check-in:{current.code}"' in card("next") and f'value="cancel:{current.code}"' not in card("next")
    assert f'name="back" value="/console/schedule/?{response.wsgi_request.GET.urlencode()}#now"' in panel.replace(
        "&amp;", "&"
    )
    # A name leads to its row: in this view when the row is in it, else in "Everyone".
    assert f'href="#appt-{waiting.code}">' in card("waiting") and "(1)" in card("waiting")
    assert "Caller" in card("calls") and "Latecaller" not in card("calls")  # due within 15 minutes only
    assert f'#appt-{call.code}">' in card("calls") and "show=waiting" not in card("calls")
    assert "Latecaller" in card("interpreters") and "(1)" in card("interpreters")
    # The table's "now" line sits between the appointment that has ended and the current one.
    everyone = table(clerk_web.get("/console/schedule/", query))
    assert everyone.count("fd-now-line") == 1
    assert everyone.index("Missed") < everyone.index("fd-now-line") < everyone.index(f'id="appt-{current.code}"')
    done = clerk_web.post(
        "/console/appointments/action/",
        {"act": f"check-in:{current.code}", "back": "/console/schedule/?purpose=run_schedule#now"},
    )
    assert done["Location"] == "/console/schedule/?purpose=run_schedule#now"
    elsewhere = clerk_web.post(
        "/console/appointments/action/",
        {"act": f"check-in:{call.code}", "back": "/console/schedule/?purpose=run_schedule#elsewhere"},
    )
    assert elsewhere["Location"] == f"/console/schedule/?purpose=run_schedule#appt-{call.code}"
