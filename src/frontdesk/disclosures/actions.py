"""May this person take this action on this request now, and if not, the refusal they get (ADR 0012).

Each function returns None (allowed) or the DomainError the service raises. The services raise it; the
request view (`view.py`) shows the same answer as the buttons and `allowed` actions. So a button is
shown exactly when pressing it would succeed at that moment, and a refusal names the same code on every
surface.
"""

from collections.abc import Sequence
from typing import Any

from frontdesk.core.errors import Conflict, DomainError, PermissionDenied

from . import policies
from .decision import Outcome, RequestDecision
from .models import TERMINAL_STATUSES, DisclosureRequest
from .policy import RuleSet
from .signoffs import SignOffStanding


def _closed() -> Conflict:
    return Conflict("This request is closed.", code="request_closed")


def roles_needed(decision: RequestDecision, rules: RuleSet) -> frozenset[str]:
    """Every role an authority that could cover an awaiting category names (signed or not)."""
    return frozenset(
        role
        for category in decision.categories
        if category.outcome == Outcome.AWAITING_SIGNOFF
        for authority in category.authorities
        for role in getattr(rules.by_id.get(authority), "signoff_roles", ())
    )


def signer_refusal(actor: Any, request: DisclosureRequest, role: str) -> DomainError | None:
    """Whether the actor may sign (approve or reject) this request in `role` at all."""
    if request.status in TERMINAL_STATUSES:
        return _closed()
    if actor.pk == request.intake_by_id:
        return PermissionDenied(
            "You took this request in, so you cannot sign it off; another official must.",
            code="intake_clerk_cannot_sign",
        )
    if not policies.can_sign_off(actor, request, role):
        return PermissionDenied(
            f"You cannot sign this request as {role.replace('_', ' ')}: you do not hold that role for its "
            "office or region.",
            code="not_a_signer",
        )
    return None


def sign_refusal(
    actor: Any,
    request: DisclosureRequest,
    role: str,
    *,
    standings: Sequence[SignOffStanding],
    decision: RequestDecision,
    rules: RuleSet,
) -> DomainError | None:
    """Whether the actor may approve in `role` now. Live approvals that no longer count (expired, signer
    lost the role...) block nobody: the service voids them before recording the new one."""
    refusal = signer_refusal(actor, request, role)
    if refusal is not None:
        return refusal
    live = [s for s in standings if s.live and not s.stale]
    mine = [s for s in standings if s.sign_off.signer_id == actor.pk]
    if any(s.sign_off.signer_id == actor.pk for s in live):
        return Conflict("You have already signed this request.", code="already_signed")
    if any(s.is_approval and s.sign_off.role != role for s in mine):
        return Conflict(
            "You signed this request in another role; one person signs in one role only.",
            code="one_role_per_person",
        )
    if any(s.is_approval and s.sign_off.role == role for s in live):
        return Conflict(f"The {role.replace('_', ' ')} sign-off is already given.", code="role_already_signed")
    needed = roles_needed(decision, rules)
    if role not in needed:
        return Conflict(
            "This request needs no sign-off in that role now"
            + (f"; it needs: {', '.join(sorted(needed))}." if needed else "; nothing is awaiting sign-off."),
            code="signoff_not_needed",
        )
    return None


def release_refusal(actor: Any, request: DisclosureRequest, decision: RequestDecision) -> DomainError | None:
    """Release needs the releaser's role in scope (never the intake clerk) and something approved now."""
    if request.status in TERMINAL_STATUSES:
        return _closed()
    if not policies.can_release(actor, request):
        return PermissionDenied(
            "Only the region's privacy officer or general counsel releases records, and never the person "
            "who took the request in.",
            code="not_a_releaser",
        )
    # Something is approved when at least one included person's own decision approves a category
    # (ADR 0013); the notes say why a document counted for nobody.
    if not any(p.approved for p in decision.subjects):
        reasons = "; ".join(f"{c.category}: {c.reason}" for c in decision.categories)
        notes = " ".join(dict.fromkeys(n for p in decision.subjects for n in p.notes))
        return Conflict(
            f"Nothing in this request is approved for release. {reasons or 'Every person named was dropped.'}"
            + (f" {notes}" if notes else ""),
            code="not_approved",
        )
    return None


def edit_refusal(actor: Any, request: DisclosureRequest, *, what: str = "change this request") -> DomainError | None:
    """Edits and new evidence: anyone who may see and work the request, until it is closed."""
    if request.status in TERMINAL_STATUSES:
        return Conflict("This request is closed; it cannot be changed.", code="request_closed")
    if not policies.can_edit_request(actor, request):
        return PermissionDenied(f"You cannot {what}.", code="not_an_editor")
    return None
