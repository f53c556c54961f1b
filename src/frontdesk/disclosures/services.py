"""Every write to disclosure requests, restrictions, releases and the accounting.

Each service runs in one transaction, checks who may act (policies.py), and appends its ledger event in
that same transaction (DESIGN invariants 2, 3 and 7): a refused or invalid call writes nothing.

The request's life (DESIGN "Disclosure" flow), every step a ledger event:
    received -> evaluated (denied | needs_evidence | awaiting_signoff | approved) -> released | rejected
An edit or new evidence after a sign-off voids every sign-off and evaluates again. A release
re-evaluates at that moment, so an expired sign-off or a new restriction counts. Each person named is
decided on their own and only those approved are released (ADR 0013); dropping a person only narrows,
so it voids nothing.
"""

import base64
import binascii
import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import rfc8785
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from frontdesk.accounts.roles import primary_role
from frontdesk.core.crypto import InvalidSsn, decrypt_field, encrypt_field, pseudonym, ssn_lookup_hash
from frontdesk.core.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from frontdesk.ledger.refusals import refusals_recorded
from frontdesk.ledger.services import event_append
from frontdesk.scheduling.codes import normalize_code
from frontdesk.scheduling.names import NameProblem, name_check, name_key
from frontdesk.scheduling.services import subject_of

from . import actions, policies
from .catalog import positions_in_force
from .categories import RELEASABLE, category_label
from .decision import RequestDecision, SubjectDecision
from .engine import engine_in_force
from .matching import SubjectMatch, subject_match
from .models import (
    EVIDENCE_CONTEXT,
    TERMINAL_STATUSES,
    AccountingEntry,
    AuthorityCatalog,
    CatalogEntry,
    DisclosureRequest,
    EvidenceDocument,
    Release,
    RequestStatus,
    RequestSubject,
    Restriction,
    RestrictionKind,
    RestrictionRevision,
    SignOff,
    SignOffDecision,
)
from .packet import FORMAT, body_sha256, packet_sign_offs, subject_records
from .policy import Facts, agency_key, day_number
from .scope import restriction_scope
from .signoffs import SignOffStanding, counting_approvals, sign_off_standings
from .subject_decisions import FiledDocument, NamedSubject, counts_for, decide_subjects, is_personal
from .vocabulary import (
    RECORDED_EVIDENCE,
    SIGNOFF_ROLES,
    AgencyType,
    Channel,
    CloseReason,
    CrimeClass,
    EvidenceKind,
    Portion,
    Purpose,
    SignerPosition,
    SubjectStatus,
)

MAX_SUBJECTS = 20
MAX_EVIDENCE = 20
ACCOUNTING_RETENTION_YEARS = 5
DEFAULT_SIGNOFF_TTL_DAYS = 30
DEFAULT_REQUEST_EXPIRY_DAYS = 90
# A request that claimed an authority but filed no document is refused after this many days (ADR 0014).
DEFAULT_EVIDENCE_WAIT_DAYS = 30
# The position code for "the letter names a position the catalog does not list".
POSITION_NOT_LISTED = "other"
DEFAULT_EVIDENCE_MAX_BYTES = 1_500_000
PACKET_CONTEXT = "disclosures.release.packet"

# The declared state machine: nothing else assigns DisclosureRequest.status.
_OPEN = {
    RequestStatus.DENIED,
    RequestStatus.NEEDS_EVIDENCE,
    RequestStatus.AWAITING_SIGNOFF,
    RequestStatus.APPROVED,
    RequestStatus.REJECTED,
}
TRANSITIONS: dict[str, set[str]] = {
    RequestStatus.RECEIVED: _OPEN | {RequestStatus.EXPIRED, RequestStatus.REFUSED},
    RequestStatus.DENIED: _OPEN | {RequestStatus.EXPIRED, RequestStatus.REFUSED},
    RequestStatus.NEEDS_EVIDENCE: _OPEN | {RequestStatus.EXPIRED, RequestStatus.REFUSED},
    RequestStatus.AWAITING_SIGNOFF: _OPEN | {RequestStatus.EXPIRED, RequestStatus.REFUSED},
    RequestStatus.APPROVED: _OPEN | {RequestStatus.RELEASED, RequestStatus.EXPIRED, RequestStatus.REFUSED},
    RequestStatus.RELEASED: set(),
    RequestStatus.REJECTED: set(),
    RequestStatus.EXPIRED: set(),
    RequestStatus.REFUSED: set(),
}

# What an evidence file must start with, by declared content type.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
    "text/plain": (),
}
_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._()-]{0,119}$")


def signoff_ttl() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "FRONTDESK_SIGNOFF_TTL_DAYS", DEFAULT_SIGNOFF_TTL_DAYS)))


def request_expiry() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "FRONTDESK_REQUEST_EXPIRY_DAYS", DEFAULT_REQUEST_EXPIRY_DAYS)))


def evidence_wait() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "FRONTDESK_EVIDENCE_WAIT_DAYS", DEFAULT_EVIDENCE_WAIT_DAYS)))


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
    def from_base64(cls, *, kind: str, filename: str, content_type: str, content_base64: str, description: str = ""):
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
            row["ssn_encrypted"] = encrypt_field(digits, context="disclosures.subject.ssn")
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


# --- Helpers -------------------------------------------------------------------------------------


def _subject_pseudonyms(request: DisclosureRequest) -> list[str]:
    return sorted(pseudonym("disclosure_subject", str(s.public_id)) for s in request.subjects.all())


def _lock(request: DisclosureRequest) -> DisclosureRequest:
    return DisclosureRequest.objects.select_for_update().get(pk=request.pk)


def _set_status(request: DisclosureRequest, to: str) -> None:
    if to == request.status:
        return
    if to not in TRANSITIONS[request.status]:
        raise Conflict(
            f"This request is {request.get_status_display().lower()}; it cannot become {to.replace('_', ' ')}.",
            code="invalid_transition",
        )
    request.status = to


def _raise(refusal: DomainError | None) -> None:
    if refusal is not None:
        raise refusal


def _refusal_refs(request: DisclosureRequest, role: str | None = None) -> dict[str, str]:
    """What a refusal event names: the request, and the role asked for (only a known role's name: the
    field is free text on some surfaces)."""
    refs = {"request": str(request.public_id)}
    if role is not None:
        refs["role"] = role if role in SIGNOFF_ROLES else "unknown"
    return refs


def _close(request: DisclosureRequest, to: str, now: dt.datetime) -> None:
    """End a request (rejected, expired): the transition is checked and saved with its time."""
    _set_status(request, to)
    request.updated_at = now
    request.save(update_fields=["status", "updated_at"])


def _valid_approvals(request: DisclosureRequest, now: dt.datetime) -> list[SignOff]:
    """Approvals that count now (disclosures.signoffs decides; nothing here re-derives it)."""
    return counting_approvals(sign_off_standings(request, now=now))


def request_portion(request: DisclosureRequest) -> str:
    """Particular, or blanket: every releasable category, or no records period (5 U.S.C. 552a(b)(7) asks
    for "the particular portion desired"; EOUSA: no blanket requests for all records about a person)."""
    if set(request.categories) >= RELEASABLE or request.records_from is None or request.records_to is None:
        return Portion.BLANKET
    return Portion.PARTICULAR


def _listed_position(request: DisclosureRequest) -> bool:
    code = request.requester_position
    return bool(code) and code in {p.code for p in positions_in_force(request.agency_type)}


def request_signer_position(request: DisclosureRequest) -> str:
    if not request.requester_position:
        return SignerPosition.NONE
    return SignerPosition.LISTED if _listed_position(request) else SignerPosition.UNLISTED


def position_confirmed(request: DisclosureRequest) -> bool:
    """A second official confirmed the position now entered, and the catalog in force still lists it."""
    return (
        request.position_confirmed_at is not None
        and request.position_confirmed_as == request.requester_position
        and _listed_position(request)
    )


def request_facts(
    request: DisclosureRequest, *, now: dt.datetime, standings: Sequence[SignOffStanding] | None = None
) -> Facts:
    """The request's facts; `evidence` is every kind on file, which request_decide replaces per person."""
    approvals = counting_approvals(standings) if standings is not None else _valid_approvals(request, now)
    evidence = frozenset(request.evidence.values_list("kind", flat=True)) - RECORDED_EVIDENCE
    if position_confirmed(request):
        evidence |= {EvidenceKind.REQUESTER_POSITION_CONFIRMED.value}
    return Facts(
        agency_type=request.agency_type,
        agency=agency_key(request.requester_agency),
        purpose=request.purpose,
        crime_class=request.crime_class,
        subject_status=request.subject_status,
        portion=request_portion(request),
        signer_position=request_signer_position(request),
        evidence=evidence,
        signed_roles=frozenset(a.role for a in approvals),
        today=day_number(timezone.localdate(now)),
    )


def request_decide(
    request: DisclosureRequest,
    *,
    now: dt.datetime | None = None,
    standings: Sequence[SignOffStanding] | None = None,
) -> RequestDecision:
    """The decision the policy in force gives this request now (reads only): one per person named, on
    the documents that count for that person, and the request's status derived from them
    (subject_decisions.py, ADR 0013). `standings`, when given, are this request's sign-offs as judged
    at `now` (disclosures.signoffs)."""
    now = now or timezone.now()
    engine = engine_in_force()
    subjects = [
        NamedSubject(id=str(s.public_id), position=s.position, dropped=s.dropped_at is not None)
        for s in request.subjects.order_by("position")
    ]
    documents = [
        FiledDocument(kind=kind, subject=str(subject) if subject else None)
        for kind, subject in request.evidence.values_list("kind", "subject__public_id")
        if kind not in RECORDED_EVIDENCE
    ]
    if position_confirmed(request):
        # A recorded fact about the asking, not a person: it counts for everyone named (ADR 0014).
        documents.append(FiledDocument(kind=EvidenceKind.REQUESTER_POSITION_CONFIRMED.value))
    return decide_subjects(
        engine.evaluate,
        engine.rules,
        request_facts(request, now=now, standings=standings),
        request.categories,
        subjects,
        documents,
        policy_sha256=engine.sha256,
        rules_label=engine.rules.label,
        may_permit=engine.may_permit,
    )


def _record_decision(*, actor: Any, request: DisclosureRequest, now: dt.datetime) -> RequestDecision:
    decision = request_decide(request, now=now)
    request.decision = decision.as_dict()
    request.decision_sha256 = decision.sha256()
    request.evaluated_at = now
    _set_status(request, decision.status)
    request.save(update_fields=["decision", "decision_sha256", "evaluated_at", "status"])
    event_append(
        type="disclosures.request.evaluated",
        actor=actor,
        purpose="disclosure decision",
        subjects=_subject_pseudonyms(request),
        refs={
            "request": str(request.public_id),
            "version": request.version,
            "status": decision.status,
            "decision_sha256": request.decision_sha256,
            "policy_sha256": decision.policy_sha256,
        },
    )
    return decision


def _void_sign_offs(*, actor: Any, request: DisclosureRequest, reason: str, now: dt.datetime, queryset=None) -> int:
    live = queryset if queryset is not None else SignOff.objects.filter(request=request, voided_at__isnull=True)
    count = live.update(voided_at=now, void_reason=reason)
    if count:
        event_append(
            type="disclosures.request.sign_offs_voided",
            actor=actor,
            purpose="disclosure sign-off",
            subjects=_subject_pseudonyms(request),
            refs={"request": str(request.public_id), "count": count, "reason": reason, "version": request.version},
        )
    return count


def _void_expired(*, actor: Any, request: DisclosureRequest, now: dt.datetime) -> None:
    expired = SignOff.objects.filter(request=request, voided_at__isnull=True, expires_at__lte=now)
    _void_sign_offs(actor=actor, request=request, reason="expired", now=now, queryset=expired)


def _store_evidence(
    *,
    actor: Any,
    request: DisclosureRequest,
    upload: EvidenceUpload,
    now: dt.datetime,
    subject: RequestSubject | None = None,
):
    if request.evidence.count() >= MAX_EVIDENCE:
        raise ValidationFailed(f"A request holds at most {MAX_EVIDENCE} documents.", field="evidence")
    document = EvidenceDocument.objects.create(
        request=request,
        subject=subject,
        kind=upload.kind,
        description=upload.description.strip(),
        filename=upload.filename,
        content_type=upload.content_type,
        size=len(upload.content),
        sha256=hashlib.sha256(upload.content).hexdigest(),
        content_encrypted=encrypt_field(base64.b64encode(upload.content).decode(), context=EVIDENCE_CONTEXT),
        uploaded_by=actor,
        uploaded_at=now,
        request_version=request.version,
    )
    event_append(
        type="disclosures.request.evidence_added",
        actor=actor,
        purpose="disclosure intake",
        subjects=_subject_pseudonyms(request),
        refs={
            "request": str(request.public_id),
            "evidence": str(document.public_id),
            "kind": document.kind,
            "sha256": document.sha256,
            "size": document.size,
            "for_subject": pseudonym("disclosure_subject", str(subject.public_id)) if subject else None,
        },
    )
    return document


def _subject_for_evidence(request: DisclosureRequest, kind: str, subject_id: str | None) -> RequestSubject | None:
    """The person a personal document is filed for (ADR 0013). A request-wide document (the agency's
    letter, a court order) names no one: it counts for every person, so naming one would mislead."""
    if not subject_id:
        return None
    if not is_personal(kind):
        raise ValidationFailed(
            f"A {EvidenceKind(kind).label.lower()} concerns the whole request; file it without naming a person.",
            field="subject",
        )
    try:
        key = uuid.UUID(str(subject_id))
    except ValueError:
        key = None
    subject = request.subjects.filter(public_id=key).first() if key else None
    if subject is None:
        raise ValidationFailed("That person is not named in this request; use a subject id from it.", field="subject")
    if subject.dropped_at is not None:
        raise Conflict(
            "That person was dropped from this request; nothing is decided for them now.", code="subject_dropped"
        )
    return subject


# --- Intake and edits ----------------------------------------------------------------------------


def request_receive(
    *,
    actor: Any,
    details: RequestDetails,
    subjects: Sequence[SubjectDetails],
    evidence: Sequence[EvidenceUpload] = (),
    now: dt.datetime | None = None,
) -> DisclosureRequest:
    """Record an outside party's request and decide it (5 U.S.C. 552a(b): default deny).

    Any staff member may take a request in, the counter clerk included; it tells them nothing about
    whether the people named have records (matching happens only at release, for the privacy office).
    """
    now = now or timezone.now()
    if not policies.can_take_in_request(actor):
        raise PermissionDenied("Your role does not take in disclosure requests.")
    values = _clean_details(details)
    subject_rows = _clean_subjects(subjects, today=timezone.localdate(now))
    if len(evidence) > MAX_EVIDENCE:
        raise ValidationFailed(f"A request holds at most {MAX_EVIDENCE} documents.", field="evidence")
    for upload in evidence:
        _check_upload(upload)
    profile = actor.staff_profile
    office = profile.office
    with transaction.atomic():
        request = DisclosureRequest.objects.create(
            **values,
            office=office,
            region=office.region if office else profile.region,
            intake_by=actor,
            received_at=now,
            updated_at=now,
        )
        RequestSubject.objects.bulk_create(RequestSubject(request=request, **row) for row in subject_rows)
        event_append(
            type="disclosures.request.received",
            actor=actor,
            purpose="disclosure intake",
            subjects=_subject_pseudonyms(request),
            refs={
                "request": str(request.public_id),
                "channel": request.channel,
                "agency_type": request.agency_type,
                "purpose": request.purpose,
                "categories": len(request.categories),
                "subjects": len(subject_rows),
            },
        )
        for upload in evidence:
            _store_evidence(actor=actor, request=request, upload=upload, now=now)
        _record_decision(actor=actor, request=request, now=now)
        if not request.authority_cited and not evidence:
            _refuse(actor=actor, request=request, reason=CloseReason.INFORMAL, now=now)
    return request


def _refuse(*, actor: Any, request: DisclosureRequest, reason: CloseReason, now: dt.datetime) -> None:
    """Close a request the rules refuse without anyone's sign-off: recorded, decided, then closed."""
    _set_status(request, RequestStatus.REFUSED)
    request.closed_reason = reason.value
    request.updated_at = now
    request.save(update_fields=["status", "closed_reason", "updated_at"])
    event_append(
        type="disclosures.request.refused",
        actor=actor,
        purpose="disclosure decision",
        subjects=_subject_pseudonyms(request),
        refs={"request": str(request.public_id), "version": request.version, "reason": reason.value},
    )


_POSITION_FIELDS = ("requester_agency", "requester_official", "requester_position", "agency_type")


def _position_unconfirm(*, actor: Any, request: DisclosureRequest, because: str, now: dt.datetime) -> None:
    """A confirmation covers the letter and the requester it was given on; a change to either ends it."""
    if request.position_confirmed_at is None:
        return
    request.position_confirmed_as = ""
    request.position_confirmed_by = None
    request.position_confirmed_at = None
    request.save(update_fields=["position_confirmed_as", "position_confirmed_by", "position_confirmed_at"])
    event_append(
        type="disclosures.request.position_unconfirmed",
        actor=actor,
        purpose="disclosure intake",
        subjects=_subject_pseudonyms(request),
        refs={"request": str(request.public_id), "version": request.version, "because": because},
    )


def request_edit(
    *,
    actor: Any,
    request: DisclosureRequest,
    details: RequestDetails | None = None,
    subjects: Sequence[SubjectDetails] | None = None,
    now: dt.datetime | None = None,
) -> DisclosureRequest:
    """Change a request. Any change after a sign-off voids every sign-off: the officials approved what
    they saw, not what it became (DESIGN: "any edit after a sign-off resets the sign-offs")."""
    now = now or timezone.now()
    values = _clean_details(details) if details is not None else {}
    subject_rows = _clean_subjects(subjects, today=timezone.localdate(now)) if subjects is not None else None
    refused = refusals_recorded(
        action="disclosures.request.edit", actor=actor, purpose="disclosure intake", refs=_refusal_refs(request)
    )
    with refused, transaction.atomic():
        request = _lock(request)
        _raise(actions.edit_refusal(actor, request, what="change this request"))
        changed = sorted(k for k, v in values.items() if getattr(request, k) != v)
        if subject_rows is not None:
            current = list(request.subjects.values(*subject_rows[0].keys())) if subject_rows else []
            comparable = [{k: v for k, v in row.items() if k != "ssn_encrypted"} for row in subject_rows]
            existing = [{k: v for k, v in row.items() if k != "ssn_encrypted"} for row in current]
            if comparable != existing:
                changed.append("subjects")
        if not changed:
            return request
        for key in changed:
            if key != "subjects":
                setattr(request, key, values[key])
        request.version += 1
        request.updated_at = now
        request.save()
        if "subjects" in changed and subject_rows is not None:
            _subjects_replace(request, subject_rows)
        event_append(
            type="disclosures.request.edited",
            actor=actor,
            purpose="disclosure intake",
            subjects=_subject_pseudonyms(request),
            refs={"request": str(request.public_id), "version": request.version, "fields": ",".join(changed)[:200]},
        )
        if set(changed) & set(_POSITION_FIELDS):
            _position_unconfirm(actor=actor, request=request, because="requester_edited", now=now)
        _void_sign_offs(actor=actor, request=request, reason="edited", now=now)
        _record_decision(actor=actor, request=request, now=now)
    return request


def _identity(row: dict[str, Any]) -> tuple:
    return (row["first_name"], row["last_name"], row["date_of_birth"], row["ssn_hash"], row["appointment_code"])


def _subjects_replace(request: DisclosureRequest, rows: list[dict[str, Any]]) -> None:
    """Put the edited list of people in place. A person still named exactly as before keeps their row:
    their id, the documents filed for them and a drop stay with them. A person no longer named is
    removed, unless documents are filed for them or they were dropped: those records say who a
    consent or a drop was about, so the edit is refused rather than losing or moving them (ADR 0013)."""
    existing = list(request.subjects.order_by("position"))
    unused = {s.pk: s for s in existing}
    kept: list[tuple[RequestSubject, int]] = []
    new_rows = []
    for row in rows:
        same = next((s for s in unused.values() if _identity(s.__dict__) == _identity(row)), None)
        if same is None:
            new_rows.append(row)
        else:
            kept.append((unused.pop(same.pk), row["position"]))
    for gone in unused.values():
        if gone.dropped_at is not None or gone.evidence.exists():
            raise Conflict(
                f"Person {gone.position} has documents filed for them or was dropped, so the edit cannot remove "
                "them; drop them instead (their documents and the drop stay on record).",
                code="subject_has_records",
            )
    RequestSubject.objects.filter(pk__in=list(unused)).delete()
    # Two passes so that reordering never collides with the (request, position) constraint.
    for subject, _ in kept:
        subject.position += 1000
        subject.save(update_fields=["position"])
    for subject, position in kept:
        subject.position = position
        subject.save(update_fields=["position"])
    RequestSubject.objects.bulk_create(RequestSubject(request=request, **row) for row in new_rows)


def evidence_add(
    *,
    actor: Any,
    request: DisclosureRequest,
    upload: EvidenceUpload,
    subject_id: str | None = None,
    now: dt.datetime | None = None,
) -> EvidenceDocument:
    """File a document with a request (hashed with SHA-256 and kept). New evidence is an edit: it voids
    the sign-offs given on what was on file before.

    `subject_id` names the person a personal document (consent, identity check, indictment) is about;
    it then counts for that person only. Without it, a personal document counts only when the request
    names exactly one person (ADR 0013)."""
    now = now or timezone.now()
    _check_upload(upload)
    refused = refusals_recorded(
        action="disclosures.request.evidence_add", actor=actor, purpose="disclosure intake", refs=_refusal_refs(request)
    )
    with refused, transaction.atomic():
        request = _lock(request)
        _raise(actions.edit_refusal(actor, request, what="add documents to this request"))
        subject = _subject_for_evidence(request, upload.kind, subject_id)
        request.version += 1
        request.updated_at = now
        request.save(update_fields=["version", "updated_at"])
        document = _store_evidence(actor=actor, request=request, upload=upload, now=now, subject=subject)
        if upload.kind == EvidenceKind.WRITTEN_REQUEST_AGENCY_HEAD:
            _position_unconfirm(actor=actor, request=request, because="new_written_request", now=now)
        _void_sign_offs(actor=actor, request=request, reason="edited", now=now)
        _record_decision(actor=actor, request=request, now=now)
    return document


# --- The people named ----------------------------------------------------------------------------


def subject_drop(
    *, actor: Any, request: DisclosureRequest, subject_id: str, reason: str, now: dt.datetime | None = None
) -> RequestSubject:
    """Take one person out of a request, with a recorded reason; they are never released.

    Whoever may edit the request may drop a person. Unlike an edit it neither bumps the version nor
    voids the sign-offs: dropping only narrows what can go out. Each remaining person's decision rests
    on the same facts as before (documents filed for the dropped person counted only for them, and a
    personal document filed for no one keeps counting for no one, because dropped people still count as
    named), so every sign-off still covers what will be released, minus one person (ADR 0013). The
    decision is recorded again, so its hash no longer lists the dropped person as releasable.

    The reason stays with the request for the privacy office; it may name people or circumstances, so
    the ledger gets its length and a keyed digest (which proves the stored text unchanged), not the text.
    """
    now = now or timezone.now()
    with refusals_recorded(
        action="disclosures.request.subject_drop",
        actor=actor,
        purpose="disclosure intake",
        refs={"request": str(request.public_id)},
    ):
        reason = _required(reason, "reason", "reason for dropping this person", 500)
        with transaction.atomic():
            request = _lock(request)
            _raise(actions.edit_refusal(actor, request, what="drop a person from this request"))
            try:
                key = uuid.UUID(str(subject_id))
            except ValueError:
                key = None
            subject = request.subjects.select_for_update().filter(public_id=key).first() if key else None
            if subject is None:
                raise NotFound("This request names no person with that id.", code="subject_not_found")
            if subject.dropped_at is not None:
                raise Conflict("That person is already dropped from this request.", code="subject_already_dropped")
            subject.dropped_at = now
            subject.dropped_by = actor
            subject.drop_reason = reason
            subject.save(update_fields=["dropped_at", "dropped_by", "drop_reason"])
            request.updated_at = now
            request.save(update_fields=["updated_at"])
            event_append(
                type="disclosures.request.subject_dropped",
                actor=actor,
                purpose="disclosure intake",
                subjects=[pseudonym("disclosure_subject", str(subject.public_id))],
                refs={
                    "request": str(request.public_id),
                    "version": request.version,
                    "reason_chars": len(reason),
                    "reason_digest": pseudonym("disclosure_drop_reason", reason),
                },
            )
            _record_decision(actor=actor, request=request, now=now)
    return subject


def position_confirm_refusal(actor: Any, request: DisclosureRequest, position: str) -> DomainError | None:
    """Whether the actor may confirm the letter's signer holds `position` now, and if not the refusal:
    the service raises it and the request page shows the button only when it is None."""
    if request.status in TERMINAL_STATUSES:
        return Conflict("This request is closed.", code="request_closed")
    if actor.pk == request.intake_by_id:
        return PermissionDenied(
            "You took this request in, so another official must confirm the signer's position.",
            code="intake_clerk_cannot_confirm",
        )
    if not policies.can_confirm_position(actor, request):
        return PermissionDenied(
            "Only an official who may sign this request off confirms the signer's position.",
            code="not_a_signer",
        )
    if position != request.requester_position:
        return Conflict(
            "The position on the request has changed since you looked; check the letter again.",
            code="position_changed",
        )
    if not _listed_position(request):
        return Conflict(
            "The catalog does not list this position for this kind of agency, so it cannot be confirmed; "
            "a (b)(7) request must come from the agency head or a delegate not below section chief.",
            code="position_not_listed",
        )
    if not request.evidence.filter(kind=EvidenceKind.WRITTEN_REQUEST_AGENCY_HEAD).exists():
        return Conflict("There is no written request on file to confirm the position from.", code="no_written_request")
    if position_confirmed(request):
        return Conflict("The position is already confirmed.", code="already_confirmed")
    return None


def request_position_confirm(
    *, actor: Any, request: DisclosureRequest, position: str, now: dt.datetime | None = None
) -> DisclosureRequest:
    """Confirm, from the written request on file, that its signer holds the position entered at intake
    and that the catalog lists it for this kind of agency (5 U.S.C. 552a(b)(7): the agency head, or a
    delegate not below section chief; POMS GN 03312.080 refuses letters from officers and detectives).

    A second official confirms: someone who may sign the request off, never the intake clerk (NIST
    AC-5). Until then the (b)(7) authorities lack `requester_position_confirmed` and the decision says
    so. `position` is what the confirmer saw; if the request changed meanwhile, nothing is confirmed.
    Ledger event disclosures.request.position_confirmed; a refusal is recorded too.
    """
    now = now or timezone.now()
    with (
        refusals_recorded(
            action="disclosures.request.position_confirm",
            actor=actor,
            purpose="disclosure intake",
            refs={"request": str(request.public_id)},
        ),
        transaction.atomic(),
    ):
        request = _lock(request)
        _raise(position_confirm_refusal(actor, request, position))
        request.position_confirmed_as = request.requester_position
        request.position_confirmed_by = actor
        request.position_confirmed_at = now
        request.save(update_fields=["position_confirmed_as", "position_confirmed_by", "position_confirmed_at"])
        event_append(
            type="disclosures.request.position_confirmed",
            actor=actor,
            purpose="disclosure intake",
            subjects=_subject_pseudonyms(request),
            refs={
                "request": str(request.public_id),
                "version": request.version,
                "position": request.requester_position,
            },
        )
        _record_decision(actor=actor, request=request, now=now)
    return request


# --- Sign-off ------------------------------------------------------------------------------------


def _void_stale(*, actor: Any, request: DisclosureRequest, now: dt.datetime, stale: Sequence[SignOffStanding]) -> None:
    """Void live approvals that no longer count, each with its reason (signer_lost_role, ...), so that
    they block no replacement; one `sign_offs_voided` event per reason."""
    by_reason: dict[str, list[int]] = {}
    for standing in stale:
        by_reason.setdefault(standing.reason, []).append(standing.sign_off.pk)
    for reason, keys in sorted(by_reason.items()):
        queryset = SignOff.objects.filter(pk__in=keys, voided_at__isnull=True)
        _void_sign_offs(actor=actor, request=request, reason=reason, now=now, queryset=queryset)


def request_sign_off(
    *, actor: Any, request: DisclosureRequest, role: str, note: str = "", now: dt.datetime | None = None
) -> SignOff:
    """Approve a request in one role (NIST AC-3(2) dual authorization, AC-5 separation of duties).

    The role must be one the deciding authority names; the signer must hold it in scope, must not be the
    intake clerk, and must not have signed this request in another role. The sign-off lasts
    FRONTDESK_SIGNOFF_TTL_DAYS (default 30) and only for the request's current version. A live approval
    in this role (or by this signer) that no longer counts, say because its signer lost the role, is
    voided with that reason in the same transaction: it blocks no replacement. A refusal is recorded
    on the ledger (`disclosures.request.sign_off.refused`).
    """
    now = now or timezone.now()
    note = _optional(note, "note", 500)
    refused = refusals_recorded(
        action="disclosures.request.sign_off",
        actor=actor,
        purpose="disclosure sign-off",
        refs=_refusal_refs(request, role),
    )
    with refused, transaction.atomic():
        request = _lock(request)
        _raise(actions.signer_refusal(actor, request, role))
        _void_expired(actor=actor, request=request, now=now)
        standings = sign_off_standings(request, now=now)
        decision = request_decide(request, now=now, standings=standings)
        rules = engine_in_force().rules
        _raise(actions.sign_refusal(actor, request, role, standings=standings, decision=decision, rules=rules))
        blocking = [s for s in standings if s.stale and (s.sign_off.role == role or s.sign_off.signer_id == actor.pk)]
        _void_stale(actor=actor, request=request, now=now, stale=blocking)
        try:
            with transaction.atomic():
                sign_off = SignOff.objects.create(
                    request=request,
                    role=role,
                    signer=actor,
                    decision=SignOffDecision.APPROVED,
                    note=note,
                    request_version=request.version,
                    decision_sha256=decision.sha256(),
                    signed_at=now,
                    expires_at=now + signoff_ttl(),
                )
        except IntegrityError:
            raise Conflict(
                "Someone signed this request in that role a moment ago.", code="role_already_signed"
            ) from None
        event_append(
            type="disclosures.request.signed_off",
            actor=actor,
            purpose="disclosure sign-off",
            subjects=_subject_pseudonyms(request),
            refs={
                "request": str(request.public_id),
                "role": role,
                "version": request.version,
                "decision_sha256": sign_off.decision_sha256,
                "expires_at": sign_off.expires_at.isoformat(),
            },
        )
        _record_decision(actor=actor, request=request, now=now)
    return sign_off


def request_reject(
    *, actor: Any, request: DisclosureRequest, role: str, reason: str, now: dt.datetime | None = None
) -> SignOff:
    """Refuse a request. Any one official's rejection ends it; nothing can then be released. A refusal
    is recorded on the ledger (`disclosures.request.reject.refused`)."""
    now = now or timezone.now()
    reason = _required(reason, "reason", "reason for the rejection", 500)
    refused = refusals_recorded(
        action="disclosures.request.reject",
        actor=actor,
        purpose="disclosure sign-off",
        refs=_refusal_refs(request, role),
    )
    with refused, transaction.atomic():
        request = _lock(request)
        _raise(actions.signer_refusal(actor, request, role))
        own = SignOff.objects.filter(request=request, signer=actor, voided_at__isnull=True)
        _void_sign_offs(actor=actor, request=request, reason="withdrawn", now=now, queryset=own)
        sign_off = SignOff.objects.create(
            request=request,
            role=role,
            signer=actor,
            decision=SignOffDecision.REJECTED,
            note=reason,
            request_version=request.version,
            decision_sha256=request.decision_sha256,
            signed_at=now,
            expires_at=now + signoff_ttl(),
        )
        _close(request, RequestStatus.REJECTED, now)
        event_append(
            type="disclosures.request.rejected",
            actor=actor,
            purpose="disclosure sign-off",
            subjects=_subject_pseudonyms(request),
            refs={"request": str(request.public_id), "role": role, "version": request.version},
        )
    return sign_off


# --- Release and accounting ----------------------------------------------------------------------


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _catalog_entries(codes: set[str]) -> dict[str, CatalogEntry]:
    catalog = AuthorityCatalog.objects.order_by("-id").first()
    if catalog is None:
        return {}
    return {e.code: e for e in CatalogEntry.objects.filter(catalog=catalog, code__in=codes)}


def _nature(approved: list[str], records: list[dict]) -> str:
    counts: dict[str, int] = {}
    for record in records:
        counts[record["record"]] = counts.get(record["record"], 0) + 1
    held = ", ".join(f"{n} {kind.replace('_', '-')} record{'s' if n != 1 else ''}" for kind, n in counts.items())
    labels = "; ".join(category_label(c) for c in approved)
    return f"Released: {labels}. Records: {held or 'none held in these categories'}."


def request_release(*, actor: Any, request: DisclosureRequest, now: dt.datetime | None = None) -> Release:
    """Hand over the approved part of a request (DESIGN invariants 2 and 3).

    Re-decides at this moment (expired sign-offs and new restrictions count), takes only the people whose
    own decision approves a category (ADR 0013), matches them to records, builds a packet holding each
    one's own approved categories' fields, and in the same transaction writes the ledger event and one
    Privacy Act (c)(1) accounting entry per matched person, with that person's authorities,
    kept at least five years ((c)(2)) and visible to the person unless the authority withholds it
    ((c)(3), (b)(7)). The packet lists the approvals that count at this moment (disclosures.signoffs),
    the same ones the decision rests on. A refusal is recorded (`disclosures.request.release.refused`).
    """
    now = now or timezone.now()
    refused = refusals_recorded(
        action="disclosures.request.release", actor=actor, purpose="disclosure release", refs=_refusal_refs(request)
    )
    with refused, transaction.atomic():
        request = _lock(request)
        if request.status not in TERMINAL_STATUSES:
            _void_expired(actor=actor, request=request, now=now)
        standings = sign_off_standings(request, now=now)
        decision = request_decide(request, now=now, standings=standings)
        # Only the people whose own decision approves something go out, each with only their own
        # approved categories (ADR 0013); a person with nothing approved is not matched, not in the
        # packet and not accounted. actions.release_refusal refuses when there is nobody.
        _raise(actions.release_refusal(actor, request, decision))
        releasable = [p for p in decision.subjects if p.approved]
        named = {str(s.public_id): s for s in request.subjects.order_by("position")}
        in_packet = [_released_subject(request, person, named[person.subject]) for person in releasable]
        approved_categories = sorted({c for r in in_packet for c in r.categories})
        authority_codes = sorted({a for r in in_packet for a in r.authorities})
        entries = _catalog_entries(set(authority_codes))
        approvals = counting_approvals(standings)
        released_ids = {person.subject for person in releasable}
        # The recipient sees the decisions and documents about the people released, not about the others.
        packet_categories = dict.fromkeys(c for p in releasable for c in p.categories)
        counted_evidence = [
            e
            for e in request.evidence.select_related("subject").order_by("uploaded_at", "id")
            if any(
                counts_for(
                    FiledDocument(kind=e.kind, subject=str(e.subject.public_id) if e.subject else None),
                    NamedSubject(id=subject_id, position=0),
                    named=len(named),
                )
                for subject_id in released_ids
            )
        ]
        release_id = uuid.uuid4()
        body = {
            "format": FORMAT,
            "release": {
                "id": str(release_id),
                "released_at": now.isoformat(),
                "released_by": {"staff": actor.get_username(), "role": primary_role(actor)},
            },
            "request": {
                "id": str(request.public_id),
                "received_at": request.received_at.isoformat(),
                "channel": request.channel,
                "version": request.version,
            },
            "recipient": {
                "agency": request.requester_agency,
                "component": request.requester_component,
                "official": request.requester_official,
                "title": request.requester_title,
                "contact": request.requester_contact,
                "address": request.requester_address,
                "agency_type": request.agency_type,
            },
            "purpose": {"code": request.purpose, "detail": request.purpose_detail},
            "authorities": [
                {
                    "id": code,
                    "title": entries[code].title if code in entries else "",
                    "citation": entries[code].citation if code in entries else "",
                    "illustrative": entries[code].illustrative if code in entries else False,
                }
                for code in authority_codes
            ],
            "categories": [c.as_dict() for c in packet_categories],
            "evidence": [
                {
                    "kind": e.kind,
                    "filename": e.filename,
                    "sha256": e.sha256,
                    "size": e.size,
                    "subject": e.subject.position if e.subject else None,
                }
                for e in counted_evidence
            ],
            "sign_offs": packet_sign_offs(approvals),
            "policy": {"sha256": decision.policy_sha256, "rules": decision.rules_label},
            "subjects": [r.body() for r in in_packet],
        }
        packet_sha256 = body_sha256(body)
        people = [r.match.person for r in in_packet if r.match.person is not None]
        event = event_append(
            type="disclosures.request.released",
            actor=actor,
            purpose="disclosure release",
            subjects=sorted({subject_of(p) for p in people}),
            refs={
                "request": str(request.public_id),
                "release": str(release_id),
                "packet_sha256": packet_sha256,
                "policy_sha256": decision.policy_sha256,
                "decision_sha256": decision.sha256(),
                "categories": len(approved_categories),
                "authorities": ",".join(authority_codes)[:200],
                "subjects_in_packet": len(in_packet),
                "subjects_released": len(people),
            },
        )
        release = Release.objects.create(
            public_id=release_id,
            request=request,
            released_by=actor,
            released_at=now,
            categories=approved_categories,
            authorities=authority_codes,
            subjects_released=len(people),
            matches=[{"subject": r.match.subject.position, "outcome": r.match.outcome} for r in in_packet],
            packet_encrypted=encrypt_field(rfc8785.dumps(body).decode(), context=PACKET_CONTEXT),
            packet_sha256=packet_sha256,
            ledger_event=event,
        )
        _account(request=request, release=release, released=in_packet, entries=entries)
        _set_status(request, RequestStatus.APPROVED)
        _set_status(request, RequestStatus.RELEASED)
        request.updated_at = now
        request.save(update_fields=["status", "updated_at"])
    return release


@dataclass(frozen=True)
class _ReleasedSubject:
    """One person in a packet: their own approved categories and the authorities that approved them."""

    decision: SubjectDecision
    match: SubjectMatch
    categories: tuple[str, ...]
    authorities: tuple[str, ...]
    records: list[dict]

    def body(self) -> dict:
        return {
            "subject": self.decision.position,
            "categories": list(self.categories),
            "authorities": list(self.authorities),
            "records": self.records,
        }


def _released_subject(request: DisclosureRequest, person: SubjectDecision, named: RequestSubject) -> _ReleasedSubject:
    approved = person.approved
    categories = tuple(sorted({c.category for c in approved}))
    match = subject_match(named)
    records = (
        subject_records(
            match.person, frozenset(categories), records_from=request.records_from, records_to=request.records_to
        )
        if match.person
        else []
    )
    return _ReleasedSubject(
        decision=person,
        match=match,
        categories=categories,
        authorities=tuple(sorted({a for c in approved for a in c.authorities})),
        records=records,
    )


ACCOUNTING_EVENT = "disclosures.accounting.entered"


def _account(
    *,
    request: DisclosureRequest,
    release: Release,
    released: list[_ReleasedSubject],
    entries: dict[str, CatalogEntry],
) -> None:
    """One (c)(1) entry per matched person, naming that person's categories and authorities only."""
    recipient = ", ".join(
        part
        for part in (
            request.requester_official,
            request.requester_title,
            request.requester_component,
            request.requester_agency,
        )
        if part
    )
    purpose = Purpose(request.purpose).label + (f": {request.purpose_detail}" if request.purpose_detail else "")
    disclosed = release.released_at
    rows = []
    for subject in released:
        if subject.match.person is None:
            continue
        own = {code: entries[code] for code in subject.authorities if code in entries}
        # Accounted unless every authority of this person's release says no accounting is required.
        if own and not any(e.accounting_required for e in own.values()):
            continue
        withheld = sorted({e.accounting_basis or e.code for e in own.values() if not e.subject_may_see})
        rows.append(
            AccountingEntry(
                release=release,
                request=request,
                person=subject.match.person,
                subject=subject_of(subject.match.person),
                disclosed_at=disclosed,
                nature=_nature(list(subject.categories), subject.records),
                purpose=purpose,
                recipient_name=recipient[:600],
                recipient_address=request.requester_address,
                authorities=list(subject.authorities),
                authority_citation="; ".join(
                    f"{code}: {entries[code].citation}" if code in entries else code for code in subject.authorities
                ),
                subject_may_see=not withheld,
                withheld_basis="; ".join(withheld)[:200],
                retain_until=_add_years(disclosed.date(), ACCOUNTING_RETENTION_YEARS),
            )
        )
    AccountingEntry.objects.bulk_create(rows)
    for row in rows:
        # Each person's own entry on the ledger: what their proof bundle proves. It names only them, so
        # the canonical text handed to them shows no other person and no staff member (ADR 0022).
        event_append(
            type=ACCOUNTING_EVENT,
            actor=None,
            purpose="disclosure accounting",
            subjects=[row.subject],
            refs={"entry": str(row.public_id), "release": str(release.public_id), "request": str(request.public_id)},
        )


# --- Restrictions --------------------------------------------------------------------------------


def _restriction_content(r: Restriction) -> dict[str, Any]:
    return {
        "code": r.code,
        "version": r.version,
        "kind": r.kind,
        "title": r.title,
        "citation": r.citation,
        "summary": r.summary,
        "recipients": r.recipients,
        "agencies": r.agencies,
        "categories": r.categories,
        "effective_from": r.effective_from.isoformat(),
        "effective_until": r.effective_until.isoformat() if r.effective_until else None,
    }


def _next_restriction_code(now: dt.datetime) -> str:
    prefix = f"R-{now.year}-"
    taken = Restriction.objects.filter(code__startswith=prefix).count()
    return f"{prefix}{taken + 1:04d}"


def restriction_save(
    *, actor: Any, details: RestrictionDetails, code: str | None = None, now: dt.datetime | None = None
) -> Restriction:
    """Record or change a court order or statute that forbids disclosure (recipient x category x period).

    General counsel only. It overrides every authority from the moment it is saved; ending it means
    giving it an end date, never deleting it. Each change is a revision and a ledger event. Whom it binds
    is read one way everywhere (scope.restriction_scope): without recipients (None), every recipient.
    """
    now = now or timezone.now()
    if not policies.can_record_restriction(actor):
        raise PermissionDenied("Only general counsel records restrictions.")
    _choice(details.kind, RestrictionKind.values, "kind", "kind of restriction")
    values = {
        "kind": details.kind,
        "title": _required(details.title, "title", "restriction's title", 200),
        "citation": _required(details.citation, "citation", "citation (docket, statute)", 400),
        "summary": _optional(details.summary, "summary", 2000),
        "categories": _categories(details.categories),
        "effective_from": details.effective_from,
        "effective_until": details.effective_until,
    }
    if details.recipients is not None:
        for recipient in details.recipients:
            _choice(recipient, AgencyType.values, "recipients", "agency type")
        values["recipients"] = sorted(set(details.recipients))
    else:
        values["recipients"] = None
    agencies = [a.strip() for a in details.agencies if a and a.strip()]
    if any(len(a) > 200 or not agency_key(a) for a in agencies) or len(agencies) > 20:
        raise ValidationFailed("Name at most 20 agencies, each in letters or digits.", field="agencies")
    values["agencies"] = sorted(set(agencies))
    scope = restriction_scope(values["recipients"], values["agencies"])
    if scope.every_recipient and values["agencies"]:
        raise ValidationFailed(
            "It binds every recipient, so naming agencies would not narrow it. To bind only some recipients, "
            "list their agency types and agencies instead of every recipient.",
            field="agencies",
        )
    if not scope.every_recipient and not scope.agency_types and not scope.agencies:
        raise ValidationFailed(
            "Say which recipients it binds: agency types, agencies, or every one.", field="recipients"
        )
    if details.effective_until and details.effective_until < details.effective_from:
        raise ValidationFailed("The restriction ends before it starts.", field="effective_until")
    with transaction.atomic():
        if code is None:
            restriction = Restriction(code=_next_restriction_code(now), recorded_by=actor, recorded_at=now, **values)
        else:
            restriction = Restriction.objects.select_for_update().filter(code=code).first()
            if restriction is None:
                raise NotFound(f"There is no restriction {code!r}.", code="restriction_not_found")
            changed = any(getattr(restriction, k) != v for k, v in values.items())
            if not changed:
                return restriction
            for key, value in values.items():
                setattr(restriction, key, value)
            restriction.version += 1
        restriction.updated_at = now
        restriction.save()
        content = _restriction_content(restriction)
        digest = hashlib.sha256(rfc8785.dumps(content)).hexdigest()
        RestrictionRevision.objects.create(
            restriction=restriction,
            version=restriction.version,
            content=content,
            sha256=digest,
            saved_by=actor,
            saved_at=now,
        )
        event_append(
            type="disclosures.restriction.saved",
            actor=actor,
            purpose="disclosure restriction",
            refs={"restriction": restriction.code, "version": restriction.version, "sha256": digest},
        )
    return restriction


def packet_body(release: Release) -> dict:
    """The packet body as released (decrypted); callers record the read."""
    return json.loads(decrypt_field(release.packet_encrypted, context=PACKET_CONTEXT))


# --- Expiry (run on a clock by the scheduler, frontdesk.jobs) --------------------------------------


def sign_offs_expire(*, actor: Any, now: dt.datetime | None = None) -> int:
    """Void the sign-offs past their expiry on open requests and evaluate those requests again.

    A sign-off counts for FRONTDESK_SIGNOFF_TTL_DAYS (default 30). Release and the next sign-off already
    ignore an expired one; this makes the request show it too (an approved request whose approval
    lapsed is awaiting sign-off again) without waiting for someone to touch it. One transaction and
    one `disclosures.request.sign_offs_voided` event (reason "expired") per request. Returns how many
    requests changed.
    """
    now = now or timezone.now()
    pending = (
        SignOff.objects.filter(voided_at__isnull=True, expires_at__lte=now)
        .exclude(request__status__in=TERMINAL_STATUSES)
        .values_list("request_id", flat=True)
        .distinct()
    )
    changed = 0
    for request_id in sorted(set(pending)):
        with transaction.atomic():
            request = DisclosureRequest.objects.select_for_update().get(pk=request_id)
            if request.status in TERMINAL_STATUSES:
                continue
            expired = SignOff.objects.filter(request=request, voided_at__isnull=True, expires_at__lte=now)
            if _void_sign_offs(actor=actor, request=request, reason="expired", now=now, queryset=expired):
                _record_decision(actor=actor, request=request, now=now)
                changed += 1
    return changed


def _last_activity(request: DisclosureRequest) -> dt.datetime:
    signed = request.sign_offs.order_by("-signed_at").values_list("signed_at", flat=True).first()
    return max(request.updated_at, signed) if signed else request.updated_at


def requests_expire(*, actor: Any, now: dt.datetime | None = None) -> int:
    """Close the open requests nobody has acted on for FRONTDESK_REQUEST_EXPIRY_DAYS (default 90).

    Expiry releases nothing: the request ends as "expired" (a closed state, like rejected), its live
    sign-offs are voided, and `disclosures.request.expired` goes on the ledger. An agency that still
    needs the records asks again and the new request is decided on the rules of that day. The rule
    and its default are recorded in docs/adr/0010-process-supervision.md. Any edit, evidence or
    sign-off counts as activity. One transaction per request; returns how many expired.
    """
    now = now or timezone.now()
    cutoff = now - request_expiry()
    stale = (
        DisclosureRequest.objects.exclude(status__in=TERMINAL_STATUSES)
        .filter(updated_at__lt=cutoff)
        .exclude(sign_offs__signed_at__gte=cutoff)
        .values_list("pk", flat=True)
    )
    expired = 0
    for request_id in sorted(set(stale)):
        with transaction.atomic():
            request = DisclosureRequest.objects.select_for_update().get(pk=request_id)
            idle_since = _last_activity(request)
            if request.status in TERMINAL_STATUSES or idle_since >= cutoff:
                continue
            _void_sign_offs(actor=actor, request=request, reason="request_expired", now=now)
            _close(request, RequestStatus.EXPIRED, now)
            event_append(
                type="disclosures.request.expired",
                actor=actor,
                purpose="disclosure expiry",
                subjects=_subject_pseudonyms(request),
                refs={
                    "request": str(request.public_id),
                    "version": request.version,
                    "idle_since": idle_since.isoformat(),
                    "expiry_days": request_expiry().days,
                },
            )
            expired += 1
    return expired


def requests_refuse_without_evidence(*, actor: Any, now: dt.datetime | None = None) -> int:
    """Refuse the open requests that still have no document FRONTDESK_EVIDENCE_WAIT_DAYS (default 30)
    after they were received (ADR 0014).

    A request that cites an authority is not informal at intake, but until a document arrives no
    authority covers it (5 U.S.C. 552a(b)). It ends as "refused" with reason evidence_not_received and
    a `disclosures.request.refused` event; the requester may ask again in writing. Requests with any
    document on file wait for an official or for the general expiry instead. Returns how many closed.
    """
    now = now or timezone.now()
    cutoff = now - evidence_wait()
    open_statuses = [RequestStatus.RECEIVED, RequestStatus.DENIED, RequestStatus.NEEDS_EVIDENCE]
    waiting = (
        DisclosureRequest.objects.filter(
            status__in=open_statuses,
            received_at__lte=cutoff,
            evidence__isnull=True,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    refused = 0
    for request_id in sorted(set(waiting)):
        with transaction.atomic():
            request = DisclosureRequest.objects.select_for_update().get(pk=request_id)
            if request.status not in open_statuses or request.evidence.exists():
                continue
            _void_sign_offs(actor=actor, request=request, reason="request_refused", now=now)
            _refuse(actor=actor, request=request, reason=CloseReason.NO_EVIDENCE, now=now)
            refused += 1
    return refused
