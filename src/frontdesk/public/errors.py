"""Domain errors as sentences in the visitor's language. The services speak English; the public site
translates the ones a visitor can meet, by code or by field, and falls back to the service's words."""

import math

from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from frontdesk.core.errors import DomainError, TooManyAttempts
from frontdesk.scheduling.lookup_guard import LookupLocked

BY_CODE = {
    "slot_taken": _("That time was just taken. Choose another time."),
    "appointment_not_found": _("We found no appointment with that code, last name and date of birth. Check all three."),
    "in_person_required": _("This service must be done in person: the rules require it. Choose in person."),
    "not_reschedulable": _("Only a booked appointment can be moved."),
    "invalid_transition": _("This appointment can no longer be changed."),
    "appointment_started": _(
        "This appointment's time has passed, so it can no longer be changed online. Call the office."
    ),
    "other_office": _("This appointment is at another office. Please see a clerk."),
    "phone_appointment": _("This appointment is by phone: we will call you. Please see a clerk."),
    "not_check_in_time": _("Check-in opens two hours before the appointment and closes when it ends."),
    "not_check_in": _("This appointment cannot be checked in here. Please see a clerk."),
    "office_closed": _("This office does not serve walk-ins. Please see a clerk."),
    "ticket_number_busy": _("The kiosk is busy. Try again."),
    "access_code_wrong": _("That code is not right. Check it and try again."),
    "access_code_expired": _("That code has expired or was already used. Ask for a new code."),
    "access_code_locked": _("That code was entered wrong too many times. Ask for a new code."),
    "proof_link_expired": _("This download link has expired. Look up your accounting again to get a new one."),
    "proof_not_found": _("There is no proof for that link. Look up your accounting again to get a new one."),
    "proof_pending": _(
        "This disclosure is recorded, but the public log has not yet published a witnessed checkpoint that "
        "includes it. Look up your accounting again in a few minutes to download its proof."
    ),
}
BY_FIELD = {
    "zip": _("We do not know that ZIP code. Check it and try again."),
    "starts_at": _("That time cannot be booked. Choose one of the times shown."),
    "date_of_birth": _("Check the date of birth."),
    "first_name": _("Give a first and last name using letters."),
    "last_name": _("Give a first and last name using letters."),
    "ssn": _("Check the Social Security number: it has 9 digits."),
    "companion": _("The companion must be someone other than the person."),
    "companion_relationship": _("Say how the companion is related to the person."),
    "mode": _("That way of meeting is not offered for this service."),
    "interpreter_language": _("We do not have interpreters for that language."),
    "channel": _("Choose email or text message."),
}
# Service field names that are spread over several inputs on the page.
FIELD_ALIASES = {
    "date_of_birth": "dob_month",
    "companion": "companion_first_name",
    "interpreter_language": "interpreter",
}


def _where(error: LookupLocked) -> str:
    if error.channel == "email":
        return gettext("to the email address on file, %(hint)s") % {"hint": error.hint}
    return gettext("to the phone number on file ending in %(hint)s") % {"hint": error.hint}


def wait_message(error: TooManyAttempts) -> str:
    minutes = max(1, math.ceil(error.retry_after / 60))
    return ngettext(
        "Too many tries. For your safety, please wait and try again in %(minutes)d minute.",
        "Too many tries. For your safety, please wait and try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def message_for(error: DomainError) -> str:
    if isinstance(error, TooManyAttempts):
        return wait_message(error)
    if isinstance(error, LookupLocked):
        if error.code == "one_time_code_wrong":
            text = gettext(
                "That one-time code, or one of the other details, is not right. Check them and try again; if "
                "your code has expired we send a new one %(where)s."
            )
        else:
            text = gettext(
                "For your safety, this confirmation code is locked after several tries that did not match. We "
                "sent a one-time code %(where)s. Enter it with your confirmation code, last name and date of "
                "birth. If you cannot get it, call your office."
            )
        return text % {"where": _where(error)}
    if error.code in BY_CODE:
        return str(BY_CODE[error.code])
    if error.field in BY_FIELD:
        return str(BY_FIELD[error.field])
    return error.message


def field_for(error: DomainError) -> str | None:
    return FIELD_ALIASES.get(error.field or "", error.field)
