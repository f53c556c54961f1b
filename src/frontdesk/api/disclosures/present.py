"""Disclosure objects as the staff endpoints answer them, and request bodies as the services take them."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Choices

from frontdesk.core.crypto import ssn_last_four
from frontdesk.disclosures.decision import RequestDecision
from frontdesk.disclosures.inputs import EvidenceUpload, RequestDetails, SubjectDetails
from frontdesk.disclosures.models import (
    SUBJECT_SSN_CONTEXT,
    AccessAlert,
    AccountingEntry,
    DisclosureRequest,
    EvidenceDocument,
    Release,
    RequestSubject,
    Restriction,
)
from frontdesk.disclosures.restrictions import restriction_content
from frontdesk.disclosures.selectors import position_confirmed
from frontdesk.disclosures.view import SignOffView, request_view

from .schemas import AllowedActions, EvidenceIn, LedgerRef, ReleaseOut, RequestFields, RequestOut, SubjectIn


def _username(user: AbstractBaseUser | None) -> str:
    return user.get_username() if user is not None else ""


def _subject(s: RequestSubject, decision: RequestDecision) -> dict[str, Any]:
    last4 = ssn_last_four(s.ssn_encrypted, context=SUBJECT_SSN_CONTEXT)
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


def _evidence(e: EvidenceDocument) -> dict[str, Any]:
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


def _sign_off(s: SignOffView) -> dict[str, Any]:
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


def request_dict(request: DisclosureRequest, actor: Any) -> dict[str, Any]:
    """The request as `request_view` answers it; nothing here decides."""
    view = request_view(actor=actor, request=request)
    release = Release.objects.filter(request=request).values_list("public_id", flat=True).first()
    return RequestOut.model_validate(
        dict(
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
            requester=dict(
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
        )
    ).model_dump(mode="json")


def _position_confirmation(request: DisclosureRequest) -> dict[str, Any] | None:
    if not position_confirmed(request):
        return None
    return {
        "position": request.position_confirmed_as,
        "confirmed_by": _username(request.position_confirmed_by),
        "confirmed_at": request.position_confirmed_at,
    }


def _summary(request: DisclosureRequest) -> dict[str, Any]:
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


def release_dict(release: Release) -> dict[str, Any]:
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


def _restriction(r: Restriction) -> dict[str, Any]:
    # Dates come as ISO text from restriction_content; RestrictionOut reads them back as dates.
    return {
        **restriction_content(r),
        "binds": r.scope.as_dict(),
        "recorded_by": _username(r.recorded_by),
        "recorded_at": r.recorded_at,
        "updated_at": r.updated_at,
    }


def _details(payload: RequestFields | dict[str, Any]) -> RequestDetails:
    data = payload if isinstance(payload, dict) else payload.model_dump()
    fields = {k: v for k, v in data.items() if k in RequestDetails.__dataclass_fields__}
    fields["categories"] = tuple(fields.get("categories") or ())
    return RequestDetails(**fields)


def _subjects(items: Iterable[SubjectIn]) -> list[SubjectDetails]:
    return [SubjectDetails(**s.model_dump()) for s in items]


def _upload(e: EvidenceIn) -> EvidenceUpload:
    return EvidenceUpload.from_base64(**e.model_dump())


def _choices(enum: type[Choices]) -> list[dict[str, Any]]:
    return [{"code": value, "label": label} for value, label in enum.choices]


def _accounting(e: AccountingEntry) -> dict[str, Any]:
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


def _alert(a: AccessAlert) -> dict[str, Any]:
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
