"""Which data category each stored field belongs to (docs/architecture.md: "every stored field maps to one").

A release may hold a field only when every category of that field is approved. Most fields have one
category; a few reveal more than their column suggests, and say so here: the reason for an
appointment of type `noncitizen_eligibility_review` tells the reader that the person is not a citizen,
so releasing it needs `citizenship_immigration_status` approved as well as `appointment_reason`.

`tests/disclosures/test_categories.py` walks `_meta.get_fields()` of every registered model (and of
every scheduling model that points at a person or an appointment) and fails on any concrete field that
has no entry here.
"""

from django.db import models


class DataCategory(models.TextChoices):
    IDENTITY = "identity", "Identity (name, date of birth)"
    SSN = "ssn", "Social Security number"
    CONTACT_DETAILS = "contact_details", "Contact details and language"
    ADDRESS = "address", "Home or mailing address"
    APPOINTMENT_SCHEDULE = "appointment_schedule", "Appointment schedule (date, time, office, attendance)"
    APPOINTMENT_REASON = "appointment_reason", "Reason for the appointment"
    CITIZENSHIP_IMMIGRATION_STATUS = "citizenship_immigration_status", "Citizenship or immigration status"
    BENEFIT_INFORMATION = "benefit_information", "Benefit information"
    TAX_RETURN_INFORMATION = "tax_return_information", "Tax return information (26 U.S.C. 6103)"
    COMPANION_DETAILS = "companion_details", "Who came with the person, and how they are related"
    RECORD_METADATA = "record_metadata", "Internal record keys, credentials and bookkeeping (never released)"


C = DataCategory
# Categories a request may ask for and an authority may cover; record metadata never leaves.
RELEASABLE: frozenset[str] = frozenset(c.value for c in DataCategory if c != C.RECORD_METADATA)

PERSON = "scheduling.Person"
APPOINTMENT = "scheduling.Appointment"
RESOURCE_HOLD = "scheduling.ResourceHold"
REMINDER = "scheduling.Reminder"
REPLY_LINK = "scheduling.ReplyLink"
REMINDER_REPLY = "scheduling.ReminderReply"
WAITLIST_ENTRY = "scheduling.WaitlistEntry"
WAITLIST_OFFER = "scheduling.WaitlistOffer"
# A ticket of the office floor (an app above this one: named by label, never imported).
TICKET = "floor.Ticket"

FIELD_CATEGORIES: dict[str, dict[str, frozenset[str]]] = {
    PERSON: {
        "id": frozenset({C.RECORD_METADATA}),
        "public_id": frozenset({C.RECORD_METADATA}),
        "first_name": frozenset({C.IDENTITY}),
        "last_name": frozenset({C.IDENTITY}),
        "last_name_key": frozenset({C.IDENTITY}),
        "date_of_birth": frozenset({C.IDENTITY}),
        "ssn_hash": frozenset({C.SSN}),
        "ssn_encrypted": frozenset({C.SSN}),
        "email_encrypted": frozenset({C.CONTACT_DETAILS}),
        "email_hash": frozenset({C.CONTACT_DETAILS}),
        "phone_encrypted": frozenset({C.CONTACT_DETAILS}),
        "phone_hash": frozenset({C.CONTACT_DETAILS}),
        "preferred_language": frozenset({C.CONTACT_DETAILS}),
        "created_at": frozenset({C.RECORD_METADATA}),
    },
    APPOINTMENT: {
        "id": frozenset({C.RECORD_METADATA}),
        "public_id": frozenset({C.RECORD_METADATA}),
        # The confirmation code is a credential: with a name and birth date it moves or cancels the visit.
        "code": frozenset({C.RECORD_METADATA}),
        "person": frozenset({C.RECORD_METADATA}),
        "companion": frozenset({C.COMPANION_DETAILS}),
        "companion_relationship": frozenset({C.COMPANION_DETAILS}),
        "office": frozenset({C.APPOINTMENT_SCHEDULE}),
        "service": frozenset({C.APPOINTMENT_REASON}),
        "mode": frozenset({C.APPOINTMENT_SCHEDULE}),
        "starts_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "ends_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "status": frozenset({C.APPOINTMENT_SCHEDULE}),
        "interpreter_language": frozenset({C.CONTACT_DETAILS}),
        "booked_by": frozenset({C.RECORD_METADATA}),
        "created_at": frozenset({C.RECORD_METADATA}),
        "updated_at": frozenset({C.RECORD_METADATA}),
        "checked_in_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "completed_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "cancelled_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "reschedule_count": frozenset({C.APPOINTMENT_SCHEDULE}),
    },
    # A place in the office's queue: when the person came, waited, was called and served, and for what.
    TICKET: {
        "id": frozenset({C.RECORD_METADATA}),
        "public_id": frozenset({C.RECORD_METADATA}),
        "office": frozenset({C.APPOINTMENT_SCHEDULE}),
        "local_date": frozenset({C.APPOINTMENT_SCHEDULE}),
        "number": frozenset({C.RECORD_METADATA}),
        "kind": frozenset({C.APPOINTMENT_SCHEDULE}),
        "service": frozenset({C.APPOINTMENT_REASON}),
        "appointment": frozenset({C.RECORD_METADATA}),
        "due_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        # Needs the person asked for at the counter, like the appointment's interpreter language.
        "interpreter_language": frozenset({C.CONTACT_DETAILS}),
        "accessible": frozenset({C.CONTACT_DETAILS}),
        "issued_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "called_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "last_called_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "served_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "outcome": frozenset({C.APPOINTMENT_SCHEDULE}),
        "window": frozenset({C.APPOINTMENT_SCHEDULE}),
        "calls": frozenset({C.APPOINTMENT_SCHEDULE}),
        "phone_encrypted": frozenset({C.CONTACT_DETAILS}),
        "texted_at": frozenset({C.CONTACT_DETAILS}),
        "at_counter": frozenset({C.RECORD_METADATA}),
        "issued_by": frozenset({C.RECORD_METADATA}),
        "person": frozenset({C.RECORD_METADATA}),
    },
    # Which staff member or interpreter served the person, and when: part of the visit's schedule.
    RESOURCE_HOLD: {
        "id": frozenset({C.RECORD_METADATA}),
        "appointment": frozenset({C.RECORD_METADATA}),
        "resource": frozenset({C.APPOINTMENT_SCHEDULE}),
        "starts_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "ends_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "active": frozenset({C.RECORD_METADATA}),
    },
    # That a reminder went out by SMS or email says how the person is reached.
    REMINDER: {
        "id": frozenset({C.RECORD_METADATA}),
        "appointment": frozenset({C.RECORD_METADATA}),
        "channel": frozenset({C.CONTACT_DETAILS}),
        "for_starts_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "sent_at": frozenset({C.CONTACT_DETAILS}),
        "address_key": frozenset({C.CONTACT_DETAILS}),
    },
    # A reminder's single-use link: the token is kept only as a keyed hash (a credential, never released).
    REPLY_LINK: {
        "id": frozenset({C.RECORD_METADATA}),
        "token_hash": frozenset({C.RECORD_METADATA}),
        "appointment": frozenset({C.RECORD_METADATA}),
        "action": frozenset({C.RECORD_METADATA}),
        "channel": frozenset({C.CONTACT_DETAILS}),
        "expires_at": frozenset({C.RECORD_METADATA}),
        "used_at": frozenset({C.RECORD_METADATA}),
        "created_at": frozenset({C.RECORD_METADATA}),
    },
    # What the person answered to a reminder (confirmed, cancelled), by which channel, and when.
    REMINDER_REPLY: {
        "id": frozenset({C.RECORD_METADATA}),
        "appointment": frozenset({C.RECORD_METADATA}),
        "action": frozenset({C.APPOINTMENT_SCHEDULE}),
        "channel": frozenset({C.CONTACT_DETAILS}),
        "created_at": frozenset({C.APPOINTMENT_SCHEDULE}),
    },
    # Asking for an earlier time says where the person can travel and when they are free.
    WAITLIST_ENTRY: {
        "id": frozenset({C.RECORD_METADATA}),
        "public_id": frozenset({C.RECORD_METADATA}),
        "person": frozenset({C.RECORD_METADATA}),
        "service": frozenset({C.APPOINTMENT_REASON}),
        "appointment": frozenset({C.RECORD_METADATA}),
        "office_ids": frozenset({C.APPOINTMENT_SCHEDULE}),
        "radius_miles": frozenset({C.APPOINTMENT_SCHEDULE}),
        "mode": frozenset({C.APPOINTMENT_SCHEDULE}),
        "weekdays": frozenset({C.APPOINTMENT_SCHEDULE}),
        "earliest_time": frozenset({C.APPOINTMENT_SCHEDULE}),
        "latest_time": frozenset({C.APPOINTMENT_SCHEDULE}),
        "status": frozenset({C.APPOINTMENT_SCHEDULE}),
        "created_by": frozenset({C.RECORD_METADATA}),
        "created_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "ended_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "interpreter_language": frozenset({C.CONTACT_DETAILS}),
        "companion_needed": frozenset({C.COMPANION_DETAILS}),
        # the one-time code that confirms a request: a keyed hash, its expiry and tries (never released)
        "code_hash": frozenset({C.RECORD_METADATA}),
        "code_expires_at": frozenset({C.RECORD_METADATA}),
        "code_attempts": frozenset({C.RECORD_METADATA}),
    },
    WAITLIST_OFFER: {
        "id": frozenset({C.RECORD_METADATA}),
        "public_id": frozenset({C.RECORD_METADATA}),
        "entry": frozenset({C.RECORD_METADATA}),
        "office": frozenset({C.APPOINTMENT_SCHEDULE}),
        "mode": frozenset({C.APPOINTMENT_SCHEDULE}),
        "starts_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "ends_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "expires_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "reason": frozenset({C.RECORD_METADATA}),
        "status": frozenset({C.APPOINTMENT_SCHEDULE}),
        "created_at": frozenset({C.APPOINTMENT_SCHEDULE}),
        "decided_at": frozenset({C.APPOINTMENT_SCHEDULE}),
    },
}

# What the *value* of a service field reveals beyond "why the person came".
SERVICE_REVEALS: dict[str, frozenset[str]] = {
    "noncitizen_eligibility_review": frozenset({C.CITIZENSHIP_IMMIGRATION_STATUS, C.BENEFIT_INFORMATION}),
    "ssi_redetermination": frozenset({C.BENEFIT_INFORMATION}),
    "overpayment_discussion": frozenset({C.BENEFIT_INFORMATION}),
    "direct_deposit_change": frozenset({C.BENEFIT_INFORMATION}),
    "representative_payee_interview": frozenset({C.BENEFIT_INFORMATION}),
    "medicare_enrollment": frozenset({C.BENEFIT_INFORMATION}),
    "new_benefit_application": frozenset({C.BENEFIT_INFORMATION}),
    "ssn_card_original_documents": frozenset(),
}


def categories_of(model_label: str, field_name: str, instance: models.Model | None = None) -> frozenset[str]:
    """Every category a stored field's value belongs to. Unknown fields raise: never guess a category."""
    try:
        base = FIELD_CATEGORIES[model_label][field_name]
    except KeyError:
        missing = f"{model_label}.{field_name}"
        raise KeyError(f"{missing} has no data category; add it to disclosures/categories.py") from None
    if field_name == "service" and instance is not None:
        service = getattr(instance, "service", None)
        code = getattr(service, "code", "")
        # A service the table does not know reveals what its name says; treat it as benefit information.
        return base | SERVICE_REVEALS.get(code, frozenset({C.BENEFIT_INFORMATION}))
    return base


def category_label(code: str) -> str:
    try:
        return DataCategory(code).label
    except ValueError:
        return code
