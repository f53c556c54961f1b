"""Reads that cross a boundary: each takes the actor, returns only what that actor may see, and
records every staff read of personal data with its stated purpose on the ledger (invariant 4)."""

from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet

from frontdesk.accounts.actors import Actor
from frontdesk.accounts.roles import Scope
from frontdesk.core.crypto import InvalidSsn, ssn_lookup_hash
from frontdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from frontdesk.core.purposes import require_purpose
from frontdesk.ledger.refusals import refusals_recorded
from frontdesk.ledger.services import event_append
from frontdesk.offices.calendar import local_instant
from frontdesk.offices.models import Office

from . import policies
from .codes import code_asked, normalize_code
from .lookup_guard import lookup_guard_check
from .models import Appointment, Person
from .names import name_key
from .services import subject_of
from .throttle import lookup_throttle

NOT_FOUND = "We found no appointment with that code, last name and date of birth. Check all three."


def appointment_find(*, code: str, last_name: str, date_of_birth: date, one_time_code: str = "") -> Appointment:
    """The person's own appointment, when code, last name and birth date all match.

    Every mismatch gives the same answer, so the reply never tells which part was wrong. Every try
    counts against the code's rate limit (429 past it), and failed tries against the code's lock: past
    the lock, a one-time code sent to the contact on file is needed as well (`lookup_guard`).
    """
    normalized = normalize_code(code)
    if normalized:
        lookup_throttle(code=normalized)
    appointment = (
        Appointment.objects.select_related("office", "service", "person").filter(code=normalized).first()
        if normalized
        else None
    )
    matches = (
        appointment is not None
        and appointment.person.last_name_key == name_key(last_name)
        and appointment.person.date_of_birth == date_of_birth
    )
    if normalized:
        lookup_guard_check(normalized=normalized, appointment=appointment, matches=matches, one_time_code=one_time_code)
    if not matches or appointment is None:
        raise NotFound(NOT_FOUND, code="appointment_not_found")
    return appointment


def _record_read(*, actor: Actor, kind: str, purpose: str, people: list[Person], refs: dict) -> None:
    with transaction.atomic():
        event_append(
            type=f"records.{kind}.viewed",
            actor=actor,
            purpose=purpose,
            subjects=sorted({subject_of(p) for p in people}),
            refs=refs,
        )


def office_day_schedule(
    *, actor: Actor, office: Office, day: date, purpose: str, purpose_note: str = ""
) -> list[Appointment]:
    """One office's appointments on a local date, for its own front-line staff."""
    recorded = require_purpose(purpose, purpose_note)
    if not policies.can_view_office_schedule(actor, office):
        raise PermissionDenied("You can see only your own office's schedule.")
    start = local_instant(day, datetime.min.time(), office.zone) or datetime.combine(day, datetime.min.time(), UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), office.zone).astimezone(UTC)
    appointments = list(
        Appointment.objects.filter(office=office, starts_at__gte=start, starts_at__lt=end)
        .select_related("person", "companion", "service")
        .order_by("starts_at", "id")
    )
    people = [a.person for a in appointments] + [a.companion for a in appointments if a.companion]
    _record_read(
        actor=actor,
        kind="schedule",
        purpose=recorded,
        people=people,
        refs={"office": office.code, "date": day.isoformat(), "count": len(appointments)},
    )
    return appointments


def _by_code(normalized: str | None) -> Appointment | None:
    if not normalized:
        return None
    related = ("office", "service", "person", "companion")
    return Appointment.objects.select_related(*related).filter(code=normalized).first()


def appointment_get_for_staff(*, actor: Actor, code: str, purpose: str, purpose_note: str = "") -> Appointment:
    recorded = require_purpose(purpose, purpose_note)
    normalized = normalize_code(code)
    with refusals_recorded(action="records.appointment", actor=actor, purpose=recorded, refs=code_asked(normalized)):
        appointment = _by_code(normalized)
        if appointment is None or not policies.can_view_office_schedule(actor, appointment.office):
            # Out-of-scope appointments look exactly like missing ones, to the actor and on the ledger.
            raise NotFound("No appointment with that code at an office you serve.", code="appointment_not_found")
    people = [appointment.person] + ([appointment.companion] if appointment.companion else [])
    _record_read(
        actor=actor,
        kind="appointment",
        purpose=recorded,
        people=people,
        refs={"appointment": str(appointment.public_id), "office": appointment.office.code},
    )
    return appointment


def appointment_for_office_day(*, actor: Actor, code: str, action: str) -> Appointment:
    """The appointment a front-line action (check-in, cancel...) names, when it is at the actor's office.

    Reads no personal data; a code that is missing or at another office is refused alike, and recorded."""
    normalized = normalize_code(code)
    with refusals_recorded(
        action="records.appointment", actor=actor, refs=code_asked(normalized) | {"action": action.replace("-", "_")}
    ):
        appointment = _by_code(normalized)
        if appointment is None or not policies.can_run_office_day(actor, appointment.office):
            raise NotFound("No appointment with that code at your office.", code="appointment_not_found")
    return appointment


def _people_in_scope(actor: Actor) -> QuerySet[Person]:
    scope, ref = policies.office_scope_ids(actor)
    if scope == Scope.OFFICE and ref is not None:
        return Person.objects.filter(appointments__office_id=ref).distinct()
    if scope == Scope.REGION and ref is not None:
        return Person.objects.filter(appointments__office__region=ref).distinct()
    raise PermissionDenied("Your role does not look people up.")


def person_search(
    *,
    actor: Actor,
    purpose: str,
    purpose_note: str = "",
    ssn: str = "",
    last_name: str = "",
    date_of_birth: date | None = None,
) -> list[Person]:
    """Find people who have appointments at the actor's office, by SSN or by last name and birth date."""
    recorded = require_purpose(purpose, purpose_note)
    query = "ssn" if ssn else "name_dob"
    with refusals_recorded(action="records.person", actor=actor, purpose=recorded, refs={"query": query}):
        people = _people_in_scope(actor)
    if ssn:
        try:
            people = people.filter(ssn_hash=ssn_lookup_hash(ssn))
        except InvalidSsn as exc:
            raise ValidationFailed(str(exc), field="ssn") from None
    elif last_name and date_of_birth:
        people = people.filter(last_name_key=name_key(last_name), date_of_birth=date_of_birth)
    else:
        raise ValidationFailed("Search by SSN, or by last name and date of birth together.", field="ssn")
    found = list(people[:25])
    _record_read(
        actor=actor,
        kind="person",
        purpose=recorded,
        people=found,
        refs={"query": query, "results": len(found)},
    )
    return found
