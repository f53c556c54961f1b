"""Staff endpoints under /api/v1/disclosures/: intake, decision, sign-off, release, restrictions, the
accounting of disclosures and access alerts. Each takes a signed-in session or an API token with the
operation's scope (api/tokens.py).
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Status

from frontdesk.disclosures import intake, selectors
from frontdesk.disclosures.catalog import positions_in_force
from frontdesk.disclosures.categories import RELEASABLE, DataCategory
from frontdesk.disclosures.inputs import RequestDetails, RestrictionDetails
from frontdesk.disclosures.models import DisclosureRequest
from frontdesk.disclosures.packet import packet_pdf
from frontdesk.disclosures.release import request_release
from frontdesk.disclosures.restrictions import restriction_save
from frontdesk.disclosures.signer_position import request_position_confirm
from frontdesk.disclosures.signing import request_reject, request_sign_off
from frontdesk.disclosures.view import request_view
from frontdesk.disclosures.vocabulary import (
    SIGNOFF_ROLES,
    AgencyType,
    Channel,
    CrimeClass,
    EvidenceKind,
    Purpose,
    SubjectStatus,
)

from .present import (
    _accounting,
    _alert,
    _choices,
    _details,
    _evidence,
    _restriction,
    _sign_off,
    _subjects,
    _summary,
    _upload,
    release_dict,
    request_dict,
)
from .routers import DisclosuresRouter
from .schemas import (
    ERRORS,
    AccountingEntryOut,
    AccountingQuery,
    AlertOut,
    CatalogOut,
    EvidenceFileIn,
    EvidenceIn,
    EvidenceOut,
    ListQuery,
    PositionConfirmIn,
    ReadQuery,
    RejectIn,
    ReleaseOut,
    RequestIn,
    RequestOut,
    RequestPatch,
    RequestSummaryOut,
    RestrictionIn,
    RestrictionOut,
    SignOffIn,
    SignOffOut,
    SubjectDropIn,
    _content,
)

router = DisclosuresRouter(tags=["disclosures"])


def _act(
    request: HttpRequest, request_id: str, action: str, act: Callable[[DisclosureRequest], object]
) -> dict[str, Any]:
    """The shape of a staff action on one request: the policy finds it for this action (or answers 404/403),
    the service acts, and the answer is the request as it now stands."""
    found = selectors.request_for_action(actor=request.user, request_id=request_id, action=action)
    act(found)
    found.refresh_from_db()
    return request_dict(found, request.user)


@router.get("/catalog", response={200: CatalogOut, **ERRORS}, summary="The authority catalog in force")
def catalog(request: HttpRequest) -> dict[str, Any]:
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
def request_create(request: HttpRequest, payload: RequestIn) -> Status[dict[str, Any]]:
    created = intake.request_receive(
        actor=request.user,
        details=_details(payload),
        subjects=_subjects(payload.subjects),
        evidence=[_upload(e) for e in payload.evidence],
    )
    return Status(201, request_dict(created, request.user))


@router.get("/requests", response={200: list[RequestSummaryOut], **ERRORS}, summary="Requests you can see")
def request_list(request: HttpRequest, query: Query[ListQuery]) -> list[dict[str, Any]]:
    return [_summary(r) for r in selectors.request_list(actor=request.user, status=query.status or "")[:500]]


@router.get("/requests/{request_id}", response={200: RequestOut, **ERRORS}, summary="One request and its decision")
def request_detail(request: HttpRequest, request_id: str, query: Query[ReadQuery]) -> dict[str, Any]:
    found = selectors.request_get(actor=request.user, request_id=request_id, purpose=query.purpose)
    return request_dict(found, request.user)


@router.patch(
    "/requests/{request_id}",
    response={200: RequestOut, **ERRORS},
    summary="Change a request (voids every sign-off)",
)
def request_update(request: HttpRequest, request_id: str, payload: RequestPatch) -> dict[str, Any]:
    found = selectors.request_for_action(actor=request.user, request_id=request_id, action="edit")
    changes = payload.model_dump(exclude_unset=True)
    subjects = changes.pop("subjects", None)
    current = {f: getattr(found, f) for f in RequestDetails.__dataclass_fields__}
    kept = {k: v for k, v in changes.items() if v is not None or k in ("records_from", "records_to")}
    details = _details({**current, **kept}) if changes else None
    updated = intake.request_edit(
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
def evidence_create(request: HttpRequest, request_id: str, payload: EvidenceFileIn) -> Status[dict[str, Any]]:
    found = selectors.request_for_action(actor=request.user, request_id=request_id, action="evidence_add")
    upload = _upload(EvidenceIn(**payload.model_dump(exclude={"subject"})))
    document = intake.evidence_add(actor=request.user, request=found, upload=upload, subject_id=payload.subject)
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
def subject_drop(request: HttpRequest, request_id: str, subject_id: str, payload: SubjectDropIn) -> dict[str, Any]:
    return _act(
        request,
        request_id,
        "subject_drop",
        lambda found: intake.subject_drop(
            actor=request.user, request=found, subject_id=subject_id, reason=payload.reason
        ),
    )


@router.get(
    "/requests/{request_id}/evidence/{evidence_id}",
    response={200: None, **ERRORS},
    summary="Download a filed document",
    description="Returns the file with its content type.",
    openapi_extra=_content("application/octet-stream", "The document as filed", "binary"),
)
def evidence_download(request: HttpRequest, request_id: str, evidence_id: str) -> HttpResponse:
    found = selectors.request_for_action(actor=request.user, request_id=request_id, action="evidence_read")
    document = selectors.evidence_get(actor=request.user, request=found, evidence_id=evidence_id)
    response = HttpResponse(document.read(), content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["X-Content-SHA256"] = document.sha256
    return response


@router.post(
    "/requests/{request_id}/sign-offs", response={201: SignOffOut, **ERRORS}, summary="Sign a request off in a role"
)
def sign_off_create(request: HttpRequest, request_id: str, payload: SignOffIn) -> Status[dict[str, Any]]:
    found = selectors.request_for_action(actor=request.user, request_id=request_id, action="sign_off")
    sign_off = request_sign_off(actor=request.user, request=found, role=payload.role, note=payload.note)
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
def position_confirmation(request: HttpRequest, request_id: str, payload: PositionConfirmIn) -> dict[str, Any]:
    return _act(
        request,
        request_id,
        "position_confirm",
        lambda found: request_position_confirm(actor=request.user, request=found, position=payload.position),
    )


@router.post(
    "/requests/{request_id}/rejection", response={200: RequestOut, **ERRORS}, summary="Reject a request (final)"
)
def request_rejection(request: HttpRequest, request_id: str, payload: RejectIn) -> dict[str, Any]:
    return _act(
        request,
        request_id,
        "reject",
        lambda found: request_reject(actor=request.user, request=found, role=payload.role, reason=payload.reason),
    )


@router.post(
    "/requests/{request_id}/release",
    response={201: ReleaseOut, **ERRORS},
    summary="Release the approved part of a request",
    description="Writes the packet, its ledger event and the accounting entries in one transaction.",
)
def release_create(request: HttpRequest, request_id: str) -> Status[dict[str, Any]]:
    found = selectors.request_for_action(actor=request.user, request_id=request_id, action="release")
    release = request_release(actor=request.user, request=found)
    return Status(201, release_dict(release))


@router.get("/releases/{release_id}", response={200: ReleaseOut, **ERRORS}, summary="One release")
def release_detail(request: HttpRequest, release_id: str) -> dict[str, Any]:
    return release_dict(selectors.release_get(actor=request.user, release_id=release_id))


@router.get(
    "/releases/{release_id}/packet.json",
    response={200: dict, **ERRORS},
    summary="The release packet (JSON, authoritative)",
)
def release_packet_json(request: HttpRequest, release_id: str, query: Query[ReadQuery]) -> dict[str, Any]:
    release = selectors.release_get(actor=request.user, release_id=release_id)
    return selectors.release_packet(actor=request.user, release=release, purpose=query.purpose)


@router.get(
    "/releases/{release_id}/packet.pdf",
    response={200: None, **ERRORS},
    summary="The release packet (PDF)",
    description="Returns application/pdf rendered from the JSON packet.",
    openapi_extra=_content("application/pdf", "The packet as PDF", "binary"),
)
def release_packet_pdf(request: HttpRequest, release_id: str, query: Query[ReadQuery]) -> HttpResponse:
    release = selectors.release_get(actor=request.user, release_id=release_id)
    packet = selectors.release_packet(actor=request.user, release=release, purpose=query.purpose)
    response = HttpResponse(packet_pdf(packet), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="release-{release.public_id}.pdf"'
    return response


@router.get("/restrictions", response={200: list[RestrictionOut], **ERRORS}, summary="Recorded restrictions")
def restriction_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_restriction(r) for r in selectors.restriction_list(actor=request.user)]


def _restriction_details(payload: RestrictionIn) -> RestrictionDetails:
    data = payload.model_dump()
    return RestrictionDetails(
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
def restriction_create(request: HttpRequest, payload: RestrictionIn) -> Status[dict[str, Any]]:
    saved = restriction_save(actor=request.user, details=_restriction_details(payload))
    return Status(201, _restriction(saved))


@router.put(
    "/restrictions/{code}", response={200: RestrictionOut, **ERRORS}, summary="Change a restriction (general counsel)"
)
def restriction_update(request: HttpRequest, code: str, payload: RestrictionIn) -> dict[str, Any]:
    saved = restriction_save(actor=request.user, details=_restriction_details(payload), code=code[:20])
    return _restriction(saved)


@router.get(
    "/accounting",
    response={200: list[AccountingEntryOut], **ERRORS},
    summary="The accounting of disclosures (auditors)",
    description="Every entry, including those withheld from the person under 5 U.S.C. 552a(c)(3).",
)
def accounting_list(request: HttpRequest, query: Query[AccountingQuery]) -> list[dict[str, Any]]:
    rows = selectors.accounting_list(actor=request.user, purpose=query.purpose, person_id=query.person)
    return [_accounting(e) for e in rows]


@router.get("/alerts", response={200: list[AlertOut], **ERRORS}, summary="Access alerts for your region")
def alert_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_alert(a) for a in selectors.alert_list(actor=request.user)[:500]]
