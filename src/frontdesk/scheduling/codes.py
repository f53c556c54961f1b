"""Confirmation codes: short, unambiguous when read aloud or handwritten, and unguessable.

Eight symbols from a 25-letter alphabet without look-alikes (no 0/O, 1/I/L, 2/Z, 5/S, 8/B) give
about 37 bits from `secrets`; a lookup also needs the last name and date of birth, so guessing a
code alone reveals nothing.
"""

import re
import secrets

from frontdesk.core.crypto import pseudonym

ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
LENGTH = 8
_CLEAN = re.compile(r"[\s-]")


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_code(text: str) -> str | None:
    """The stored form of a code as a person typed it, or None if it cannot be one."""
    raw = _CLEAN.sub("", text or "").upper()
    if len(raw) != LENGTH or any(ch not in ALPHABET for ch in raw):
        return None
    return f"{raw[:4]}-{raw[4:]}"


def code_asked(normalized: str | None) -> dict[str, str]:
    """What a refused look-up by code asked for, as the ledger may hold it.

    A confirmation code names one person's appointment, so the ledger keeps its keyed pseudonym: an
    auditor holding the key can tie it to the appointment, and the entry reads the same whether or not
    that appointment exists (docs/adr/0016-subject-access-and-refused-lookups.md).
    """
    return {"appointment_code": pseudonym("appointment_code", normalized) if normalized else "malformed"}
