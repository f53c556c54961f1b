"""Handing over the approved part of a request: re-decided at that moment, matched, packed and accounted."""

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import rfc8785
from django.db import transaction
from django.utils import timezone

from frontdesk.accounts.roles import primary_role
from frontdesk.core.crypto import encrypt_field
from frontdesk.ledger.refusals import refusals_recorded
from frontdesk.ledger.services import event_append
from frontdesk.scheduling.services import subject_of

from . import actions
from .accounting import _account
from .catalog import entries_in_force
from .decision import SubjectDecision
from .lifecycle import _lock, _raise, _refusal_refs, _set_status, _void_expired
from .matching import SubjectMatch, subject_match
from .models import TERMINAL_STATUSES, DisclosureRequest, Release, RequestStatus, RequestSubject
from .packet import FORMAT, PACKET_CONTEXT, body_sha256, packet_sign_offs, subject_records
from .selectors import request_decide
from .signoffs import counting_approvals, sign_off_standings
from .subject_decisions import FiledDocument, NamedSubject, counts_for


def request_release(*, actor: Any, request: DisclosureRequest, now: dt.datetime | None = None) -> Release:
    """Hand over the approved part of a request (invariants 2 and 3, docs/architecture.md).

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
        entries = entries_in_force(authority_codes)
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
        body: dict[str, Any] = {
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
    records: list[dict[str, Any]]

    def body(self) -> dict[str, Any]:
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
