"""Expiry of sign-offs and of idle requests, run on a clock by the scheduler (frontdesk.jobs)."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .lifecycle import _close, _record_decision, _refuse, _request_event, _void_sign_offs
from .models import TERMINAL_STATUSES, DisclosureRequest, RequestStatus, SignOff
from .vocabulary import CloseReason

DEFAULT_REQUEST_EXPIRY_DAYS = 90
# A request that claimed an authority but filed no document is refused after this many days (ADR 0014).
DEFAULT_EVIDENCE_WAIT_DAYS = 30


def request_expiry() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "FRONTDESK_REQUEST_EXPIRY_DAYS", DEFAULT_REQUEST_EXPIRY_DAYS)))


def evidence_wait() -> dt.timedelta:
    return dt.timedelta(days=int(getattr(settings, "FRONTDESK_EVIDENCE_WAIT_DAYS", DEFAULT_EVIDENCE_WAIT_DAYS)))


def sign_offs_expire(*, actor: Any, now: dt.datetime | None = None) -> int:
    """Void the sign-offs past their expiry on open requests and evaluate those requests again.

    A sign-off counts for FRONTDESK_SIGNOFF_TTL_DAYS (default 30). Release and the next sign-off already
    ignore an expired one; this makes the request show it too (an approved request whose approval
    lapsed is awaiting sign-off again) without waiting for someone to touch it. One transaction and
    one `disclosures.request.sign_offs_voided` event (reason "expired") per request. Returns how many
    requests changed.
    """
    now = now or timezone.now()
    pending = (
        SignOff.objects.filter(voided_at__isnull=True, expires_at__lte=now)
        .exclude(request__status__in=TERMINAL_STATUSES)
        .values_list("request_id", flat=True)
        .distinct()
    )
    changed = 0
    for request_id in sorted(set(pending)):
        with transaction.atomic():
            request = DisclosureRequest.objects.select_for_update().get(pk=request_id)
            if request.status in TERMINAL_STATUSES:
                continue
            expired = SignOff.objects.filter(request=request, voided_at__isnull=True, expires_at__lte=now)
            if _void_sign_offs(actor=actor, request=request, reason="expired", now=now, queryset=expired):
                _record_decision(actor=actor, request=request, now=now)
                changed += 1
    return changed


def _last_activity(request: DisclosureRequest) -> dt.datetime:
    signed = request.sign_offs.order_by("-signed_at").values_list("signed_at", flat=True).first()
    return max(request.updated_at, signed) if signed else request.updated_at


def requests_expire(*, actor: Any, now: dt.datetime | None = None) -> int:
    """Close the open requests nobody has acted on for FRONTDESK_REQUEST_EXPIRY_DAYS (default 90).

    Expiry releases nothing: the request ends as "expired" (a closed state, like rejected), its live
    sign-offs are voided, and `disclosures.request.expired` goes on the ledger. An agency that still
    needs the records asks again and the new request is decided on the rules of that day. The rule
    and its default are recorded in docs/adr/0010-process-supervision.md. Any edit, evidence or
    sign-off counts as activity. One transaction per request; returns how many expired.
    """
    now = now or timezone.now()
    cutoff = now - request_expiry()
    stale = (
        DisclosureRequest.objects.exclude(status__in=TERMINAL_STATUSES)
        .filter(updated_at__lt=cutoff)
        .exclude(sign_offs__signed_at__gte=cutoff)
        .values_list("pk", flat=True)
    )
    expired = 0
    for request_id in sorted(set(stale)):
        with transaction.atomic():
            request = DisclosureRequest.objects.select_for_update().get(pk=request_id)
            idle_since = _last_activity(request)
            if request.status in TERMINAL_STATUSES or idle_since >= cutoff:
                continue
            _void_sign_offs(actor=actor, request=request, reason="request_expired", now=now)
            _close(request, RequestStatus.EXPIRED, now)
            _request_event(
                "disclosures.request.expired",
                actor=actor,
                request=request,
                purpose="disclosure expiry",
                refs={
                    "version": request.version,
                    "idle_since": idle_since.isoformat(),
                    "expiry_days": request_expiry().days,
                },
            )
            expired += 1
    return expired


def requests_refuse_without_evidence(*, actor: Any, now: dt.datetime | None = None) -> int:
    """Refuse the open requests that still have no document FRONTDESK_EVIDENCE_WAIT_DAYS (default 30)
    after they were received (ADR 0014).

    A request that cites an authority is not informal at intake, but until a document arrives no
    authority covers it (5 U.S.C. 552a(b)). It ends as "refused" with reason evidence_not_received and
    a `disclosures.request.refused` event; the requester may ask again in writing. Requests with any
    document on file wait for an official or for the general expiry instead. Returns how many closed.
    """
    now = now or timezone.now()
    cutoff = now - evidence_wait()
    open_statuses = [RequestStatus.RECEIVED, RequestStatus.DENIED, RequestStatus.NEEDS_EVIDENCE]
    waiting = (
        DisclosureRequest.objects.filter(
            status__in=open_statuses,
            received_at__lte=cutoff,
            evidence__isnull=True,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    refused = 0
    for request_id in sorted(set(waiting)):
        with transaction.atomic():
            request = DisclosureRequest.objects.select_for_update().get(pk=request_id)
            if request.status not in open_statuses or request.evidence.exists():
                continue
            _void_sign_offs(actor=actor, request=request, reason="request_refused", now=now)
            _refuse(actor=actor, request=request, reason=CloseReason.NO_EVIDENCE, now=now)
            refused += 1
    return refused
