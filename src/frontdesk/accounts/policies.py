"""Who may change whose staff roles (AC-2 account management, AC-5 separation of duties, AC-6).

Small pure functions; `accounts.services` enforces them and the console uses them to decide which
forms and buttons to show. The reasons are in docs/adr/0015-staff-role-administration.md:

- Only administrators administer roles, and never their own.
- A privileged grant waits for a second administrator, who is neither its requester nor its target.
- Anyone who may see a pending change may reject it, except its target (the requester withdrawing
  their own request is a rejection too).
"""

from typing import Any

from .actors import Actor
from .mfa import mfa_satisfied
from .models import ApiToken, RoleChange, RoleChangeStatus
from .roles import PRIVILEGED_ROLES, Role, user_roles
from .tokens import PERSONAL_DATA_SCOPES, ROLE_TOKEN_SCOPES, TokenScope


def same_person(a: Any, b: Any) -> bool:
    return getattr(a, "pk", None) is not None and a.pk == getattr(b, "pk", None)


def is_privileged(role: Role) -> bool:
    return role in PRIVILEGED_ROLES


def can_administer_roles(user: Actor) -> bool:
    """Sees the staff list, the pending changes and the history; may ask for changes."""
    return Role.ADMINISTRATOR in user_roles(user)


def can_change_roles_of(actor: Actor, target: Any) -> bool:
    """May grant a role to, or revoke one from, this person: an administrator, and not themselves."""
    return can_administer_roles(actor) and not same_person(actor, target)


def approval_refusal(actor: Actor, change: RoleChange) -> tuple[str, str] | None:
    """Why this administrator may not approve the change, as (code, sentence); None when they may.
    The change's state (waiting, in time) is the service's to check, under a lock."""
    if not can_administer_roles(actor):
        return ("not_administrator", "Only an administrator approves role changes.")
    if same_person(actor, change.target):
        return ("own_roles", "Nobody approves a change to their own roles.")
    if same_person(actor, change.requested_by):
        return ("own_request", "A second administrator must approve this: you asked for it.")
    return None


def rejection_refusal(actor: Actor, change: RoleChange) -> tuple[str, str] | None:
    """Why this administrator may not reject (or, as its requester, withdraw) the change; None when they may."""
    if not can_administer_roles(actor):
        return ("not_administrator", "Only an administrator rejects role changes.")
    if same_person(actor, change.target):
        return ("own_roles", "Nobody decides a change to their own roles.")
    return None


def can_approve_role_change(actor: Actor, change: RoleChange) -> bool:
    """The second administrator: not the one who asked, and not the person whose roles change."""
    return change.status == RoleChangeStatus.PENDING and approval_refusal(actor, change) is None


def can_reject_role_change(actor: Actor, change: RoleChange) -> bool:
    return change.status == RoleChangeStatus.PENDING and rejection_refusal(actor, change) is None


# --- API tokens (docs/adr/0019-api-tokens.md) -----------------------------------------------------


def token_scopes_grantable(user: Actor) -> frozenset[TokenScope]:
    """The scopes this person's roles reach now: what a token of theirs may be issued with, and used for."""
    if not getattr(user, "is_active", False):
        return frozenset()
    roles = user_roles(user)
    scopes: set[TokenScope] = set()
    for role in roles:
        scopes |= ROLE_TOKEN_SCOPES.get(role, frozenset())
    if Role.ADMINISTRATOR in roles:  # never reads personal data, whatever else a mistake gave them
        scopes -= PERSONAL_DATA_SCOPES
    return frozenset(scopes)


def can_issue_api_token(user: Actor) -> bool:
    """Signed in past MFA (never on a token's strength) with a role that reaches the API."""
    return mfa_satisfied(user) and bool(token_scopes_grantable(user))


def can_oversee_api_tokens(user: Actor) -> bool:
    """Sees and revokes everyone's tokens: the administrator, who decides who may reach what."""
    return Role.ADMINISTRATOR in user_roles(user)


def can_revoke_api_token(actor: Actor, token: ApiToken) -> bool:
    return same_person(actor, token.owner) or can_oversee_api_tokens(actor)


def token_allows(token: ApiToken, scope: TokenScope | str) -> bool:
    """A token acts as its owner with the owner's current roles *and* its own scopes (the intersection)."""
    return scope in token.scopes and scope in token_scopes_grantable(token.owner)
