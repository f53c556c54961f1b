"""Staff endpoints: an office's day, check-in, walk-ins, booking for a caller, person look-up.

Every read of a person's data states a purpose and is recorded on the ledger by the selector.
"""

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Schema, Status
from pydantic import Field

from frontdesk.core.errors import NotFound, ValidationFailed
from frontdesk.floor import policies as floor_policies
from frontdesk.floor import selectors as floor_selectors
from frontdesk.floor import services as floor_services
from frontdesk.floor.models import Ticket, Window
from frontdesk.offices.calendar import local_today
from frontdesk.offices.services import closure_save
from frontdesk.scheduling import selectors, services
from frontdesk.scheduling.models import Person

from .present import person_dict, staff_appointment_dict
from .public import book, office_by_code, service_by_code
from .schemas import (
    AppointmentOut,
    BookingIn,
    ClosureIn,
    ClosureOut,
    Error,
    PersonOut,
    PersonSearchIn,
    StaffAppointmentOut,
    WalkInIn,
    WalkInOut,
    WalkInStatusIn,
)
from .tokens import StaffRouter

# A signed-in session or an API token with the operation's scope (tokens.py).
router = StaffRouter(tags=["staff"])
ERRORS = {frozenset({400, 401, 403, 404, 409, 422}): Error}


class PurposeQuery(Schema):
    purpose: str = Field("", max_length=40, description="Why you need this data, e.g. run_schedule, check_in")
    purpose_note: str = Field("", max_length=200)


class ScheduleQuery(PurposeQuery):
    date: dt.date | None = None


@router.get(
    "/offices/{code}/schedule",
    response={200: list[StaffAppointmentOut], **ERRORS},
    summary="An office's appointments for a day",
)
def office_schedule(request: HttpRequest, code: str, query: Query[ScheduleQuery]) -> list[dict[str, Any]]:
    office = office_by_code(code)
    day = query.date or local_today(office)
    appointments = selectors.office_day_schedule(
        actor=request.user, office=office, day=day, purpose=query.purpose, purpose_note=query.purpose_note
    )
    return [staff_appointment_dict(a) for a in appointments]


@router.get("/appointments/{code}", response={200: StaffAppointmentOut, **ERRORS}, summary="One appointment")
def appointment_detail(request: HttpRequest, code: str, query: Query[PurposeQuery]) -> dict[str, Any]:
    appointment = selectors.appointment_get_for_staff(
        actor=request.user, code=code, purpose=query.purpose, purpose_note=query.purpose_note
    )
    return staff_appointment_dict(appointment)


@router.post("/appointments", response={201: AppointmentOut, **ERRORS}, summary="Book for a caller")
def appointment_create(request: HttpRequest, payload: BookingIn) -> Status[dict[str, Any]]:
    return Status(*book(request, payload, actor=request.user, scope=f"staff:{request.user.pk}:appointments"))


ACTIONS = {
    "check-in": floor_services.appointment_check_in,  # and a ticket in the merged queue
    "complete": services.appointment_complete,
    "no-show": services.appointment_mark_no_show,
    "cancel": services.appointment_cancel,
}


@router.post(
    "/appointments/{code}/{action}",
    response={200: StaffAppointmentOut, **ERRORS},
    summary="Check in, complete, mark a no-show, or cancel",
)
def appointment_action(request: HttpRequest, code: str, action: str) -> dict[str, Any]:
    if action not in ACTIONS:
        raise NotFound(f"Unknown action {action!r}; use one of {', '.join(ACTIONS)}.", code="unknown_action")
    appointment = selectors.appointment_for_office_day(actor=request.user, code=code, action=action)
    appointment = ACTIONS[action](actor=request.user, appointment=appointment)
    return staff_appointment_dict(appointment)


@router.post(
    "/persons/search", response={200: list[PersonOut], **ERRORS}, summary="Look a person up (purpose required)"
)
def person_search(request: HttpRequest, payload: PersonSearchIn) -> list[dict[str, Any]]:
    people = selectors.person_search(actor=request.user, **payload.model_dump())
    return [person_dict(p) for p in people]


def _ticket_dict(ticket: Ticket, now: dt.datetime) -> dict[str, Any]:
    waited = (ticket.called_at or now) - ticket.issued_at
    return WalkInOut.model_validate(
        {
            "id": str(ticket.public_id),
            "ticket": ticket.label,
            "kind": ticket.kind,
            "service": ticket.service.code,
            "status": ticket.outcome,
            "window": ticket.window.name if ticket.window else None,
            "interpreter_language": ticket.interpreter_language,
            "accessible": ticket.accessible,
            "person": str(ticket.person.public_id) if ticket.person else None,
            "issued_at": ticket.issued_at,
            "called_at": ticket.called_at,
            "waited_minutes": max(0, int(waited.total_seconds() // 60)),
        }
    ).model_dump(mode="json")


def _person(public_id: uuid.UUID | None) -> Person | None:
    if public_id is None:
        return None
    person = Person.objects.filter(public_id=public_id).first()
    if person is None:
        raise ValidationFailed("No person with that id; find them with the person search first.", field="person")
    return person


@router.post(
    "/offices/{code}/walk-ins", response={201: WalkInOut, **ERRORS}, summary="Give a walk-in a ticket in the queue"
)
def walk_in_create(request: HttpRequest, code: str, payload: WalkInIn) -> Status[dict[str, Any]]:
    """The same rule as the console's walk-in form (`floor.services.ticket_issue_at_counter`): the ticket
    joins the office's one merged queue that its windows call."""
    office = office_by_code(code)
    ticket = floor_services.ticket_issue_at_counter(
        actor=request.user,
        office=office,
        service=service_by_code(payload.service),
        interpreter_language=payload.interpreter_language,
        accessible=payload.accessible,
        person=_person(payload.person),
    )
    return Status(201, _ticket_dict(ticket, dt.datetime.now(dt.UTC)))


@router.get(
    "/offices/{code}/queue",
    response={200: list[WalkInOut], **ERRORS},
    summary="Today's merged queue: waiting tickets in arrival order, then those called to a window",
)
def walk_in_queue(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    office = office_by_code(code)
    now = dt.datetime.now(dt.UTC)
    return [_ticket_dict(t, now) for t in floor_selectors.open_tickets(actor=request.user, office=office, now=now)]


@router.post(
    "/walk-ins/{walk_in_id}/status",
    response={200: WalkInOut, **ERRORS},
    summary="Call a ticket to a window (if next there), call it again, close it, or mark a walk-in gone",
)
def walk_in_status(request: HttpRequest, walk_in_id: str, payload: WalkInStatusIn) -> dict[str, Any]:
    ticket = Ticket.objects.select_related("office").filter(public_id=_uuid(walk_in_id)).first()
    if ticket is None or not floor_policies.can_call_tickets(request.user, ticket.office):
        raise NotFound("No such ticket at your office.", code="walk_in_not_found")
    if payload.status == "left":
        floor_services.ticket_left(actor=request.user, ticket=ticket)
        ticket = Ticket.objects.select_related("service", "window", "person").get(pk=ticket.pk)
        return _ticket_dict(ticket, dt.datetime.now(dt.UTC))
    if not payload.window:
        raise ValidationFailed("Name the open window doing it, as the board shows it.", field="window")
    window = (
        Window.objects.filter(office=ticket.office, name=payload.window, open=True).select_related("office").first()
    )
    if window is None:
        raise ValidationFailed(
            f"No open window {payload.window} at this office; open it on the floor page first.", field="window"
        )
    if payload.status == "called":
        floor_services.ticket_call_next(actor=request.user, window=window, ticket=ticket)
    elif payload.status == "recalled":
        floor_services.ticket_recall(actor=request.user, ticket=ticket, window=window)
    else:
        floor_services.ticket_finish(actor=request.user, ticket=ticket, window=window, outcome=payload.status)
    ticket = Ticket.objects.select_related("service", "window", "person").get(pk=ticket.pk)
    return _ticket_dict(ticket, dt.datetime.now(dt.UTC))


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound("No such ticket at your office.", code="walk_in_not_found") from None


@router.post("/offices/{code}/closures", response={201: ClosureOut, **ERRORS}, summary="Close an office for a day")
def closure_create(request: HttpRequest, code: str, payload: ClosureIn) -> Status[dict[str, Any]]:
    office = office_by_code(code)
    closure = closure_save(actor=request.user, office=office, day=payload.date, reason=payload.reason)
    return Status(201, {"office": office.code, "date": closure.date, "reason": closure.reason})
