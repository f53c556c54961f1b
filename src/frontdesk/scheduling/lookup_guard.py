"""A confirmation code that failed too many look-ups is locked until a one-time code opens it.

Knowing a code and a last name, a birth date falls to a few thousand guesses. Rate limits
(`throttle.py`) slow guessing down; this module bounds it. After `FRONTDESK_LOOKUP_LOCK_AFTER` failed
look-ups on one code, counted in the database (`LookupGuard`), the right code, last name and birth date
no longer suffice: a one-time code sent to the contact on file is needed as well, and the message that
carries it tells the person what happened. A right one-time code, with the right details, unlocks the
code and clears its count.

The lock tells nothing about whether a code exists (docs/adr/0018-rate-limits-on-public-look-ups.md):
a code that matches no appointment is counted, locked and answered the same way, naming a stand-in
contact derived from the code's keyed hash, and its one-time code is one nobody received. While locked,
the answer is the same whatever name and birth date are given, so it is no oracle for them either.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from frontdesk.core.errors import DomainError
from frontdesk.ledger.services import event_append

from .codes import code_asked
from .models import Appointment, LookupGuard
from .one_time_codes import (
    CODE_TTL,
    MAX_ATTEMPTS,
    MAX_CODES_PER_DAY,
    Message,
    code_digest,
    code_matches,
    contact_address,
    deliver,
    new_code,
)
from .services import subject_of
from .throttle import code_key

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


class LookupLocked(DomainError):
    """The code is locked: the answer names where the one-time code went (masked), never more."""

    status = 403
    code = "lookup_locked"

    def __init__(self, message: str, *, channel: str, hint: str, code: str = "lookup_locked") -> None:
        super().__init__(message, code=code, field="one_time_code")
        self.channel = channel
        self.hint = hint


@dataclass(frozen=True)
class Contact:
    channel: str  # "email" or "sms"
    address: str
    hint: str  # what the person is shown: "j•••@e•••.com", or the last two digits of a phone number


def contact_on_file(appointment: Appointment) -> Contact | None:
    """Where a one-time code for this appointment goes: the person's email, else their phone."""
    email = contact_address(appointment.person, "email")
    if "@" in email:
        local, _, domain = email.partition("@")
        name, _, tld = domain.rpartition(".")
        return Contact("email", email, f"{local[:1]}•••@{name[:1]}•••.{tld}")
    phone = contact_address(appointment.person, "sms")
    if len(phone) >= 4:
        return Contact("sms", phone, phone[-2:])
    return None


def _stand_in(key: str) -> tuple[str, str]:
    """A channel and hint for a code with no contact to send to, stable for the code, looking like real ones."""
    raw = bytes.fromhex(key)
    if raw[0] % 2 == 0:
        return "email", f"{_LETTERS[raw[1] % 26]}•••@{_LETTERS[raw[2] % 26]}•••.com"
    return "sms", f"{raw[3] % 100:02d}"


def _where(channel: str, hint: str) -> str:
    if channel == "email":
        return f"the email address on file, {hint}"
    return f"the phone number on file ending in {hint}"


def _locked(key: str, appointment: Appointment | None, *, wrong: bool) -> LookupLocked:
    contact = contact_on_file(appointment) if appointment is not None else None
    channel, hint = (contact.channel, contact.hint) if contact else _stand_in(key)
    if wrong:
        message = (
            f"That one-time code, or one of the other details, is not right. Check them and try again; if your "
            f"code has expired we send a new one to {_where(channel, hint)}."
        )
        return LookupLocked(message, channel=channel, hint=hint, code="one_time_code_wrong")
    message = (
        "For your safety, this confirmation code is locked after several tries that did not match. We sent a "
        f"one-time code to {_where(channel, hint)}. Enter it with your confirmation code, last name and date "
        "of birth. If you cannot get it, call your office."
    )
    return LookupLocked(message, channel=channel, hint=hint)


def notice_text(code: str, language: str) -> tuple[str, str]:
    """Subject and body of the notice. It says what happened and what to do, never the appointment's details."""
    minutes = int(CODE_TTL.total_seconds() // 60)
    if language.startswith("es"):
        return (
            "Su cita del Seguro Social: código de un solo uso",
            "Alguien intentó varias veces buscar su cita en línea con datos que no coincidían, así que la "
            f"bloqueamos. Para verla, cambiarla o cancelarla, escriba este código con sus datos: {code}. Vence "
            f"en {minutes} minutos. Si no fue usted, su cita no cambió y no tiene que hacer nada.",
        )
    return (
        "Your Social Security appointment: one-time code",
        "Someone tried several times to look up your appointment online with details that did not match, so we "
        f"locked it. To see, move or cancel it, enter this code with your details: {code}. It expires in "
        f"{minutes} minutes. If this was not you, your appointment has not changed and you need do nothing.",
    )


def _issue(guard: LookupGuard, key: str, appointment: Appointment | None, now: dt.datetime) -> None:
    """A new one-time code for a locked guard, unless today's are used up; sent after commit when real."""
    if guard.sent_on != now.date():
        guard.sent_on, guard.sent_that_day = now.date(), 0
    if guard.sent_that_day >= MAX_CODES_PER_DAY:
        return
    code = new_code()
    guard.unlock_hash = code_digest(f"lookup-unlock:{key}", code)  # for a made-up code: one nobody receives
    guard.unlock_expires_at = now + CODE_TTL
    guard.unlock_attempts = 0
    guard.sent_that_day += 1
    contact = contact_on_file(appointment) if appointment is not None else None
    if appointment is None or contact is None:
        return
    event_append(
        type="scheduling.lookup.code_sent",
        actor=None,
        purpose="self_service",
        subjects=[subject_of(appointment.person)],
        refs=code_asked(appointment.code) | {"channel": contact.channel},
    )
    message = Message(contact.channel, contact.address, *notice_text(code, appointment.person.preferred_language))
    # After commit, so no code goes out for a lock that was rolled back; the clear code lives only here.
    transaction.on_commit(lambda: deliver([message]), robust=True)


def _spent(guard: LookupGuard, now: dt.datetime) -> bool:
    expires = guard.unlock_expires_at
    return expires is None or expires <= now or guard.unlock_attempts >= MAX_ATTEMPTS


def lookup_guard_check(
    *,
    normalized: str,
    appointment: Appointment | None,
    matches: bool,
    one_time_code: str = "",
    now: dt.datetime | None = None,
) -> None:
    """Count a look-up of a well-formed code; raise LookupLocked when the code is (or now becomes) locked.

    `matches` says whether code, last name and birth date all agree. On return the caller answers as
    before: the appointment when they match, not found otherwise. Every change is committed before the
    answer, so a refused look-up still counts.
    """
    now = now or timezone.now()
    key = code_key(normalized)
    guard = LookupGuard.objects.filter(code_key=key).first()
    if (guard is None or guard.locked_at is None) and matches:
        if guard is not None and guard.failures:
            LookupGuard.objects.filter(pk=guard.pk, locked_at__isnull=True).update(failures=0)
        return
    if guard is None:
        guard, _ = LookupGuard.objects.get_or_create(code_key=key)
    error: LookupLocked | None = None
    with transaction.atomic():
        guard = LookupGuard.objects.select_for_update().get(pk=guard.pk)
        if guard.locked_at is None:
            guard.failures += 1
            if guard.failures >= settings.FRONTDESK_LOOKUP_LOCK_AFTER:
                guard.locked_at = now
                event_append(
                    type="scheduling.lookup.locked",
                    actor=None,
                    purpose="self_service",
                    refs=code_asked(normalized) | {"failures": guard.failures},
                )
                _issue(guard, key, appointment, now)
                error = _locked(key, appointment, wrong=False)
        elif one_time_code:
            right = not _spent(guard, now) and code_matches(guard.unlock_hash, f"lookup-unlock:{key}", one_time_code)
            guard.unlock_attempts += 1
            if right and matches and appointment is not None:
                guard.failures, guard.locked_at, guard.unlock_hash = 0, None, ""
                guard.unlock_expires_at, guard.unlock_attempts = None, 0
                event_append(
                    type="scheduling.lookup.unlocked",
                    actor=None,
                    purpose="self_service",
                    subjects=[subject_of(appointment.person)],
                    refs=code_asked(normalized),
                )
            else:
                if _spent(guard, now):
                    _issue(guard, key, appointment, now)
                error = _locked(key, appointment, wrong=True)
        else:
            if _spent(guard, now):
                _issue(guard, key, appointment, now)
            error = _locked(key, appointment, wrong=False)
        guard.save()
    if error is not None:
        raise error


# A guard that never locked holds only a count of failures: after a quiet month it starts again from
# zero (the rate limits still slow a guesser down). A locked guard is kept a year, longer than any
# appointment can be booked ahead, so forgetting it never unlocks a code that still opens a booking.
UNLOCKED_RETENTION = dt.timedelta(days=30)
LOCKED_RETENTION = dt.timedelta(days=365)


def lookup_guards_forget(*, now: dt.datetime) -> int:
    """Delete look-up guards past their retention; without this a guesser's made-up codes pile up."""
    quiet = LookupGuard.objects.filter(locked_at__isnull=True, updated_at__lt=now - UNLOCKED_RETENTION)
    stale = LookupGuard.objects.filter(locked_at__isnull=False, updated_at__lt=now - LOCKED_RETENTION)
    return quiet.delete()[0] + stale.delete()[0]
