"""The privacy office: disclosure requests, sign-off, release, accounting, transparency, alerts; and a
clerk's one action when an outside agency asks for records, recording the request.

Every rule is the disclosures app's (services, selectors, policies): these views parse forms, call
them, and show what they return. Reads of requests and packets are recorded by the selectors.
"""

import datetime as dt
import json
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontdesk.accounts.actors import Actor
from frontdesk.core.errors import DomainError
from frontdesk.disclosures import policies, selectors
from frontdesk.disclosures.catalog import entries_in_force, positions_in_force
from frontdesk.disclosures.categories import category_label
from frontdesk.disclosures.decision import RequestDecision
from frontdesk.disclosures.inputs import EvidenceUpload, RequestDetails, RestrictionDetails, SubjectDetails
from frontdesk.disclosures.intake import evidence_add, request_receive, subject_drop
from frontdesk.disclosures.models import (
    DisclosureRequest,
    Release,
    RequestStatus,
    RequestSubject,
    SignOffDecision,
)
from frontdesk.disclosures.packet import packet_pdf
from frontdesk.disclosures.release import request_release
from frontdesk.disclosures.restrictions import restriction_save
from frontdesk.disclosures.selectors import position_confirmed
from frontdesk.disclosures.signer_position import position_confirm_refusal, request_position_confirm
from frontdesk.disclosures.signing import request_reject, request_sign_off
from frontdesk.disclosures.transparency import transparency_report
from frontdesk.disclosures.view import request_view
from frontdesk.disclosures.vocabulary import CloseReason, EvidenceKind

from .form_flow import form_submit
from .privacy_forms import (
    AccountingSearchForm,
    EvidenceForm,
    OutsideRequestForm,
    RestrictionForm,
    SignOffForm,
    SubjectDropForm,
    TransparencyForm,
)

ROLE_NAMES = {
    "office_manager": "Office manager",
    "regional_privacy_officer": "Regional privacy officer",
    "general_counsel": "General counsel",
}
# Why a sign-off no longer counts (disclosures.signoffs.NotCounted and the void reasons), for people.
NOT_COUNTED_TEXT = {
    "older_version": "given on an earlier version of the request",
    "expired": "expired",
    "intake_clerk": "the signer took the request in",
    "signer_inactive": "the signer no longer works here",
    "signer_lost_role": "the signer no longer holds that role for this request",
    "same_signer": "the signer already signed in another role",
    "edited": "the request changed after it was given",
    "withdrawn": "withdrawn by the signer",
    "request_expired": "the request expired",
    "voided": "voided",
}
OUTCOME_NAMES = {
    "approved": "Approved",
    "awaiting_signoff": "Awaiting sign-off",
    "needs_evidence": "Needs evidence",
    "denied": "Denied",
    "dropped": "Dropped",
}


def _uploads(data: dict) -> list[EvidenceUpload]:
    uploads = []
    for suffix in ("", "_2"):
        upload = data.get(f"evidence_file{suffix}")
        if upload is not None:
            uploads.append(
                EvidenceUpload(
                    kind=data[f"evidence_kind{suffix}"],
                    filename=upload.name[:120],
                    content_type=upload.content_type or "application/octet-stream",
                    content=upload.read(),
                )
            )
    return uploads


@require_http_methods(["GET", "POST"])
def outside_request(request: HttpRequest) -> HttpResponse:
    """Record what an outside agency asked for. The clerk hands nothing over: the request goes to the
    privacy office, and the page says nothing about whether the person has records here."""
    form = OutsideRequestForm(request.POST or None, request.FILES or None)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        details = RequestDetails(
            channel=data["channel"],
            requester_agency=data["requester_agency"],
            requester_component=data["requester_component"],
            requester_official=data["requester_official"],
            requester_title=data["requester_title"],
            requester_contact=data["requester_contact"],
            requester_address=data["requester_address"],
            agency_type=data["agency_type"],
            purpose=data["purpose"],
            purpose_detail=data["purpose_detail"],
            crime_class=data["crime_class"],
            subject_status=data["subject_status"],
            authority_cited=data["authority_cited"],
            categories=tuple(data["categories"]),
            records_from=data["records_from"],
            records_to=data["records_to"],
            requester_position=data["requester_position"],
        )
        subject = SubjectDetails(
            last_name=data["subject_last_name"],
            first_name=data["subject_first_name"],
            date_of_birth=data.get("subject_date_of_birth"),
        )
        try:
            received = request_receive(actor=request.user, details=details, subjects=[subject], evidence=_uploads(data))
        except DomainError as error:
            field = {"subjects": "subject_last_name", "evidence": "evidence_file"}.get(error.field or "", error.field)
            form.add_domain_error(error, field=field)
        else:
            if received.status == RequestStatus.REFUSED:
                messages.warning(
                    request,
                    f"Recorded and refused: request {str(received.public_id)[:8]}. "
                    f"{CloseReason(received.closed_reason).label} Print the notice below for the requester.",
                )
            else:
                messages.success(
                    request,
                    f"Recorded: request {str(received.public_id)[:8]}. It goes to the privacy office. "
                    "Give the requester nothing now except the printed notice; the privacy office answers them.",
                )
            return redirect("console:outside-request")
    return render(request, "console/outside_request.html", {"form": form})


@require_GET
def privacy_requests(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in RequestStatus.values else ""
    rows = list(selectors.request_list(actor=request.user, status=status)[:200])
    context = {"rows": rows, "status": status, "statuses": RequestStatus.choices}
    return render(request, "console/privacy_requests.html", context)


def _decision_rows(decision: dict) -> list[dict]:
    categories = decision.get("categories", [])
    codes = {a for c in categories for a in (*c.get("authorities", []), *c.get("restrictions", []))}
    cited = entries_in_force(codes)
    return [
        {
            "label": category_label(c["category"]),
            "outcome": OUTCOME_NAMES.get(c["outcome"], c["outcome"]),
            "outcome_code": c["outcome"],
            "authorities": [(a, cited.get(a)) for a in c.get("authorities", [])],
            "restrictions": [(r, cited.get(r)) for r in c.get("restrictions", [])],
            "missing_evidence": [
                EvidenceKind(k).label if k in EvidenceKind.values else k for k in c.get("missing_evidence", [])
            ],
            "missing_signoffs": [ROLE_NAMES.get(r, r) for r in c.get("missing_signoffs", [])],
            "reason": c.get("reason", ""),
        }
        for c in categories
    ]


def _subject_label(subject: RequestSubject) -> str:
    return f"{subject.position}. {subject.first_name} {subject.last_name}".replace("  ", " ")


def _subject_rows(found: DisclosureRequest, decision: RequestDecision) -> list[dict[str, Any]]:
    """Each person named, with their own decision (the services' answer, shown as is)."""
    rows = []
    for subject in found.subjects.select_related("dropped_by"):
        own = decision.for_subject(str(subject.public_id))
        own_dict: dict[str, Any] = (
            own.as_dict() if own else {"status": "dropped", "categories": [], "notes": [], "evidence": []}
        )
        rows.append(
            {
                "subject": subject,
                "label": _subject_label(subject),
                "status_code": own_dict["status"],
                "status": OUTCOME_NAMES.get(own_dict["status"], own_dict["status"]),
                "decision": _decision_rows(own_dict),
                "evidence": [EvidenceKind(k).label if k in EvidenceKind.values else k for k in own_dict["evidence"]],
                "notes": own_dict["notes"],
            }
        )
    return rows


def _evidence_form(found: DisclosureRequest, *args: Any) -> EvidenceForm:
    included = [(str(s.public_id), _subject_label(s)) for s in found.subjects.all() if s.dropped_at is None]
    return EvidenceForm(*args, subjects=included)


@require_GET
def privacy_request(request: HttpRequest, request_id: UUID) -> HttpResponse:
    """The request as `request_view` answers it (status, sign-offs that count and why not, allowed
    actions): the same answer as the API's; this view decides nothing."""
    found = selectors.request_get(actor=request.user, request_id=str(request_id))
    view = request_view(actor=request.user, request=found)
    subject_rows = _subject_rows(found, view.decision)
    release = Release.objects.filter(request=found).first()
    sign_offs = [
        {
            "role": ROLE_NAMES.get(s.role, s.role),
            "role_code": s.role,
            "signer": s.signer,
            "decision": SignOffDecision(s.decision).label,
            "decision_code": s.decision,
            "note": s.note,
            "signed_at": s.signed_at,
            "counts": s.counts,
            "reason": s.reason,
            "reason_text": NOT_COUNTED_TEXT.get(s.reason, s.reason.replace("_", " ")),
        }
        for s in view.sign_offs
    ]
    context = {
        "found": found,
        "view": view,
        "status": view.status,
        "status_label": dict(RequestStatus.choices).get(view.status, OUTCOME_NAMES.get(view.status, view.status)),
        "categories": [category_label(c) for c in found.categories],
        "decision": _decision_rows(view.decision.as_dict()),
        "evidence": list(found.evidence.select_related("uploaded_by", "subject")),
        "subjects": list(found.subjects.all()),
        "subject_rows": subject_rows,
        "not_released": [p for p in subject_rows if p["status_code"] != "approved"],
        "sign_offs": sign_offs,
        "missing_signoffs": [ROLE_NAMES.get(r, r) for r in view.missing_signoffs],
        "sign_as": [(r, ROLE_NAMES.get(r, r)) for r in view.allowed.sign_as],
        "reject_as": [(r, ROLE_NAMES.get(r, r)) for r in view.allowed.reject_as],
        "can_release": view.allowed.release,
        "can_edit": view.allowed.add_evidence,
        "evidence_form": _evidence_form(found),
        "closed_reason": CloseReason(found.closed_reason).label if found.closed_reason else "",
        "position": _position_context(request.user, found),
        "release": release if release and policies.can_see_release_details(request.user, release) else None,
    }
    return render(request, "console/privacy_request.html", context)


ACTIONS = {"sign": "sign_off", "reject": "reject", "release": "release"}


def _position_context(user: Actor, found: DisclosureRequest) -> dict[str, Any]:
    """What the page says about the letter's signer, and whether this user may confirm it."""
    titles = {p.code: p.title for p in positions_in_force()}
    listed = {p.code for p in positions_in_force(found.agency_type)}
    code = found.requester_position
    confirmed = position_confirmed(found)
    return {
        "code": code,
        "title": titles.get(code, "another position, not listed" if code else "not stated"),
        "listed": code in listed,
        "confirmed": confirmed,
        "confirmed_by": by.get_username() if confirmed and (by := found.position_confirmed_by) else "",
        "confirmed_at": found.position_confirmed_at if confirmed else None,
        # The service's own answer: shown exactly when confirming would succeed.
        "can_confirm": position_confirm_refusal(user, found, code) is None,
    }


@require_POST
def privacy_position_confirm(request: HttpRequest, request_id: UUID) -> HttpResponse:
    """A second official confirms, from the letter on file, that its signer holds the listed position."""
    found = selectors.request_for_action(actor=request.user, request_id=str(request_id), action="position_confirm")
    try:
        request_position_confirm(actor=request.user, request=found, position=request.POST.get("position", "")[:60])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Position confirmed; the decision now counts it.")
    return redirect("console:privacy-request", request_id=request_id)


@require_POST
def privacy_request_act(request: HttpRequest, request_id: UUID) -> HttpResponse:
    form = SignOffForm(request.POST)
    target = redirect("console:privacy-request", request_id=request_id)
    if not form.is_valid():
        messages.error(request, "That action is not available.")
        return target
    action, role, note = form.cleaned_data["action"], form.cleaned_data["role"], form.cleaned_data["note"]
    found = selectors.request_for_action(actor=request.user, request_id=str(request_id), action=ACTIONS[action])
    try:
        if action == "sign":
            request_sign_off(actor=request.user, request=found, role=role, note=note)
            messages.success(request, f"Signed off as {ROLE_NAMES.get(role, role).lower()}.")
        elif action == "reject":
            request_reject(actor=request.user, request=found, role=role, reason=note)
            messages.success(request, "Rejected. Nothing can be released for this request.")
        else:
            release = request_release(actor=request.user, request=found)
            messages.success(
                request, f"Released, and the accounting entries are written ({release.subjects_released} subject(s))."
            )
    except DomainError as error:
        messages.error(request, error.message)
    return target


@require_GET
def privacy_evidence_download(request: HttpRequest, request_id: UUID, evidence_id: UUID) -> HttpResponse:
    """A document filed with a request, as it was received (the read is recorded by the selector)."""
    found = selectors.request_for_action(actor=request.user, request_id=str(request_id), action="evidence_read")
    document = selectors.evidence_get(actor=request.user, request=found, evidence_id=str(evidence_id))
    response = HttpResponse(bytes(document.content), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{document.public_id}-{document.sha256[:12]}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def privacy_release_download(request: HttpRequest, release_id: UUID) -> HttpResponse:
    release = selectors.release_get(actor=request.user, release_id=str(release_id))
    packet = selectors.release_packet(actor=request.user, release=release)
    if request.GET.get("format") == "json":
        response = HttpResponse(json.dumps(packet, indent=2, default=str), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="release-{release.public_id}.json"'
        return response
    response = HttpResponse(packet_pdf(packet), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="release-{release.public_id}.pdf"'
    return response


@require_GET
def privacy_accounting(request: HttpRequest) -> HttpResponse:
    form = AccountingSearchForm(request.GET if "purpose" in request.GET else None)
    rows = None
    if form.is_bound and form.is_valid():
        person = str(form.cleaned_data["person"]) if form.cleaned_data["person"] else ""
        try:
            rows = selectors.accounting_list(actor=request.user, purpose=form.cleaned_data["purpose"], person_id=person)
        except DomainError as error:
            form.add_domain_error(error)
    return render(request, "console/privacy_accounting.html", {"form": form, "rows": rows})


def _last_finished_quarter(today: dt.date) -> tuple[int, int]:
    quarter = (today.month - 1) // 3  # the quarter before the current one, 0 meaning Q4 last year
    return (today.year, quarter) if quarter else (today.year - 1, 4)


@require_GET
def privacy_transparency(request: HttpRequest) -> HttpResponse:
    year, quarter = _last_finished_quarter(timezone.localdate())
    form = TransparencyForm(request.GET if "year" in request.GET else {"year": year, "quarter": quarter})
    report = None
    if form.is_valid():
        try:
            report = transparency_report(year=form.cleaned_data["year"], quarter=form.cleaned_data["quarter"])
        except DomainError as error:
            form.add_domain_error(error)
    return render(request, "console/privacy_transparency.html", {"form": form, "report": report})


@require_GET
def privacy_alerts(request: HttpRequest) -> HttpResponse:
    alerts = list(selectors.alert_list(actor=request.user)[:200])
    return render(request, "console/privacy_alerts.html", {"alerts": alerts})


@require_POST
def privacy_evidence_add(request: HttpRequest, request_id: UUID) -> HttpResponse:
    """File another document with a request. It is an edit: sign-offs already given are voided."""
    found = selectors.request_for_action(actor=request.user, request_id=str(request_id), action="evidence_add")
    form = _evidence_form(found, request.POST, request.FILES)
    form_submit(
        request,
        form,
        lambda data: evidence_add(
            actor=request.user, request=found, upload=_uploads(data)[0], subject_id=data["evidence_subject"] or None
        ),
        done="Document filed. Any sign-offs given before it must be given again.",
        errors="messages",
        invalid="Choose the kind of document, a file of at most 10 MB and a person named in it.",
    )
    return redirect("console:privacy-request", request_id=request_id)


@require_POST
def privacy_subject_drop(request: HttpRequest, request_id: UUID, subject_id: UUID) -> HttpResponse:
    """Take one person out of a request (disclosures.intake.subject_drop): never released, and the
    sign-offs already given keep counting for the others."""
    found = selectors.request_for_action(actor=request.user, request_id=str(request_id), action="subject_drop")
    form = SubjectDropForm(request.POST)
    form_submit(
        request,
        form,
        lambda data: subject_drop(actor=request.user, request=found, subject_id=str(subject_id), reason=data["reason"]),
        done="Dropped. That person will not be released; the sign-offs given still count.",
        errors="messages",
        invalid="Give the reason for dropping this person (at most 500 characters).",
    )
    return redirect("console:privacy-request", request_id=request_id)


@require_http_methods(["GET", "POST"])
def privacy_restrictions(request: HttpRequest) -> HttpResponse:
    """Court orders and statutes that forbid disclosure. Counsel records them; they override every
    authority from the moment they are saved (disclosures.restriction_save)."""
    can_record = policies.can_record_restriction(request.user)
    form = RestrictionForm(request.POST or None) if can_record else None
    if form is not None and form.is_bound and form.is_valid():
        data = form.cleaned_data
        recipients, agencies = form.scope_input()
        details = RestrictionDetails(
            kind=data["kind"],
            title=data["title"],
            citation=data["citation"],
            summary=data["summary"],
            categories=tuple(data["categories"]),
            recipients=recipients,
            agencies=agencies,
            effective_from=data["effective_from"],
            effective_until=data["effective_until"],
        )
        try:
            saved = restriction_save(actor=request.user, details=details)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"Restriction {saved.code} recorded; it applies to every decision from now on.")
            return redirect("console:privacy-restrictions")
    rows = list(selectors.restriction_list(actor=request.user))
    return render(request, "console/privacy_restrictions.html", {"rows": rows, "form": form})
