"""Disclosure endpoints under /api/v1/disclosures/: intake, decision, sign-off, release, restrictions,
the accounting of disclosures, the transparency report and access alerts.

Staff endpoints need a signed-in session; the person's own accounting and the transparency report are
public. Schemas check shape only; the services in frontdesk.disclosures decide everything else.
"""

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Schema, Status
from pydantic import Field, StringConstraints

from frontdesk.core.bounds import EARLIEST_BIRTH, EARLIEST_DATE, LATEST_DATE
from frontdesk.core.crypto import decrypt_field
from frontdesk.disclosures import selectors, services
from frontdesk.disclosures.catalog import positions_in_force
from frontdesk.disclosures.categories import RELEASABLE, DataCategory
from frontdesk.disclosures.decision import RequestDecision
from frontdesk.disclosures.models import (
    AccessAlert,
    AccountingEntry,
    DisclosureRequest,
    EvidenceDocument,
    Release,
    RequestStatus,
    RequestSubject,
    Restriction,
    RestrictionKind,
)
from frontdesk.disclosures.packet import packet_pdf
from frontdesk.disclosures.proofs import accounting_proof
from frontdesk.disclosures.subject_access import (
    CODE_TTL,
    MAX_ATTEMPTS,
    Identity,
    access_code_request,
    access_code_verify,
)
from frontdesk.disclosures.transparency import report_csv, report_html, transparency_report
from frontdesk.disclosures.view import SignOffView, request_view
from frontdesk.disclosures.vocabulary import (
    RECORDED_EVIDENCE,
    SIGNOFF_ROLES,
    AgencyType,
    Channel,
    CrimeClass,
    EvidenceKind,
    Purpose,
    SubjectStatus,
)

from .schemas import Error, VerifyIn
from .tokens import StaffRouter

# A signed-in session or an API token with the operation's scope (tokens.py).
router = StaffRouter(tags=["disclosures"])
ERRORS = {frozenset({400, 401, 403, 404, 409, 422}): Error}
PUBLIC_ERRORS = {frozenset({400, 404, 422}): Error}
# Public look-ups may also be locked (403 lookup_locked) or rate-limited (429 too_many_attempts, Retry-After).
LOOKUP_ERRORS = {frozenset({400, 403, 404, 422, 429}): Error}
# A proof download: 404 proof_not_found, 409 proof_pending (not yet in a witnessed checkpoint), 422 expired.
PROOF_ERRORS = {frozenset({400, 404, 409, 422}): Error}
EARLIEST, LATEST = EARLIEST_BIRTH, LATEST_DATE

AgencyTypeCode = Literal[tuple(AgencyType.values)]  # type: ignore[valid-type]
PurposeCode = Literal[tuple(Purpose.values)]  # type: ignore[valid-type]
ChannelCode = Literal[tuple(Channel.values)]  # type: ignore[valid-type]
CrimeClassCode = Literal[tuple(CrimeClass.values)]  # type: ignore[valid-type]
SubjectStatusCode = Literal[tuple(SubjectStatus.values)]  # type: ignore[valid-type]
EvidenceKindCode = Literal[tuple(v for v in EvidenceKind.values if v not in RECORDED_EVIDENCE)]  # type: ignore[valid-type]
CategoryCode = Literal[tuple(sorted(RELEASABLE))]  # type: ignore[valid-type]
RoleCode = Literal[SIGNOFF_ROLES]  # type: ignore[valid-type]
RestrictionKindCode = Literal[tuple(RestrictionKind.values)]  # type: ignore[valid-type]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
PositionCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60, pattern=r"^[a-z0-9_]*$")]
POSITION_HELP = (
    "The position that signed the written request, as a code from the catalog's requesting_positions "
    "(GET /catalog), 'other' for a position it does not list, or empty when none is given"
)
Required200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


# --- Schemas -------------------------------------------------------------------------------------


class SubjectIn(Schema):
    last_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    first_name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=80)] = ""
    date_of_birth: dt.date | None = Field(None, ge=EARLIEST, le=LATEST)
    ssn: Annotated[str, StringConstraints(strip_whitespace=True, max_length=11)] = ""
    appointment_code: Annotated[str, StringConstraints(strip_whitespace=True, max_length=12)] = ""


class EvidenceIn(Schema):
    kind: EvidenceKindCode
    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    content_type: Annotated[str, StringConstraints(strip_whitespace=True, max_length=60)]
    content_base64: str = Field(..., min_length=1, max_length=2_100_000, description="The file, base64-encoded")
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""


class EvidenceFileIn(EvidenceIn):
    subject: str | None = Field(
        None,
        max_length=40,
        description=(
            "The id of the person (from the request's subjects) a personal document is about: consent, a "
            "representative's authority, an identity check, an indictment or conviction. It then counts for "
            "that person only. Without it, a personal document counts only when the request names exactly "
            "one person, and for no one otherwise. Request-wide documents name no one."
        ),
    )


class SubjectDropIn(Schema):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] = Field(
        ..., description="Why this person is taken out of the request (kept with it for the privacy office)"
    )


class RequestFields(Schema):
    channel: ChannelCode
    requester_agency: Required200
    requester_component: Text200 = ""
    requester_official: Required200
    requester_title: Text200 = ""
    requester_contact: Required200
    requester_address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    agency_type: AgencyTypeCode
    purpose: PurposeCode
    purpose_detail: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""
    crime_class: CrimeClassCode = "none"
    subject_status: SubjectStatusCode = "none"
    authority_cited: Text200 = Field("", description="What the requester cited, if anything")
    categories: list[CategoryCode] = Field(..., min_length=1, max_length=len(RELEASABLE))
    records_from: dt.date | None = Field(None, ge=EARLIEST_DATE, le=LATEST)
    records_to: dt.date | None = Field(None, ge=EARLIEST_DATE, le=LATEST)
    requester_position: PositionCode = Field("", description=POSITION_HELP)


class RequestIn(RequestFields):
    subjects: list[SubjectIn] = Field(..., min_length=1, max_length=services.MAX_SUBJECTS)
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=services.MAX_EVIDENCE)


class RequestPatch(Schema):
    channel: ChannelCode | None = None
    requester_agency: Required200 | None = None
    requester_component: Text200 | None = None
    requester_official: Required200 | None = None
    requester_title: Text200 | None = None
    requester_contact: Required200 | None = None
    requester_address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = (
        None
    )
    agency_type: AgencyTypeCode | None = None
    purpose: PurposeCode | None = None
    purpose_detail: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None
    crime_class: CrimeClassCode | None = None
    subject_status: SubjectStatusCode | None = None
    authority_cited: Text200 | None = None
    categories: list[CategoryCode] | None = Field(None, min_length=1, max_length=len(RELEASABLE))
    records_from: dt.date | None = Field(None, ge=EARLIEST_DATE, le=LATEST)
    records_to: dt.date | None = Field(None, ge=EARLIEST_DATE, le=LATEST)
    requester_position: PositionCode | None = Field(None, description=POSITION_HELP)
    subjects: list[SubjectIn] | None = Field(None, min_length=1, max_length=services.MAX_SUBJECTS)


class SignOffIn(Schema):
    role: RoleCode
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] = ""


class PositionConfirmIn(Schema):
    position: PositionCode = Field(..., description="The position you confirmed from the letter (as entered)")


class RejectIn(Schema):
    role: RoleCode
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class RestrictionIn(Schema):
    kind: RestrictionKindCode
    title: Required200
    citation: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
    summary: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""
    recipients: list[AgencyTypeCode] | None = Field(
        None,
        max_length=len(AgencyType.values),
        description="null (the default): it binds every recipient, and names no agencies. A list: it binds only "
        "these agency types plus the named agencies ([] with agencies: only those agencies).",
    )
    agencies: list[Text200] = Field(
        default_factory=list, max_length=20, description="Agencies it binds besides the listed types"
    )
    categories: list[CategoryCode] = Field(..., min_length=1, max_length=len(RELEASABLE))
    effective_from: dt.date = Field(..., ge=dt.date(1900, 1, 1), le=LATEST)
    effective_until: dt.date | None = Field(None, ge=dt.date(1900, 1, 1), le=LATEST)


class CategoryDecisionOut(Schema):
    category: str
    outcome: str
    authorities: list[str]
    restrictions: list[str]
    missing_evidence: list[str]
    missing_signoffs: list[str]
    reason: str
    unmet_requirements: list[str] = Field(
        default_factory=list, description="Requirements of the request itself that failed (portion, signer_position)"
    )


class SubjectDecisionOut(Schema):
    subject: str = Field(description="The person's id (subjects[].id)")
    position: int
    status: str = Field(description="approved, awaiting_signoff, needs_evidence, denied, or dropped")
    categories: list[CategoryDecisionOut]
    evidence: list[str] = Field(description="The evidence kinds that count for this person")
    notes: list[str]


class DecisionOut(Schema):
    status: str = Field(description="Derived from the people's decisions: approved when anyone's is")
    categories: list[CategoryDecisionOut] = Field(
        description="The distinct category decisions of the people still included"
    )
    subjects: list[SubjectDecisionOut] = Field(description="Each person's own decision; the hash covers them")
    policy_sha256: str
    rules: str
    date: int


class SubjectDropOut(Schema):
    at: dt.datetime
    by: str
    reason: str


class SubjectOut(Schema):
    id: str
    position: int
    status: Literal["included", "dropped"]
    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    ssn_last4: str | None
    appointment_code: str
    decision: SubjectDecisionOut = Field(description="This person's decision (also in decision.subjects)")
    dropped: SubjectDropOut | None = Field(None, description="Who dropped this person, when and why")


class EvidenceOut(Schema):
    id: str
    kind: str
    description: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: dt.datetime
    uploaded_by: str
    subject: str | None = Field(None, description="The person a personal document is filed for, if any")


class SignOffOut(Schema):
    role: str
    signer: str
    decision: str
    note: str
    request_version: int
    signed_at: dt.datetime
    expires_at: dt.datetime
    voided_at: dt.datetime | None
    void_reason: str
    counts: bool = Field(
        description="Whether it counts now: live, this version, not expired, and its signer still works here, "
        "still holds the role for this request and is not the intake clerk"
    )
    reason: str = Field(
        "",
        description="Why it does not count (empty when it does): voided (its void reason), older_version, expired, "
        "intake_clerk, signer_inactive, signer_lost_role or same_signer",
    )


class PositionConfirmationOut(Schema):
    position: str
    confirmed_by: str
    confirmed_at: dt.datetime


class Requester(Schema):
    agency: str
    component: str
    official: str
    title: str
    contact: str
    address: str
    position: str = ""
    position_confirmation: PositionConfirmationOut | None = None


class AllowedActions(Schema):
    """What the signed-in user may do now; each is true exactly when the action would succeed."""

    edit: bool
    add_evidence: bool
    sign_as: list[str] = Field(description="Roles you may approve in and the decision needs now")
    reject_as: list[str] = Field(description="Roles you may reject in")
    release: bool


class RequestSummaryOut(Schema):
    id: str
    status: str
    received_at: dt.datetime
    office: str | None
    region: int | None
    agency: str
    agency_type: str
    purpose: str
    categories: list[str]
    subjects: int


class RequestOut(Schema):
    id: str
    status: str
    closed_reason: str = Field("", description="Why the rules closed it (status refused), e.g. informal_request")
    version: int
    received_at: dt.datetime
    updated_at: dt.datetime
    office: str | None
    region: int | None
    intake_by: str
    channel: str
    requester: Requester
    agency_type: str
    purpose: str
    purpose_detail: str
    crime_class: str
    subject_status: str
    authority_cited: str
    categories: list[str]
    records_from: dt.date | None
    records_to: dt.date | None
    subjects: list[SubjectOut]
    evidence: list[EvidenceOut]
    decision: DecisionOut
    sign_offs: list[SignOffOut]
    missing_signoffs: list[str] = Field(description="Roles still to sign off, over every category awaiting it")
    release: str | None = Field(None, description="The release's id, once released")
    allowed: AllowedActions


class LedgerRef(Schema):
    event_id: int
    commitment: str
    index: int | None = Field(description="Leaf index, once the ledger's sequencer has assigned it")


class SubjectMatchOut(Schema):
    subject: int
    outcome: str


class ReleaseOut(Schema):
    id: str
    request: str
    released_at: dt.datetime
    released_by: str
    categories: list[str]
    authorities: list[str]
    subjects_released: int
    matches: list[SubjectMatchOut]
    packet_sha256: str
    ledger: LedgerRef
    accounting_entries: int


class RestrictionScopeOut(Schema):
    every_recipient: bool
    agency_types: list[str]
    agencies: list[str]
    summary: str


class RestrictionOut(Schema):
    code: str
    version: int
    kind: str
    title: str
    citation: str
    summary: str
    recipients: list[str] | None
    agencies: list[str]
    binds: RestrictionScopeOut = Field(description="Whom it binds, as the policy reads recipients and agencies")
    categories: list[str]
    effective_from: dt.date
    effective_until: dt.date | None
    recorded_by: str
    recorded_at: dt.datetime
    updated_at: dt.datetime


class AuthorityOut(Schema):
    id: str
    effect: str
    kind: str
    provenance: str
    illustrative: bool
    title: str
    citation: str
    summary: str
    recipients: list[str] | None
    agencies: list[str]
    purposes: list[str] | None
    facts: dict[str, list[str]]
    categories: list[str]
    evidence: list[str]
    signoff_roles: list[str]
    accounting_required: bool
    subject_may_see: bool
    effective_from: dt.date
    effective_until: dt.date | None
    applies_here: bool
    published_on: dt.date | None = Field(None, description="Routine uses: the Federal Register notice's date")


class Choice(Schema):
    code: str
    label: str


class Vocabulary(Schema):
    agency_types: list[Choice]
    purposes: list[Choice]
    channels: list[Choice]
    crime_classes: list[Choice]
    subject_statuses: list[Choice]
    evidence_kinds: list[Choice]
    categories: list[Choice]
    signoff_roles: list[str]


class PositionOut(Schema):
    code: str
    title: str
    agency_types: list[str]
    illustrative: bool
    basis: str


class CatalogOut(Schema):
    version: str | None
    sha256: str | None
    effective_from: dt.date | None
    loaded_at: dt.datetime | None
    entries: list[AuthorityOut]
    requesting_positions: list[PositionOut] = Field(
        default_factory=list, description="Who may sign a written (b)(7) request, by kind of agency"
    )
    vocabulary: Vocabulary


class AccountingEntryOut(Schema):
    id: str
    person: str
    subject: str
    release: str
    request: str
    disclosed_at: dt.datetime
    nature: str
    purpose: str
    recipient_name: str
    recipient_address: str
    authorities: list[str]
    authority_citation: str
    subject_may_see: bool
    withheld_basis: str
    retain_until: dt.date


class MyAccountingEntryOut(Schema):
    disclosed_on: dt.date
    nature: str
    purpose: str
    recipient_name: str
    recipient_address: str
    authority: str
    proof_token: str = Field(
        description="Send to /accounting/mine/proof within a few minutes to download this entry's proof bundle."
    )


class ProofIn(Schema):
    token: str = Field(min_length=1, max_length=500, description="An entry's proof_token from your accounting")


class ProofBundleOut(Schema):
    """docs/ledger-proof-bundle.md: check it offline with `frontdesk ledger check-proof FILE`."""

    format: Literal["frontdesk-ledger-proof/v1"]
    origin: str = Field(description="The log's name (the checkpoint's first line)")
    log_key: str = Field(description="The log's verifier key: name+key ID+base64(0x01 || Ed25519 key)")
    witness_keys: list[str] = Field(description="Witness keys (cosignature/v1, type 0x04) the log counts")
    witness_quorum: int = Field(description="How many of those witnesses must have cosigned")
    event: str = Field(description="The ledger event's canonical JSON text (RFC 8785), exactly as committed")
    salt: str = Field(description="Base64 of the 32-byte salt")
    commitment: str = Field(description="Base64 of SHA-256(salt || event): the log entry")
    leaf_index: int
    tree_size: int
    inclusion_proof: list[str] = Field(description="Base64 hashes of the RFC 9162 inclusion proof, leaf upward")
    checkpoint: str = Field(description="The signed checkpoint note with the witnesses' cosignature lines")
    about: dict[str, str] = Field(description="What the event is to you (informational, not signed)")


class AccessCodeRequestIn(Schema):
    first_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    last_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    date_of_birth: dt.date = Field(ge=EARLIEST, le=LATEST)
    channel: Literal["email", "sms"] = Field(description="Where the code goes: the email or phone number on file")
    language: Literal["en", "es"] = "en"


class AccessCodeSentOut(Schema):
    challenge: str = Field(description="Send it back with the code")
    message: str
    expires_in_seconds: int


class AccessCodeVerifyIn(Schema):
    challenge: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=12)]


class AlertOut(Schema):
    id: str
    kind: str
    actor: str
    region: int | None
    window_start: dt.datetime
    window_end: dt.datetime
    count: int
    details: dict
    created_at: dt.datetime


class ReportCell(Schema):
    key: str
    label: str
    count: int | None = Field(description="null when the count is suppressed")
    display: str


class TransparencyOut(Schema):
    year: int
    quarter: int
    period_start: dt.date
    period_end: dt.date
    generated_at: dt.datetime
    threshold: int
    total: ReportCell
    by_agency_type: list[ReportCell]
    by_authority: list[ReportCell]
    by_outcome: list[ReportCell]


class TransparencyQuery(Schema):
    year: int = Field(..., ge=2000, le=2100)
    quarter: int = Field(..., ge=1, le=4)


def _content(media_type: str, description: str, fmt: str = "") -> dict:
    """Declare a non-JSON 200 response, so the OpenAPI document tells clients what really comes back."""
    schema = {"type": "string", **({"format": fmt} if fmt else {})}
    return {"responses": {200: {"description": description, "content": {media_type: {"schema": schema}}}}}


class ReadQuery(Schema):
    purpose: str = Field("", max_length=40, description="Why you read it; default disclosure_review (audit)")


class ListQuery(Schema):
    status: Literal[tuple(RequestStatus.values)] | None = None  # type: ignore[valid-type]


class AccountingQuery(Schema):
    purpose: str = Field("", max_length=40, description="Why you read it, e.g. audit")
    person: str = Field("", max_length=64, description="A person's id, to see only their entries")


# --- Presenters ----------------------------------------------------------------------------------


def _username(user) -> str:
    return user.get_username() if user is not None else ""


def _subject(s: RequestSubject, decision: RequestDecision) -> dict:
    last4 = decrypt_field(s.ssn_encrypted, context="disclosures.subject.ssn")[-4:] if s.ssn_encrypted else None
    own = decision.for_subject(str(s.public_id))
    return {
        "id": str(s.public_id),
        "position": s.position,
        "status": "dropped" if s.dropped_at else "included",
        "first_name": s.first_name,
        "last_name": s.last_name,
        "date_of_birth": s.date_of_birth,
        "ssn_last4": last4,
        "appointment_code": s.appointment_code,
        "decision": own.as_dict() if own else None,
        "dropped": (
            {"at": s.dropped_at, "by": _username(s.dropped_by), "reason": s.drop_reason} if s.dropped_at else None
        ),
    }


def _evidence(e: EvidenceDocument) -> dict:
    return {
        "id": str(e.public_id),
        "kind": e.kind,
        "description": e.description,
        "filename": e.filename,
        "content_type": e.content_type,
        "size": e.size,
        "sha256": e.sha256,
        "uploaded_at": e.uploaded_at,
        "uploaded_by": _username(e.uploaded_by),
        "subject": str(e.subject.public_id) if e.subject else None,
    }


def _sign_off(s: SignOffView) -> dict:
    return {
        "role": s.role,
        "signer": s.signer,
        "decision": s.decision,
        "note": s.note,
        "request_version": s.request_version,
        "signed_at": s.signed_at,
        "expires_at": s.expires_at,
        "voided_at": s.voided_at,
        "void_reason": s.void_reason,
        "counts": s.counts,
        "reason": s.reason,
    }


def request_dict(request: DisclosureRequest, actor) -> dict:
    """The request as `request_view` answers it; nothing here decides."""
    view = request_view(actor=actor, request=request)
    release = Release.objects.filter(request=request).values_list("public_id", flat=True).first()
    return RequestOut(
        id=str(request.public_id),
        status=view.status,
        closed_reason=request.closed_reason,
        version=request.version,
        received_at=request.received_at,
        updated_at=request.updated_at,
        office=request.office.code if request.office else None,
        region=request.region,
        intake_by=_username(request.intake_by),
        channel=request.channel,
        requester=Requester(
            agency=request.requester_agency,
            component=request.requester_component,
            official=request.requester_official,
            title=request.requester_title,
            contact=request.requester_contact,
            address=request.requester_address,
            position=request.requester_position,
            position_confirmation=_position_confirmation(request),
        ),
        agency_type=request.agency_type,
        purpose=request.purpose,
        purpose_detail=request.purpose_detail,
        crime_class=request.crime_class,
        subject_status=request.subject_status,
        authority_cited=request.authority_cited,
        categories=list(request.categories),
        records_from=request.records_from,
        records_to=request.records_to,
        subjects=[_subject(s, view.decision) for s in request.subjects.select_related("dropped_by")],
        evidence=[_evidence(e) for e in request.evidence.select_related("uploaded_by", "subject")],
        decision=view.decision.as_dict(),
        sign_offs=[_sign_off(s) for s in view.sign_offs],
        missing_signoffs=list(view.missing_signoffs),
        release=str(release) if release else None,
        allowed=AllowedActions(
            edit=view.allowed.edit,
            add_evidence=view.allowed.add_evidence,
            sign_as=list(view.allowed.sign_as),
            reject_as=list(view.allowed.reject_as),
            release=view.allowed.release,
        ),
    ).model_dump(mode="json")


def _position_confirmation(request: DisclosureRequest) -> dict | None:
    if not services.position_confirmed(request):
        return None
    return {
        "position": request.position_confirmed_as,
        "confirmed_by": _username(request.position_confirmed_by),
        "confirmed_at": request.position_confirmed_at,
    }


def _summary(request: DisclosureRequest) -> dict:
    return {
        "id": str(request.public_id),
        "status": request.status,
        "received_at": request.received_at,
        "office": request.office.code if request.office else None,
        "region": request.region,
        "agency": request.requester_agency,
        "agency_type": request.agency_type,
        "purpose": request.purpose,
        "categories": list(request.categories),
        "subjects": request.subjects.count(),
    }


def release_dict(release: Release) -> dict:
    event = release.ledger_event
    event.refresh_from_db(fields=["index"])
    return ReleaseOut(
        id=str(release.public_id),
        request=str(release.request.public_id),
        released_at=release.released_at,
        released_by=_username(release.released_by),
        categories=release.categories,
        authorities=release.authorities,
        subjects_released=release.subjects_released,
        matches=release.matches,
        packet_sha256=release.packet_sha256,
        ledger=LedgerRef(event_id=event.pk, commitment=bytes(event.commitment).hex(), index=event.index),
        accounting_entries=AccountingEntry.objects.filter(release=release).count(),
    ).model_dump(mode="json")


def _restriction(r: Restriction) -> dict:
    return {
        "code": r.code,
        "version": r.version,
        "kind": r.kind,
        "title": r.title,
        "citation": r.citation,
        "summary": r.summary,
        "recipients": r.recipients,
        "agencies": r.agencies,
        "binds": r.scope.as_dict(),
        "categories": r.categories,
        "effective_from": r.effective_from,
        "effective_until": r.effective_until,
        "recorded_by": _username(r.recorded_by),
        "recorded_at": r.recorded_at,
        "updated_at": r.updated_at,
    }


def _details(payload: RequestFields | dict) -> services.RequestDetails:
    data = payload if isinstance(payload, dict) else payload.model_dump()
    fields = {k: v for k, v in data.items() if k in services.RequestDetails.__dataclass_fields__}
    fields["categories"] = tuple(fields.get("categories") or ())
    return services.RequestDetails(**fields)


def _subjects(items) -> list[services.SubjectDetails]:
    return [services.SubjectDetails(**s.model_dump()) for s in items]


def _upload(e: EvidenceIn) -> services.EvidenceUpload:
    return services.EvidenceUpload.from_base64(**e.model_dump())


# --- Staff endpoints -----------------------------------------------------------------------------


def _choices(enum) -> list[dict]:
    return [{"code": value, "label": label} for value, label in enum.choices]


@router.get("/catalog", response={200: CatalogOut, **ERRORS}, summary="The authority catalog in force")
def catalog(request: HttpRequest):
    current, entries = selectors.catalog_in_force(actor=request.user)
    return {
        "version": current.version if current else None,
        "sha256": current.sha256 if current else None,
        "effective_from": current.effective_from if current else None,
        "loaded_at": current.loaded_at if current else None,
        "entries": [
            {
                "id": e.code,
                "effect": e.effect,
                "kind": e.kind,
                "provenance": e.provenance,
                "illustrative": e.illustrative,
                "title": e.title,
                "citation": e.citation,
                "summary": e.summary,
                "recipients": e.recipients,
                "agencies": e.agencies,
                "purposes": e.purposes,
                "facts": e.facts,
                "categories": e.categories,
                "evidence": e.evidence,
                "signoff_roles": e.signoff_roles,
                "accounting_required": e.accounting_required,
                "subject_may_see": e.subject_may_see,
                "effective_from": e.effective_from,
                "effective_until": e.effective_until,
                "applies_here": e.applies_here,
                "published_on": e.published_on,
            }
            for e in entries
        ],
        "requesting_positions": [
            {
                "code": p.code,
                "title": p.title,
                "agency_types": sorted(p.agency_types),
                "illustrative": p.illustrative,
                "basis": p.basis,
            }
            for p in positions_in_force()
        ],
        "vocabulary": {
            "agency_types": _choices(AgencyType),
            "purposes": _choices(Purpose),
            "channels": _choices(Channel),
            "crime_classes": _choices(CrimeClass),
            "subject_statuses": _choices(SubjectStatus),
            "evidence_kinds": _choices(EvidenceKind),
            "categories": [c for c in _choices(DataCategory) if c["code"] in RELEASABLE],
            "signoff_roles": list(SIGNOFF_ROLES),
        },
    }


@router.post(
    "/requests",
    response={201: RequestOut, **ERRORS},
    summary="Take in a disclosure request",
    description=(
        "Any staff member may record an outside party's request. The answer is the same whether or not "
        "the people named have records: matching happens only at release, for the privacy office."
    ),
)
def request_create(request: HttpRequest, payload: RequestIn):
    created = services.request_receive(
        actor=request.user,
        details=_details(payload),
        subjects=_subjects(payload.subjects),
        evidence=[_upload(e) for e in payload.evidence],
    )
    return Status(201, request_dict(created, request.user))


@router.get("/requests", response={200: list[RequestSummaryOut], **ERRORS}, summary="Requests you can see")
def request_list(request: HttpRequest, query: Query[ListQuery]):
    return [_summary(r) for r in selectors.request_list(actor=request.user, status=query.status or "")[:500]]


@router.get("/requests/{request_id}", response={200: RequestOut, **ERRORS}, summary="One request and its decision")
def request_detail(request: HttpRequest, request_id: str, query: Query[ReadQuery]):
    found = selectors.request_get(actor=request.user, request_id=request_id, purpose=query.purpose)
    return request_dict(found, request.user)


@router.patch(
    "/requests/{request_id}",
    response={200: RequestOut, **ERRORS},
    summary="Change a request (voids every sign-off)",
)
def request_update(request: HttpRequest, request_id: str, payload: RequestPatch):
    found = selectors.request_for_action(actor=request.user, request_id=request_id, action="edit")
    changes = payload.model_dump(exclude_unset=True)
    subjects = changes.pop("subjects", None)
    current = {f: getattr(found, f) for f in services.RequestDetails.__dataclass_fields__}
    kept = {k: v for k, v in changes.items() if v is not None or k in ("records_from", "records_to")}
    details = _details({**current, **kept}) if changes else None
    updated = services.request_edit(
        actor=request.user,
        request=found,
        details=details,
        subjects=_subjects(payload.subjects) if subjects is not None and payload.subjects else None,
    )
    return request_dict(updated, request.user)


@router.post(
    "/requests/{request_id}/evidence",
    response={201: EvidenceOut, **ERRORS},
    summary="File a document with a request (voids every sign-off)",
)
def evidence_create(request: HttpRequest, request_id: str, payload: EvidenceFileIn):
    found = selectors.request_for_action(actor=request.user, request_id=request_id, action="evidence_add")
    upload = _upload(EvidenceIn(**payload.model_dump(exclude={"subject"})))
    document = services.evidence_add(actor=request.user, request=found, upload=upload, subject_id=payload.subject)
    return Status(201, EvidenceOut(**_evidence(document)).model_dump(mode="json"))


@router.post(
    "/requests/{request_id}/subjects/{subject_id}/drop",
    response={200: RequestOut, **ERRORS},
    summary="Drop one person from a request",
    description=(
        "Takes one person out, with a reason: they are never released and stay listed as dropped. Their "
        "decision is gone, the others' are unchanged, so the sign-offs already given keep counting and "
        "the request's version stays the same."
    ),
)
def subject_drop(request: HttpRequest, request_id: str, subject_id: str, payload: SubjectDropIn):
    found = selectors.request_for_action(actor=request.user, request_id=request_id, action="subject_drop")
    services.subject_drop(actor=request.user, request=found, subject_id=subject_id, reason=payload.reason)
    found.refresh_from_db()
    return request_dict(found, request.user)


@router.get(
    "/requests/{request_id}/evidence/{evidence_id}",
    response={200: None, **ERRORS},
    summary="Download a filed document",
    description="Returns the file with its content type.",
    openapi_extra=_content("application/octet-stream", "The document as filed", "binary"),
)
def evidence_download(request: HttpRequest, request_id: str, evidence_id: str):
    found = selectors.request_for_action(actor=request.user, request_id=request_id, action="evidence_read")
    document = selectors.evidence_get(actor=request.user, request=found, evidence_id=evidence_id)
    response = HttpResponse(document.read(), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["X-Content-SHA256"] = document.sha256
    return response


@router.post(
    "/requests/{request_id}/sign-offs", response={201: SignOffOut, **ERRORS}, summary="Sign a request off in a role"
)
def sign_off_create(request: HttpRequest, request_id: str, payload: SignOffIn):
    found = selectors.request_for_action(actor=request.user, request_id=request_id, action="sign_off")
    sign_off = services.request_sign_off(actor=request.user, request=found, role=payload.role, note=payload.note)
    found.refresh_from_db()
    signed = request_view(actor=request.user, request=found).sign_off(sign_off.pk)
    return Status(201, SignOffOut(**_sign_off(signed)).model_dump(mode="json"))


@router.post(
    "/requests/{request_id}/position-confirmation",
    response={200: RequestOut, **ERRORS},
    summary="Confirm the written request's signer holds a listed position",
    description=(
        "A second official (one who may sign the request off, never its intake clerk) confirms from the "
        "letter on file that its signer holds the position entered, and that the catalog lists it for this "
        "kind of agency. The (b)(7) authorities require it (5 U.S.C. 552a(b)(7); 20 CFR 401.155)."
    ),
)
def position_confirmation(request: HttpRequest, request_id: str, payload: PositionConfirmIn):
    found = selectors.request_for_action(actor=request.user, request_id=request_id, action="position_confirm")
    confirmed = services.request_position_confirm(actor=request.user, request=found, position=payload.position)
    return request_dict(confirmed, request.user)


@router.post(
    "/requests/{request_id}/rejection", response={200: RequestOut, **ERRORS}, summary="Reject a request (final)"
)
def request_rejection(request: HttpRequest, request_id: str, payload: RejectIn):
    found = selectors.request_for_action(actor=request.user, request_id=request_id, action="reject")
    services.request_reject(actor=request.user, request=found, role=payload.role, reason=payload.reason)
    found.refresh_from_db()
    return request_dict(found, request.user)


@router.post(
    "/requests/{request_id}/release",
    response={201: ReleaseOut, **ERRORS},
    summary="Release the approved part of a request",
    description="Writes the packet, its ledger event and the accounting entries in one transaction.",
)
def release_create(request: HttpRequest, request_id: str):
    found = selectors.request_for_action(actor=request.user, request_id=request_id, action="release")
    release = services.request_release(actor=request.user, request=found)
    return Status(201, release_dict(release))


@router.get("/releases/{release_id}", response={200: ReleaseOut, **ERRORS}, summary="One release")
def release_detail(request: HttpRequest, release_id: str):
    return release_dict(selectors.release_get(actor=request.user, release_id=release_id))


@router.get(
    "/releases/{release_id}/packet.json",
    response={200: dict, **ERRORS},
    summary="The release packet (JSON, authoritative)",
)
def release_packet_json(request: HttpRequest, release_id: str, query: Query[ReadQuery]):
    release = selectors.release_get(actor=request.user, release_id=release_id)
    return selectors.release_packet(actor=request.user, release=release, purpose=query.purpose)


@router.get(
    "/releases/{release_id}/packet.pdf",
    response={200: None, **ERRORS},
    summary="The release packet (PDF)",
    description="Returns application/pdf rendered from the JSON packet.",
    openapi_extra=_content("application/pdf", "The packet as PDF", "binary"),
)
def release_packet_pdf(request: HttpRequest, release_id: str, query: Query[ReadQuery]):
    release = selectors.release_get(actor=request.user, release_id=release_id)
    packet = selectors.release_packet(actor=request.user, release=release, purpose=query.purpose)
    response = HttpResponse(packet_pdf(packet), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="release-{release.public_id}.pdf"'
    return response


@router.get("/restrictions", response={200: list[RestrictionOut], **ERRORS}, summary="Recorded restrictions")
def restriction_list(request: HttpRequest):
    return [_restriction(r) for r in selectors.restriction_list(actor=request.user)]


def _restriction_details(payload: RestrictionIn) -> services.RestrictionDetails:
    data = payload.model_dump()
    return services.RestrictionDetails(
        kind=data["kind"],
        title=data["title"],
        citation=data["citation"],
        summary=data["summary"],
        categories=tuple(data["categories"]),
        effective_from=data["effective_from"],
        effective_until=data["effective_until"],
        recipients=None if data["recipients"] is None else tuple(data["recipients"]),
        agencies=tuple(data["agencies"]),
    )


@router.post(
    "/restrictions",
    response={201: RestrictionOut, **ERRORS},
    summary="Record a restriction (general counsel)",
    description="A restriction forbids disclosure of categories to recipients for a period; it overrides "
    "every authority.",
)
def restriction_create(request: HttpRequest, payload: RestrictionIn):
    saved = services.restriction_save(actor=request.user, details=_restriction_details(payload))
    return Status(201, _restriction(saved))


@router.put(
    "/restrictions/{code}", response={200: RestrictionOut, **ERRORS}, summary="Change a restriction (general counsel)"
)
def restriction_update(request: HttpRequest, code: str, payload: RestrictionIn):
    saved = services.restriction_save(actor=request.user, details=_restriction_details(payload), code=code[:20])
    return _restriction(saved)


def _accounting(e: AccountingEntry) -> dict:
    return {
        "id": str(e.public_id),
        "person": str(e.person.public_id),
        "subject": e.subject,
        "release": str(e.release.public_id),
        "request": str(e.request.public_id),
        "disclosed_at": e.disclosed_at,
        "nature": e.nature,
        "purpose": e.purpose,
        "recipient_name": e.recipient_name,
        "recipient_address": e.recipient_address,
        "authorities": e.authorities,
        "authority_citation": e.authority_citation,
        "subject_may_see": e.subject_may_see,
        "withheld_basis": e.withheld_basis,
        "retain_until": e.retain_until,
    }


@router.get(
    "/accounting",
    response={200: list[AccountingEntryOut], **ERRORS},
    summary="The accounting of disclosures (auditors)",
    description="Every entry, including those withheld from the person under 5 U.S.C. 552a(c)(3).",
)
def accounting_list(request: HttpRequest, query: Query[AccountingQuery]):
    rows = selectors.accounting_list(actor=request.user, purpose=query.purpose, person_id=query.person)
    return [_accounting(e) for e in rows]


@router.get("/alerts", response={200: list[AlertOut], **ERRORS}, summary="Access alerts for your region")
def alert_list(request: HttpRequest):
    return [_alert(a) for a in selectors.alert_list(actor=request.user)[:500]]


def _alert(a: AccessAlert) -> dict:
    return {
        "id": str(a.public_id),
        "kind": a.kind,
        "actor": a.actor,
        "region": a.region,
        "window_start": a.window_start,
        "window_end": a.window_end,
        "count": a.count,
        "details": a.details,
        "created_at": a.created_at,
    }


# --- Public endpoints ----------------------------------------------------------------------------


@router.post(
    "/accounting/mine",
    auth=None,
    response={200: list[MyAccountingEntryOut], **LOOKUP_ERRORS},
    summary="Who we shared your records with",
    description=(
        "Your accounting of disclosures (Privacy Act, 5 U.S.C. 552a(c)(3)), verified by your confirmation "
        "code, last name and date of birth. The law lets us leave out disclosures to law enforcement made "
        "under 552a(b)(7)."
    ),
)
def accounting_mine(request: HttpRequest, payload: VerifyIn):
    return [_my_entry(e) for e in selectors.accounting_for_person(**payload.model_dump())]


def _my_entry(e: AccountingEntry) -> dict:
    return {
        "disclosed_on": timezone.localdate(e.disclosed_at),
        "nature": e.nature,
        "purpose": e.purpose,
        "recipient_name": e.recipient_name,
        "recipient_address": e.recipient_address,
        "authority": e.authority_citation,
        "proof_token": getattr(e, "proof_token", ""),
    }


@router.post(
    "/accounting/mine/proof",
    auth=None,
    response={200: ProofBundleOut, **PROOF_ERRORS},
    summary="Download the proof that a disclosure was recorded",
    description=(
        "The proof bundle of one entry of your accounting, for the proof_token it came with (good for a few "
        "minutes): the ledger event, its salt and commitment, the RFC 9162 inclusion proof and the witnessed "
        "checkpoint (docs/ledger-proof-bundle.md). 409 proof_pending while no witnessed checkpoint includes "
        "it yet; 422 proof_link_expired when the token is too old (look up your accounting again)."
    ),
)
def accounting_mine_proof(request: HttpRequest, payload: ProofIn):
    return accounting_proof(token=payload.token).bundle


CODE_SENT = "If we hold a record that matches, we sent a code to the contact on file."


@router.post(
    "/accounting/mine/code",
    auth=None,
    response={202: AccessCodeSentOut, **LOOKUP_ERRORS},
    summary="Get a one-time code to see who we shared your records with",
    description=(
        "For anyone without an appointment code of their own (a companion, for example). Give your name, "
        "date of birth and a channel; if a record matches and has a contact on that channel, a 6-digit code "
        "goes there. The answer is the same whether or not anything matched. Then call "
        "/accounting/mine/code/verify with the challenge and the code."
    ),
)
def accounting_mine_code(request: HttpRequest, payload: AccessCodeRequestIn):
    identity = Identity(
        first_name=payload.first_name,
        last_name=payload.last_name,
        date_of_birth=payload.date_of_birth,
        channel=payload.channel,
    )
    challenge = access_code_request(identity=identity, language=payload.language)
    expires = int(CODE_TTL.total_seconds())
    return Status(202, {"challenge": str(challenge), "message": CODE_SENT, "expires_in_seconds": expires})


@router.post(
    "/accounting/mine/code/verify",
    auth=None,
    response={200: list[MyAccountingEntryOut], **LOOKUP_ERRORS},
    summary="Who we shared your records with, by one-time code",
    description=(
        "Your accounting of disclosures (5 U.S.C. 552a(c)(3)) for the code sent to you. A code works once, "
        f"for {CODE_TTL.seconds // 60} minutes and {MAX_ATTEMPTS} tries (422 access_code_wrong, "
        "access_code_expired or access_code_locked). The law lets us leave out disclosures to law enforcement "
        "made under 552a(b)(7)."
    ),
)
def accounting_mine_code_verify(request: HttpRequest, payload: AccessCodeVerifyIn):
    return [_my_entry(e) for e in access_code_verify(challenge=payload.challenge, code=payload.code)]


TRANSPARENCY = (
    "Counts of disclosure requests by recipient agency type, authority and outcome for a finished quarter; "
    "counts under 10 read 'fewer than 10'."
)


@router.get(
    "/transparency",
    auth=None,
    response={200: TransparencyOut, **PUBLIC_ERRORS},
    summary="Quarterly transparency report (JSON)",
    description=TRANSPARENCY,
)
def transparency(request: HttpRequest, query: Query[TransparencyQuery]):
    return transparency_report(year=query.year, quarter=query.quarter).as_dict()


@router.get(
    "/transparency.csv",
    auth=None,
    response={200: None, **PUBLIC_ERRORS},
    summary="Quarterly transparency report (CSV)",
    description=TRANSPARENCY,
    openapi_extra=_content("text/csv", "The report as CSV: year, quarter, table, key, label, count"),
)
def transparency_csv(request: HttpRequest, query: Query[TransparencyQuery]):
    response = HttpResponse(report_csv(transparency_report(year=query.year, quarter=query.quarter)))
    response["Content-Type"] = "text/csv; charset=utf-8"
    response["Content-Disposition"] = f'attachment; filename="disclosures-{query.year}-q{query.quarter}.csv"'
    return response


@router.get(
    "/transparency.html",
    auth=None,
    response={200: None, **PUBLIC_ERRORS},
    summary="Quarterly transparency report (HTML page)",
    description=TRANSPARENCY,
    openapi_extra=_content("text/html", "The report as an HTML page"),
)
def transparency_html(request: HttpRequest, query: Query[TransparencyQuery]):
    report = transparency_report(year=query.year, quarter=query.quarter)
    return HttpResponse(report_html(report), content_type="text/html; charset=utf-8")
