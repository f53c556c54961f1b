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
