"""A person's own accounting of disclosures without an appointment of their own (Privacy Act (c)(3)).

Anyone disclosed about may see their accounting, companions included, and many have no appointment
code of their own. They prove who they are by receiving a one-time code at a contact we already hold
(docs/adr/0016-subject-access-and-refused-lookups.md):

1. `access_code_request`: name, date of birth and a channel (email or text). Every record that matches
   and has a contact on that channel gets a code there. The answer is the same challenge-shaped reply
   whether anyone matched or not; nothing in it, nor in how the challenge behaves later, says so.
2. `access_code_verify`: the challenge and the code. A right code, within CODE_TTL, within MAX_ATTEMPTS
   and used once, shows the entries the person may see ((b)(7) entries stay withheld) and records the
   view on the ledger. Every failure is recorded as a refusal.

A code is six random digits kept only as a keyed hash bound to its challenge. A person gets at most
MAX_CODES_PER_DAY codes a day, so guesses are bounded per person as well as per code.
"""

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from frontdesk.core.errors import ValidationFailed
from frontdesk.ledger.refusals import refusal_record
from frontdesk.ledger.services import event_append
from frontdesk.scheduling.models import Person
from frontdesk.scheduling.names import name_key
from frontdesk.scheduling.one_time_codes import (
    CHANNELS,
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
from frontdesk.scheduling.services import subject_of

from .models import AccessCode, AccountingEntry
from .proofs import with_proof_tokens

__all__ = ["CHANNELS", "CODE_TTL", "MAX_ATTEMPTS", "MAX_CODES_PER_DAY", "Identity"]


@dataclass(frozen=True)
class Identity:
    """What a person says about themselves to ask for a code: nothing here is proof yet."""

    first_name: str
    last_name: str
    date_of_birth: dt.date
    channel: str


def _context(challenge: uuid.UUID) -> str:
    return f"subject-access:{challenge}"


def _digest(challenge: uuid.UUID, code: str) -> str:
    return code_digest(_context(challenge), code)


def message_text(code: str, language: str) -> tuple[str, str]:
    """Subject and body. They say what the code is for, never what we hold or whom we told."""
    minutes = int(CODE_TTL.total_seconds() // 60)
    if language.startswith("es"):
        return (
            "Su código del Seguro Social",
            f"Su código para ver con quién compartimos su información es {code}. Vence en {minutes} minutos. "
            "Si usted no lo pidió, no haga nada.",
        )
    return (
        "Your Social Security code",
        f"Your code to see who we shared your information with is {code}. It expires in {minutes} minutes. "
        "If you did not ask for it, do nothing.",
    )


def _send(outgoing: Sequence[tuple[str, str]], channel: str, language: str) -> None:
    # The person's answer never depends on delivery (that would tell them a record exists).
    deliver([Message(channel, address, *message_text(code, language)) for address, code in outgoing])


def access_code_request(*, identity: Identity, language: str = "en", now: dt.datetime | None = None) -> uuid.UUID:
    """Send a one-time code to the contact on file of every record matching the identity; return the
    challenge the person answers with the code. The reply is the same whether or not anyone matched."""
    if identity.channel not in CHANNELS:
        raise ValidationFailed("Choose email or text message.", field="channel")
    first, last = name_key(identity.first_name), name_key(identity.last_name)
    if not first or not last:
        raise ValidationFailed("Give your first and last name using letters.", field="last_name")
    now = now or timezone.now()
    challenge = uuid.uuid4()
    expires_at = now + CODE_TTL
    with transaction.atomic():
        candidates = Person.objects.filter(last_name_key=last, date_of_birth=identity.date_of_birth).order_by("id")
        matched = [p for p in candidates if name_key(p.first_name) == first and contact_address(p, identity.channel)]
        recent = dict.fromkeys((p.pk for p in matched), 0)
        for person_id in AccessCode.objects.filter(
            person_id__in=list(recent), created_at__gt=now - dt.timedelta(days=1)
        ).values_list("person_id", flat=True):
            recent[person_id] += 1
        allowed = [p for p in matched if recent[p.pk] < MAX_CODES_PER_DAY]
        # People who share a contact (one person booked twice) get one code for all their records.
        by_address: dict[str, list[Person]] = {}
        for person in allowed:
            by_address.setdefault(contact_address(person, identity.channel), []).append(person)
        outgoing = []
        for address, people in by_address.items():
            code = new_code()
            for person in people:
                AccessCode.objects.create(
                    challenge=challenge,
                    person=person,
                    channel=identity.channel,
                    code_hash=_digest(challenge, code),
                    created_at=now,
                    expires_at=expires_at,
                )
            outgoing.append((address, code))
        if not outgoing:
            AccessCode.objects.create(
                challenge=challenge,
                person=None,
                channel=identity.channel,
                code_hash=_digest(challenge, new_code()),  # a code no one was sent
                created_at=now,
                expires_at=expires_at,
            )
        event_append(
            type="disclosures.access_code.requested",
            actor=None,
            purpose="self_service",
            subjects=sorted({subject_of(p) for p in allowed}),
            refs={
                "challenge": str(challenge),
                "channel": identity.channel,
                "sent": len(outgoing),
                "over_daily_limit": len(matched) - len(allowed),
            },
        )
        # After commit, so a code is never sent for a challenge that was rolled back; the clear code
        # lives only in this closure, never in a table or a task queue.
        transaction.on_commit(lambda: _send(outgoing, identity.channel, language), robust=True)
    return challenge


REFUSED = {
    "code_wrong": ("That code is not right. Check it and try again.", "access_code_wrong"),
    "code_expired": ("That code has expired or was already used. Ask for a new code.", "access_code_expired"),
    "too_many_attempts": ("That code was entered wrong too many times. Ask for a new code.", "access_code_locked"),
}


def _challenge_key(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


def access_code_verify(*, challenge: str, code: str, now: dt.datetime | None = None) -> list[AccountingEntry]:
    """The person's accounting entries, when the code sent for this challenge is given in time.

    Each try counts, right or wrong, and is committed before the answer; a challenge opens once. The
    entries are those of every record the code was sent for, less those withheld by law ((b)(7),
    5 U.S.C. 552a(c)(3)); the view is a ledger event, and each refusal is one too.
    """
    now = now or timezone.now()
    key = _challenge_key(challenge)
    reason, entries = "", []
    with transaction.atomic():
        rows = list(AccessCode.objects.select_for_update().filter(challenge=key).order_by("id")) if key else []
        if not rows or any(r.used_at for r in rows) or rows[0].expires_at <= now:
            # An unknown challenge reads as an expired one: both are answered by asking for a new code.
            reason = "code_expired"
        elif rows[0].attempts >= MAX_ATTEMPTS:
            reason = "too_many_attempts"
        else:
            assert key is not None  # rows are only read for a challenge that parsed
            AccessCode.objects.filter(challenge=key).update(attempts=F("attempts") + 1)
            opened = [r for r in rows if r.person_id is not None and code_matches(r.code_hash, _context(key), code)]
            if not opened:
                reason = "code_wrong"
            else:
                AccessCode.objects.filter(challenge=key).update(used_at=now)
                people = [r.person_id for r in opened if r.person_id is not None]
                entries = list(
                    AccountingEntry.objects.filter(person_id__in=people, subject_may_see=True).order_by(
                        "-disclosed_at", "-id"
                    )
                )
                event_append(
                    type="records.accounting.viewed",
                    actor=None,
                    purpose="self_service",
                    subjects=sorted({subject_of(r.person) for r in opened if r.person is not None}),
                    refs={
                        "entries": len(entries),
                        "verified_by": "access_code",
                        "channel": rows[0].channel,
                        "challenge": str(key),
                    },
                )
    if reason:
        refusal_record(
            action="disclosures.access_code",
            actor=None,
            reason=reason,
            purpose="self_service",
            refs={"challenge": str(key) if key else "malformed"},
        )
        message, error_code = REFUSED[reason]
        raise ValidationFailed(message, code=error_code, field="code")
    return with_proof_tokens(entries)
