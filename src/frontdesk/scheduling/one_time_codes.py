"""One-time codes sent to a contact we already hold: making, keeping and delivering them.

Shared by subject access (disclosures/subject_access.py) and by a locked appointment look-up
(scheduling/lookup_guard.py). A code is six digits from `secrets`; only its keyed hash is stored, bound
to what it opens (`context`), so a code for one thing can never open another. The clear code lives
only in the message, never in a table, a task argument or the ledger.
"""

import datetime as dt
import hmac
import logging
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.mail import send_mail

from frontdesk.core.crypto import keyed_digest

from .models import Person
from .sms import sms_backend

logger = logging.getLogger(__name__)

CHANNELS = ("email", "sms")
CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_CODES_PER_DAY = 5
_NOT_DIGITS = re.compile(r"\D")
_SEPARATORS = re.compile(r"[\s-]")


@dataclass(frozen=True)
class Message:
    channel: str
    address: str
    subject: str
    body: str


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(context: str, code: str) -> str:
    """The stored form of a code, bound to what it opens; spaces and hyphens a person typed are ignored."""
    return keyed_digest(context, _SEPARATORS.sub("", code or ""))


def code_matches(stored: str, context: str, typed: str) -> bool:
    return bool(stored) and hmac.compare_digest(stored, code_digest(context, typed))


def contact_address(person: Person, channel: str) -> str:
    """The person's contact on a channel as we hold it (email casefolded, phone as digits), or ""."""
    if channel == "email":
        return person.contact_email().strip().casefold()
    return _NOT_DIGITS.sub("", person.contact_phone())


def deliver(messages: Sequence[Message]) -> None:
    """Send each message; a failure is logged, never raised (an answer must not depend on delivery)."""
    for message in messages:
        try:
            if message.channel == "email":
                send_mail(message.subject, message.body, None, [message.address])
            else:
                sms_backend().send(to=message.address, body=message.body)
        except Exception:
            logger.exception("A one-time code could not be sent by %s.", message.channel)
