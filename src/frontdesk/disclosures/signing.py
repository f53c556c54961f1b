"""Officials sign a request off or reject it (NIST AC-3(2) dual authorization, AC-5 separation of duties).

Which sign-offs count at a given moment is judged in signoffs.py; this module writes them.
"""

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from frontdesk.core.errors import Conflict
from frontdesk.ledger.refusals import refusals_recorded

from . import actions
from .engine import engine_in_force
from .inputs import _optional, _required
from .lifecycle import (
    _close,
    _lock,
    _raise,
    _record_decision,
    _refusal_refs,
    _request_event,
    _void_expired,
    _void_sign_offs,
)
from .models import DisclosureRequest, RequestStatus, SignOff, SignOffDecision
from .selectors import request_decide
from .signoffs import SignOffStanding, sign_off_standings

DEFAULT_SIGNOFF_TTL_DAYS = 30


def signoff_ttl() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "FRONTDESK_SIGNOFF_TTL_DAYS", DEFAULT_SIGNOFF_TTL_DAYS)))


def _void_stale(*, actor: Any, request: DisclosureRequest, now: dt.datetime, stale: Sequence[SignOffStanding]) -> None:
    """Void live approvals that no longer count, each with its reason (signer_lost_role, ...), so that
    they block no replacement; one `sign_offs_voided` event per reason."""
    by_reason: dict[str, list[int]] = {}
    for standing in stale:
        by_reason.setdefault(standing.reason, []).append(standing.sign_off.pk)
    for reason, keys in sorted(by_reason.items()):
        queryset = SignOff.objects.filter(pk__in=keys, voided_at__isnull=True)
        _void_sign_offs(actor=actor, request=request, reason=reason, now=now, queryset=queryset)


def request_sign_off(
    *, actor: Any, request: DisclosureRequest, role: str, note: str = "", now: dt.datetime | None = None
) -> SignOff:
    """Approve a request in one role (NIST AC-3(2) dual authorization, AC-5 separation of duties).

    The role must be one the deciding authority names; the signer must hold it in scope, must not be the
    intake clerk, and must not have signed this request in another role. The sign-off lasts
    FRONTDESK_SIGNOFF_TTL_DAYS (default 30) and only for the request's current version. A live approval
    in this role (or by this signer) that no longer counts, say because its signer lost the role, is
    voided with that reason in the same transaction: it blocks no replacement. A refusal is recorded
    on the ledger (`disclosures.request.sign_off.refused`).
    """
    now = now or timezone.now()
    note = _optional(note, "note", 500)
    refused = refusals_recorded(
        action="disclosures.request.sign_off",
        actor=actor,
        purpose="disclosure sign-off",
        refs=_refusal_refs(request, role),
    )
    with refused, transaction.atomic():
        request = _lock(request)
        _raise(actions.signer_refusal(actor, request, role))
        _void_expired(actor=actor, request=request, now=now)
        standings = sign_off_standings(request, now=now)
        decision = request_decide(request, now=now, standings=standings)
        rules = engine_in_force().rules
        _raise(actions.sign_refusal(actor, request, role, standings=standings, decision=decision, rules=rules))
        blocking = [s for s in standings if s.stale and (s.sign_off.role == role or s.sign_off.signer_id == actor.pk)]
        _void_stale(actor=actor, request=request, now=now, stale=blocking)
        try:
            with transaction.atomic():
                sign_off = SignOff.objects.create(
                    request=request,
                    role=role,
                    signer=actor,
                    decision=SignOffDecision.APPROVED,
                    note=note,
                    request_version=request.version,
                    decision_sha256=decision.sha256(),
                    signed_at=now,
                    expires_at=now + signoff_ttl(),
                )
        except IntegrityError:
            raise Conflict(
                "Someone signed this request in that role a moment ago.", code="role_already_signed"
            ) from None
        _request_event(
            "disclosures.request.signed_off",
            actor=actor,
            request=request,
            purpose="disclosure sign-off",
            refs={
                "role": role,
                "version": request.version,
                "decision_sha256": sign_off.decision_sha256,
                "expires_at": sign_off.expires_at.isoformat(),
            },
        )
        _record_decision(actor=actor, request=request, now=now)
    return sign_off


def request_reject(
    *, actor: Any, request: DisclosureRequest, role: str, reason: str, now: dt.datetime | None = None
) -> SignOff:
    """Refuse a request. Any one official's rejection ends it; nothing can then be released. A refusal
    is recorded on the ledger (`disclosures.request.reject.refused`)."""
    now = now or timezone.now()
    reason = _required(reason, "reason", "reason for the rejection", 500)
    refused = refusals_recorded(
        action="disclosures.request.reject",
        actor=actor,
        purpose="disclosure sign-off",
        refs=_refusal_refs(request, role),
    )
    with refused, transaction.atomic():
        request = _lock(request)
        _raise(actions.signer_refusal(actor, request, role))
        own = SignOff.objects.filter(request=request, signer=actor, voided_at__isnull=True)
        _void_sign_offs(actor=actor, request=request, reason="withdrawn", now=now, queryset=own)
        sign_off = SignOff.objects.create(
            request=request,
            role=role,
            signer=actor,
            decision=SignOffDecision.REJECTED,
            note=reason,
            request_version=request.version,
            decision_sha256=request.decision_sha256,
            signed_at=now,
            expires_at=now + signoff_ttl(),
        )
        _close(request, RequestStatus.REJECTED, now)
        _request_event(
            "disclosures.request.rejected",
            actor=actor,
            request=request,
            purpose="disclosure sign-off",
            refs={"role": role, "version": request.version},
        )
    return sign_off
