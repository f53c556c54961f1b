"""Every write on the office floor: issuing tickets, windows, calling, recalling, transferring, closing.

Each service runs in one transaction and appends its ledger event in it. Floor events carry only the
office, the kind of ticket, counts and durations: no ticket number, no confirmation code, no person, so
the ledger shows how the floor ran and never who stood in it.
"""

import logging
import uuid
from datetime import UTC, datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import translation

from frontdesk.accounts.actors import Actor, staff_user
from frontdesk.core.crypto import decrypt_field, encrypt_field
from frontdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from frontdesk.ledger.services import event_append
from frontdesk.offices.calendar import local_today
from frontdesk.offices.models import Office
from frontdesk.scheduling import services as scheduling
from frontdesk.scheduling import signals
from frontdesk.scheduling.availability import Need
from frontdesk.scheduling.languages import is_known
from frontdesk.scheduling.models import Appointment, Mode, Person, Service, Status
from frontdesk.scheduling.sms import normalize_number, sms_backend

from . import policies
from .models import OPEN_OUTCOMES, KioskDevice, Ticket, TicketKind, TicketOutcome, Window
from .selectors import as_waiting, serves_of

logger = logging.getLogger(__name__)

PHONE_CONTEXT = "floor.ticket.phone"
NUMBER_ATTEMPTS = 4


def _phone_sealed(phone: str) -> str:
    """The number as stored: encrypted, bound to its column. US numbers only (10 digits, or 11 with a 1)."""
    if not phone.strip():
        return ""
    digits = normalize_number(phone)
    if len(digits) != 11 or not digits.startswith("1"):
        raise ValidationFailed("Enter a 10-digit US phone number, or leave it empty.", field="phone")
    return encrypt_field(digits, context=PHONE_CONTEXT)


def _issue(
    *,
    office: Office,
    kind: str,
    service: Service,
    now: datetime,
    actor: Actor = None,
    appointment: Appointment | None = None,
    interpreter_language: str = "",
    accessible: bool = False,
    phone_encrypted: str = "",
    person: Person | None = None,
) -> Ticket:
    today = local_today(office, now)
    for _attempt in range(NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                last = Ticket.objects.filter(office=office, local_date=today).aggregate(n=Max("number"))["n"] or 0
                ticket = Ticket.objects.create(
                    office=office,
                    local_date=today,
                    number=last + 1,
                    kind=kind,
                    service=service,
                    appointment=appointment,
                    due_at=appointment.starts_at if appointment else None,
                    interpreter_language=interpreter_language,
                    accessible=accessible,
                    issued_at=now,
                    phone_encrypted=phone_encrypted,
                    at_counter=actor is not None,
                    issued_by=staff_user(actor),
                    person=person,
                )
                waiting = Ticket.objects.filter(office=office, local_date=today, outcome=TicketOutcome.WAITING).count()
                if kind == TicketKind.WALK_IN:
                    # The dashboards count walk-ins per office, day and service (stats listens).
                    signals.walk_in_added.send(sender=Ticket, office_id=office.id, day=today, service_id=service.id)
                event_append(
                    type="floor.ticket.issued",
                    actor=actor,
                    purpose="self_service" if actor is None else "run_schedule",
                    refs={"office": office.code, "kind": kind, "waiting": waiting},
                )
            return ticket
        except IntegrityError:
            continue  # two kiosks drew the same number at once: draw again
    raise Conflict("The kiosk is busy. Try again.", code="ticket_number_busy")


def _walk_in_check(office: Office, service: Service | None, interpreter_language: str) -> Service:
    """The one validity rule for a walk-in, at the kiosk or the counter: a service offered in person and a
    known interpreter language (`scheduling.availability.Need`, the booking rule), at an office that keeps
    hours (one without hours has no day to queue in)."""
    if service is None:
        raise ValidationFailed("Choose what you came for.", field="service")
    Need(service=service, mode=Mode.IN_PERSON, interpreter_language=interpreter_language)
    if not office.hours.exists():
        raise Conflict("This office does not serve walk-ins.", code="office_closed")
    return service


def ticket_issue_walk_in(
    *,
    office: Office,
    service: Service | None,
    interpreter_language: str = "",
    accessible: bool = False,
    phone: str = "",
    now: datetime | None = None,
) -> Ticket:
    """A ticket for someone without an appointment, from the office's kiosk."""
    now = now or datetime.now(UTC)
    service = _walk_in_check(office, service, interpreter_language)
    return _issue(
        office=office,
        kind=TicketKind.WALK_IN,
        service=service,
        now=now,
        interpreter_language=interpreter_language,
        accessible=accessible,
        phone_encrypted=_phone_sealed(phone),
    )


def ticket_issue_at_counter(
    *,
    actor: Actor,
    office: Office,
    service: Service | None,
    interpreter_language: str = "",
    accessible: bool = False,
    person: Person | None = None,
    phone: str = "",
    now: datetime | None = None,
) -> Ticket:
    """A walk-in ticket a clerk gives at the counter (the console's walk-in form, the staff API): the one
    rule for both, and the same merged queue as the kiosk's tickets (docs/adr/0040-walk-ins-are-floor-tickets.md).

    Staff of the office only. The service must be offered in person and the interpreter language known
    (`scheduling.availability.Need`, the booking rule). `person` records whose walk-in it is, for their
    own records (the disclosure packet); it is never shown on the board, a public page or the ledger.
    """
    now = now or datetime.now(UTC)
    if not policies.can_call_tickets(actor, office):
        raise PermissionDenied("Only staff of this office can add to its queue.")
    service = _walk_in_check(office, service, interpreter_language)
    return _issue(
        office=office,
        kind=TicketKind.WALK_IN,
        service=service,
        now=now,
        actor=actor,
        interpreter_language=interpreter_language,
        accessible=accessible,
        phone_encrypted=_phone_sealed(phone),
        person=person,
    )


def ticket_issue_for_appointment(
    *,
    office: Office,
    appointment: Appointment,
    actor: Actor = None,
    accessible: bool = False,
    phone: str = "",
    now: datetime | None = None,
) -> Ticket:
    """The one way an arriving appointment holder enters the merged queue: check-in and a ticket.

    At the kiosk (`actor` None) the person proved who they are (`scheduling.selectors.appointment_find`)
    and checks themselves in; at the counter a clerk of the office checks them in (`actor`). Either way
    it is the scheduling check-in (same window, same ledger event), then the same ticket, in one
    transaction. Asking twice gives the same ticket, so a double tap never queues anyone twice.
    """
    now = now or datetime.now(UTC)
    if actor is not None and not policies.can_call_tickets(actor, office):
        raise PermissionDenied("Only staff of this office can check people in.")
    phone_encrypted = _phone_sealed(phone)
    with transaction.atomic():
        existing = Ticket.objects.filter(
            office=office, appointment=appointment, local_date=local_today(office, now), outcome__in=OPEN_OUTCOMES
        ).first()
        if existing is not None:
            return existing
        if appointment.status == Status.BOOKED:
            if actor is None:
                appointment = scheduling.appointment_self_check_in(appointment=appointment, office=office, now=now)
            else:
                if appointment.office_id != office.id:
                    raise Conflict("This appointment is at another office.", code="other_office")
                appointment = scheduling.appointment_check_in(actor=actor, appointment=appointment, now=now)
        elif appointment.status != Status.CHECKED_IN or appointment.office_id != office.id:
            raise Conflict("This appointment cannot be checked in here. Please see a clerk.", code="not_check_in")
        return _issue(
            office=office,
            kind=TicketKind.APPOINTMENT,
            service=appointment.service,
            now=now,
            actor=actor,
            appointment=appointment,
            interpreter_language=appointment.interpreter_language,
            accessible=accessible,
            phone_encrypted=phone_encrypted,
        )


def appointment_check_in(*, actor: Actor, appointment: Appointment, now: datetime | None = None) -> Appointment:
    """The counter's check-in (the clerk's day in the console, the staff API).

    A person who came in for an in-person appointment gets their ticket in the merged queue exactly as
    at the kiosk (`ticket_issue_for_appointment`); a phone appointment is only checked in (nobody is in
    the waiting room to call). Nothing is written unless both the check-in and the ticket succeed.
    """
    now = now or datetime.now(UTC)
    if appointment.mode != Mode.IN_PERSON:
        return scheduling.appointment_check_in(actor=actor, appointment=appointment, now=now)
    with transaction.atomic():
        if appointment.status != Status.BOOKED:
            # Checked in already (or closed): the scheduling service gives its refusal, as before.
            return scheduling.appointment_check_in(actor=actor, appointment=appointment, now=now)
        ticket = ticket_issue_for_appointment(office=appointment.office, appointment=appointment, actor=actor, now=now)
    assert ticket.appointment is not None
    return ticket.appointment


def window_save(
    *,
    actor: Actor,
    office: Office,
    name: str,
    service_codes: list[str],
    languages: list[str],
    accessible: bool,
    open: bool = True,
) -> Window:
    """Open (or change) a window and say what it serves. Front-line staff of the office only."""
    if not policies.can_call_tickets(actor, office):
        raise PermissionDenied("Only staff of this office can run its windows.")
    name = name.strip()
    if not name or len(name) > 20:
        raise ValidationFailed("Name the window in 1 to 20 characters, for example 3.", field="name")
    known = set(Service.objects.filter(code__in=service_codes, active=True).values_list("code", flat=True))
    if set(service_codes) - known:
        raise ValidationFailed("Choose services from the list.", field="service_codes")
    if any(not is_known(tag) for tag in languages):
        raise ValidationFailed("Choose interpreter languages from the list.", field="languages")
    with transaction.atomic():
        window, _created = Window.objects.select_for_update().get_or_create(office=office, name=name)
        window.service_codes = sorted(set(service_codes))
        window.languages = sorted(set(languages))
        window.accessible = accessible
        window.open = open
        window.save()
        event_append(
            type="floor.window.opened" if open else "floor.window.closed",
            actor=actor,
            purpose="run_schedule",
            refs={"office": office.code, "services": len(window.service_codes), "languages": len(window.languages)},
        )
    return window


def _require(actor: Actor, window: Window) -> None:
    if not policies.can_call_tickets(actor, window.office):
        raise PermissionDenied("Only staff of this office can call its tickets.")


def _text_when_called(ticket: Ticket, window: Window) -> None:
    """Text the person, if they left a number, that their number is called; then forget the number."""
    if not ticket.phone_encrypted:
        return
    number = decrypt_field(ticket.phone_encrypted, context=PHONE_CONTEXT)
    ticket.phone_encrypted = ""
    ticket.texted_at = datetime.now(UTC)
    with translation.override("en"):
        body = f"Social Security office: number {ticket.label}, please go to window {window.name} now."
    # Sent after the call commits: a rolled-back call must not send anyone to a window.
    transaction.on_commit(lambda: sms_backend().send(to=number, body=body))


def ticket_call_next(
    *, actor: Actor, window: Window, ticket: Ticket | None = None, now: datetime | None = None
) -> Ticket | None:
    """Call the next ticket this window can serve, by the one queue rule (`policies.next_ticket`).

    Locks the day's waiting tickets first, so two windows pressing at once never call the same person.
    A caller that names `ticket` (the staff API) calls it only if it is the one the rule gives this window
    now; otherwise nothing changes and the refusal names the ticket that is next.
    """
    now = now or datetime.now(UTC)
    _require(actor, window)
    if not window.open:
        raise Conflict("Open the window before calling.", code="window_closed")
    if Ticket.objects.filter(window=window, outcome=TicketOutcome.CALLED).exists():
        raise Conflict("Finish the ticket at this window first (served, no-show or transfer).", code="window_busy")
    with transaction.atomic():
        waiting = list(
            Ticket.objects.select_for_update(of=("self",))
            .filter(office=window.office, local_date=local_today(window.office, now), outcome=TicketOutcome.WAITING)
            .select_related("service")
        )
        chosen = policies.next_ticket([as_waiting(t) for t in waiting], serves_of(window), now)
        if ticket is not None and (chosen is None or chosen.key != ticket.pk):
            raise Conflict(_not_next(ticket, window, chosen), code="not_next")
        if chosen is None:
            return None
        ticket = next(t for t in waiting if t.pk == chosen.key)
        ticket.outcome = TicketOutcome.CALLED
        ticket.window = window
        ticket.called_at = ticket.called_at or now
        ticket.last_called_at = now
        ticket.calls += 1
        _text_when_called(ticket, window)
        ticket.save()
        event_append(
            type="floor.ticket.called",
            actor=actor,
            purpose="run_schedule",
            refs={
                "office": window.office.code,
                "kind": ticket.kind,
                "waited_seconds": int((now - ticket.issued_at).total_seconds()),
                "still_waiting": len(waiting) - 1,
            },
        )
    return ticket


def _not_next(ticket: Ticket, window: Window, chosen: policies.Waiting | None) -> str:
    if ticket.outcome != TicketOutcome.WAITING:
        return f"Ticket {ticket.label} is not waiting (it is {ticket.get_outcome_display().lower()})."
    if chosen is None:
        return f"Window {window.name} does not serve ticket {ticket.label} (service, interpreter or accessibility)."
    label = f"{'A' if chosen.is_appointment else 'W'}{chosen.number:03d}"
    return f"Ticket {ticket.label} is not next at window {window.name}: {label} is. Call the next ticket instead."


def _locked_at_window(actor: Actor, *, ticket: Ticket, window: Window) -> Ticket:
    _require(actor, window)
    locked = Ticket.objects.select_for_update(of=("self",)).select_related("office", "window").get(pk=ticket.pk)
    if locked.office_id != window.office_id or locked.window_id != window.id or locked.outcome != TicketOutcome.CALLED:
        raise Conflict(f"Ticket {locked.label} is not at window {window.name}.", code="not_at_window")
    return locked


def ticket_recall(*, actor: Actor, ticket: Ticket, window: Window, now: datetime | None = None) -> Ticket:
    """Call the same number again (the board shows it again at the top)."""
    now = now or datetime.now(UTC)
    with transaction.atomic():
        ticket = _locked_at_window(actor, ticket=ticket, window=window)
        ticket.last_called_at = now
        ticket.calls += 1
        ticket.save(update_fields=["last_called_at", "calls"])
        event_append(
            type="floor.ticket.recalled",
            actor=actor,
            purpose="run_schedule",
            refs={"office": window.office.code, "kind": ticket.kind, "calls": ticket.calls},
        )
    return ticket


def ticket_transfer(
    *,
    actor: Actor,
    ticket: Ticket,
    window: Window,
    to_window: Window | None = None,
    to_service: Service | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Send a called ticket to another window (called there at once) or back to the queue for another
    service, keeping its place (its issue time and appointment time still count)."""
    now = now or datetime.now(UTC)
    if (to_window is None) == (to_service is None):
        raise ValidationFailed("Transfer to one window or to one service.", field="to")
    with transaction.atomic():
        ticket = _locked_at_window(actor, ticket=ticket, window=window)
        if to_window is not None:
            if to_window.office_id != window.office_id or not to_window.open or to_window.pk == window.pk:
                raise ValidationFailed("Choose another open window of this office.", field="to")
            if Ticket.objects.filter(window=to_window, outcome=TicketOutcome.CALLED).exists():
                raise Conflict(f"Window {to_window.name} is serving someone.", code="window_busy")
            ticket.window = to_window
            ticket.last_called_at = now
            ticket.calls += 1
            target = "window"
        else:
            assert to_service is not None
            if not to_service.active:
                raise ValidationFailed("Choose an active service.", field="to")
            ticket.service = to_service
            ticket.window = None
            ticket.outcome = TicketOutcome.WAITING
            target = "service"
        ticket.save()
        event_append(
            type="floor.ticket.transferred",
            actor=actor,
            purpose="run_schedule",
            refs={"office": window.office.code, "kind": ticket.kind, "to": target},
        )
    return ticket


def ticket_finish(*, actor: Actor, ticket: Ticket, window: Window, outcome: str, now: datetime | None = None) -> Ticket:
    """Close a called ticket: served (an appointment holder's appointment is completed too) or no-show
    (nobody came to the window after the calls)."""
    now = now or datetime.now(UTC)
    if outcome not in (TicketOutcome.SERVED, TicketOutcome.NO_SHOW):
        raise ValidationFailed("Mark the ticket served or no-show.", field="outcome")
    with transaction.atomic():
        ticket = _locked_at_window(actor, ticket=ticket, window=window)
        ticket.outcome = outcome
        ticket.served_at = now
        ticket.phone_encrypted = ""
        ticket.save()
        if outcome == TicketOutcome.SERVED and ticket.appointment_id is not None:
            appointment = Appointment.objects.select_related("office").get(pk=ticket.appointment_id)
            if appointment.status == Status.CHECKED_IN:
                scheduling.appointment_complete(actor=actor, appointment=appointment, now=now)
        called = ticket.called_at or now
        if outcome == TicketOutcome.SERVED and ticket.kind == TicketKind.WALK_IN:
            # The dashboards' office wait for walk-ins: from the ticket to the first call (stats listens).
            signals.office_wait_measured.send(
                sender=Ticket,
                office_id=ticket.office_id,
                day=ticket.local_date,
                seconds=(called - ticket.issued_at).total_seconds(),
                kind="walk_in",
            )
        event_append(
            type=f"floor.ticket.{outcome}",
            actor=actor,
            purpose="run_schedule",
            refs={
                "office": window.office.code,
                "kind": ticket.kind,
                "waited_seconds": int((called - ticket.issued_at).total_seconds()),
                "at_window_seconds": int((now - called).total_seconds()),
            },
        )
    return ticket


def ticket_left(*, actor: Actor, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """A waiting walk-in who went away before their call (they told a clerk, or were seen leaving): the
    ticket is closed as a no-show without a call, so no window calls it and the wait estimate stops
    counting it. Staff of the office only. An appointment holder's ticket is closed at a window after its
    call instead, where their checked-in appointment is settled too."""
    now = now or datetime.now(UTC)
    if not policies.can_call_tickets(actor, ticket.office):
        raise PermissionDenied("Only staff of this office can change its tickets.")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("office").get(pk=ticket.pk)
        if ticket.kind != TicketKind.WALK_IN:
            raise Conflict(
                f"{ticket.label} is an appointment holder's: call it, then mark it no-show at the window.",
                code="not_a_walk_in",
            )
        if ticket.outcome != TicketOutcome.WAITING:
            raise Conflict(f"{ticket.label} is no longer waiting.", code="not_waiting")
        ticket.outcome = TicketOutcome.NO_SHOW
        ticket.served_at = now
        ticket.phone_encrypted = ""
        ticket.save(update_fields=["outcome", "served_at", "phone_encrypted"])
        event_append(
            type="floor.ticket.left",
            actor=actor,
            purpose="run_schedule",
            refs={
                "office": ticket.office.code,
                "kind": ticket.kind,
                "waited_seconds": int((now - ticket.issued_at).total_seconds()),
            },
        )
    return ticket


def ticket_at_window(*, actor: Actor, window: Window) -> Ticket | None:
    _require(actor, window)
    return Ticket.objects.filter(window=window, outcome=TicketOutcome.CALLED).select_related("service").first()


def ticket_of_office(*, actor: Actor, office: Office, public_id: str) -> Ticket:
    if not policies.can_call_tickets(actor, office):
        raise PermissionDenied("Only staff of this office can change its tickets.")
    ticket = Ticket.objects.filter(office=office, public_id=public_id).first()
    if ticket is None:
        raise NotFound("No such ticket at your office.", code="ticket_not_found")
    return ticket


def ticket_contacts_purge(*, now: datetime | None = None) -> int:
    """Forget every phone number left on a ticket of an earlier day (numbers are kept for the day only).

    Compared with a day earlier than UTC's, so no office's "today" (any zone) loses its numbers early."""
    now = now or datetime.now(UTC)
    cutoff = (now - timedelta(days=1)).date()
    return Ticket.objects.filter(local_date__lt=cutoff).exclude(phone_encrypted="").update(phone_encrypted="")


KIOSK_COOKIE = "fd_kiosk"
KIOSK_SALT = "frontdesk.floor.kiosk"
# How long an enrolled screen stays enrolled without being enrolled again (browsers keep a cookie at most
# 400 days). Revoking ends it at once.
KIOSK_MAX_AGE = timedelta(days=365)


def kiosk_enrol(*, actor: Actor, office: Office, name: str, now: datetime | None = None) -> tuple[KioskDevice, str]:
    """Enrol a screen as this office's kiosk; returns the device and the signed token its cookie holds.

    The token names the device and its office, signed with the site's key (`django.core.signing`), so it
    cannot be made up or moved to another office; it proves nothing once the device is revoked."""
    now = now or datetime.now(UTC)
    if not policies.can_manage_kiosks(actor, office):
        raise PermissionDenied("Only this office's manager can enrol its kiosks.")
    name = name.strip()
    if not name or len(name) > 40:
        raise ValidationFailed("Name the kiosk in 1 to 40 characters, for example Lobby left.", field="name")
    with transaction.atomic():
        device = KioskDevice.objects.create(office=office, name=name, enrolled_at=now, enrolled_by=staff_user(actor))
        event_append(
            type="floor.kiosk.enrolled",
            actor=actor,
            purpose="run_schedule",
            refs={"office": office.code, "kiosks": KioskDevice.objects.filter(office=office, revoked_at=None).count()},
        )
    token = signing.dumps({"device": str(device.public_id), "office": office.code}, salt=KIOSK_SALT, compress=True)
    return device, token


def kiosk_revoke(*, actor: Actor, office: Office, public_id: str, now: datetime | None = None) -> KioskDevice:
    """Revoke an enrolled kiosk: its cookie counts for nothing from the next request on."""
    now = now or datetime.now(UTC)
    if not policies.can_manage_kiosks(actor, office):
        raise PermissionDenied("Only this office's manager can revoke its kiosks.")
    with transaction.atomic():
        device = KioskDevice.objects.select_for_update().filter(office=office, public_id=public_id).first()
        if device is None:
            raise NotFound("No such kiosk at your office.", code="kiosk_not_found")
        if device.revoked_at is None:
            device.revoked_at = now
            device.save(update_fields=["revoked_at"])
            event_append(
                type="floor.kiosk.revoked",
                actor=actor,
                purpose="run_schedule",
                refs={"office": office.code},
            )
    return device


def kiosk_device_of(*, token: str, office: Office) -> KioskDevice | None:
    """The enrolled, unrevoked kiosk of this office that a cookie's token names, else None (a token that is
    forged, expired, for another office or for a revoked device is no kiosk)."""
    if not token:
        return None
    try:
        claims = signing.loads(token, salt=KIOSK_SALT, max_age=KIOSK_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(claims, dict) or claims.get("office") != office.code:
        return None
    try:
        device_id = uuid.UUID(str(claims.get("device")))
    except ValueError:
        return None
    return KioskDevice.objects.filter(office=office, public_id=device_id, revoked_at=None).first()
