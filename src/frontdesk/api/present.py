"""Turning domain objects into response dicts, shared by the public and staff routers."""

from typing import Any

from frontdesk.core.crypto import ssn_last_four
from frontdesk.offices.models import Office
from frontdesk.scheduling.availability import Slot
from frontdesk.scheduling.models import Appointment, Person

from .schemas import AppointmentOut, Hours, OfficeOut, PersonOut, SlotOut, StaffAppointmentOut


def office_dict(office: Office, distance_miles: float | None = None) -> dict[str, Any]:
    hours = [
        Hours(weekday=h.weekday, opens=h.opens.strftime("%H:%M"), closes=h.closes.strftime("%H:%M"))
        for h in office.hours.all()
    ]
    return OfficeOut(
        code=office.code,
        name=office.name,
        address_lines=office.address_lines,
        city=office.city,
        state=office.state,
        zip_code=office.zip_code,
        phone=office.phone,
        timezone=office.timezone,
        latitude=office.latitude,
        longitude=office.longitude,
        hours=hours,
        distance_miles=distance_miles,
    ).model_dump(mode="json")


def slot_dict(slot: Slot) -> dict[str, Any]:
    return SlotOut(
        office_code=slot.office.code,
        office_name=slot.office.name,
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        local_start=slot.local_start,
        timezone=slot.office.timezone,
        distance_miles=slot.distance_miles,
    ).model_dump(mode="json")


def _appointment_fields(a: Appointment) -> dict[str, Any]:
    office, zone = a.office, a.office.zone
    return {
        "code": a.code,
        "status": a.status,
        "office": {
            "code": office.code,
            "name": office.name,
            "address_lines": office.address_lines,
            "city": office.city,
            "state": office.state,
            "zip_code": office.zip_code,
            "phone": office.phone,
            "timezone": office.timezone,
        },
        "service": a.service.code,
        "service_name_en": a.service.name_en,
        "service_name_es": a.service.name_es,
        "mode": a.mode,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "local_start": a.starts_at.astimezone(zone),
        "local_end": a.ends_at.astimezone(zone),
        "interpreter_language": a.interpreter_language,
        "has_companion": a.companion_id is not None,
        "companion_relationship": a.companion_relationship,
    }


def appointment_dict(a: Appointment) -> dict[str, Any]:
    return AppointmentOut(**_appointment_fields(a)).model_dump(mode="json")


def person_dict(p: Person) -> dict[str, Any]:
    return _person_out(p).model_dump(mode="json")


def _person_out(p: Person) -> PersonOut:
    # Staff see the last four digits at most; the full SSN is never sent to a screen.
    last4 = ssn_last_four(p.ssn_encrypted, context="person.ssn")
    return PersonOut(
        id=str(p.public_id),
        first_name=p.first_name,
        last_name=p.last_name,
        date_of_birth=p.date_of_birth,
        ssn_last4=last4,
    )


def staff_appointment_dict(a: Appointment) -> dict[str, Any]:
    return StaffAppointmentOut(
        **_appointment_fields(a),
        person=_person_out(a.person),
        companion=_person_out(a.companion) if a.companion else None,
    ).model_dump(mode="json")
