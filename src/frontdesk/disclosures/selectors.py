"""Reads of disclosure data, each scoped to what the actor may see; reads of personal data leave a
ledger trace with their purpose (invariant 4 in docs/architecture.md).

What each audience sees:
- the intake clerk: the requests they took in, with their decision (which never depends on records);
- signers: the request, its evidence and its decision, never the records to be released;
- the privacy office and counsel: also how subjects matched and the released packet;
- auditors: everything, including accounting entries withheld from the person;
- the person: their own accounting entries, except those withheld by law ((c)(3), (b)(7)).
"""

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from frontdesk.accounts.roles import Role, user_roles
from frontdesk.core.crypto import pseudonym
from frontdesk.core.errors import NotFound, PermissionDenied
from frontdesk.core.purposes import require_purpose
from frontdesk.ledger.refusals import refusal_record
from frontdesk.ledger.services import event_append
from frontdesk.scheduling.models import Person
from frontdesk.scheduling.selectors import appointment_find
from frontdesk.scheduling.services import subject_of

from . import policies
from .catalog import catalog_latest, positions_in_force
from .categories import RELEASABLE
from .decision import RequestDecision
from .engine import engine_in_force
from .models import (
    AccessAlert,
    AccountingEntry,
    AuthorityCatalog,
    CatalogEntry,
    DisclosureRequest,
    EvidenceDocument,
    Release,
    Restriction,
    SignOff,
)
from .packet import packet_body, with_ledger
from .policy import Facts, agency_key, day_number
from .proofs import with_proof_tokens
from .signoffs import SignOffStanding, counting_approvals, sign_off_standings
from .subject_decisions import FiledDocument, NamedSubject, decide_subjects
from .vocabulary import RECORDED_EVIDENCE, EvidenceKind, Portion, SignerPosition

REQUEST_NOT_FOUND = "No disclosure request with that id that you can see."


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(text))
    except ValueError:
        return None


def _scope(actor: Any) -> Q | None:
    """The requests an actor may list, as a filter (None: none at all)."""
    roles = user_roles(actor)
    if roles & {Role.AUDITOR, Role.GENERAL_COUNSEL}:
        return Q()
    profile = getattr(actor, "staff_profile", None)
    scope = Q(intake_by_id=getattr(actor, "pk", None))
    if profile is not None:
        if Role.OFFICE_MANAGER in roles and profile.office_id:
            scope |= Q(office_id=profile.office_id)
        if Role.REGIONAL_PRIVACY_OFFICER in roles and profile.region is not None:
            scope |= Q(region=profile.region)
    return scope if roles else None


def request_list(*, actor: Any, status: str = "") -> QuerySet[DisclosureRequest]:
    scope = _scope(actor)
    if scope is None:
        raise PermissionDenied("Your role does not see disclosure requests.")
    requests = DisclosureRequest.objects.filter(scope).select_related("office", "intake_by")
    if status:
        requests = requests.filter(status=status)
    return requests.order_by("-received_at", "-id")


def _record_read(*, actor: Any, kind: str, purpose: str, subjects: list[str], refs: dict[str, Any]) -> None:
    with transaction.atomic():
        event_append(type=f"records.{kind}.viewed", actor=actor, purpose=purpose, subjects=subjects, refs=refs)


def _default_purpose(actor: Any, purpose: str) -> str:
    if purpose:
        return require_purpose(purpose)
    return "audit" if Role.AUDITOR in user_roles(actor) else "disclosure_review"


def _refuse_unseen(*, actor: Any, action: str, purpose: str, key: uuid.UUID | None) -> NotFound:
    """Record that the actor named a request they may not see, and the 404 they get. The event is the
    same whether or not the request exists: it holds the id they gave (a malformed one is not copied,
    it could be anything they typed), never the request's subjects."""
    refusal_record(
        action=action,
        actor=actor,
        reason="request_not_found",
        purpose=purpose,
        refs={"request": str(key) if key else "malformed"},
    )
    return NotFound(REQUEST_NOT_FOUND, code="request_not_found")


def request_get(*, actor: Any, request_id: str, purpose: str = "") -> DisclosureRequest:
    """One request with its subjects as the requester named them; the read is recorded, and so is a
    refused read (`disclosures.request.view.refused`)."""
    key = _uuid(request_id)
    recorded = _default_purpose(actor, purpose)
    request = (
        DisclosureRequest.objects.select_related("office", "intake_by").filter(public_id=key).first() if key else None
    )
    if request is None or not policies.can_view_request(actor, request):
        raise _refuse_unseen(actor=actor, action="disclosures.request.view", purpose=recorded, key=key)
    _record_read(
        actor=actor,
        kind="disclosure_request",
        purpose=recorded,
        subjects=sorted(pseudonym("disclosure_subject", str(s.public_id)) for s in request.subjects.all()),
        refs={"request": str(request.public_id)},
    )
    return request


REQUEST_ACTIONS = {
    "sign_off": "disclosure sign-off",
    "reject": "disclosure sign-off",
    "release": "disclosure release",
    "edit": "disclosure intake",
    "evidence_add": "disclosure intake",
    "evidence_read": "disclosure review",
    "subject_drop": "disclosure intake",
    "position_confirm": "disclosure sign-off",
}


def request_for_action(*, actor: Any, request_id: str, action: str) -> DisclosureRequest:
    """The request an action names, when the actor can see it (the service then checks the action).

    `action` is one of REQUEST_ACTIONS; a refusal here is recorded as that action's refusal
    (`disclosures.request.<action>.refused`, reason request_not_found), as the service records its own.
    """
    key = _uuid(request_id)
    request = DisclosureRequest.objects.filter(public_id=key).first() if key else None
    if request is None or not policies.can_view_request(actor, request):
        raise _refuse_unseen(
            actor=actor, action=f"disclosures.request.{action}", purpose=REQUEST_ACTIONS[action], key=key
        )
    return request


def evidence_get(*, actor: Any, request: DisclosureRequest, evidence_id: str) -> EvidenceDocument:
    key = _uuid(evidence_id)
    document = EvidenceDocument.objects.filter(request=request, public_id=key).first() if key else None
    if document is None or not policies.can_view_request(actor, request):
        raise NotFound("No such document on this request.", code="evidence_not_found")
    _record_read(
        actor=actor,
        kind="disclosure_evidence",
        purpose=_default_purpose(actor, ""),
        subjects=sorted(pseudonym("disclosure_subject", str(s.public_id)) for s in request.subjects.all()),
        refs={"request": str(request.public_id), "evidence": str(document.public_id), "sha256": document.sha256},
    )
    return document


def release_get(*, actor: Any, release_id: str) -> Release:
    key = _uuid(release_id)
    release = (
        Release.objects.select_related("request", "ledger_event", "released_by").filter(public_id=key).first()
        if key
        else None
    )
    if release is None or not policies.can_see_release_details(actor, release):
        raise NotFound("No release with that id that you can see.", code="release_not_found")
    return release


def release_packet(*, actor: Any, release: Release, purpose: str = "") -> dict[str, Any]:
    """The packet as handed over, with its ledger reference. Reading it is a recorded read."""
    if not policies.can_see_release_details(actor, release):
        raise NotFound("No release with that id that you can see.", code="release_not_found")
    event = release.ledger_event
    event.refresh_from_db(fields=["index"])
    packet = with_ledger(packet_body(release), event_id=event.pk, commitment=bytes(event.commitment), index=event.index)
    people = AccountingEntry.objects.filter(release=release).values_list("subject", flat=True)
    _record_read(
        actor=actor,
        kind="release_packet",
        purpose=_default_purpose(actor, purpose),
        subjects=sorted(set(people)),
        refs={"release": str(release.public_id), "packet_sha256": release.packet_sha256},
    )
    return packet


def accounting_for_person(
    *, code: str, last_name: str, date_of_birth: dt.date, one_time_code: str = ""
) -> list[AccountingEntry]:
    """The person's own accounting of disclosures (5 U.S.C. 552a(c)(3)), verified like their appointment.

    Entries the law lets the agency withhold from them ((b)(7) law-enforcement requests) are left out
    without a trace in the answer: a count or a gap would tell them an investigation exists. Each entry
    carries `proof_token`, which downloads its proof bundle for a few minutes (disclosures/proofs.py).
    """
    appointment = appointment_find(
        code=code, last_name=last_name, date_of_birth=date_of_birth, one_time_code=one_time_code
    )
    return accounting_of_person(person=appointment.person, verified_by="appointment_code")


def accounting_of_person(*, person: Person, verified_by: str) -> list[AccountingEntry]:
    """The entries a person who proved who they are (`verified_by` says how) may see, with their proof
    tokens; (b)(7) entries withheld from them are left out. A recorded read."""
    entries = list(AccountingEntry.objects.filter(person=person, subject_may_see=True).order_by("-disclosed_at", "-id"))
    _record_read(
        actor=None,
        kind="accounting",
        purpose="self_service",
        subjects=[subject_of(person)],
        refs={"entries": len(entries), "verified_by": verified_by},
    )
    return with_proof_tokens(entries)


def accounting_list(*, actor: Any, purpose: str, person_id: str = "") -> list[AccountingEntry]:
    """Every accounting entry, withheld ones included, for auditors and counsel (a recorded read)."""
    if not policies.can_read_accounting(actor):
        raise PermissionDenied("Only auditors and general counsel read the accounting of disclosures.")
    recorded = require_purpose(purpose)
    entries = AccountingEntry.objects.select_related("person", "release", "request").order_by("-disclosed_at", "-id")
    if person_id:
        key = _uuid(person_id)
        entries = entries.filter(person__public_id=key) if key else entries.none()
    rows = list(entries[:500])
    _record_read(
        actor=actor,
        kind="accounting",
        purpose=recorded,
        subjects=sorted({e.subject for e in rows}),
        refs={"entries": len(rows), "person": person_id[:64] or None},
    )
    return rows


def restriction_list(*, actor: Any) -> QuerySet[Restriction]:
    if not policies.can_read_restrictions(actor):
        raise PermissionDenied("Your role does not read restrictions.")
    return Restriction.objects.select_related("recorded_by").order_by("code")


def catalog_in_force(*, actor: Any) -> tuple[AuthorityCatalog | None, list[CatalogEntry]]:
    if not policies.can_read_catalog(actor):
        raise PermissionDenied("Sign in as staff to read the authority catalog.")
    catalog = catalog_latest()
    return catalog, list(CatalogEntry.objects.filter(catalog=catalog).order_by("id")) if catalog else []


def alert_list(*, actor: Any, since: dt.datetime | None = None) -> QuerySet[AccessAlert]:
    """Access alerts for the privacy officer's own region."""
    profile = getattr(actor, "staff_profile", None)
    region = getattr(profile, "region", None)
    if not policies.can_view_alerts(actor, region):
        raise PermissionDenied("Only the region's privacy officer sees its access alerts.")
    alerts = AccessAlert.objects.filter(region=region)
    if since is not None:
        alerts = alerts.filter(window_end__gte=since)
    return alerts.order_by("-window_start", "kind", "actor")


# --- The decision in force (reads only) ------------------------------------------------------------


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
