"""Tickets, windows and calls: the floor's services, their ledger events (counts and times only) and
what they refuse."""

import json
from datetime import UTC, datetime, time, timedelta

import pytest

from frontdesk.accounts.roles import Role
from frontdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from frontdesk.floor import selectors, services
from frontdesk.floor.models import Ticket, TicketKind, TicketOutcome
from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling.models import Service, Status
from frontdesk.scheduling.sms import MemorySmsBackend
from tests.factories import OfficeFactory, staff_user

pytestmark = pytest.mark.django_db


def window(clerk, office, name="1", **kwargs):
    return services.window_save(
        actor=clerk,
        office=office,
        name=name,
        service_codes=kwargs.get("service_codes", []),
        languages=kwargs.get("languages", []),
        accessible=kwargs.get("accessible", False),
    )


def test_walk_in_tickets_are_numbered_per_office_and_day(office, service):
    first = services.ticket_issue_walk_in(office=office, service=service)
    second = services.ticket_issue_walk_in(office=office, service=service)
    assert (first.number, second.number) == (1, 2)
    assert second.label == "W002" and second.kind == TicketKind.WALK_IN
    assert second.outcome == TicketOutcome.WAITING and second.issued_at is not None


def test_an_appointment_ticket_checks_the_person_in_once(office, make_appointment):
    appt = make_appointment()
    ticket = services.ticket_issue_for_appointment(office=office, appointment=appt)
    appt.refresh_from_db()
    assert appt.status == Status.CHECKED_IN and appt.checked_in_at is not None
    assert ticket.kind == TicketKind.APPOINTMENT and ticket.due_at == appt.starts_at and ticket.label == "A001"
    again = services.ticket_issue_for_appointment(office=office, appointment=appt)
    assert again.pk == ticket.pk and Ticket.objects.count() == 1
    assert LedgerEvent.objects.filter(type="scheduling.appointment.checked_in").count() == 1


def test_an_appointment_elsewhere_or_too_early_gets_no_ticket(office, make_appointment):
    other = OfficeFactory(code="F02")
    with pytest.raises(Conflict):
        services.ticket_issue_for_appointment(office=other, appointment=make_appointment())
    with pytest.raises(Conflict):
        services.ticket_issue_for_appointment(office=office, appointment=make_appointment(timedelta(hours=5)))
    with pytest.raises(Conflict):
        services.ticket_issue_for_appointment(office=office, appointment=make_appointment(mode="phone"))
    assert Ticket.objects.count() == 0


def test_the_phone_number_is_stored_encrypted_and_checked(office, service):
    ticket = services.ticket_issue_walk_in(office=office, service=service, phone="(212) 555-0100")
    assert ticket.phone_encrypted and "5550100" not in ticket.phone_encrypted
    with pytest.raises(ValidationFailed) as refused:
        services.ticket_issue_walk_in(office=office, service=service, phone="555")
    assert refused.value.field == "phone"
    assert Ticket.objects.count() == 1


def test_calling_follows_the_rule_texts_and_forgets_the_number(
    office, clerk, service, make_appointment, django_capture_on_commit_callbacks
):
    walk = services.ticket_issue_walk_in(office=office, service=service, phone="2125550100")
    appt_ticket = services.ticket_issue_for_appointment(office=office, appointment=make_appointment(timedelta(0)))
    at = window(clerk, office)
    called = services.ticket_call_next(actor=clerk, window=at)
    assert called.pk == appt_ticket.pk  # due now: before the walk-in who came first
    with pytest.raises(Conflict):
        services.ticket_call_next(actor=clerk, window=at)  # finish the one at the window first
    services.ticket_finish(actor=clerk, ticket=called, window=at, outcome=TicketOutcome.SERVED)
    called.refresh_from_db()
    assert called.served_at and called.called_at and called.outcome == TicketOutcome.SERVED
    assert called.appointment.status == Status.COMPLETED
    with django_capture_on_commit_callbacks(execute=True):
        second = services.ticket_call_next(actor=clerk, window=at)
    assert second.pk == walk.pk
    second.refresh_from_db()
    assert second.phone_encrypted == "" and second.texted_at is not None
    assert MemorySmsBackend.outbox[-1]["to"] == "12125550100"
    assert "W001" in MemorySmsBackend.outbox[-1]["body"] and "window 1" in MemorySmsBackend.outbox[-1]["body"]


def test_floor_events_carry_no_person_no_code_no_number(office, clerk, service, make_appointment):
    appt = make_appointment(timedelta(0), last_name="Zzyzx")
    ticket = services.ticket_issue_for_appointment(office=office, appointment=appt, phone="2125550100")
    at, other = window(clerk, office), window(clerk, office, name="2")
    services.ticket_call_next(actor=clerk, window=at)
    services.ticket_recall(actor=clerk, ticket=ticket, window=at)
    services.ticket_transfer(actor=clerk, ticket=ticket, window=at, to_window=other)
    services.ticket_finish(actor=clerk, ticket=ticket, window=other, outcome=TicketOutcome.NO_SHOW)
    events = list(LedgerEvent.objects.filter(type__startswith="floor."))
    types = {e.type for e in events}
    assert {"floor.ticket.issued", "floor.ticket.called", "floor.ticket.recalled"} <= types
    assert {"floor.ticket.transferred", "floor.ticket.no_show", "floor.window.opened"} <= types
    for event in events:
        text = json.dumps(event.event)
        assert event.event["subjects"] == []
        for secret in (appt.code, "Zzyzx", "Ana", "5550100", ticket.label, str(ticket.public_id), str(appt.public_id)):
            assert secret not in text
    called = next(e for e in events if e.type == "floor.ticket.called")
    assert set(called.event["refs"]) == {"office", "kind", "waited_seconds", "still_waiting"}


def test_windows_call_only_what_they_serve(office, clerk, service):
    asl = services.ticket_issue_walk_in(office=office, service=service, interpreter_language="ase")
    plain_window = window(clerk, office)
    assert services.ticket_call_next(actor=clerk, window=plain_window) is None
    asl_window = window(clerk, office, name="2", languages=["ase"])
    assert services.ticket_call_next(actor=clerk, window=asl_window).pk == asl.pk


def test_two_windows_never_call_the_same_ticket(office, clerk, service):
    services.ticket_issue_walk_in(office=office, service=service)
    first = services.ticket_call_next(actor=clerk, window=window(clerk, office))
    second = services.ticket_call_next(actor=clerk, window=window(clerk, office, name="2"))
    assert first is not None and second is None


def test_transfer_to_a_service_keeps_the_place(office, clerk, service):
    from frontdesk.scheduling.models import Service

    other_service = Service.objects.filter(active=True).exclude(pk=service.pk).first()
    ticket = services.ticket_issue_walk_in(office=office, service=service)
    at = window(clerk, office)
    services.ticket_call_next(actor=clerk, window=at)
    moved = services.ticket_transfer(actor=clerk, ticket=ticket, window=at, to_service=other_service)
    assert moved.outcome == TicketOutcome.WAITING and moved.window is None and moved.service == other_service
    assert moved.issued_at == ticket.issued_at and moved.called_at is not None


def test_only_this_offices_front_line_staff_run_the_floor(office, clerk, service):
    at = window(clerk, office)
    services.ticket_issue_walk_in(office=office, service=service)
    elsewhere = staff_user("elsewhere", Role.COUNTER_CLERK, OfficeFactory(code="F09"))
    auditor = staff_user("auditor", Role.AUDITOR)
    for actor in (elsewhere, auditor):
        with pytest.raises(PermissionDenied):
            services.ticket_call_next(actor=actor, window=at)
        with pytest.raises(PermissionDenied):
            window(actor, office, name="9")
    assert Ticket.objects.filter(outcome=TicketOutcome.CALLED).count() == 0


def test_finishing_needs_a_known_outcome_and_the_right_window(office, clerk, service):
    ticket = services.ticket_issue_walk_in(office=office, service=service)
    at, other = window(clerk, office), window(clerk, office, name="2")
    services.ticket_call_next(actor=clerk, window=at)
    with pytest.raises(ValidationFailed):
        services.ticket_finish(actor=clerk, ticket=ticket, window=at, outcome="waiting")
    with pytest.raises(Conflict):
        services.ticket_finish(actor=clerk, ticket=ticket, window=other, outcome=TicketOutcome.SERVED)
    ticket.refresh_from_db()
    assert ticket.outcome == TicketOutcome.CALLED and ticket.served_at is None


def test_numbers_are_forgotten_after_the_day(office, service):
    ticket = services.ticket_issue_walk_in(office=office, service=service, phone="2125550100")
    assert services.ticket_contacts_purge() == 0
    Ticket.objects.filter(pk=ticket.pk).update(local_date=ticket.local_date - timedelta(days=2))
    assert services.ticket_contacts_purge() == 1
    ticket.refresh_from_db()
    assert ticket.phone_encrypted == ""


def test_the_board_shows_numbers_windows_and_the_wait(office, clerk, service):
    for _ in range(3):
        services.ticket_issue_walk_in(office=office, service=service)
    at = window(clerk, office, name="7")
    called = services.ticket_call_next(actor=clerk, window=at)
    board = selectors.board_get(office=office)
    assert [(c.label, c.window) for c in board.now_serving] == [(called.label, "7")]
    assert board.waiting == 2
    assert board.wait_minutes == round(2 * service.duration_minutes / 1)
    services.ticket_finish(actor=clerk, ticket=called, window=at, outcome=TicketOutcome.SERVED)
    assert [c.label for c in selectors.board_get(office=office).recent] == [called.label]
    assert datetime.now(UTC) - board.now_serving[0].called_at < timedelta(minutes=5)


def test_the_wait_estimate_skips_served_tickets_without_both_times(office, clerk, service):
    """A served row missing its service time (a hand-fixed or restored row) used to count toward the three
    served tickets the day's pace needs, leaving no durations to take the median of and the board failing.
    Such rows are left out: the estimate falls back to the services' lengths."""
    for _ in range(4):
        services.ticket_issue_walk_in(office=office, service=service)
    first_three = Ticket.objects.filter(office=office).order_by("number")[:3]
    Ticket.objects.filter(pk__in=[t.pk for t in first_three]).update(
        outcome=TicketOutcome.SERVED, called_at=datetime.now(UTC), served_at=None
    )
    board = selectors.board_get(office=office)
    assert board.waiting == 1
    assert board.wait_minutes == service.duration_minutes


def test_a_counter_check_in_issues_the_kiosk_ticket_in_one_step(office, clerk, make_appointment):
    appt = make_appointment()
    checked_in = services.appointment_check_in(actor=clerk, appointment=appt)
    assert checked_in.status == Status.CHECKED_IN
    ticket = Ticket.objects.get(appointment=appt)
    assert ticket.kind == TicketKind.APPOINTMENT and ticket.due_at == appt.starts_at
    issued = LedgerEvent.objects.get(type="floor.ticket.issued")
    assert issued.event["purpose"] == "run_schedule"
    # Checked in already: the scheduling refusal, and still one ticket.
    with pytest.raises(Conflict):
        services.appointment_check_in(actor=clerk, appointment=checked_in)
    assert Ticket.objects.count() == 1


def test_a_counter_check_in_is_for_the_offices_own_staff(office, make_appointment):
    outsider = staff_user("outsider", Role.COUNTER_CLERK, OfficeFactory(code="F09"))
    appt = make_appointment()
    with pytest.raises(PermissionDenied):
        services.appointment_check_in(actor=outsider, appointment=appt)
    appt.refresh_from_db()
    assert appt.status == Status.BOOKED and Ticket.objects.count() == 0


def test_a_counter_check_in_that_cannot_number_a_ticket_checks_nobody_in(office, clerk, make_appointment, monkeypatch):
    appt = make_appointment()
    monkeypatch.setattr(services, "NUMBER_ATTEMPTS", 0)  # every draw of a number fails
    with pytest.raises(Conflict):
        services.appointment_check_in(actor=clerk, appointment=appt)
    appt.refresh_from_db()
    assert appt.status == Status.BOOKED and Ticket.objects.count() == 0


def test_walk_in_tickets_are_counted_live_and_by_the_rebuild_alike(office, clerk, service):
    from frontdesk.stats.models import OfficeDayStats, OfficeDayWait
    from frontdesk.stats.rebuild import stats_rebuild

    # Midday at the office: a start just before its midnight would call from the next day's (empty) queue.
    today = datetime.now(UTC).astimezone(office.zone).date()
    start = datetime.combine(today, time(12), tzinfo=office.zone).astimezone(UTC)
    first = services.ticket_issue_walk_in(office=office, service=service, now=start)
    services.ticket_issue_walk_in(office=office, service=service, now=start)
    at = window(clerk, office)
    called = services.ticket_call_next(actor=clerk, window=at, now=start + timedelta(minutes=12))
    assert called.pk == first.pk
    services.ticket_finish(
        actor=clerk, ticket=called, window=at, outcome=TicketOutcome.SERVED, now=start + timedelta(minutes=20)
    )

    def counted():
        rows = OfficeDayStats.objects.filter(office=office)
        waits = OfficeDayWait.objects.filter(office=office, kind="walk_in")
        return sum(r.walk_ins for r in rows), sorted((w.bucket, w.count) for w in waits)

    live = counted()
    assert live[0] == 2 and sum(n for _bucket, n in live[1]) == 1  # one served walk-in, its wait to the call
    stats_rebuild()
    assert counted() == live


# --- walk-ins at the counter (docs/adr/0040-walk-ins-are-floor-tickets.md) -----------------------------


def test_a_clerks_walk_in_is_numbered_with_the_kiosks_and_called_by_the_same_rule(office, clerk, service):
    kiosk = services.ticket_issue_walk_in(office=office, service=service)
    counter = services.ticket_issue_at_counter(actor=clerk, office=office, service=service, interpreter_language="es")
    assert (kiosk.label, counter.label) == ("W001", "W002")
    assert counter.at_counter and counter.issued_by == clerk and not kiosk.at_counter and kiosk.issued_by is None
    spanish = window(clerk, office, languages=["es"])
    # The Spanish window may serve both; the earlier arrival goes first, then the clerk's ticket.
    first = services.ticket_call_next(actor=clerk, window=spanish)
    services.ticket_finish(actor=clerk, ticket=first, window=spanish, outcome=TicketOutcome.SERVED)
    assert first == kiosk and services.ticket_call_next(actor=clerk, window=spanish) == counter


def test_a_walk_in_at_the_counter_is_refused_to_outsiders_and_for_bad_needs_writing_nothing(office, clerk, service):
    outsider = staff_user("outsider", Role.COUNTER_CLERK, OfficeFactory(code="F09"))
    with pytest.raises(PermissionDenied):
        services.ticket_issue_at_counter(actor=outsider, office=office, service=service)
    with pytest.raises(PermissionDenied):
        services.ticket_issue_at_counter(actor=None, office=office, service=service)
    with pytest.raises(ValidationFailed):
        services.ticket_issue_at_counter(actor=clerk, office=office, service=service, interpreter_language="zz")
    with pytest.raises(ValidationFailed):
        services.ticket_issue_at_counter(actor=clerk, office=office, service=None)
    service.active = False
    service.save()
    with pytest.raises(ValidationFailed):
        services.ticket_issue_at_counter(actor=clerk, office=office, service=service)
    assert Ticket.objects.count() == 0 and not LedgerEvent.objects.filter(type="floor.ticket.issued").exists()


def test_a_walk_in_who_went_away_leaves_the_queue_and_only_a_waiting_walk_in_can(
    office, clerk, service, make_appointment
):
    gone = services.ticket_issue_walk_in(office=office, service=service)
    stays = services.ticket_issue_walk_in(office=office, service=service)
    outsider = staff_user("outsider", Role.COUNTER_CLERK, OfficeFactory(code="F09"))
    with pytest.raises(PermissionDenied):
        services.ticket_left(actor=outsider, ticket=gone)
    services.ticket_left(actor=clerk, ticket=gone)
    gone.refresh_from_db()
    assert gone.outcome == TicketOutcome.NO_SHOW and gone.called_at is None and gone.served_at is not None
    assert services.ticket_call_next(actor=clerk, window=window(clerk, office)) == stays
    with pytest.raises(Conflict) as refused:
        services.ticket_left(actor=clerk, ticket=stays)  # called: closed at its window instead
    assert refused.value.code == "not_waiting"
    holder = services.ticket_issue_for_appointment(office=office, appointment=make_appointment())
    with pytest.raises(Conflict) as refused:
        services.ticket_left(actor=clerk, ticket=holder)
    assert refused.value.code == "not_a_walk_in"
    event = LedgerEvent.objects.get(type="floor.ticket.left").event
    assert set(event["refs"]) == {"office", "kind", "waited_seconds"} and event["subjects"] == []


@pytest.mark.parametrize("surface", ["kiosk", "counter"])
def test_the_kiosk_and_the_counter_refuse_the_same_walk_ins(office, clerk, surface):
    """One validity rule for both ways in: a phone-only service, an unknown language and an office without
    hours are refused alike, and nothing is written."""

    def issue(**kwargs):
        if surface == "kiosk":
            return services.ticket_issue_walk_in(office=office, **kwargs)
        return services.ticket_issue_at_counter(actor=clerk, office=office, **kwargs)

    phone_only = Service.objects.create(
        code="phone-only",
        name_en="Phone only",
        name_es="Solo por teléfono",
        duration_minutes=15,
        modes=["phone"],
        required_skill="general",
    )
    in_person = next(s for s in Service.objects.filter(active=True).order_by("code") if "in_person" in s.modes)
    with pytest.raises(ValidationFailed) as refused:
        issue(service=phone_only)
    assert refused.value.field == "mode"
    with pytest.raises(ValidationFailed) as refused:
        issue(service=in_person, interpreter_language="zz")
    assert refused.value.field == "interpreter_language"
    with pytest.raises(ValidationFailed) as refused:
        issue(service=None)
    assert refused.value.field == "service"
    office.hours.all().delete()
    with pytest.raises(Conflict) as refused:
        issue(service=in_person)
    assert refused.value.code == "office_closed"
    assert Ticket.objects.count() == 0 and not LedgerEvent.objects.filter(type="floor.ticket.issued").exists()


def test_a_walk_in_recorded_as_a_persons_keeps_them_off_the_board_and_the_ledger(
    office, clerk, service, make_appointment
):
    person = make_appointment().person
    ticket = services.ticket_issue_at_counter(actor=clerk, office=office, service=service, person=person)
    assert ticket.person == person
    event = LedgerEvent.objects.filter(type="floor.ticket.issued").get()
    assert event.event["refs"] == {"office": office.code, "kind": "walk_in", "waiting": 1}
    assert event.event["subjects"] == [] and str(person.public_id) not in json.dumps(event.event)
    board = json.dumps(selectors.board_get(office=office).as_json())
    assert person.last_name not in board and str(person.public_id) not in board


def test_calling_a_named_ticket_that_is_not_next_changes_nothing(office, clerk, service):
    first = services.ticket_issue_at_counter(actor=clerk, office=office, service=service)
    second = services.ticket_issue_at_counter(actor=clerk, office=office, service=service)
    at = window(clerk, office)
    with pytest.raises(Conflict) as refused:
        services.ticket_call_next(actor=clerk, window=at, ticket=second)
    assert refused.value.code == "not_next" and "W001 is" in refused.value.message
    assert set(Ticket.objects.values_list("outcome", flat=True)) == {TicketOutcome.WAITING}
    assert services.ticket_call_next(actor=clerk, window=at, ticket=first) == first
