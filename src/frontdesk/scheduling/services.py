"""Every write to appointments, people and the walk-in queue.

Each service runs in one transaction, checks who may act, and appends its ledger event in that same
transaction, so an action and its audit record commit together or not at all (invariant 4 in docs/architecture.md).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import IntegrityError, transaction

from frontdesk.accounts.actors import Actor, staff_user
from frontdesk.core.bounds import EARLIEST_BIRTH
from frontdesk.core.crypto import InvalidSsn, encrypt_field, pseudonym, ssn_lookup_hash
from frontdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from frontdesk.ledger.services import event_append
from frontdesk.offices.calendar import local_today
from frontdesk.offices.models import Office

from . import policies, signals
from .availability import Need, bookable_time_check, resources_for_slot
from .codes import new_code
from .models import (
    Appointment,
    Mode,
    Person,
    Relationship,
    ResourceHold,
    Service,
    Status,
)
from .names import NameProblem, name_check, name_key

BOOKING_ATTEMPTS = 4

# The declared state machine: nothing else assigns Appointment.status.
TRANSITIONS: dict[str, set[str]] = {
    Status.BOOKED: {Status.CHECKED_IN, Status.CANCELLED, Status.NO_SHOW},
    Status.CHECKED_IN: {Status.COMPLETED},
    Status.COMPLETED: set(),
    Status.CANCELLED: set(),
    Status.NO_SHOW: set(),
}


@dataclass(frozen=True)
class PersonDetails:
    first_name: str
    last_name: str
    date_of_birth: date
    ssn: str = ""
    email: str = ""
    phone: str = ""
    preferred_language: str = "en"


def subject_of(person: Person) -> str:
    return pseudonym("person", str(person.public_id))


def _validate_person(details: PersonDetails, *, today: date) -> None:
    for field, label, value in (("first_name", "First", details.first_name), ("last_name", "Last", details.last_name)):
        try:
            name_check(value)
        except NameProblem as problem:
            raise ValidationFailed(f"{label} name: {problem}", field=field, code="name_invalid") from None
    if details.date_of_birth > today:
        raise ValidationFailed("The date of birth is in the future; check it.", field="date_of_birth")
    if details.date_of_birth < EARLIEST_BIRTH:
        raise ValidationFailed("Check the year of birth.", field="date_of_birth")


def person_resolve(*, details: PersonDetails, today: date) -> Person:
    """The person these details describe: an existing record when the SSN, last name and birth date all
    match; otherwise a new record. A known SSN with other details is never linked (it would let anyone
    attach to someone else's record); the new record then keeps no SSN and staff verify in person."""
    _validate_person(details, today=today)
    ssn_hash = ""
    if details.ssn:
        try:
            ssn_hash = ssn_lookup_hash(details.ssn)
        except InvalidSsn as exc:
            raise ValidationFailed(str(exc), field="ssn") from None
        existing = Person.objects.filter(ssn_hash=ssn_hash).first()
        if existing is not None:
            if (
                existing.last_name_key == name_key(details.last_name)
                and existing.date_of_birth == details.date_of_birth
            ):
                return existing
            ssn_hash = ""
    person = Person(
        first_name=name_check(details.first_name),
        last_name=name_check(details.last_name),
        last_name_key=name_key(details.last_name),
        date_of_birth=details.date_of_birth,
        preferred_language=details.preferred_language,
    )
    person.set_contact(email=details.email, phone=details.phone)
    if ssn_hash:
        person.ssn_hash = ssn_hash
        person.ssn_encrypted = encrypt_field(details.ssn.replace("-", "").strip(), context="person.ssn")
    person.save()
    return person


def _hold(appointment: Appointment, resource_ids: list[int]) -> None:
    ResourceHold.objects.bulk_create(
        ResourceHold(
            appointment=appointment, resource_id=rid, starts_at=appointment.starts_at, ends_at=appointment.ends_at
        )
        for rid in resource_ids
    )


def _release(appointment: Appointment) -> None:
    ResourceHold.objects.filter(appointment=appointment, active=True).update(active=False)


def _place(
    appointment: Appointment,
    need: Need,
    *,
    now: datetime,
    ignore_own: bool = False,
) -> None:
    """Hold every resource the slot needs for an appointment already saved (a move). The database
    refuses an overlap (exclusion constraint or trigger); when a concurrent booking wins a resource,
    try the slot's other free resources. (A new booking retries as a whole: `appointment_book`.)"""
    for _attempt in range(BOOKING_ATTEMPTS):
        resources = resources_for_slot(
            office=appointment.office,
            need=need,
            starts_at=appointment.starts_at,
            now=now,
            ignore_appointment_id=appointment.id if ignore_own else None,
        )
        if resources is None:
            break
        try:
            with transaction.atomic():
                _hold(appointment, resources)
            return
        except IntegrityError:
            continue
    raise Conflict("That time was just taken. Choose another time.", code="slot_taken")


def _queue_reminder(appointment: Appointment) -> None:
    # The database task backend writes the task row in this transaction: the reminder exists exactly
    # when the booking does, with no window between commit and enqueue where a crash would lose it.
    from .reminders import schedule_reminder

    schedule_reminder(appointment)


def _offer_to_waitlist(
    appointment: Appointment, *, starts_at: datetime, office_id: int, reason: str, now: datetime
) -> None:
    # After commit, the freed time goes to the first matching person on the waitlist (waitlist.py).
    from .waitlist import appointment_time_freed

    appointment_time_freed(appointment, starts_at=starts_at, office_id=office_id, reason=reason, now=now)


def appointment_book(
    *,
    actor: Actor,
    office: Office,
    service: Service,
    mode: str,
    starts_at: datetime,
    person: PersonDetails,
    interpreter_language: str = "",
    companion: PersonDetails | None = None,
    companion_relationship: str = "",
    now: datetime | None = None,
    subject: Person | None = None,
) -> Appointment:
    """Book a slot, holding all of its resources at once (no double booking: invariant 1 in docs/architecture.md).

    `subject`: the person already known (a waitlist entry without a booking, verified by a one-time code
    or by staff), booked as that very record instead of resolving `person` anew.

    Staff may book only for their own office. A companion (parent of a minor, representative) is
    recorded on the appointment beside the person it is for.
    """
    now = now or datetime.now(UTC)
    need = Need(service=service, mode=mode, interpreter_language=interpreter_language)
    if (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and not policies.can_run_office_day(actor, office)
    ):
        raise PermissionDenied("You can book only for your own office.")
    if companion is not None and companion_relationship not in Relationship.values:
        raise ValidationFailed(
            f"Say how the companion is related: one of {', '.join(Relationship.values)}.",
            field="companion_relationship",
        )
    window = bookable_time_check(office=office, need=need, starts_at=starts_at, now=now)
    today = local_today(office, now)
    # The whole booking is the unit of retry: a try that loses a resource to a concurrent booking (the
    # exclusion constraint or trigger refuses its hold) or draws a code already in use (the unique
    # index refuses the appointment) rolls back to the savepoint of this block and starts again, the
    # day's holds read afresh. No savepoint around the hold and no look-up of the code before the
    # insert: the database's constraints decide, as they must under concurrency anyway.
    for attempt in range(BOOKING_ATTEMPTS):
        step = "person"
        try:
            with transaction.atomic():
                booked_person = subject or person_resolve(details=person, today=today)
                companion_person = person_resolve(details=companion, today=today) if companion else None
                if companion_person is not None and companion_person.id == booked_person.id:
                    raise ValidationFailed("The companion must be someone other than the person.", field="companion")
                # The first try chooses from the day `bookable_time_check` just loaded (which resources
                # look free is only a guess either way: the constraint decides); a retry reads it again.
                resources = resources_for_slot(
                    office=office, need=need, starts_at=starts_at, now=now, window=window if attempt == 0 else None
                )
                if resources is None:
                    raise Conflict("That time was just taken. Choose another time.", code="slot_taken")
                step = "appointment"
                appointment = Appointment.objects.create(
                    code=new_code(),
                    person=booked_person,
                    companion=companion_person,
                    companion_relationship=companion_relationship if companion_person else "",
                    office=office,
                    service=service,
                    mode=mode,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=service.duration_minutes),
                    interpreter_language=interpreter_language,
                    booked_by=staff_user(actor),
                )
                step = "hold"
                _hold(appointment, resources)
                step = "recorded"
                signals.appointment_booked.send(sender=Appointment, appointment=appointment)
                subjects = [subject_of(booked_person)] + ([subject_of(companion_person)] if companion_person else [])
                event_append(
                    type="scheduling.appointment.booked",
                    actor=actor,
                    purpose="book_for_person" if getattr(actor, "is_authenticated", False) else "self_service",
                    subjects=subjects,
                    refs={"appointment": str(appointment.public_id), "office": office.code},
                )
                _queue_reminder(appointment)
            return appointment
        except IntegrityError:
            # Only the appointment's code and the holds are expected to collide; anything else is a bug.
            if step not in ("appointment", "hold"):
                raise
    raise Conflict("That time was just taken. Choose another time.", code="slot_taken")


def _lock(appointment: Appointment) -> Appointment:
    return Appointment.objects.select_for_update().select_related("office", "service").get(pk=appointment.pk)


def _authorize_change(actor: Actor, appointment: Appointment) -> None:
    if getattr(actor, "is_authenticated", False) and not policies.can_run_office_day(actor, appointment.office):
        raise PermissionDenied("You can change appointments only at your own office.")


def appointment_reschedule(
    *,
    actor: Actor,
    appointment: Appointment,
    starts_at: datetime,
    mode: str | None = None,
    office: Office | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Move an appointment. The new slot is held in the same transaction that releases the old one, so
    the person never loses their time: if the new slot is taken, nothing changes."""
    now = now or datetime.now(UTC)
    with transaction.atomic():
        appointment = _lock(appointment)
        _authorize_change(actor, appointment)
        if appointment.status != Status.BOOKED:
            raise Conflict("Only a booked appointment can be moved.", code="not_reschedulable")
        _require_not_started(actor, appointment, now)
        target_office = office or appointment.office
        if getattr(actor, "is_authenticated", False) and not policies.can_run_office_day(actor, target_office):
            raise PermissionDenied("You can book only for your own office.")
        need = Need(
            service=appointment.service,
            mode=mode or appointment.mode,
            interpreter_language=appointment.interpreter_language,
        )
        bookable_time_check(office=target_office, need=need, starts_at=starts_at, now=now)
        old = {"starts_at": appointment.starts_at.isoformat(), "office": appointment.office.code}
        freed = (appointment.starts_at, appointment.office_id)
        from_zone = appointment.office.zone
        _release(appointment)
        appointment.office = target_office
        appointment.mode = need.mode
        appointment.starts_at = starts_at
        appointment.ends_at = starts_at + timedelta(minutes=appointment.service.duration_minutes)
        appointment.reschedule_count += 1
        appointment.save()
        _place(appointment, need, now=now, ignore_own=True)
        signals.appointment_moved.send(
            sender=Appointment,
            appointment=appointment,
            from_office_id=freed[1],
            from_starts_at=freed[0],
            from_zone=from_zone,
        )
        event_append(
            type="scheduling.appointment.rescheduled",
            actor=actor,
            purpose="book_for_person" if getattr(actor, "is_authenticated", False) else "self_service",
            subjects=[subject_of(appointment.person)],
            refs={
                "appointment": str(appointment.public_id),
                "office": target_office.code,
                "from_office": old["office"],
            },
        )
        _queue_reminder(appointment)
        _offer_to_waitlist(appointment, starts_at=freed[0], office_id=freed[1], reason="rescheduled", now=now)
    return appointment


def _require_not_started(actor: Actor, appointment: Appointment, now: datetime) -> None:
    """The person (not staff) may change an appointment only before its time (policies.can_self_change)."""
    if not getattr(actor, "is_authenticated", False) and not policies.can_self_change(appointment, now):
        raise Conflict(
            "This appointment's time has passed, so it can no longer be changed online. Call the office.",
            code="appointment_started",
        )


def _transition(
    *, actor: Actor, appointment: Appointment, to: str, event: str, now: datetime, purpose: str
) -> Appointment:
    with transaction.atomic():
        appointment = _lock(appointment)
        _authorize_change(actor, appointment)
        if to == Status.CANCELLED:
            _require_not_started(actor, appointment, now)
        if to not in TRANSITIONS[appointment.status]:
            raise Conflict(
                f"This appointment is {appointment.get_status_display().lower()}; it cannot be marked "
                f"{Status(to).label.lower()}.",
                code="invalid_transition",
            )
        appointment.status = to
        stamp: dict[str, str] = {
            Status.CHECKED_IN: "checked_in_at",
            Status.COMPLETED: "completed_at",
            Status.CANCELLED: "cancelled_at",
        }
        if to in stamp:
            setattr(appointment, stamp[to], now)
        appointment.save()
        signals.appointment_status_changed.send(sender=Appointment, appointment=appointment, to=to, now=now)
        if to in (Status.CANCELLED, Status.NO_SHOW, Status.COMPLETED):
            _release(appointment)  # frees staff early for walk-ins
        if to == Status.CANCELLED:
            _offer_to_waitlist(
                appointment,
                starts_at=appointment.starts_at,
                office_id=appointment.office_id,
                reason="cancelled",
                now=now,
            )
        event_append(
            type=event,
            actor=actor,
            purpose=purpose,
            subjects=[subject_of(appointment.person)],
            refs={"appointment": str(appointment.public_id), "office": appointment.office.code},
        )
    return appointment


def appointment_cancel(*, actor: Actor, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """Cancel and release every held resource at once."""
    now = now or datetime.now(UTC)
    purpose = "book_for_person" if getattr(actor, "is_authenticated", False) else "self_service"
    return _transition(
        actor=actor,
        appointment=appointment,
        to=Status.CANCELLED,
        event="scheduling.appointment.cancelled",
        now=now,
        purpose=purpose,
    )


def _require_staff(actor: Actor, appointment: Appointment) -> None:
    if not policies.can_run_office_day(actor, appointment.office):
        raise PermissionDenied("Only staff of this office can do that.")


def appointment_check_in(*, actor: Actor, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """Check a person in on the day, from two hours before their time until it ends."""
    now = now or datetime.now(UTC)
    _require_staff(actor, appointment)
    return _check_in(actor=actor, appointment=appointment, now=now, purpose="check_in")


def _check_in(*, actor: Actor, appointment: Appointment, now: datetime, purpose: str) -> Appointment:
    """The one check-in, at the counter or the kiosk: two hours before the time until it ends."""
    if appointment.status == Status.BOOKED and not policies.check_in_open(appointment, now):
        raise Conflict(
            "Check-in opens two hours before the appointment and closes when it ends.", code="not_check_in_time"
        )
    return _transition(
        actor=actor,
        appointment=appointment,
        to=Status.CHECKED_IN,
        event="scheduling.appointment.checked_in",
        now=now,
        purpose=purpose,
    )


def appointment_self_check_in(*, appointment: Appointment, office: Office, now: datetime | None = None) -> Appointment:
    """A person checks themselves in at the office's kiosk, after proving who they are (`appointment_find`).

    The same window as the counter's check-in (two hours before until the end), in person only, and only
    at the office the appointment is at; it lands on the clerk's day exactly like the counter's check-in.
    """
    now = now or datetime.now(UTC)
    if appointment.office_id != office.id:
        raise Conflict("This appointment is at another office.", code="other_office")
    if appointment.mode != Mode.IN_PERSON:
        raise Conflict("This appointment is by phone; we will call you.", code="phone_appointment")
    return _check_in(actor=None, appointment=appointment, now=now, purpose="self_service")


def appointment_complete(*, actor: Actor, appointment: Appointment, now: datetime | None = None) -> Appointment:
    now = now or datetime.now(UTC)
    _require_staff(actor, appointment)
    return _transition(
        actor=actor,
        appointment=appointment,
        to=Status.COMPLETED,
        event="scheduling.appointment.completed",
        now=now,
        purpose="serve_appointment",
    )


def appointment_mark_no_show(*, actor: Actor, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """Mark a no-show, allowed from fifteen minutes after the start time."""
    now = now or datetime.now(UTC)
    _require_staff(actor, appointment)
    if appointment.status == Status.BOOKED and not policies.no_show_allowed(appointment, now):
        raise Conflict("A person can be marked a no-show only 15 minutes after their time.", code="too_early")
    return _transition(
        actor=actor,
        appointment=appointment,
        to=Status.NO_SHOW,
        event="scheduling.appointment.no_show",
        now=now,
        purpose="run_schedule",
    )
