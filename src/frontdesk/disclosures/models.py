"""Disclosure requests, the authorities and restrictions that decide them, sign-offs, releases and the
Privacy Act (c) accounting.

Status fields change only through `lifecycle.py` (the declared state machine there). Accounting entries
are append-only in the database (guards.py, migration 0002); releases and their packets are never
changed once written.
"""

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from frontdesk.ledger.models import LedgerEvent

from .vocabulary import AgencyType, Channel, CloseReason, CrimeClass, EvidenceKind, Purpose, SubjectStatus

if TYPE_CHECKING:
    from .scope import RestrictionScope


class Effect(models.TextChoices):
    PERMIT = "permit", "Permits disclosure"
    FORBID = "forbid", "Forbids disclosure"


class AuthorityCatalog(models.Model):
    """One loaded version of the reviewed catalog file. The newest row is the one in force."""

    version = models.CharField(max_length=40, unique=True)
    sha256 = models.CharField(max_length=64)
    effective_from = models.DateField()
    source = models.CharField(max_length=300)
    document = models.JSONField()
    loaded_at = models.DateTimeField()
    loaded_by = models.CharField(max_length=160)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"catalog {self.version}"


class CatalogEntry(models.Model):
    """An authority (permit) or a statutory restriction (forbid) of one catalog version."""

    catalog = models.ForeignKey(AuthorityCatalog, on_delete=models.PROTECT, related_name="entries")
    code = models.CharField(max_length=60)
    effect = models.CharField(max_length=6, choices=Effect.choices)
    kind = models.CharField(max_length=30)
    provenance = models.CharField(max_length=30)
    illustrative = models.BooleanField()
    title = models.CharField(max_length=200)
    citation = models.CharField(max_length=400)
    summary = models.TextField()
    recipients = models.JSONField(null=True, help_text="Agency types; null means any recipient")
    agencies = models.JSONField(default=list)
    purposes = models.JSONField(null=True, help_text="Purpose codes; null means any purpose")
    facts = models.JSONField(default=dict)
    categories = models.JSONField()
    evidence = models.JSONField(default=list)
    signoff_roles = models.JSONField(default=list)
    accounting_required = models.BooleanField(default=True)
    subject_may_see = models.BooleanField(default=True)
    accounting_basis = models.CharField(max_length=200, blank=True)
    obligations = models.JSONField(default=list)
    effective_from = models.DateField()
    effective_until = models.DateField(null=True, blank=True)
    applies_here = models.BooleanField(default=True)
    # Routine uses: the Federal Register publication; in force 30 days later at the earliest ((e)(11)).
    published_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["catalog", "id"]
        constraints = [models.UniqueConstraint(fields=["catalog", "code"], name="catalog_entry_code_once")]

    def __str__(self) -> str:
        return self.code


class RestrictionKind(models.TextChoices):
    COURT_ORDER = "court_order", "Court order"
    STATUTE = "statute", "Statute"
    OTHER = "other", "Other binding instruction"


class Restriction(models.Model):
    """An order or statute recorded by general counsel that forbids disclosure (recipient x category x
    period). It overrides every authority. Each change is a new revision and a ledger event."""

    code = models.CharField(max_length=20, unique=True)
    version = models.PositiveIntegerField(default=1)
    kind = models.CharField(max_length=20, choices=RestrictionKind.choices)
    title = models.CharField(max_length=200)
    citation = models.CharField(max_length=400)
    summary = models.TextField(blank=True)
    recipients = models.JSONField(null=True, help_text="Agency types; null means every recipient")
    agencies = models.JSONField(default=list)
    categories = models.JSONField()
    effective_from = models.DateField()
    effective_until = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} v{self.version}"

    @property
    def scope(self) -> "RestrictionScope":
        """Whom it binds (scope.restriction_scope: the one reading of recipients and agencies)."""
        from .scope import restriction_scope

        return restriction_scope(self.recipients, self.agencies)


class RestrictionRevision(models.Model):
    restriction = models.ForeignKey(Restriction, on_delete=models.PROTECT, related_name="revisions")
    version = models.PositiveIntegerField()
    content = models.JSONField()
    sha256 = models.CharField(max_length=64)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    saved_at = models.DateTimeField()

    class Meta:
        ordering = ["restriction", "version"]
        constraints = [models.UniqueConstraint(fields=["restriction", "version"], name="restriction_revision_once")]


class RequestStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    DENIED = "denied", "Denied"
    NEEDS_EVIDENCE = "needs_evidence", "Needs evidence"
    AWAITING_SIGNOFF = "awaiting_signoff", "Awaiting sign-off"
    APPROVED = "approved", "Approved"
    RELEASED = "released", "Released"
    REJECTED = "rejected", "Rejected"
    # Nobody acted on it for FRONTDESK_REQUEST_EXPIRY_DAYS: closed without release (ADR 0010).
    EXPIRED = "expired", "Expired"
    # Closed by the rules, not by an official: an informal request, or no evidence in time (ADR 0014).
    REFUSED = "refused", "Refused"


TERMINAL_STATUSES = frozenset(
    {RequestStatus.RELEASED, RequestStatus.REJECTED, RequestStatus.EXPIRED, RequestStatus.REFUSED}
)


class DisclosureRequest(models.Model):
    """An outside party's request for records about one or more people, as taken in at intake."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=20, choices=RequestStatus.choices, default=RequestStatus.RECEIVED)
    # Bumped by every edit; a sign-off counts only for the version it was given on.
    version = models.PositiveIntegerField(default=1)
    office = models.ForeignKey("offices.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    region = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    intake_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    channel = models.CharField(max_length=24, choices=Channel.choices)
    requester_agency = models.CharField(max_length=200)
    requester_component = models.CharField(max_length=200, blank=True)
    requester_official = models.CharField(max_length=200)
    requester_title = models.CharField(max_length=200, blank=True)
    # The signer's position as the written request gives it: a code from the catalog's list, or "".
    requester_position = models.CharField(max_length=60, blank=True)
    # A second official's confirmation of that position (never the intake clerk); cleared by any change
    # to the requester or a new written request.
    position_confirmed_as = models.CharField(max_length=60, blank=True)
    position_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    position_confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=40, choices=CloseReason.choices, blank=True)
    requester_contact = models.CharField(max_length=200)
    requester_address = models.TextField(max_length=500)
    agency_type = models.CharField(max_length=32, choices=AgencyType.choices)
    purpose = models.CharField(max_length=40, choices=Purpose.choices)
    purpose_detail = models.TextField(max_length=1000, blank=True)
    crime_class = models.CharField(max_length=24, choices=CrimeClass.choices, default=CrimeClass.NONE)
    subject_status = models.CharField(max_length=16, choices=SubjectStatus.choices, default=SubjectStatus.NONE)
    authority_cited = models.CharField(max_length=200, blank=True)
    categories = models.JSONField()
    records_from = models.DateField(null=True, blank=True)
    records_to = models.DateField(null=True, blank=True)
    decision = models.JSONField(default=dict)
    decision_sha256 = models.CharField(max_length=64, blank=True)
    evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["received_at"], name="disclosure_request_received")]

    def __str__(self) -> str:
        return f"disclosure request {self.public_id}"


class RequestSubject(models.Model):
    """A person the request is about, as the requester identified them. Matching these details to a
    Person happens only at release, and its result is shown only to the privacy office.

    A companion is another subject: every person named gets their own decision."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="subjects")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    position = models.PositiveSmallIntegerField()
    first_name = models.CharField(max_length=80, blank=True)
    last_name = models.CharField(max_length=80)
    last_name_key = models.CharField(max_length=80)
    date_of_birth = models.DateField(null=True, blank=True)
    ssn_hash = models.CharField(max_length=64, blank=True)
    ssn_encrypted = models.TextField(blank=True)
    appointment_code = models.CharField(max_length=9, blank=True)
    # Dropped from the request (subject_drop): never released, kept on view with who, when and why.
    # Each person has their own decision (subject_decisions.py); a dropped one has none.
    dropped_at = models.DateTimeField(null=True, blank=True)
    dropped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    drop_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["request", "position"]
        constraints = [models.UniqueConstraint(fields=["request", "position"], name="request_subject_position_once")]


EVIDENCE_CONTEXT = "disclosures.evidence.content"
# The encryption context of a named person's SSN (RequestSubject.ssn_encrypted).
SUBJECT_SSN_CONTEXT = "disclosures.subject.ssn"


class EvidenceDocument(models.Model):
    """A document filed with a request (signed letter, court order, consent), kept with its SHA-256.

    The file is stored encrypted (AES-GCM, like an SSN): letters and orders carry personal identifiers.
    Its SHA-256 is of the plain file, so a recipient or auditor can check a copy against the packet."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.PROTECT, related_name="evidence")
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=40, choices=EvidenceKind.choices)
    # The person a personal document (consent, identity check, indictment) is about: it counts only
    # for them. Request-wide documents (the agency's letter, a court order) have none. See
    # subject_decisions.py and docs/adr/0013-a-decision-per-subject.md.
    subject = models.ForeignKey(
        RequestSubject, null=True, blank=True, on_delete=models.PROTECT, related_name="evidence"
    )
    description = models.CharField(max_length=300, blank=True)
    filename = models.CharField(max_length=120)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content_encrypted = models.TextField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()
    request_version = models.PositiveIntegerField()

    class Meta:
        ordering = ["request", "uploaded_at", "id"]

    def read(self) -> bytes:
        import base64

        from frontdesk.core.crypto import decrypt_field

        return base64.b64decode(decrypt_field(self.content_encrypted, context=EVIDENCE_CONTEXT))

    @property
    def content(self) -> bytes:
        """The file as filed (decrypted); callers that show it go through selectors.evidence_get."""
        return self.read()


class SignOffDecision(models.TextChoices):
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class SignOff(models.Model):
    """One official's approval (or rejection) of one version of a request, in one role (AC-3(2), AC-5).

    The database refuses a second live sign-off by the same person on a request, and two live approvals
    in the same role; the services refuse the intake clerk and enforce expiry and role scope.
    """

    request = models.ForeignKey(DisclosureRequest, on_delete=models.PROTECT, related_name="sign_offs")
    role = models.CharField(max_length=32)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=SignOffDecision.choices)
    note = models.CharField(max_length=500, blank=True)
    request_version = models.PositiveIntegerField()
    decision_sha256 = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["request", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "signer"], condition=Q(voided_at__isnull=True), name="sign_off_one_live_per_person"
            ),
            models.UniqueConstraint(
                fields=["request", "role"],
                condition=Q(voided_at__isnull=True, decision="approved"),
                name="sign_off_one_live_per_role",
            ),
            models.CheckConstraint(condition=Q(signed_at__lt=models.F("expires_at")), name="sign_off_expires_later"),
        ]


class Release(models.Model):
    """The packet actually handed over. Written once, with its ledger event and accounting entries."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    request = models.OneToOneField(DisclosureRequest, on_delete=models.PROTECT, related_name="release")
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    released_at = models.DateTimeField()
    categories = models.JSONField()
    authorities = models.JSONField()
    subjects_released = models.PositiveSmallIntegerField()
    # How each subject matched (matched | no_record | ambiguous): for the privacy office only.
    matches = models.JSONField(default=list)
    # AES-GCM of the packet body (it holds personal data); its SHA-256 is on the ledger event.
    packet_encrypted = models.TextField()
    packet_sha256 = models.CharField(max_length=64)
    ledger_event = models.ForeignKey(LedgerEvent, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"release {self.public_id}"


class AccountingEntry(models.Model):
    """Privacy Act 5 U.S.C. 552a(c)(1) accounting of one disclosure about one person.

    Kept at least five years or the life of the record, whichever is longer ((c)(2)): `retain_until` is
    the earliest date it could go, and nothing in frontdesk deletes it (database guards refuse).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="accounting_entries")
    request = models.ForeignKey(DisclosureRequest, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("scheduling.Person", on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=60, help_text="The person's pseudonym, as on the ledger")
    disclosed_at = models.DateTimeField()
    nature = models.TextField()
    purpose = models.TextField()
    recipient_name = models.CharField(max_length=600)
    recipient_address = models.TextField()
    authorities = models.JSONField()
    authority_citation = models.TextField()
    subject_may_see = models.BooleanField()
    withheld_basis = models.CharField(max_length=200, blank=True)
    retain_until = models.DateField()

    class Meta:
        db_table = "disclosures_accounting_entry"
        ordering = ["-disclosed_at", "-id"]
        indexes = [models.Index(fields=["person", "disclosed_at"], name="accounting_person_time")]


class AlertKind(models.TextChoices):
    VIEWS_WITHOUT_CHECK_IN = "views_without_check_in", "Many people viewed without matching check-ins"
    CITIZENSHIP_SEARCH = "citizenship_search", "Search touching citizenship or immigration status"


class AccessAlert(models.Model):
    """A pattern of staff reads for the regional privacy officer to look into (AU-6)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=32, choices=AlertKind.choices)
    actor = models.CharField(max_length=160)
    region = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    window_start = models.DateTimeField()
    window_end = models.DateTimeField()
    count = models.PositiveIntegerField()
    details = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-window_start", "kind", "actor"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "actor", "window_start"], name="access_alert_once_per_window")
        ]


class AccessCode(models.Model):
    """A one-time code sent to a contact on file, so that a person can see their own accounting without
    an appointment of their own (subject access, Privacy Act (c)(3); docs/adr/0016).

    A request makes one challenge (a UUID the person holds) with a row per matching person; people who
    share the contact share one code. The code itself is never stored: only its keyed hash, bound to
    the challenge. A request that matched no one still gets one row, with no person and a hash of a code
    nobody received, so both answers look and behave the same.
    """

    challenge = models.UUIDField(db_index=True)
    person = models.ForeignKey("scheduling.Person", null=True, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=8)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "created_at"], name="access_code_person_time")]

    def __str__(self) -> str:
        return f"access code for challenge {self.challenge}"
