"""What the disclosure services accept, and the checks every input passes before anything is written.

Each check raises ValidationFailed naming the field, so a surface can point at it; nothing here touches
the database. The dataclasses are what surfaces build; the checks (underscored) are the services' own.
"""

import base64
import binascii
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from frontdesk.core.crypto import InvalidSsn, encrypt_field, ssn_lookup_hash
from frontdesk.core.errors import ValidationFailed
from frontdesk.scheduling.codes import normalize_code
from frontdesk.scheduling.names import NameProblem, name_check, name_key

from .categories import RELEASABLE
from .models import SUBJECT_SSN_CONTEXT
from .vocabulary import RECORDED_EVIDENCE, AgencyType, Channel, CrimeClass, EvidenceKind, Purpose, SubjectStatus

MAX_SUBJECTS = 20
MAX_EVIDENCE = 20
# The position code for "the letter names a position the catalog does not list".
POSITION_NOT_LISTED = "other"
DEFAULT_EVIDENCE_MAX_BYTES = 1_500_000

# What an evidence file must start with, by declared content type.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
    "text/plain": (),
}
_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,119}$")


def evidence_max_bytes() -> int:
    return int(getattr(settings, "FRONTDESK_EVIDENCE_MAX_BYTES", DEFAULT_EVIDENCE_MAX_BYTES))


# --- Input ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestDetails:
    channel: str
    requester_agency: str
    requester_official: str
    requester_contact: str
    requester_address: str
    agency_type: str
    purpose: str
    categories: tuple[str, ...]
    requester_component: str = ""
    requester_title: str = ""
    purpose_detail: str = ""
    crime_class: str = CrimeClass.NONE
    subject_status: str = SubjectStatus.NONE
    authority_cited: str = ""
    records_from: dt.date | None = None
    records_to: dt.date | None = None
    requester_position: str = ""


@dataclass(frozen=True)
class SubjectDetails:
    last_name: str
    first_name: str = ""
    date_of_birth: dt.date | None = None
    ssn: str = ""
    appointment_code: str = ""


@dataclass(frozen=True)
class EvidenceUpload:
    kind: str
    filename: str
    content_type: str
    content: bytes
    description: str = ""

    @classmethod
    def from_base64(
        cls, *, kind: str, filename: str, content_type: str, content_base64: str, description: str = ""
    ) -> "EvidenceUpload":
        try:
            content = base64.b64decode(content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationFailed(
                "The document is not valid base64; send the file's bytes base64-encoded.", field="content_base64"
            ) from None
        return cls(kind=kind, filename=filename, content_type=content_type, content=content, description=description)


@dataclass(frozen=True)
class RestrictionDetails:
    kind: str
    title: str
    citation: str
    categories: tuple[str, ...]
    effective_from: dt.date
    recipients: tuple[str, ...] | None = None  # None: every recipient (scope.py)
    agencies: tuple[str, ...] = ()
    effective_until: dt.date | None = None
    summary: str = ""


def _choice(value: str, choices: Sequence[str], field: str, what: str) -> str:
    if value not in choices:
        raise ValidationFailed(f"'{value}' is not a known {what}; use one of: {', '.join(choices)}.", field=field)
    return value


def _required(value: str, field: str, what: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(f"Give the {what}.", field=field)
    if len(text) > limit:
        raise ValidationFailed(f"Keep the {what} under {limit} characters.", field=field)
    return text


def _optional(value: str, field: str, limit: int) -> str:
    text = (value or "").strip()
    if len(text) > limit:
        raise ValidationFailed(f"Keep {field.replace('_', ' ')} under {limit} characters.", field=field)
    return text


def _categories(values: Sequence[str], field: str = "categories") -> list[str]:
    if not values:
        raise ValidationFailed("Name the data categories asked for (no blanket requests).", field=field)
    for value in values:
        if value not in RELEASABLE:
            raise ValidationFailed(
                f"'{value}' is not a data category that can be released; use: {', '.join(sorted(RELEASABLE))}.",
                field=field,
            )
    if len(set(values)) != len(values):
        raise ValidationFailed("A category is named twice.", field=field)
    return sorted(values)


def _clean_details(details: RequestDetails) -> dict[str, Any]:
    if details.records_from and details.records_to and details.records_from > details.records_to:
        raise ValidationFailed("The records period ends before it starts.", field="records_to")
    return {
        "channel": _choice(details.channel, Channel.values, "channel", "channel"),
        "requester_agency": _required(details.requester_agency, "requester_agency", "requesting agency", 200),
        "requester_component": _optional(details.requester_component, "requester_component", 200),
        "requester_official": _required(details.requester_official, "requester_official", "requesting official", 200),
        "requester_title": _optional(details.requester_title, "requester_title", 200),
        "requester_contact": _required(details.requester_contact, "requester_contact", "official's contact", 200),
        "requester_address": _required(details.requester_address, "requester_address", "recipient's address", 500),
        "agency_type": _choice(details.agency_type, AgencyType.values, "agency_type", "agency type"),
        "purpose": _choice(details.purpose, Purpose.values, "purpose", "purpose"),
        "purpose_detail": _optional(details.purpose_detail, "purpose_detail", 1000),
        "crime_class": _choice(details.crime_class, CrimeClass.values, "crime_class", "crime class"),
        "subject_status": _choice(details.subject_status, SubjectStatus.values, "subject_status", "subject status"),
        "authority_cited": _optional(details.authority_cited, "authority_cited", 200),
        "categories": _categories(details.categories),
        "records_from": details.records_from,
        "records_to": details.records_to,
        "requester_position": _position(details.requester_position),
    }


def _position(value: str) -> str:
    """The signer's position as a code: one from the catalog's requesting_positions, "other" for one it
    does not list, or "" when the letter gives none. Only the shape is checked here: whether the code is
    listed for the requester's kind of agency is the decision's question, asked of the catalog in force."""
    code = (value or "").strip()
    if code and not re.fullmatch(r"[a-z0-9_]{1,60}", code):
        raise ValidationFailed(
            "Give the position as a code from the catalog's list (letters, digits, underscores), "
            f"or '{POSITION_NOT_LISTED}' for a position it does not list.",
            field="requester_position",
        )
    return code


def _clean_subjects(subjects: Sequence[SubjectDetails], *, today: dt.date) -> list[dict[str, Any]]:
    if not subjects:
        raise ValidationFailed("Name at least one person the request is about.", field="subjects")
    if len(subjects) > MAX_SUBJECTS:
        raise ValidationFailed(f"A request names at most {MAX_SUBJECTS} people.", field="subjects")
    rows = []
    for position, subject in enumerate(subjects, start=1):
        where = f"subjects[{position - 1}]"
        last_name = _required(subject.last_name, f"{where}.last_name", "last name", 80)
        first_name = _optional(subject.first_name, f"{where}.first_name", 80)
        for part, value in (("last_name", last_name), ("first_name", first_name)):
            try:
                if value or part == "last_name":
                    name_check(value)
            except NameProblem as problem:
                raise ValidationFailed(
                    f"{part.replace('_', ' ').capitalize()}: {problem}", field=f"{where}.{part}"
                ) from None
        row: dict[str, Any] = {
            "position": position,
            "first_name": first_name,
            "last_name": last_name,
            "last_name_key": name_key(last_name),
            "date_of_birth": subject.date_of_birth,
            "ssn_hash": "",
            "ssn_encrypted": "",
            "appointment_code": "",
        }
        if subject.date_of_birth is not None and not dt.date(1900, 1, 1) <= subject.date_of_birth <= today:
            raise ValidationFailed("Check the date of birth.", field=f"{where}.date_of_birth")
        if subject.ssn:
            try:
                row["ssn_hash"] = ssn_lookup_hash(subject.ssn)
            except InvalidSsn as error:
                raise ValidationFailed(str(error), field=f"{where}.ssn") from None
            digits = re.sub(r"[\s-]", "", subject.ssn)
            row["ssn_encrypted"] = encrypt_field(digits, context=SUBJECT_SSN_CONTEXT)
        if subject.appointment_code:
            code = normalize_code(subject.appointment_code)
            if code is None:
                raise ValidationFailed(
                    "An appointment code has eight letters and digits.", field=f"{where}.appointment_code"
                )
            row["appointment_code"] = code
        if not (subject.date_of_birth or subject.ssn or subject.appointment_code):
            raise ValidationFailed(
                "Identify each person by name and at least one of date of birth, SSN or appointment code.",
                field=f"{where}.date_of_birth",
            )
        rows.append(row)
    return rows


def _check_upload(upload: EvidenceUpload) -> None:
    _choice(upload.kind, EvidenceKind.values, "kind", "kind of evidence")
    if upload.kind in RECORDED_EVIDENCE:
        raise ValidationFailed(
            "That is not a document: a second official records it by confirming the signer's position.",
            field="kind",
        )
    if not _FILENAME.match(upload.filename or ""):
        raise ValidationFailed(
            "Name the file with letters, digits, spaces, dots, dashes or brackets (at most 120).", field="filename"
        )
    _optional(upload.description, "description", 300)
    if upload.content_type not in _SIGNATURES:
        raise ValidationFailed(
            f"Upload a PDF, PNG, JPEG, TIFF or plain-text file, not {upload.content_type!r}.", field="content_type"
        )
    if not upload.content:
        raise ValidationFailed("The document is empty.", field="content_base64")
    limit = evidence_max_bytes()
    if len(upload.content) > limit:
        raise ValidationFailed(f"The document is larger than {limit} bytes.", field="content_base64")
    signatures = _SIGNATURES[upload.content_type]
    if signatures and not upload.content.startswith(signatures):
        raise ValidationFailed(
            f"The file is not a {upload.content_type} file; check the type you chose.", field="content_type"
        )
    if upload.content_type == "text/plain":
        try:
            text = upload.content.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationFailed("A text document must be UTF-8.", field="content_type") from None
        if "\x00" in text:
            raise ValidationFailed("A text document cannot contain NUL characters.", field="content_type")
