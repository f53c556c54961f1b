"""Answers to reminders: a text reply ("C", "X", "STOP", "1"/"2") or a link from the reminder.

A text reply means the earliest appointment still booked whose reminder went to that number and whose
time is not more than REPLY_WINDOW past; an answer after the time is refused by the same policy that
refuses a late online change (policies.can_self_change). A link carries a random token, kept only as a
keyed hash, good for one use, until the appointment starts. Every answer and every refusal is on the
ledger, with the appointment's public id and the person's pseudonym, never a number or an address.
(docs/adr/0024-reminders-people-can-answer.md)
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction

from frontdesk.core.crypto import keyed_digest
from frontdesk.core.errors import Conflict, DomainError, NotFound
from frontdesk.ledger.refusals import refusal_record
from frontdesk.ledger.services import event_append

from . import policies, services
from .models import Appointment, ContactOptOut, Reminder, ReminderReply, ReplyAction, ReplyLink, Status
from .sms import address_key

REPLY_WINDOW = timedelta(hours=12)
STOP_LINK_DAYS = timedelta(days=30)

# Carriers and providers treat these as opt-out and opt-in words whatever the sender wants (Twilio's
# default keywords): "CANCEL" therefore stops texts; it does not cancel the appointment ("X" does).
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "PARAR", "ALTO"})
START_WORDS = frozenset({"START", "UNSTOP", "YES"})
CONFIRM_WORDS = frozenset({"C", "CONFIRM", "CONFIRMAR"})
CANCEL_WORDS = frozenset({"X"})
HELP_WORDS = frozenset({"HELP", "INFO", "AYUDA"})
OFFER_WORDS = frozenset({"1", "2"})

TEXTS = {
    "en": {
        "confirmed": "Thank you: your appointment {code} is confirmed.",
        "cancelled": "Your appointment {code} is cancelled. To book again visit {site}",
        "stopped": "You will get no more texts from us. Reply START to get them again.",
        "started": "You will get appointment texts again. Reply STOP to stop.",
        "help": "Reply C to confirm, X to cancel your appointment, STOP to stop texts. Help: {site}",
        "no_appointment": "We found no upcoming appointment for this number. Visit {site}",
        "refused": "This appointment can no longer be changed by text. Please call the office.",
        "no_offer": "No offer is waiting for you.",
        "offer_taken": "Done: your appointment {code} is moved to the earlier time. Details: {site}",
        "offer_booked": "Done: the time is booked for you. Your confirmation code is {code}. Details: {site}",
        "offer_declined": "You keep your appointment and your place on the waitlist.",
        "offer_gone": "That time is no longer available. You keep your appointment and your place.",
    },
    "es": {
        "confirmed": "Gracias: su cita {code} está confirmada.",
        "cancelled": "Su cita {code} está cancelada. Para hacer otra cita visite {site}",
        "stopped": "No recibirá más mensajes de texto. Responda START para recibirlos de nuevo.",
        "started": "Recibirá de nuevo los mensajes de sus citas. Responda STOP para dejar de recibirlos.",
        "help": "Responda C para confirmar, X para cancelar su cita, STOP para no recibir mensajes. Ayuda: {site}",
        "no_appointment": "No encontramos una cita próxima para este número. Visite {site}",
        "refused": "Esta cita ya no se puede cambiar por mensaje de texto. Llame a la oficina.",
        "no_offer": "No tiene ninguna oferta pendiente.",
        "offer_taken": "Listo: su cita {code} pasó a la hora más temprana. Detalles: {site}",
        "offer_booked": "Listo: la hora es suya. Su código de confirmación es {code}. Detalles: {site}",
        "offer_declined": "Conserva su cita y su lugar en la lista de espera.",
        "offer_gone": "Esa hora ya no está disponible. Conserva su cita y su lugar.",
    },
}


def reply_text(key: str, language: str, **values: str) -> str:
    from django.conf import settings

    texts = TEXTS["es" if (language or "").startswith("es") else "en"]
    return texts[key].format(site=settings.FRONTDESK_PUBLIC_BASE_URL, **values)


@dataclass(frozen=True)
class Reply:
    """A text received: who sent it (kept in memory only), the keyword, and the appointment it means."""

    sender: str
    word: str
    appointment: Appointment | None
    now: datetime

    @property
    def language(self) -> str:
        return self.appointment.person.preferred_language if self.appointment else "en"


ReplyHandler = Callable[[Reply], str]
# Keyword -> handler. The waitlist registers "1" and "2" at start-up (register_reply_handler); until then
# an offer reply gets the "no offer" answer.
REPLY_HANDLERS: dict[str, ReplyHandler] = {}


def register_reply_handler(words: frozenset[str] | set[str], handler: ReplyHandler) -> None:
    for word in words:
        REPLY_HANDLERS[word.upper()] = handler


def replied_appointment(sender: str, now: datetime) -> Appointment | None:
    """The appointment a text from this number means (see the module's docstring)."""
    reminder = (
        Reminder.objects.select_related("appointment__person", "appointment__office")
        .filter(
            channel="sms",
            address_key=address_key("sms", sender),
            appointment__status=Status.BOOKED,
            appointment__starts_at__gt=now - REPLY_WINDOW,
        )
        .order_by("appointment__starts_at")
        .first()
    )
    return reminder.appointment if reminder else None


def _refs(appointment: Appointment | None, channel: str, action: str) -> dict[str, str | None]:
    return {
        "appointment": str(appointment.public_id) if appointment else None,
        "channel": channel,
        "action": action,
    }


def _subjects(appointment: Appointment | None) -> list[str]:
    return [services.subject_of(appointment.person)] if appointment else []


def _refuse(appointment: Appointment | None, channel: str, action: str, reason: str) -> None:
    refusal_record(
        action="scheduling.reply",
        actor=None,
        reason=reason,
        purpose="self_service",
        subjects=_subjects(appointment),
        refs=_refs(appointment, channel, action),
    )


def _require_changeable(appointment: Appointment, now: datetime) -> None:
    """The person's own change rule (policies.can_self_change), with the reason it fails."""
    if policies.can_self_change(appointment, now):
        return
    if appointment.status != Status.BOOKED:
        raise Conflict("This appointment is no longer booked.", code="invalid_transition")
    raise Conflict("This appointment's time has passed.", code="appointment_started")


def appointment_confirm_by_reply(*, appointment: Appointment, channel: str, now: datetime) -> Appointment:
    """The person says they will come. Only while they could still change it themselves (not after its time)."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().select_related("person").get(pk=appointment.pk)
        _require_changeable(appointment, now)
        ReminderReply.objects.create(appointment=appointment, action=ReplyAction.CONFIRM, channel=channel)
        event_append(
            type="scheduling.appointment.confirmed",
            actor=None,
            purpose="self_service",
            subjects=_subjects(appointment),
            refs=_refs(appointment, channel, ReplyAction.CONFIRM),
        )
    return appointment


def appointment_cancel_by_reply(*, appointment: Appointment, channel: str, now: datetime) -> Appointment:
    """The person cancels from the reminder: the ordinary self-service cancel (its policy decides), marked as
    answered so that the clerk's day shows it."""
    with transaction.atomic():
        appointment = services.appointment_cancel(actor=None, appointment=appointment, now=now)
        ReminderReply.objects.create(appointment=appointment, action=ReplyAction.CANCEL, channel=channel)
        event_append(
            type="scheduling.reply.received",
            actor=None,
            purpose="self_service",
            subjects=_subjects(appointment),
            refs=_refs(appointment, channel, ReplyAction.CANCEL),
        )
    return appointment


def contact_opt_out(*, channel: str, address: str, appointment: Appointment | None = None) -> None:
    """STOP: this address gets no more messages on its channel (a text STOP covers every text we send)."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                ContactOptOut.objects.create(channel=channel, address_key=address_key(channel, address))
        except IntegrityError:
            pass  # said STOP before: still stopped
        event_append(
            type="scheduling.contact.opted_out",
            actor=None,
            purpose="self_service",
            subjects=_subjects(appointment),
            refs={"channel": channel},
        )


def contact_opt_in(*, channel: str, address: str) -> None:
    with transaction.atomic():
        ContactOptOut.objects.filter(channel=channel, address_key=address_key(channel, address)).delete()
        event_append(type="scheduling.contact.opted_in", actor=None, purpose="self_service", refs={"channel": channel})


# --- text replies -------------------------------------------------------------------------------------


def _confirm(reply: Reply) -> str:
    if reply.appointment is None:
        return reply_text("no_appointment", reply.language)
    try:
        appointment_confirm_by_reply(appointment=reply.appointment, channel="sms", now=reply.now)
    except DomainError as error:
        _refuse(reply.appointment, "sms", ReplyAction.CONFIRM, error.code)
        return reply_text("refused", reply.language)
    return reply_text("confirmed", reply.language, code=reply.appointment.code)


def _cancel(reply: Reply) -> str:
    if reply.appointment is None:
        return reply_text("no_appointment", reply.language)
    try:
        appointment_cancel_by_reply(appointment=reply.appointment, channel="sms", now=reply.now)
    except DomainError as error:
        _refuse(reply.appointment, "sms", ReplyAction.CANCEL, error.code)
        return reply_text("refused", reply.language)
    return reply_text("cancelled", reply.language, code=reply.appointment.code)


def _stop(reply: Reply) -> str:
    contact_opt_out(channel="sms", address=reply.sender, appointment=reply.appointment)
    return reply_text("stopped", reply.language)


def _start(reply: Reply) -> str:
    contact_opt_in(channel="sms", address=reply.sender)
    return reply_text("started", reply.language)


def _offer(reply: Reply) -> str:
    """ "1" takes the waitlist offer texted to this number, "2" refuses it. A text from the number on file
    proves what a one-time code sent there would (docs/adr/0024-reminders-people-can-answer.md)."""
    from .waitlist import offer_claim, offer_decline  # the waitlist moves bookings itself
    from .waitlist_notices import offer_texted_to

    offer = offer_texted_to(reply.sender, reply.now)
    if offer is None:
        return reply_text("no_offer", reply.language)
    language = offer.entry.person.preferred_language
    appointment = offer.entry.appointment
    try:
        if reply.word == "1":
            moved = offer_claim(
                actor=None, offer_id=offer.public_id, appointment=appointment, person=offer.entry.person, now=reply.now
            )
            return reply_text("offer_taken" if appointment else "offer_booked", language, code=moved.code)
        offer_decline(
            actor=None, offer_id=offer.public_id, appointment=appointment, person=offer.entry.person, now=reply.now
        )
    except DomainError:
        return reply_text("offer_gone", language)  # the refusal is on the ledger, from the waitlist
    return reply_text("offer_declined", language)


def _help(reply: Reply) -> str:
    return reply_text("help", reply.language)


register_reply_handler(CONFIRM_WORDS, _confirm)
register_reply_handler(CANCEL_WORDS, _cancel)
register_reply_handler(STOP_WORDS, _stop)
register_reply_handler(START_WORDS, _start)
register_reply_handler(HELP_WORDS, _help)
register_reply_handler(OFFER_WORDS, _offer)


def keyword(body: str) -> str:
    """The first word, upper case, without punctuation ("c." and " Stop!" count)."""
    words = "".join(ch if ch.isalnum() or ch.isspace() else " " for ch in (body or "")).split()
    return words[0].upper() if words else ""


def sms_reply_handle(*, sender: str, body: str, now: datetime | None = None) -> str:
    """Act on a text reply; return the answer to text back (in the person's language when we know them)."""
    now = now or datetime.now(UTC)
    word = keyword(body)
    reply = Reply(sender=sender, word=word, appointment=replied_appointment(sender, now), now=now)
    handler = REPLY_HANDLERS.get(word, _help)
    return handler(reply)


# --- links ---------------------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return keyed_digest("reply-link", token)


def reply_link_issue(*, appointment: Appointment, action: str, channel: str) -> str:
    """A new single-use token for `action` on this appointment; valid until the appointment starts (a STOP
    link for a while longer). Returns the token, which only the message carries."""
    token = secrets.token_urlsafe(24)
    expires = appointment.starts_at + (STOP_LINK_DAYS if action == ReplyAction.STOP else timedelta(0))
    ReplyLink.objects.create(
        token_hash=_token_hash(token), appointment=appointment, action=action, channel=channel, expires_at=expires
    )
    return token


def reply_link_get(token: str, *, now: datetime) -> ReplyLink:
    """The link a token names, if it can still be used; NotFound or Conflict (used, expired) otherwise."""
    link = (
        ReplyLink.objects.select_related("appointment__person", "appointment__office", "appointment__service")
        .filter(token_hash=_token_hash(token or ""))
        .first()
    )
    if link is None:
        raise NotFound("This link is not valid.", code="link_unknown")
    if link.used_at is not None:
        raise Conflict("This link has been used already.", code="link_used")
    if link.expires_at <= now:
        raise Conflict("This link has expired.", code="link_expired")
    return link


def reply_link_use(*, token: str, now: datetime | None = None) -> ReplyLink:
    """Spend the link and do what it says, in one transaction: a failed action leaves the link unused.

    Refusals (unknown, used, expired, too late) are recorded on the ledger and raised again.
    """
    now = now or datetime.now(UTC)
    found: ReplyLink | None = None
    try:
        with transaction.atomic():
            link = reply_link_get(token, now=now)
            found = link
            spent = ReplyLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=now)
            if not spent:  # a concurrent click won
                raise Conflict("This link has been used already.", code="link_used")
            appointment = link.appointment
            if link.action == ReplyAction.CONFIRM:
                appointment_confirm_by_reply(appointment=appointment, channel="link", now=now)
            elif link.action == ReplyAction.CANCEL:
                appointment_cancel_by_reply(appointment=appointment, channel="link", now=now)
            elif link.action == ReplyAction.STOP:
                contact_opt_out(channel="email", address=appointment.person.contact_email(), appointment=appointment)
            else:
                _require_changeable(appointment, now)
                event_append(
                    type="scheduling.reply.received",
                    actor=None,
                    purpose="self_service",
                    subjects=_subjects(appointment),
                    refs=_refs(appointment, "link", link.action),
                )
            link.used_at = now
    except DomainError as error:
        _refuse(found.appointment if found else None, "link", found.action if found else "", error.code)
        raise
    return link


REPLY_MARKERS: dict[str, str] = {ReplyAction.CONFIRM: "Confirmed by reply", ReplyAction.CANCEL: "Cancelled by reply"}


def reply_markers(appointments: list[Appointment]) -> dict[int, str]:
    """What each appointment's person last answered to a reminder (confirmed or cancelled), for the clerk's
    day; one query for the whole day. A confirmation no longer shows once the appointment is cancelled."""
    latest: dict[int, str] = {}
    rows = ReminderReply.objects.filter(
        appointment__in=[a.pk for a in appointments], action__in=list(REPLY_MARKERS)
    ).order_by("created_at", "pk")
    for appointment_id, action in rows.values_list("appointment_id", "action"):
        latest[appointment_id] = action
    cancelled = {a.pk for a in appointments if a.status == Status.CANCELLED}
    return {
        pk: REPLY_MARKERS[action]
        for pk, action in latest.items()
        if (action == ReplyAction.CANCEL) == (pk in cancelled)
    }
