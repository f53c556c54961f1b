"""Reads for staff role administration, each scoped to an administrator (accounts.policies).

One object answers the person page's questions (`StaffRoles`): which roles they hold and where, which
grants wait, and which actions this administrator may take, so the template and the view never
decide on their own (STYLE.md).
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet
from django.utils import timezone

from frontdesk.core.errors import NotFound, PermissionDenied

from . import policies
from .actors import Actor, acting_user
from .models import ApiToken, RoleChange, RoleChangeStatus, StaffProfile
from .roles import ROLE_LABELS, ROLE_SCOPE, Role, Scope
from .tokens import TokenScope

MAX_QUERY = 150


def _require_administrator(actor: Actor) -> None:
    if not policies.can_administer_roles(actor):
        raise PermissionDenied("Only an administrator sees staff roles.", code="not_administrator")


def staff_list(*, actor: Actor, query: str = "", office_code: str = "") -> QuerySet:
    """Staff accounts by username, optionally narrowed by part of a username and by office code."""
    _require_administrator(actor)
    users = (
        get_user_model().objects.select_related("staff_profile__office").prefetch_related("groups").order_by("username")
    )
    query = (query or "").strip()[:MAX_QUERY]
    if query:
        users = users.filter(username__icontains=query)
    office_code = (office_code or "").strip()[:20]
    if office_code:
        users = users.filter(staff_profile__office__code__iexact=office_code)
    return users


def staff_get(*, actor: Actor, username: str) -> Any:
    _require_administrator(actor)
    user = (
        get_user_model()
        .objects.select_related("staff_profile__office")
        .prefetch_related("groups")
        .filter(username=username)
        .first()
    )
    if user is None:
        raise NotFound("No staff account has that username.", code="staff_not_found")
    return user


@dataclass(frozen=True)
class HeldRole:
    role: Role
    label: str
    where: str
    privileged: bool


def place_of(role: Role, profile: StaffProfile | None) -> str:
    """Where a held role applies, in words."""
    scope = ROLE_SCOPE[role]
    if scope == Scope.OFFICE:
        office = profile.office if profile and profile.office_id else None
        return f"office {office.code} {office.name}" if office else "no office set"
    if scope == Scope.REGION:
        return f"region {profile.region}" if profile and profile.region else "no region set"
    return "national" if scope == Scope.NATION else "system"


def roles_held(user: User) -> list[HeldRole]:
    """The person's roles in the order of Role, each with where it applies (none while switched off,
    as `user_roles` says). Uses prefetched groups and a select_related profile when the caller has them."""
    if not user.is_active:
        return []
    names = {group.name for group in user.groups.all()}
    profile = getattr(user, "staff_profile", None)
    return [
        HeldRole(role, ROLE_LABELS[role], place_of(role, profile), policies.is_privileged(role))
        for role in Role
        if role.value in names
    ]


def role_changes_pending(*, actor: Actor, now: dt.datetime | None = None) -> QuerySet:
    """Grants waiting for a second administrator and still in time, oldest first."""
    _require_administrator(actor)
    now = now or timezone.now()
    return (
        RoleChange.objects.filter(status=RoleChangeStatus.PENDING, expires_at__gt=now)
        .select_related("target", "office", "requested_by")
        .order_by("requested_at", "pk")
    )


def role_change_get(*, actor: Actor, public_id: Any) -> RoleChange:
    _require_administrator(actor)
    change = (
        RoleChange.objects.select_related("target", "office", "requested_by", "decided_by")
        .filter(public_id=public_id)
        .first()
    )
    if change is None:
        raise NotFound("No such role change.", code="role_change_not_found")
    return change


def role_change_history(*, actor: Actor, target: Any = None, query: str = "") -> QuerySet:
    """Every change, newest first; for one person, or for usernames containing `query`."""
    _require_administrator(actor)
    changes = RoleChange.objects.select_related("target", "office", "requested_by", "decided_by").order_by(
        "-requested_at", "-pk"
    )
    if target is not None:
        changes = changes.filter(target=target)
    query = (query or "").strip()[:MAX_QUERY]
    if query:
        changes = changes.filter(
            Q(target__username__icontains=query)
            | Q(requested_by__username__icontains=query)
            | Q(decided_by__username__icontains=query)
        )
    return changes


@dataclass(frozen=True)
class PendingChange:
    change: RoleChange
    label: str
    may_approve: bool
    may_reject: bool
    why_not_approve: str  # the policy's sentence when this administrator may not approve


@dataclass(frozen=True)
class StaffRoles:
    """Everything the person page shows and offers, for one administrator looking at one person."""

    person: Any
    held: list[HeldRole]
    pending: list[PendingChange]
    may_change: bool
    grantable: list[tuple[str, str]]


def pending_views(actor: Actor, changes: Any) -> list[PendingChange]:
    views = []
    for change in changes:
        refusal = policies.approval_refusal(actor, change)
        views.append(
            PendingChange(
                change,
                ROLE_LABELS[Role(change.role)],
                policies.can_approve_role_change(actor, change),
                policies.can_reject_role_change(actor, change),
                refusal[1] if refusal else "",
            )
        )
    return views


def staff_roles_get(*, actor: Actor, username: str, now: dt.datetime | None = None) -> StaffRoles:
    person = staff_get(actor=actor, username=username)
    held = roles_held(person)
    pending = role_changes_pending(actor=actor, now=now).filter(target=person)
    held_roles = {h.role for h in held}
    return StaffRoles(
        person=person,
        held=held,
        pending=pending_views(actor, pending),
        may_change=policies.can_change_roles_of(actor, person) and person.is_active,
        grantable=[(role.value, ROLE_LABELS[role]) for role in Role if role not in held_roles],
    )


# --- API tokens (docs/adr/0019-api-tokens.md) -----------------------------------------------------


@dataclass(frozen=True)
class TokenRow:
    token: ApiToken
    status: str  # "live", "expired" or "revoked"
    may_revoke: bool


@dataclass(frozen=True)
class ApiTokens:
    """The API tokens page's answer: which tokens this member sees, which they may revoke, and what
    they may issue (no scopes: no issuing). An administrator sees everyone's and issues none."""

    rows: list[TokenRow]
    grantable: list[TokenScope]
    may_issue: bool
    oversees: bool


def _token_status(token: ApiToken, now: dt.datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "live" if token.expires_at > now else "expired"


def api_tokens_get(*, actor: Actor, now: dt.datetime | None = None, limit: int = 200) -> ApiTokens:
    now = now or timezone.now()
    oversees = policies.can_oversee_api_tokens(actor)
    tokens = ApiToken.objects.select_related("owner", "revoked_by").order_by("-created_at")
    if not oversees:
        tokens = tokens.filter(owner=acting_user(actor))
    rows = []
    for token in tokens[:limit]:
        status = _token_status(token, now)
        rows.append(TokenRow(token, status, status == "live" and policies.can_revoke_api_token(actor, token)))
    reach = policies.token_scopes_grantable(actor)
    grantable = [scope for scope in TokenScope if scope in reach]
    return ApiTokens(rows=rows, grantable=grantable, may_issue=policies.can_issue_api_token(actor), oversees=oversees)
