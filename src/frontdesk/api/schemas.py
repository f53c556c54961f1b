"""Request and response shapes. Schemas check shape only; business rules live in the services."""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Schema
from pydantic import AfterValidator, Field, StringConstraints

from frontdesk.core.bounds import EARLIEST_BIRTH, EARLIEST_DATE, LATEST_DATE


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give the time with its UTC offset, for example 2027-03-15T14:00:00Z")
    if not EARLIEST_DATE.year <= value.year <= LATEST_DATE.year:
        raise ValueError(f"give a time between the years {EARLIEST_DATE.year} and {LATEST_DATE.year}")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
Language = Literal["en", "es"]
InterpreterLanguage = Annotated[str, StringConstraints(strip_whitespace=True, max_length=8, pattern=r"^[a-z]{0,3}$")]


class Error(Schema):
    code: str = Field(description="Machine-readable reason, e.g. slot_taken, validation_error")
    message: str = Field(description="What went wrong and what to do, in a sentence")
    field: str | None = None
    errors: list[dict] | None = None


LocalTime = Annotated[str, Field(pattern=r"^\d{2}:\d{2}$", description="Office local time, HH:MM (24-hour)")]


class Hours(Schema):
    weekday: int = Field(ge=0, le=6, description="0 is Monday")
    opens: LocalTime
    closes: LocalTime


class OfficeRef(Schema):
    code: str
    name: str
    address_lines: list[str]
    city: str
    state: str
    zip_code: str
    phone: str
    timezone: str


class OfficeOut(OfficeRef):
    latitude: float
    longitude: float
    hours: list[Hours]
    distance_miles: float | None = None


class ServiceOut(Schema):
    code: str
    name_en: str
    name_es: str
    description_en: str
    description_es: str
    duration_minutes: int
    modes: list[str]
    in_person_required: bool
    min_lead_minutes: int
    horizon_days: int


class SlotOut(Schema):
    office_code: str
    office_name: str
    starts_at: datetime
    ends_at: datetime
    local_start: datetime = Field(description="Start in the office's local time, with its UTC offset")
    timezone: str
    distance_miles: float | None = None


class PersonIn(Schema):
    first_name: Name
    last_name: Name
    date_of_birth: date = Field(ge=EARLIEST_BIRTH, le=LATEST_DATE)
    ssn: Annotated[str, StringConstraints(strip_whitespace=True, max_length=11)] = ""
    email: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$")
    ] = ""
    phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^(\+?1)?\d{10}$|^$")] = ""
    preferred_language: Language = "en"


class BookingIn(Schema):
    office: Code
    service: Code
    mode: Literal["phone", "in_person"]
    starts_at: AwareDatetime
    person: PersonIn
    interpreter_language: InterpreterLanguage = ""
    companion: PersonIn | None = None
    companion_relationship: Annotated[str, StringConstraints(max_length=32)] = ""


class VerifyIn(Schema):
    code: Code
    last_name: Name
    date_of_birth: date = Field(ge=EARLIEST_BIRTH, le=LATEST_DATE)
    one_time_code: str = Field(
        "",
        max_length=12,
        description="Only when the answer was 403 lookup_locked: the one-time code sent to the contact on file.",
    )


class RescheduleIn(VerifyIn):
    starts_at: AwareDatetime
    mode: Literal["phone", "in_person"] | None = None
    office: Code | None = None


class AppointmentOut(Schema):
    code: str
    status: str
    office: OfficeRef
    service: str
    service_name_en: str
    service_name_es: str
    mode: str
    starts_at: datetime
    ends_at: datetime
    local_start: datetime
    local_end: datetime
    interpreter_language: str
    has_companion: bool
    companion_relationship: str


class PersonOut(Schema):
    id: str
    first_name: str
    last_name: str
    date_of_birth: date
    ssn_last4: str | None = None


class StaffAppointmentOut(AppointmentOut):
    person: PersonOut
    companion: PersonOut | None = None


class PersonSearchIn(Schema):
    purpose: str
    purpose_note: str = ""
    ssn: str = ""
    last_name: str = ""
    date_of_birth: date | None = None


class StaffActionIn(Schema):
    purpose_note: str = ""


class WalkInIn(Schema):
    service: Code
    interpreter_language: InterpreterLanguage = ""
    accessible: bool = Field(False, description="Needs an accessible window (lowered counter, room for a wheelchair)")
    person: UUID | None = Field(None, description="Whose walk-in this is (a person's id from the person search)")


class WalkInOut(Schema):
    """A ticket in the office's merged queue (walk-ins and appointment holders): numbers, never names."""

    id: str
    ticket: str = Field(description="What the board shows and the clerk calls out, e.g. W004")
    kind: Literal["walk_in", "appointment"]
    service: str
    status: Literal["waiting", "called", "served", "no_show"]
    window: str | None = Field(None, description="The window that called it")
    interpreter_language: str = ""
    accessible: bool = False
    person: str | None = Field(None, description="The person's id, when the clerk recorded whose walk-in it is")
    issued_at: datetime
    called_at: datetime | None = None
    waited_minutes: int = Field(description="From the ticket to its first call (or to now, while waiting)")


class WalkInStatusIn(Schema):
    status: Literal["called", "recalled", "served", "no_show", "left"] = Field(
        description="called: call it to the window (only if it is the one the queue rule gives that window "
        "next); recalled: call it again; served or no_show: close it at its window; left: a waiting walk-in "
        "who went away before their call (no window needed)"
    )
    window: Annotated[str, StringConstraints(strip_whitespace=True, max_length=20)] = Field(
        default="", description="The open window doing it, by name as the board shows it (not for left)"
    )


class ClosureIn(Schema):
    date: date
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]


class ClosureOut(Schema):
    office: str
    date: date
    reason: str
