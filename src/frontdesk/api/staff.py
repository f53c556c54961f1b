"""Staff endpoints: an office's day, check-in, walk-ins, booking for a caller, person look-up.

Every read of a person's data states a purpose and is recorded on the ledger by the selector.
"""

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Schema, Status
from pydantic import Field

from frontdesk.core.errors import NotFound
from frontdesk.floor import services as floor_services
from frontdesk.offices.calendar import local_today
from frontdesk.offices.services import closure_save
from frontdesk.scheduling import policies, selectors, services
from frontdesk.scheduling.models import WalkIn

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


def _walk_in_dict(entry: selectors.QueueEntry | None, walk_in: WalkIn) -> dict[str, Any]:
    now = dt.datetime.now(dt.UTC)
    return WalkInOut(
        id=str(walk_in.public_id),
        ticket=walk_in.ticket,
        service=walk_in.service.code,
        status=walk_in.status,
        arrived_at=walk_in.arrived_at,
        estimated_start=entry.estimated_start if entry else None,
        estimated_wait_minutes=entry.wait_minutes(now) if entry else None,
    ).model_dump(mode="json")


@router.post("/offices/{code}/walk-ins", response={201: WalkInOut, **ERRORS}, summary="Add a walk-in to the queue")
def walk_in_create(request: HttpRequest, code: str, payload: WalkInIn) -> Status[dict[str, Any]]:
    office = office_by_code(code)
    walk_in = services.walk_in_add(
        actor=request.user,
        office=office,
        service=service_by_code(payload.service),
        interpreter_language=payload.interpreter_language,
    )
    queue = {e.walk_in.id: e for e in selectors.walk_in_queue(actor=request.user, office=office)}
    return Status(201, _walk_in_dict(queue.get(walk_in.id), walk_in))


@router.get(
    "/offices/{code}/queue",
    response={200: list[WalkInOut], **ERRORS},
    summary="Today's walk-in queue with estimated waits",
)
def walk_in_queue(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    office = office_by_code(code)
    return [_walk_in_dict(e, e.walk_in) for e in selectors.walk_in_queue(actor=request.user, office=office)]


@router.post(
    "/walk-ins/{walk_in_id}/status", response={200: WalkInOut, **ERRORS}, summary="Call, serve or close a ticket"
)
def walk_in_status(request: HttpRequest, walk_in_id: str, payload: WalkInStatusIn) -> dict[str, Any]:
    walk_in = WalkIn.objects.select_related("office", "service").filter(public_id=_uuid(walk_in_id)).first()
    if walk_in is None or not policies.can_run_office_day(request.user, walk_in.office):
        raise NotFound("No such ticket at your office.", code="walk_in_not_found")
    walk_in = services.walk_in_update(actor=request.user, walk_in=walk_in, to=payload.status)
    return _walk_in_dict(None, walk_in)


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
