"""The shapes of the disclosure endpoints' requests and answers. They check shape only; the services in
frontdesk.disclosures decide everything else.
"""

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, StringConstraints

from frontdesk.api.schemas import Error
from frontdesk.core.bounds import EARLIEST_BIRTH, EARLIEST_DATE, LATEST_DATE
from frontdesk.disclosures.categories import RELEASABLE
from frontdesk.disclosures.inputs import MAX_EVIDENCE, MAX_SUBJECTS
from frontdesk.disclosures.models import (
    RequestStatus,
    RestrictionKind,
)
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

ERRORS = {frozenset({400, 401, 403, 404, 409, 422}): Error}
PUBLIC_ERRORS = {frozenset({400, 404, 422}): Error}
# Public look-ups may also be locked (403 lookup_locked) or rate-limited (429 too_many_attempts, Retry-After).
LOOKUP_ERRORS = {frozenset({400, 403, 404, 422, 429}): Error}
# A proof download: 404 proof_not_found, 409 proof_pending (not yet in a witnessed checkpoint), 422 expired.
PROOF_ERRORS = {frozenset({400, 404, 409, 422}): Error}
EARLIEST, LATEST = EARLIEST_BIRTH, LATEST_DATE

# The codes each field takes, as Literals built from the vocabularies, so that the OpenAPI document lists
# them and pydantic refuses any other value. A type checker cannot read a Literal built at run time, so it
# sees plain strings.
if TYPE_CHECKING:
    AgencyTypeCode = str
    PurposeCode = str
    ChannelCode = str
    CrimeClassCode = str
    SubjectStatusCode = str
    EvidenceKindCode = str
    CategoryCode = str
    RoleCode = str
    RestrictionKindCode = str
    StatusCode = str
else:
    AgencyTypeCode = Literal[tuple(AgencyType.values)]
    PurposeCode = Literal[tuple(Purpose.values)]
    ChannelCode = Literal[tuple(Channel.values)]
    CrimeClassCode = Literal[tuple(CrimeClass.values)]
    SubjectStatusCode = Literal[tuple(SubjectStatus.values)]
    EvidenceKindCode = Literal[tuple(v for v in EvidenceKind.values if v not in RECORDED_EVIDENCE)]
    CategoryCode = Literal[tuple(sorted(RELEASABLE))]
    RoleCode = Literal[SIGNOFF_ROLES]
    RestrictionKindCode = Literal[tuple(RestrictionKind.values)]
    StatusCode = Literal[tuple(RequestStatus.values)]
Text200 = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
PositionCode = Annotated[str, StringConstraints(strip_whitespace=True, max_length=60, pattern=r"^[a-z0-9_]*$")]
POSITION_HELP = (
    "The position that signed the written request, as a code from the catalog's requesting_positions "
    "(GET /catalog), 'other' for a position it does not list, or empty when none is given"
)
Required200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


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
    subjects: list[SubjectIn] = Field(..., min_length=1, max_length=MAX_SUBJECTS)
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=MAX_EVIDENCE)


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
    subjects: list[SubjectIn] | None = Field(None, min_length=1, max_length=MAX_SUBJECTS)


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


class AlertOut(Schema):
    id: str
    kind: str
    actor: str
    region: int | None
    window_start: dt.datetime
    window_end: dt.datetime
    count: int
    details: dict[str, Any]
    created_at: dt.datetime


def _content(media_type: str, description: str, fmt: str = "") -> dict[str, Any]:
    """Declare a non-JSON 200 response, so the OpenAPI document tells clients what really comes back."""
    schema = {"type": "string", **({"format": fmt} if fmt else {})}
    return {"responses": {200: {"description": description, "content": {media_type: {"schema": schema}}}}}


class ReadQuery(Schema):
    purpose: str = Field("", max_length=40, description="Why you read it; default disclosure_review (audit)")


class ListQuery(Schema):
    status: StatusCode | None = None


class AccountingQuery(Schema):
    purpose: str = Field("", max_length=40, description="Why you read it, e.g. audit")
    person: str = Field("", max_length=64, description="A person's id, to see only their entries")
