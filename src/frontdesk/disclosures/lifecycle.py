"""The request's declared state machine and the steps every disclosure write shares.

Nothing else assigns DisclosureRequest.status: each service moves a request through `_set_status`, and
records the new decision with `_record_decision` (which appends its ledger event in the caller's
transaction). These helpers run inside the caller's transaction and check nothing about who acts.
Their names start with an underscore because they belong to the disclosure services (intake, signing,
release, expiry...), never to a surface.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from frontdesk.core.crypto import pseudonym
from frontdesk.core.errors import Conflict, DomainError
from frontdesk.ledger.models import LedgerEvent
from frontdesk.ledger.services import event_append

from .decision import RequestDecision
from .models import DisclosureRequest, RequestStatus, SignOff
from .selectors import request_decide
from .vocabulary import SIGNOFF_ROLES, CloseReason

# The declared state machine: nothing else assigns DisclosureRequest.status.
_OPEN = {
    RequestStatus.DENIED,
    RequestStatus.NEEDS_EVIDENCE,
    RequestStatus.AWAITING_SIGNOFF,
    RequestStatus.APPROVED,
    RequestStatus.REJECTED,
}
TRANSITIONS: dict[str, set[str]] = {
    RequestStatus.RECEIVED: _OPEN | {RequestStatus.EXPIRED, RequestStatus.REFUSED},
    RequestStatus.DENIED: _OPEN | {RequestStatus.EXPIRED, RequestStatus.REFUSED},
    RequestStatus.NEEDS_EVIDENCE: _OPEN | {RequestStatus.EXPIRED, RequestStatus.REFUSED},
    RequestStatus.AWAITING_SIGNOFF: _OPEN | {RequestStatus.EXPIRED, RequestStatus.REFUSED},
    RequestStatus.APPROVED: _OPEN | {RequestStatus.RELEASED, RequestStatus.EXPIRED, RequestStatus.REFUSED},
    RequestStatus.RELEASED: set(),
    RequestStatus.REJECTED: set(),
    RequestStatus.EXPIRED: set(),
    RequestStatus.REFUSED: set(),
}


def _subject_pseudonyms(request: DisclosureRequest) -> list[str]:
    return sorted(pseudonym("disclosure_subject", str(s.public_id)) for s in request.subjects.all())


def _request_event(
    event_type: str,
    *,
    actor: Any,
    request: DisclosureRequest,
    purpose: str,
    refs: Mapping[str, str | int | bool | None],
) -> LedgerEvent:
    """Append, in the caller's transaction, the ledger event of a step in a request's life: it names the
    request first, then `refs`, and the people named in it by pseudonym only."""
    return event_append(
        type=event_type,
        actor=actor,
        purpose=purpose,
        subjects=_subject_pseudonyms(request),
        refs={"request": str(request.public_id), **refs},
    )


def _lock(request: DisclosureRequest) -> DisclosureRequest:
    return DisclosureRequest.objects.select_for_update().get(pk=request.pk)


def _set_status(request: DisclosureRequest, to: str) -> None:
    if to == request.status:
        return
    if to not in TRANSITIONS[request.status]:
        raise Conflict(
            f"This request is {request.get_status_display().lower()}; it cannot become {to.replace('_', ' ')}.",
            code="invalid_transition",
        )
    request.status = to


def _raise(refusal: DomainError | None) -> None:
    if refusal is not None:
        raise refusal


def _refusal_refs(request: DisclosureRequest, role: str | None = None) -> dict[str, str]:
    """What a refusal event names: the request, and the role asked for (only a known role's name: the
    field is free text on some surfaces)."""
    refs = {"request": str(request.public_id)}
    if role is not None:
        refs["role"] = role if role in SIGNOFF_ROLES else "unknown"
    return refs


def _close(request: DisclosureRequest, to: str, now: dt.datetime) -> None:
    """End a request (rejected, expired): the transition is checked and saved with its time."""
    _set_status(request, to)
    request.updated_at = now
    request.save(update_fields=["status", "updated_at"])


def _record_decision(*, actor: Any, request: DisclosureRequest, now: dt.datetime) -> RequestDecision:
    decision = request_decide(request, now=now)
    request.decision = decision.as_dict()
    request.decision_sha256 = decision.sha256()
    request.evaluated_at = now
    _set_status(request, decision.status)
    request.save(update_fields=["decision", "decision_sha256", "evaluated_at", "status"])
    _request_event(
        "disclosures.request.evaluated",
        actor=actor,
        request=request,
        purpose="disclosure decision",
        refs={
            "version": request.version,
            "status": decision.status,
            "decision_sha256": request.decision_sha256,
            "policy_sha256": decision.policy_sha256,
        },
    )
    return decision


def _void_sign_offs(
    *, actor: Any, request: DisclosureRequest, reason: str, now: dt.datetime, queryset: QuerySet[SignOff] | None = None
) -> int:
    live = queryset if queryset is not None else SignOff.objects.filter(request=request, voided_at__isnull=True)
    count = live.update(voided_at=now, void_reason=reason)
    if count:
        _request_event(
            "disclosures.request.sign_offs_voided",
            actor=actor,
            request=request,
            purpose="disclosure sign-off",
            refs={"count": count, "reason": reason, "version": request.version},
        )
    return count


def _void_expired(*, actor: Any, request: DisclosureRequest, now: dt.datetime) -> None:
    expired = SignOff.objects.filter(request=request, voided_at__isnull=True, expires_at__lte=now)
    _void_sign_offs(actor=actor, request=request, reason="expired", now=now, queryset=expired)


def _refuse(*, actor: Any, request: DisclosureRequest, reason: CloseReason, now: dt.datetime) -> None:
    """Close a request the rules refuse without anyone's sign-off: recorded, decided, then closed."""
    _set_status(request, RequestStatus.REFUSED)
    request.closed_reason = reason.value
    request.updated_at = now
    request.save(update_fields=["status", "closed_reason", "updated_at"])
    _request_event(
        "disclosures.request.refused",
        actor=actor,
        request=request,
        purpose="disclosure decision",
        refs={"version": request.version, "reason": reason.value},
    )
