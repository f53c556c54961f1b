"""The controlled words a disclosure request and the authority catalog are written in.

Intake picks from these lists, the catalog may only use them, and the policy engine compares them as
plain strings, so a typo in either place is caught when it is loaded, not when a request is decided.
"""

from django.db import models

from frontdesk.accounts.roles import Role


class AgencyType(models.TextChoices):
    LAW_ENFORCEMENT = "law_enforcement", "Law-enforcement agency (federal, state, local or tribal)"
    IMMIGRATION = "immigration", "Immigration agency"
    COURT = "court", "Court"
    CONGRESS = "congress", "House or Senate, or one of their committees"
    COMPTROLLER_GENERAL = "comptroller_general", "Government Accountability Office"
    OTHER_FEDERAL = "other_federal", "Other federal agency"
    STATE_LOCAL = "state_local", "State or local agency (not law enforcement)"
    SUBJECT_OR_REPRESENTATIVE = "subject_or_representative", "The person, or their representative"
    PRIVATE_PARTY = "private_party", "Private person or organisation"


class Purpose(models.TextChoices):
    CRIMINAL_LAW_ENFORCEMENT = "criminal_law_enforcement", "Criminal law enforcement"
    CIVIL_LAW_ENFORCEMENT = "civil_law_enforcement", "Civil law enforcement"
    PROGRAM_FRAUD_INVESTIGATION = "program_fraud_investigation", "Investigating fraud in a benefit program"
    IMMIGRATION_ENFORCEMENT = "immigration_enforcement", "Immigration enforcement"
    COURT_PROCEEDING = "court_proceeding", "A court proceeding"
    CONGRESSIONAL_OVERSIGHT = "congressional_oversight", "Congressional oversight"
    GAO_AUDIT = "gao_audit", "Audit by the Comptroller General"
    BENEFIT_ELIGIBILITY = "benefit_eligibility", "Deciding eligibility in another benefit program"
    HEALTH_OR_SAFETY_EMERGENCY = "health_or_safety_emergency", "Someone's health or safety is at risk"
    OFFICE_SAFETY_THREAT = "office_safety_threat", "A threat to an office, its staff or visitors"
    SUBJECT_REQUEST = "subject_request", "The person asked for their records to be sent"
    LOCATE_PERSON = "locate_person", "Finding a person"
    OTHER = "other", "Other"


class CrimeClass(models.TextChoices):
    NONE = "none", "No crime named"
    VIOLENT = "violent", "Serious or violent crime"
    PROGRAM_FRAUD = "program_fraud", "Fraud or abuse in a benefit program"
    NATIONAL_SECURITY = "national_security", "National security"
    OTHER = "other", "Another crime"


class SubjectStatus(models.TextChoices):
    NONE = "none", "Not stated"
    SUSPECT = "suspect", "Suspect"
    INDICTED = "indicted", "Indicted"
    CONVICTED = "convicted", "Convicted"


class EvidenceKind(models.TextChoices):
    WRITTEN_REQUEST_AGENCY_HEAD = (
        "written_request_agency_head",
        "Written request signed by the agency head (or a delegate not below section chief), naming the "
        "records wanted and the law-enforcement activity",
    )
    INDICTMENT_OR_CONVICTION = "indictment_or_conviction", "Indictment or judgment of conviction of the person"
    COURT_ORDER_JUDGE_SIGNED = "court_order_judge_signed", "Court order signed by a judge that directs this disclosure"
    SUBJECT_CONSENT = (
        "subject_consent",
        "Written consent of the person naming the recipient, the records and the period",
    )
    REPRESENTATIVE_AUTHORITY = "representative_authority", "Proof that the representative may act for the person"
    IDENTITY_VERIFIED = "identity_verified", "Record that the person's identity was verified"
    CONGRESSIONAL_COMMITTEE_REQUEST = (
        "congressional_committee_request",
        "Request made for the House, the Senate or a committee within its jurisdiction",
    )
    GAO_REQUEST = "gao_request", "GAO engagement letter or request"
    HEALTH_SAFETY_SHOWING = "health_safety_showing", "Written showing of compelling health or safety circumstances"
    THREAT_INCIDENT_REPORT = "threat_incident_report", "Incident report of a threat to an office, staff or visitors"
    PROGRAM_AGREEMENT = "program_agreement", "Agreement with the benefit program that receives the records"
    OTHER_DOCUMENT = "other_document", "Another document"
    # Not a document anyone files: it is on file only while a second official's confirmation stands that
    # the written request is signed by a position the catalog lists (signer_position.request_position_confirm).
    REQUESTER_POSITION_CONFIRMED = (
        "requester_position_confirmed",
        "A second official's confirmation that the written request is signed by a position the catalog lists "
        "(the agency head, or a delegate not below section chief)",
    )


# Evidence kinds that exist only as a recorded fact, never as an upload.
RECORDED_EVIDENCE: frozenset[str] = frozenset({EvidenceKind.REQUESTER_POSITION_CONFIRMED.value})
UPLOAD_EVIDENCE_CHOICES: list[tuple[str, str]] = [c for c in EvidenceKind.choices if c[0] not in RECORDED_EVIDENCE]


class Portion(models.TextChoices):
    """Whether a request names the particular portion of the record it wants (5 U.S.C. 552a(b)(7))."""

    PARTICULAR = "particular", "Names the categories and a records period"
    BLANKET = "blanket", "Every category, or no records period: all records"


class SignerPosition(models.TextChoices):
    """The position that signed the written request, against the catalog's list for the agency."""

    NONE = "none", "No position given"
    UNLISTED = "unlisted", "A position the catalog does not list"
    LISTED = "listed", "A position the catalog lists"


class CloseReason(models.TextChoices):
    """Why a request was closed without a decision anyone signed (status refused)."""

    INFORMAL = (
        "informal_request",
        "Informal request: no authority was claimed and no document was filed. Records about a person leave "
        "only on a written request under a lawful authority (5 U.S.C. 552a(b)).",
    )
    NO_EVIDENCE = (
        "evidence_not_received",
        "No document arrived within the waiting period. Records about a person leave only on a written "
        "request under a lawful authority (5 U.S.C. 552a(b)); the requester may ask again in writing.",
    )


class Channel(models.TextChoices):
    IN_PERSON = "in_person", "In person at the counter"
    MAIL = "mail", "Mail"
    EMAIL = "email", "Email"
    FAX = "fax", "Fax"
    PHONE = "phone", "Phone"
    ELECTRONIC_EXCHANGE = "electronic_exchange", "Electronic exchange between agencies"


# Roles that sign off on a disclosure, in the order they usually sign (AC-3(2) dual authorization).
SIGNOFF_ROLES: tuple[str, ...] = (
    Role.OFFICE_MANAGER.value,
    Role.REGIONAL_PRIVACY_OFFICER.value,
    Role.GENERAL_COUNSEL.value,
)
# At least one sign-off on every authority comes from the privacy office or counsel.
PRIVACY_ROLES: frozenset[str] = frozenset({Role.REGIONAL_PRIVACY_OFFICER.value, Role.GENERAL_COUNSEL.value})
# Who may release a packet once it is approved.
RELEASE_ROLES: frozenset[Role] = frozenset({Role.REGIONAL_PRIVACY_OFFICER, Role.GENERAL_COUNSEL})

FACT_VALUES: dict[str, frozenset[str]] = {
    "crime_class": frozenset(CrimeClass.values),
    "subject_status": frozenset(SubjectStatus.values),
    "portion": frozenset(Portion.values),
    "signer_position": frozenset(SignerPosition.values),
}

# Facts about the shape of the request itself. When an authority would cover the request but for one of
# these, the decision is a refusal that says which requirement failed and why (decision.py), not a
# request for more documents: no document cures a blanket request or an unlisted signer.
REQUIREMENT_FACTS: dict[str, tuple[str, str]] = {
    "portion": (
        Portion.PARTICULAR.value,
        "A law-enforcement request must name the particular portion of the record it wants: the categories "
        "and a records period; a request for all records (every category, or no period) is refused "
        "(5 U.S.C. 552a(b)(7); 20 CFR 401.155).",
    ),
    "signer_position": (
        SignerPosition.LISTED.value,
        "The written request must be signed by the head of the agency or a delegate not below section chief, "
        "in a position the authority catalog lists for this kind of agency; the position given is not listed "
        "(5 U.S.C. 552a(b)(7); 20 CFR 401.155; POMS GN 03312.080).",
    ),
}
