"""Public endpoints: offices, services, availability, and a person's own appointment.

A person reaches their appointment only with its confirmation code plus their last name and date of
birth, sent in a POST body so none of it lands in URLs or access logs.
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from axes.helpers import get_client_ip_address
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from frontdesk.accounts.actors import Actor
from frontdesk.core.bounds import EARLIEST_DATE, LATEST_DATE
from frontdesk.core.errors import NotFound, ValidationFailed
from frontdesk.core.replicas import reads_from_replica
from frontdesk.offices.calendar import local_today
from frontdesk.offices.geo import offices_near
from frontdesk.offices.lookups import office_with_hours
from frontdesk.offices.models import Office
from frontdesk.scheduling import services, waitlist, waitlist_notices
from frontdesk.scheduling.availability import MAX_RADIUS_MILES, Need, office_slots, slots_near
from frontdesk.scheduling.ics import appointment_ics
from frontdesk.scheduling.models import Appointment, Person, Service, WaitlistEntry, WaitlistOffer
from frontdesk.scheduling.selectors import appointment_find
from frontdesk.scheduling.service_lookup import active_service
from frontdesk.scheduling.throttle import (
    booking_person_key,
    booking_throttle,
    client_key,
    lookup_throttle,
    person_booking_key,
)

from .idempotency import idempotent
from .present import appointment_dict, office_dict, slot_dict
from .schemas import (
    AppointmentOut,
    BookingIn,
    Error,
    InterpreterLanguage,
    OfficeOut,
    PersonIn,
    RescheduleIn,
    ServiceOut,
    SlotOut,
    VerifyIn,
)

router = Router(tags=["public"])
ERRORS = {frozenset({400, 404, 409, 422}): Error}
# Look-ups by confirmation code may also be locked (403 lookup_locked) or rate-limited (429, Retry-After).
LOOKUP_ERRORS = {frozenset({400, 403, 404, 409, 422, 429}): Error}
BOOKING_ERRORS = {frozenset({400, 404, 409, 422, 429}): Error}


def office_by_code(code: str) -> Office:
    office = office_with_hours(code)
    if office is None:
        raise NotFound(f"There is no office with code {code!r}.", code="office_not_found", field="office")
    return office


def service_by_code(code: str) -> Service:
    service = active_service(code)
    if service is None:
        raise ValidationFailed(f"There is no service {code!r}; see /api/v1/services for the list.", field="service")
    return service


class OfficeListQuery(Schema):
    state: str = Field("", max_length=2)
    page: int = Field(1, ge=1, le=1000)
    page_size: int = Field(100, ge=1, le=500)


@router.get("/offices", response={200: list[OfficeOut], **ERRORS}, summary="List offices")
@reads_from_replica
def office_list(request: HttpRequest, filters: Query[OfficeListQuery]) -> list[dict[str, Any]]:
    offices = Office.objects.prefetch_related("hours").order_by("code")
    if filters.state:
        offices = offices.filter(state=filters.state.upper())
    first = (filters.page - 1) * filters.page_size
    return [office_dict(o) for o in offices[first : first + filters.page_size]]


class NearQuery(Schema):
    zip: str = Field(..., min_length=1, max_length=10)
    radius_miles: float = Field(50, gt=0, le=500)
    limit: int = Field(20, ge=1, le=100)


@router.get("/offices/near", response={200: list[OfficeOut], **ERRORS}, summary="Offices near a ZIP code")
@reads_from_replica
def office_near(request: HttpRequest, query: Query[NearQuery]) -> list[dict[str, Any]]:
    nearby = offices_near(query.zip.strip(), query.radius_miles)[: query.limit]
    offices = Office.objects.prefetch_related("hours").in_bulk([oid for oid, _ in nearby])
    return [office_dict(offices[oid], round(miles, 1)) for oid, miles in nearby]


@router.get("/offices/{code}", response={200: OfficeOut, **ERRORS}, summary="One office")
@reads_from_replica
def office_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    return office_dict(office_by_code(code))


@router.get("/services", response={200: list[ServiceOut], **ERRORS}, summary="What people can book")
@reads_from_replica
def service_list(request: HttpRequest) -> list[Service]:
    return list(Service.objects.filter(active=True).order_by("code"))


class AvailabilityQuery(Schema):
    service: str = Field(..., max_length=40)
    mode: str = Field(..., max_length=10)
    office: str = Field("", max_length=8, description="An office code; or give zip and radius_miles")
    zip: str = Field("", max_length=10)
    radius_miles: float = Field(50, gt=0, le=500)
    start: date | None = Field(None, ge=EARLIEST_DATE, le=LATEST_DATE, description="First local date; default today")
    end: date | None = Field(
        None, ge=EARLIEST_DATE, le=LATEST_DATE, description="Last local date; default start + 14 days"
    )
    interpreter_language: str = Field("", max_length=8, description="'ase' for ASL, or a language such as 'es'")
    limit: int = Field(10, ge=1, le=100)


@router.get("/availability", response={200: list[SlotOut], **ERRORS}, summary="Open slots, earliest first")
@reads_from_replica
def availability(request: HttpRequest, query: Query[AvailabilityQuery]) -> list[dict[str, Any]]:
    need = Need(
        service=service_by_code(query.service),
        mode=query.mode,
        interpreter_language=query.interpreter_language.strip().lower(),
    )
    if bool(query.office) == bool(query.zip):
        raise ValidationFailed("Give either an office code or a ZIP code (with radius_miles).", field="office")
    if query.office:
        office = office_by_code(query.office)
        start = query.start or local_today(office)
        end = query.end or start + timedelta(days=14)
        slots = office_slots(office=office, need=need, start=start, end=end, limit=query.limit)
    else:
        start = query.start or date.today()
        end = query.end or start + timedelta(days=14)
        slots = slots_near(
            zip_code=query.zip.strip(),
            radius_miles=query.radius_miles,
            need=need,
            start=start,
            end=end,
            limit=query.limit,
        )
    return [slot_dict(s) for s in slots]


def _details(person: PersonIn) -> services.PersonDetails:
    return services.PersonDetails(**person.model_dump())


def book(request: HttpRequest, payload: BookingIn, *, actor: Actor, scope: str) -> tuple[int, dict[str, Any]]:
    office = office_by_code(payload.office)
    service = service_by_code(payload.service)

    def action() -> dict[str, Any]:
        if actor is None:  # the public; staff booking for a caller are not counted
            lookup_person = payload.person
            booking_throttle(
                person=booking_person_key(
                    first_name=lookup_person.first_name,
                    last_name=lookup_person.last_name,
                    date_of_birth=lookup_person.date_of_birth,
                ),
                client=client_key(get_client_ip_address(request) or ""),
            )
        appointment = services.appointment_book(
            actor=actor,
            office=office,
            service=service,
            mode=payload.mode,
            starts_at=payload.starts_at,
            person=_details(payload.person),
            interpreter_language=payload.interpreter_language,
            companion=_details(payload.companion) if payload.companion else None,
            companion_relationship=payload.companion_relationship,
        )
        return appointment_dict(appointment)

    return idempotent(request, scope=scope, payload=payload.model_dump(mode="json"), action=action)


@router.post(
    "/appointments",
    response={201: AppointmentOut, **BOOKING_ERRORS},
    summary="Book an appointment",
    description="Send an Idempotency-Key header to make retries safe: a retry returns the first result. Bookings "
    "count against the per-client limit of look-ups (429 too_many_attempts, with Retry-After).",
)
def appointment_create(request: HttpRequest, payload: BookingIn) -> Status[dict[str, Any]]:
    # Here, not in the middleware's list: the staff API's booking has the same URL name, and an office's
    # clerks share one address (docs/adr/0023-fair-waitlist.md).
    lookup_throttle(client=client_key(get_client_ip_address(request) or ""))
    return Status(*book(request, payload, actor=None, scope="public:appointments"))


@router.post(
    "/appointments/find",
    response={200: AppointmentOut, **LOOKUP_ERRORS},
    summary="Your appointment",
    description=(
        "Code, last name and date of birth must all match (404 otherwise, the same for every mismatch). Look-ups "
        "are limited per client and per code (429 too_many_attempts, with Retry-After). After repeated failures "
        "a code is locked (403 lookup_locked): a one-time code goes to the contact on file, and the look-up needs "
        "it as one_time_code. The same holds for reschedule, cancel, ics and /disclosures/accounting/mine."
    ),
)
def appointment_read(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    return appointment_dict(appointment_find(**payload.model_dump()))


@router.post(
    "/appointments/reschedule", response={200: AppointmentOut, **LOOKUP_ERRORS}, summary="Move your appointment"
)
def appointment_reschedule(request: HttpRequest, payload: RescheduleIn) -> dict[str, Any]:
    appointment = appointment_find(
        code=payload.code,
        last_name=payload.last_name,
        date_of_birth=payload.date_of_birth,
        one_time_code=payload.one_time_code,
    )
    office = office_by_code(payload.office) if payload.office else None
    booking_throttle(person=person_booking_key(appointment.person))
    moved = services.appointment_reschedule(
        actor=None, appointment=appointment, starts_at=payload.starts_at, mode=payload.mode, office=office
    )
    return appointment_dict(moved)


@router.post("/appointments/cancel", response={200: AppointmentOut, **LOOKUP_ERRORS}, summary="Cancel your appointment")
def appointment_cancel(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    appointment = appointment_find(**payload.model_dump())
    return appointment_dict(services.appointment_cancel(actor=None, appointment=appointment))


@router.post(
    "/appointments/ics",
    response={200: str, **LOOKUP_ERRORS},
    summary="Your appointment as a calendar file",
    description="Returns text/calendar (RFC 5545) with the office's time zone.",
)
def appointment_calendar(request: HttpRequest, payload: VerifyIn) -> HttpResponse:
    appointment = appointment_find(**payload.model_dump())
    response = HttpResponse(
        appointment_ics(appointment, language=appointment.person.preferred_language),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.code}.ics"'
    return response


# --- The waitlist (docs/adr/0023-fair-waitlist.md) -------------------------------------------------


class WaitlistIn(VerifyIn):
    zip: str = Field(min_length=5, max_length=10, description="Offices within the radius of this ZIP code")
    radius_miles: int = Field(ge=1, le=MAX_RADIUS_MILES)
    mode: Literal["phone", "in_person"]
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        min_length=1, max_length=7, description="Days you can come, 0 = Monday"
    )
    earliest: time = Field(description="Earliest start, office local time")
    latest: time = Field(description="Latest end, office local time")


class WaitlistOut(Schema):
    id: str
    status: str
    service: str
    offices: int = Field(description="How many offices within the radius the entry covers")
    radius_miles: int
    mode: str
    weekdays: list[int]
    earliest: time
    latest: time
    created_at: datetime


class OfferIn(VerifyIn):
    offer: UUID = Field(description="The offer's id, from the link in the message")


class OfferOut(Schema):
    id: str
    status: str = Field(description="open, claimed, declined, expired or withdrawn")
    office: str
    office_name: str
    mode: str
    starts_at: datetime
    ends_at: datetime
    expires_at: datetime


def waitlist_dict(entry: WaitlistEntry) -> dict[str, Any]:
    return WaitlistOut(
        id=str(entry.public_id),
        status=entry.status,
        service=entry.service.code,
        offices=len(entry.office_ids),
        radius_miles=entry.radius_miles,
        mode=entry.mode,
        weekdays=entry.weekdays,
        earliest=entry.earliest_time,
        latest=entry.latest_time,
        created_at=entry.created_at,
    ).model_dump(mode="json")


def offer_dict(offer: WaitlistOffer) -> dict[str, Any]:
    shown = waitlist_notices.offer_view(offer, datetime.now(UTC))
    return OfferOut(
        id=str(offer.public_id),
        status=shown["status"],
        office=offer.office.code,
        office_name=offer.office.name,
        mode=offer.mode,
        starts_at=offer.starts_at,
        ends_at=offer.ends_at,
        expires_at=offer.expires_at,
    ).model_dump(mode="json")


WAITLIST_DESCRIPTION = (
    "Needs your booking's code, last name and date of birth, like every look-up (limited per client and per "
    "code; 403 lookup_locked after repeated failures). Waitlist actions are also limited per person (429)."
)


def _verified(payload: VerifyIn) -> Appointment:
    return appointment_find(**payload.model_dump(include={"code", "last_name", "date_of_birth", "one_time_code"}))


@router.post(
    "/waitlist",
    response={201: WaitlistOut, **LOOKUP_ERRORS},
    summary="Ask for an earlier time",
    description="Join the waitlist for an earlier time of your booked service (one entry per person and service: "
    "409 already_waiting). " + WAITLIST_DESCRIPTION,
)
def waitlist_join(request: HttpRequest, payload: WaitlistIn) -> Status[dict[str, Any]]:
    appointment = _verified(payload)
    entry = waitlist.waitlist_join(
        actor=None,
        appointment=appointment,
        wishes=waitlist.Wishes(
            zip_code=payload.zip,
            radius_miles=payload.radius_miles,
            mode=payload.mode,
            weekdays=tuple(payload.weekdays),
            earliest=payload.earliest,
            latest=payload.latest,
        ),
    )
    return Status(201, waitlist_dict(entry))


@router.post(
    "/waitlist/leave",
    response={200: WaitlistOut, **LOOKUP_ERRORS},
    summary="Leave the waitlist",
    description="You keep your appointment. " + WAITLIST_DESCRIPTION,
)
def waitlist_leave(request: HttpRequest, payload: VerifyIn) -> dict[str, Any]:
    appointment = _verified(payload)
    entry = waitlist.waitlist_active_for(appointment)
    if entry is None:
        raise NotFound("This appointment is not on the waitlist.", code="not_waiting")
    waitlist.waitlist_withdraw(actor=None, entry=entry)
    entry.refresh_from_db()
    return waitlist_dict(entry)


def _own_offer(payload: OfferIn) -> tuple[Appointment, WaitlistOffer]:
    appointment = _verified(payload)
    offer = WaitlistOffer.objects.select_related("office", "entry").filter(public_id=payload.offer).first()
    if offer is None or offer.entry.person_id != appointment.person_id:
        raise NotFound("We found no such offer for you.", code="offer_not_found")
    return appointment, offer


@router.post(
    "/waitlist/offer",
    response={200: OfferOut, **LOOKUP_ERRORS},
    summary="See a time offered to you",
    description="404 offer_not_found for an offer that is not yours. " + WAITLIST_DESCRIPTION,
)
def waitlist_offer_read(request: HttpRequest, payload: OfferIn) -> dict[str, Any]:
    return offer_dict(_own_offer(payload)[1])


@router.post(
    "/waitlist/offer/claim",
    response={200: AppointmentOut, **LOOKUP_ERRORS},
    summary="Take a time offered to you",
    description="Moves your appointment to the offered time (same code). 409 offer_closed when it was taken, "
    "refused or has expired; 409 slot_taken if the time was lost. " + WAITLIST_DESCRIPTION,
)
def waitlist_offer_claim(request: HttpRequest, payload: OfferIn) -> dict[str, Any]:
    return _claim(payload.offer, appointment=_verified(payload))


@router.post(
    "/waitlist/offer/decline",
    response={200: OfferOut, **LOOKUP_ERRORS},
    summary="Refuse a time offered to you",
    description="You keep your appointment and your place in line; the time goes to the next person. "
    + WAITLIST_DESCRIPTION,
)
def waitlist_offer_decline(request: HttpRequest, payload: OfferIn) -> dict[str, Any]:
    return _decline(payload.offer, appointment=_verified(payload))


# An offer is answered the same way whether the person proved who they are with their booking's code or,
# without a booking, with a one-time code: the service checks the offer is theirs (404 otherwise).
def _claim(offer_id: UUID, *, appointment: Appointment | None = None, person: Person | None = None) -> dict[str, Any]:
    return appointment_dict(waitlist.offer_claim(actor=None, offer_id=offer_id, appointment=appointment, person=person))


def _decline(offer_id: UUID, *, appointment: Appointment | None = None, person: Person | None = None) -> dict[str, Any]:
    waitlist.offer_decline(actor=None, offer_id=offer_id, appointment=appointment, person=person)
    return offer_dict(WaitlistOffer.objects.select_related("office").get(public_id=offer_id))


# --- A person without a booking (docs/adr/0036) ----------------------------------------------------


class WaitlistRequestIn(Schema):
    person: PersonIn = Field(description="Who you are, and an email or phone: the one-time code and offers go there")
    service: str = Field(min_length=1, max_length=40)
    interpreter_language: InterpreterLanguage = ""
    companion_needed: bool = False
    zip: str = Field(min_length=5, max_length=10, description="Offices within the radius of this ZIP code")
    radius_miles: int = Field(ge=1, le=MAX_RADIUS_MILES)
    mode: Literal["phone", "in_person"]
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(min_length=1, max_length=7)
    earliest: time
    latest: time


class WaitlistConfirmIn(Schema):
    request: UUID = Field(description="The id the request answered with")
    one_time_code: str = Field(min_length=1, max_length=12, description="The code sent to your email or phone")


class OfferCodeIn(Schema):
    offer: UUID = Field(description="The offer's id, from the link in the message")


class OfferWithCodeIn(OfferCodeIn):
    one_time_code: str = Field(min_length=1, max_length=12, description="The code sent by /waitlist/offer/code")


@router.post(
    "/waitlist/request",
    response={202: WaitlistOut, **LOOKUP_ERRORS},
    summary="Ask to be told of a time, without a booking",
    description="For a person who holds no booking: we send a one-time code to the email or phone you give; "
    "confirm it at /waitlist/request/confirm and you join the line then. One entry per person (name and birth "
    "date) and service: 409 already_waiting. Limited per client and per person (429).",
)
def waitlist_request(request: HttpRequest, payload: WaitlistRequestIn) -> Status[dict[str, Any]]:
    service = service_by_code(payload.service)
    entry = waitlist.waitlist_join_unbooked(
        actor=None,
        details=_details(payload.person),
        service=service,
        interpreter_language=payload.interpreter_language,
        companion_needed=payload.companion_needed,
        wishes=waitlist.Wishes(
            zip_code=payload.zip,
            radius_miles=payload.radius_miles,
            mode=payload.mode,
            weekdays=tuple(payload.weekdays),
            earliest=payload.earliest,
            latest=payload.latest,
        ),
    )
    return Status(202, waitlist_dict(entry))


@router.post(
    "/waitlist/request/confirm",
    response={201: WaitlistOut, **LOOKUP_ERRORS},
    summary="Confirm a waitlist request with its one-time code",
    description="403 code_wrong or code_expired (five tries, ten minutes); 404 request_not_found.",
)
def waitlist_request_confirm(request: HttpRequest, payload: WaitlistConfirmIn) -> Status[dict[str, Any]]:
    entry = waitlist.waitlist_confirm(entry_id=payload.request, code=payload.one_time_code)
    return Status(201, waitlist_dict(entry))


@router.post(
    "/waitlist/offer/code",
    response={202: dict, **LOOKUP_ERRORS},
    summary="Get a one-time code to answer an offer, without a booking",
    description="Sends a code to the contact on file of the person the offer is for. The same answer for any offer id.",
)
def waitlist_offer_code(request: HttpRequest, payload: OfferCodeIn) -> Status[dict[str, Any]]:
    waitlist.offer_code_send(offer_id=payload.offer)
    return Status(202, {"sent": "If this offer is yours and open, a code is on its way to your contact on file."})


@router.post(
    "/waitlist/offer/claim-with-code",
    response={201: AppointmentOut, **LOOKUP_ERRORS},
    summary="Take a time offered to you, without a booking",
    description="Books the offered time for you, with the one-time code from /waitlist/offer/code. 409 "
    "offer_closed when it was taken, refused or has expired.",
)
def waitlist_offer_claim_with_code(request: HttpRequest, payload: OfferWithCodeIn) -> Status[dict[str, Any]]:
    person = waitlist.offer_code_check(offer_id=payload.offer, code=payload.one_time_code)
    return Status(201, _claim(payload.offer, person=person))


@router.post(
    "/waitlist/offer/decline-with-code",
    response={200: OfferOut, **LOOKUP_ERRORS},
    summary="Refuse a time offered to you, without a booking",
    description="You keep your place in line; the time goes to the next person.",
)
def waitlist_offer_decline_with_code(request: HttpRequest, payload: OfferWithCodeIn) -> dict[str, Any]:
    person = waitlist.offer_code_check(offer_id=payload.offer, code=payload.one_time_code)
    return _decline(payload.offer, person=person)
