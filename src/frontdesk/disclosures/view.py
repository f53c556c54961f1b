"""One answer to "where does this request stand, and what may this person do with it now" (ADR 0012).

`request_view` is what the API's request output, the console's request page and the tests read. It
decides nothing of its own: the status and the decision come from `selectors.request_decide`, whether
each sign-off counts from `signoffs.sign_off_standings`, and each allowed action from the refusal the
service would raise (`actions`), so a button is offered exactly when pressing it would succeed.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from . import actions
from .decision import Outcome, RequestDecision
from .engine import engine_in_force
from .models import TERMINAL_STATUSES, DisclosureRequest
from .selectors import request_decide
from .signoffs import SignOffStanding, sign_off_standings
from .vocabulary import SIGNOFF_ROLES


@dataclass(frozen=True)
class SignOffView:
    key: int
    role: str
    signer: str
    decision: str
    note: str
    request_version: int
    signed_at: dt.datetime
    expires_at: dt.datetime
    voided_at: dt.datetime | None
    void_reason: str
    counts: bool
    reason: str  # why it does not count ("" when it does): signoffs.NotCounted, or the void reason


@dataclass(frozen=True)
class AllowedActions:
    edit: bool
    add_evidence: bool
    sign_as: tuple[str, ...]  # roles the actor may sign in AND the decision needs now
    reject_as: tuple[str, ...]
    release: bool


@dataclass(frozen=True)
class RequestView:
    request: DisclosureRequest
    at: dt.datetime
    status: str  # the closed status (released, rejected, expired), else the decided one
    decision: RequestDecision
    sign_offs: tuple[SignOffView, ...]
    missing_signoffs: tuple[str, ...]  # roles still to sign, over every category awaiting sign-off
    allowed: AllowedActions

    def sign_off(self, key: int) -> SignOffView:
        return next(s for s in self.sign_offs if s.key == key)


def _sign_off_view(standing: SignOffStanding) -> SignOffView:
    s = standing.sign_off
    return SignOffView(
        key=s.pk,
        role=s.role,
        signer=s.signer.get_username(),
        decision=s.decision,
        note=s.note,
        request_version=s.request_version,
        signed_at=s.signed_at,
        expires_at=s.expires_at,
        voided_at=s.voided_at,
        void_reason=s.void_reason,
        counts=standing.counts,
        reason=standing.reason,
    )


def request_view(*, actor: Any, request: DisclosureRequest, now: dt.datetime | None = None) -> RequestView:
    """The request as it stands at `now` for `actor` (who must already be allowed to see it: use
    selectors.request_get, which records the read)."""
    now = now or timezone.now()
    standings = sign_off_standings(request, now=now)
    decision = request_decide(request, now=now, standings=standings)
    closed = request.status in TERMINAL_STATUSES
    rules = engine_in_force().rules
    missing = (
        ()
        if closed
        else tuple(
            sorted(
                {
                    role
                    for c in decision.categories
                    if c.outcome == Outcome.AWAITING_SIGNOFF
                    for role in c.missing_signoffs
                }
            )
        )
    )
    editable = actions.edit_refusal(actor, request) is None  # new evidence is an edit (intake.evidence_add)
    allowed = AllowedActions(
        edit=editable,
        add_evidence=editable,
        sign_as=tuple(
            role
            for role in SIGNOFF_ROLES
            if actions.sign_refusal(actor, request, role, standings=standings, decision=decision, rules=rules) is None
        ),
        reject_as=tuple(role for role in SIGNOFF_ROLES if actions.signer_refusal(actor, request, role) is None),
        release=actions.release_refusal(actor, request, decision) is None,
    )
    return RequestView(
        request=request,
        at=now,
        status=request.status if closed else decision.status,
        decision=decision,
        sign_offs=tuple(_sign_off_view(s) for s in standings),
        missing_signoffs=missing,
        allowed=allowed,
    )
