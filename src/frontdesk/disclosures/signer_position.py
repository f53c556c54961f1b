"""Confirming that the written request's signer holds the position entered at intake (5 U.S.C.
552a(b)(7)), and ending that confirmation when the letter or the requester changes.
"""

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from frontdesk.core.errors import Conflict, DomainError, PermissionDenied
from frontdesk.ledger.refusals import refusals_recorded

from . import policies
from .lifecycle import _lock, _raise, _record_decision, _request_event
from .models import TERMINAL_STATUSES, DisclosureRequest
from .selectors import _listed_position, position_confirmed
from .vocabulary import EvidenceKind


def _position_unconfirm(*, actor: Any, request: DisclosureRequest, because: str, now: dt.datetime) -> None:
    """A confirmation covers the letter and the requester it was given on; a change to either ends it."""
    if request.position_confirmed_at is None:
        return
    request.position_confirmed_as = ""
    request.position_confirmed_by = None
    request.position_confirmed_at = None
    request.save(update_fields=["position_confirmed_as", "position_confirmed_by", "position_confirmed_at"])
    _request_event(
        "disclosures.request.position_unconfirmed",
        actor=actor,
        request=request,
        purpose="disclosure intake",
        refs={"version": request.version, "because": because},
    )


def position_confirm_refusal(actor: Any, request: DisclosureRequest, position: str) -> DomainError | None:
    """Whether the actor may confirm the letter's signer holds `position` now, and if not the refusal:
    the service raises it and the request page shows the button only when it is None."""
    if request.status in TERMINAL_STATUSES:
        return Conflict("This request is closed.", code="request_closed")
    if actor.pk == request.intake_by_id:
        return PermissionDenied(
            "You took this request in, so another official must confirm the signer's position.",
            code="intake_clerk_cannot_confirm",
        )
    if not policies.can_confirm_position(actor, request):
        return PermissionDenied(
            "Only an official who may sign this request off confirms the signer's position.",
            code="not_a_signer",
        )
    if position != request.requester_position:
        return Conflict(
            "The position on the request has changed since you looked; check the letter again.",
            code="position_changed",
        )
    if not _listed_position(request):
        return Conflict(
            "The catalog does not list this position for this kind of agency, so it cannot be confirmed; "
            "a (b)(7) request must come from the agency head or a delegate not below section chief.",
            code="position_not_listed",
        )
    if not request.evidence.filter(kind=EvidenceKind.WRITTEN_REQUEST_AGENCY_HEAD).exists():
        return Conflict("There is no written request on file to confirm the position from.", code="no_written_request")
    if position_confirmed(request):
        return Conflict("The position is already confirmed.", code="already_confirmed")
    return None


def request_position_confirm(
    *, actor: Any, request: DisclosureRequest, position: str, now: dt.datetime | None = None
) -> DisclosureRequest:
    """Confirm, from the written request on file, that its signer holds the position entered at intake
    and that the catalog lists it for this kind of agency (5 U.S.C. 552a(b)(7): the agency head, or a
    delegate not below section chief; POMS GN 03312.080 refuses letters from officers and detectives).

    A second official confirms: someone who may sign the request off, never the intake clerk (NIST
    AC-5). Until then the (b)(7) authorities lack `requester_position_confirmed` and the decision says
    so. `position` is what the confirmer saw; if the request changed meanwhile, nothing is confirmed.
    Ledger event disclosures.request.position_confirmed; a refusal is recorded too.
    """
    now = now or timezone.now()
    with (
        refusals_recorded(
            action="disclosures.request.position_confirm",
            actor=actor,
            purpose="disclosure intake",
            refs={"request": str(request.public_id)},
        ),
        transaction.atomic(),
    ):
        request = _lock(request)
        _raise(position_confirm_refusal(actor, request, position))
        request.position_confirmed_as = request.requester_position
        request.position_confirmed_by = actor
        request.position_confirmed_at = now
        request.save(update_fields=["position_confirmed_as", "position_confirmed_by", "position_confirmed_at"])
        _request_event(
            "disclosures.request.position_confirmed",
            actor=actor,
            request=request,
            purpose="disclosure intake",
            refs={
                "version": request.version,
                "position": request.requester_position,
            },
        )
        _record_decision(actor=actor, request=request, now=now)
    return request
