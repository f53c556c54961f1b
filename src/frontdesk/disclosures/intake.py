"""Recording an outside party's request: intake, edits, new evidence, and dropping a person named.

Each service runs in one transaction, checks who may act (actions.py, policies.py), and appends its ledger
event in that same transaction (invariants 2, 3 and 7, docs/architecture.md): a refused or invalid call writes nothing.
An edit or new evidence after a sign-off voids every sign-off and evaluates again; dropping a person only
narrows, so it voids nothing (ADR 0013).
"""

import base64
import datetime as dt
import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from frontdesk.core.crypto import encrypt_field, pseudonym
from frontdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from frontdesk.ledger.refusals import refusals_recorded
from frontdesk.ledger.services import event_append

from . import actions, policies
from .inputs import (
    MAX_EVIDENCE,
    EvidenceUpload,
    RequestDetails,
    SubjectDetails,
    _check_upload,
    _clean_details,
    _clean_subjects,
    _required,
)
from .lifecycle import (
    _lock,
    _raise,
    _record_decision,
    _refusal_refs,
    _refuse,
    _request_event,
    _void_sign_offs,
)
from .models import EVIDENCE_CONTEXT, DisclosureRequest, EvidenceDocument, RequestSubject
from .signer_position import _position_unconfirm
from .subject_decisions import is_personal
from .vocabulary import CloseReason, EvidenceKind


def _store_evidence(
    *,
    actor: Any,
    request: DisclosureRequest,
    upload: EvidenceUpload,
    now: dt.datetime,
    subject: RequestSubject | None = None,
) -> EvidenceDocument:
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
    _request_event(
        "disclosures.request.evidence_added",
        actor=actor,
        request=request,
        purpose="disclosure intake",
        refs={
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
        _request_event(
            "disclosures.request.received",
            actor=actor,
            request=request,
            purpose="disclosure intake",
            refs={
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


_POSITION_FIELDS = ("requester_agency", "requester_official", "requester_position", "agency_type")


def request_edit(
    *,
    actor: Any,
    request: DisclosureRequest,
    details: RequestDetails | None = None,
    subjects: Sequence[SubjectDetails] | None = None,
    now: dt.datetime | None = None,
) -> DisclosureRequest:
    """Change a request. Any change after a sign-off voids every sign-off: the officials approved what
    they saw, not what it became (docs/architecture.md: "any edit after a sign-off resets the sign-offs")."""
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
        _request_event(
            "disclosures.request.edited",
            actor=actor,
            request=request,
            purpose="disclosure intake",
            refs={"version": request.version, "fields": ",".join(changed)[:200]},
        )
        if set(changed) & set(_POSITION_FIELDS):
            _position_unconfirm(actor=actor, request=request, because="requester_edited", now=now)
        _void_sign_offs(actor=actor, request=request, reason="edited", now=now)
        _record_decision(actor=actor, request=request, now=now)
    return request


def _identity(row: dict[str, Any]) -> tuple[Any, ...]:
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
