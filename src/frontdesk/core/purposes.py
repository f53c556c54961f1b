"""Stated purposes for staff reads of personal data (Privacy Act (b)(1) need-to-know; AU-2).

Every read of a person's data names one of these, optionally with a note. The purpose is written to
the ledger with the read; a read without one is refused.
"""

from frontdesk.core.errors import PurposeRequired

PURPOSES: dict[str, str] = {
    "serve_appointment": "Serving the person at their appointment",
    "check_in": "Checking the person in",
    "run_schedule": "Running the office's schedule for the day",
    "caller_request": "Helping the person on the phone or at the counter",
    "book_for_person": "Booking or changing an appointment for the person",
    "identity_verification": "Verifying the person's identity",
    "disclosure_review": "Reviewing a disclosure request",
    "privacy_investigation": "Investigating an access alert or complaint",
    "audit": "Audit of the records and the ledger",
}
MAX_NOTE = 200


def require_purpose(purpose: str | None, note: str = "") -> str:
    """The purpose as recorded ('code' or 'code: note'); raises when missing or unknown."""
    if not purpose:
        raise PurposeRequired(
            "State why you need this person's data (purpose), for example 'check_in' or 'serve_appointment'.",
            field="purpose",
        )
    if purpose not in PURPOSES:
        raise PurposeRequired(
            f"'{purpose}' is not a recognised purpose. Use one of: {', '.join(PURPOSES)}.", field="purpose"
        )
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise PurposeRequired(f"Keep the purpose note under {MAX_NOTE} characters.", field="purpose_note")
    return f"{purpose}: {note}" if note else purpose


MAX_STATED = 200


def purpose_stated(text: str | None, *, default: str) -> str:
    """A purpose in the reader's own words, for reads whose reasons no code list covers (an auditor
    reading a ledger event: an inspector general's review, a complaint number). A purpose code from
    PURPOSES is as good as words. Missing means `default`; blank, or holding control characters (which
    would garble the ledger's record), is refused; past MAX_STATED characters it is cut, as a note is
    on the ledger's other records."""
    if text is None:
        return default
    stated = text.strip()
    if not stated:
        raise PurposeRequired("State why you are reading this (purpose), for example 'audit'.", field="purpose")
    if any(ord(character) < 32 or ord(character) == 127 for character in stated):
        raise PurposeRequired("Write the purpose as plain text, without control characters.", field="purpose")
    return stated[:MAX_STATED]
