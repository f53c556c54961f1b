"""Public endpoints: offices, services, availability, and a person's own appointment.

A person reaches their appointment only with its confirmation code plus their last name and date of
birth, sent in a POST body so none of it lands in URLs or access logs.
"""

from datetime import date, timedelta

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from frontdesk.core.bounds import EARLIEST_DATE, LATEST_DATE
from frontdesk.core.errors import NotFound, ValidationFailed
from frontdesk.core.replicas import reads_from_replica
from frontdesk.offices.calendar import local_today
from frontdesk.offices.geo import offices_near
from frontdesk.offices.models import Office
from frontdesk.scheduling import services
from frontdesk.scheduling.availability import Need, office_slots, slots_near
from frontdesk.scheduling.ics import appointment_ics
from frontdesk.scheduling.models import Service
from frontdesk.scheduling.selectors import appointment_find

from .idempotency import idempotent
from .present import appointment_dict, office_dict, slot_dict
from .schemas import AppointmentOut, BookingIn, Error, OfficeOut, RescheduleIn, ServiceOut, SlotOut, VerifyIn

router = Router(tags=["public"])
ERRORS = {frozenset({400, 404, 409, 422}): Error}
# Look-ups by confirmation code may also be locked (403 lookup_locked) or rate-limited (429, Retry-After).
LOOKUP_ERRORS = {frozenset({400, 403, 404, 409, 422, 429}): Error}


def office_by_code(code: str) -> Office:
    office = Office.objects.prefetch_related("hours").filter(code=code.strip().upper()).first()
    if office is None:
        raise NotFound(f"There is no office with code {code!r}.", code="office_not_found", field="office")
    return office


def service_by_code(code: str) -> Service:
    service = Service.objects.filter(code=code.strip().lower(), active=True).first()
    if service is None:
        raise ValidationFailed(f"There is no service {code!r}; see /api/v1/services for the list.", field="service")
    return service


class OfficeListQuery(Schema):
    state: str = Field("", max_length=2)
    page: int = Field(1, ge=1, le=1000)
    page_size: int = Field(100, ge=1, le=500)


@router.get("/offices", response={200: list[OfficeOut], **ERRORS}, summary="List offices")
@reads_from_replica
def office_list(request: HttpRequest, filters: Query[OfficeListQuery]):
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
def office_near(request: HttpRequest, query: Query[NearQuery]):
    nearby = offices_near(query.zip.strip(), query.radius_miles)[: query.limit]
    offices = Office.objects.prefetch_related("hours").in_bulk([oid for oid, _ in nearby])
    return [office_dict(offices[oid], round(miles, 1)) for oid, miles in nearby]


@router.get("/offices/{code}", response={200: OfficeOut, **ERRORS}, summary="One office")
@reads_from_replica
def office_detail(request: HttpRequest, code: str):
    return office_dict(office_by_code(code))


@router.get("/services", response={200: list[ServiceOut], **ERRORS}, summary="What people can book")
@reads_from_replica
def service_list(request: HttpRequest):
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
def availability(request: HttpRequest, query: Query[AvailabilityQuery]):
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


def _details(person) -> services.PersonDetails:
    return services.PersonDetails(**person.model_dump())


def book(request: HttpRequest, payload: BookingIn, *, actor, scope: str) -> tuple[int, dict]:
    office = office_by_code(payload.office)
    service = service_by_code(payload.service)

    def action() -> dict:
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
    response={201: AppointmentOut, **ERRORS},
    summary="Book an appointment",
    description="Send an Idempotency-Key header to make retries safe: a retry returns the first result.",
)
def appointment_create(request: HttpRequest, payload: BookingIn):
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
def appointment_read(request: HttpRequest, payload: VerifyIn):
    return appointment_dict(appointment_find(**payload.model_dump()))


@router.post(
    "/appointments/reschedule", response={200: AppointmentOut, **LOOKUP_ERRORS}, summary="Move your appointment"
)
def appointment_reschedule(request: HttpRequest, payload: RescheduleIn):
    appointment = appointment_find(
        code=payload.code,
        last_name=payload.last_name,
        date_of_birth=payload.date_of_birth,
        one_time_code=payload.one_time_code,
    )
    office = office_by_code(payload.office) if payload.office else None
    moved = services.appointment_reschedule(
        actor=None, appointment=appointment, starts_at=payload.starts_at, mode=payload.mode, office=office
    )
    return appointment_dict(moved)


@router.post("/appointments/cancel", response={200: AppointmentOut, **LOOKUP_ERRORS}, summary="Cancel your appointment")
def appointment_cancel(request: HttpRequest, payload: VerifyIn):
    appointment = appointment_find(**payload.model_dump())
    return appointment_dict(services.appointment_cancel(actor=None, appointment=appointment))


@router.post(
    "/appointments/ics",
    response={200: str, **LOOKUP_ERRORS},
    summary="Your appointment as a calendar file",
    description="Returns text/calendar (RFC 5545) with the office's time zone.",
)
def appointment_calendar(request: HttpRequest, payload: VerifyIn):
    appointment = appointment_find(**payload.model_dump())
    response = HttpResponse(
        appointment_ics(appointment, language=appointment.person.preferred_language),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.code}.ics"'
    return response
