"""Granting and revoking staff roles (NIST SP 800-53 AC-2 account management, AC-5, AC-6, AU-2).

A role is a Django group; where the holder may use it is their StaffProfile (an office for the office
roles, a region for the regional privacy officer). Every change is a RoleChange row (the history and
the approval queue) and a ledger event in the same transaction; refusals are recorded as
`accounts.role.<action>.refused`. The rules and their reasons: docs/adr/0015-staff-role-administration.md.

- Front-line roles are granted at once by one administrator; privileged roles (PRIVILEGED_ROLES) wait
  for a second administrator, and a request nobody approves expires.
- Revoking takes effect at once, privileged or not: removing access never waits for a second person.
- Nobody changes their own roles or approves their own request.
- An auditor or an administrator holds no other role; a person's office roles are at one office, and
  a regional privacy officer who also works at an office is the officer of that office's region.
"""

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from frontdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from frontdesk.ledger.refusals import refusals_recorded
from frontdesk.ledger.services import event_append
from frontdesk.offices.models import Office

from . import policies
from .actors import Actor, SystemActor, acting_user
from .models import RoleChange, RoleChangeKind, RoleChangeStatus, StaffProfile
from .roles import EXCLUSIVE_ROLES, ROLE_LABELS, ROLE_SCOPE, Role, Scope, roles_forget, user_roles

PURPOSE = "staff role administration"
MAX_REASON = 500
DEFAULT_PENDING_HOURS = 72
# The shell may make administrators until this many are active: enough for the two-person rule.
BOOTSTRAP_ADMINISTRATORS = 2
OFFICE_ROLES = frozenset(role for role, scope in ROLE_SCOPE.items() if scope == Scope.OFFICE)


def pending_lifetime() -> dt.timedelta:
    """How long a privileged grant waits for its second administrator before it expires."""
    return dt.timedelta(hours=int(getattr(settings, "FRONTDESK_ROLE_CHANGE_PENDING_HOURS", DEFAULT_PENDING_HOURS)))


# --- Checks ---------------------------------------------------------------------------------------


def _role(value: Role | str) -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ValidationFailed("Choose one of the staff roles.", code="unknown_role", field="role") from None


def _reason(text: str, field: str = "reason") -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed("Give the reason for this change; it is kept in the history.", field=field)
    if len(text) > MAX_REASON:
        raise ValidationFailed(f"Keep the reason under {MAX_REASON} characters.", field=field)
    return text


def _scope(role: Role, office: Office | None, region: int | None) -> tuple[Office | None, int | None]:
    """The office or region a grant of `role` needs; fields the role's scope does not use are ignored."""
    scope = ROLE_SCOPE[role]
    if scope == Scope.OFFICE:
        if office is None:
            raise ValidationFailed(f"Choose the office where the {ROLE_LABELS[role].lower()} works.", field="office")
        return office, office.region
    if scope == Scope.REGION:
        if region is None or not Office.objects.filter(region=region).exists():
            raise ValidationFailed(
                "Choose a region with offices for the privacy officer to look after.", field="region"
            )
        return None, region
    return None, None


def _refuse(refusal: tuple[str, str] | None) -> None:
    if refusal is not None:
        code, message = refusal
        raise PermissionDenied(message, code=code)


def _require_administrator(actor: Actor, target: Any) -> None:
    if not policies.can_administer_roles(actor):
        raise PermissionDenied("Only an administrator changes staff roles.", code="not_administrator")
    if not policies.can_change_roles_of(actor, target):
        raise PermissionDenied(
            "Nobody changes their own roles: ask another administrator.", code="own_roles", field="role"
        )


def _held(target: Any) -> set[Role]:
    roles_forget(target)
    return set(user_roles(target)) if target.is_active else set()


def _check_fits(target: Any, role: Role, office: Office | None, region: int | None) -> None:
    """Whether `target` may hold `role` at this scope next to the roles they hold now."""
    if not target.is_active:
        raise Conflict("This account is switched off; it cannot be given a role.", code="inactive_account")
    held = _held(target)
    name = target.get_username()
    if role in held:
        raise Conflict(f"{name} already holds the role {ROLE_LABELS[role].lower()}.", code="already_held")
    if held and (role in EXCLUSIVE_ROLES or held & EXCLUSIVE_ROLES):
        raise Conflict(
            "An auditor or an administrator holds no other role (they must neither read personal data nor "
            f"change it): revoke {name}'s other roles first.",
            code="exclusive_role",
            field="role",
        )
    profile = StaffProfile.objects.filter(user=target).select_related("office").first()
    holds_office_role = bool(held & OFFICE_ROLES)
    at = office if role in OFFICE_ROLES else None  # `_scope` gave every office role its office
    if at is not None and holds_office_role and profile and profile.office_id != at.id:
        where = profile.office.code if profile.office is not None else "another office"
        raise Conflict(
            f"{name} works at office {where}. A person's office roles are at one office: "
            "revoke them there before granting roles here.",
            code="other_office",
            field="office",
        )
    officer_region = profile.region if profile and Role.REGIONAL_PRIVACY_OFFICER in held else None
    if at is not None and officer_region is not None and officer_region != at.region:
        raise Conflict(
            f"{name} is the privacy officer of region {officer_region}; office {at.code} is in region {at.region}.",
            code="other_region",
            field="office",
        )
    home = profile.office if profile is not None else None
    if role == Role.REGIONAL_PRIVACY_OFFICER and holds_office_role and home is not None and home.region != region:
        raise Conflict(
            f"{name} works at office {home.code} in region {home.region}: a privacy "
            "officer who also works at an office looks after that office's region.",
            code="other_region",
            field="region",
        )


def lock_staff_member(target: Any) -> Any:
    """Serialize changes to one person's roles (two administrators at once see each other's change).

    FOR NO KEY UPDATE: the rows this transaction inserts point at users (requested_by, the ledger's
    actor), and those foreign-key checks must not wait on another administrator's lock of the same user.
    """
    roles_forget(target)
    return get_user_model().objects.select_for_update(no_key=True).get(pk=target.pk)


# --- Applying ---------------------------------------------------------------------------------------


def _settle_profile(target: Any, office: Office | None = None, region: int | None = None) -> None:
    """Keep the profile's place equal to what the held roles need: an office only while an office
    role is held, a region only while a role uses it (the office's region, or the officer's)."""
    held = _held(target)
    profile, _ = StaffProfile.objects.select_for_update().get_or_create(user=target)
    if held & OFFICE_ROLES:
        if office is not None:
            profile.office = office
        profile.region = profile.office.region if profile.office is not None else profile.region
    else:
        profile.office = None
        if Role.REGIONAL_PRIVACY_OFFICER in held:
            profile.region = region if region is not None else profile.region
        else:
            profile.region = None
    profile.save(update_fields=["office", "region"])


def _grant_apply(target: Any, role: Role, office: Office | None, region: int | None) -> None:
    group, _ = Group.objects.get_or_create(name=role.value)
    target.groups.add(group)
    _settle_profile(target, office, region)
    roles_forget(target)


def _refs(change: RoleChange, **extra: str | int | bool | None) -> dict[str, str | int | bool | None]:
    refs: dict[str, str | int | bool | None] = {
        "change": str(change.public_id),
        "target": change.target.get_username(),
        "role": change.role,
        "office": change.office.code if change.office is not None else None,
        "region": change.region,
        # The reason stays in the history (free text may name people); the ledger pins its exact words.
        "reason_sha256": hashlib.sha256(change.reason.encode()).hexdigest(),
    }
    return {**refs, **extra}


def _refusal_refs(target: Any, role: Role | str) -> dict[str, str | int | bool | None]:
    return {"target": target.get_username(), "role": str(role)}


# --- Services ---------------------------------------------------------------------------------------


def role_grant(
    *,
    actor: Actor,
    target: Any,
    role: Role | str,
    reason: str,
    office: Office | None = None,
    region: int | None = None,
    now: dt.datetime | None = None,
) -> RoleChange:
    """Grant `role` to `target` at the scope it needs: at once for a front-line role, or as a pending
    change for a privileged one until a second administrator approves it (AC-5)."""
    now = now or timezone.now()
    with refusals_recorded(
        action="accounts.role.grant", actor=actor, purpose=PURPOSE, refs=_refusal_refs(target, role)
    ):
        _require_administrator(actor, target)
        role = _role(role)
        reason = _reason(reason)
        office, region = _scope(role, office, region)
        with transaction.atomic():
            target = lock_staff_member(target)
            _check_fits(target, role, office, region)
            privileged = policies.is_privileged(role)
            if (
                privileged
                and RoleChange.objects.filter(target=target, role=role.value, status=RoleChangeStatus.PENDING).exists()
            ):
                raise Conflict(
                    "A grant of this role to this person is already waiting for approval.", code="already_pending"
                )
            expires_at = now + pending_lifetime()
            change = RoleChange(
                kind=RoleChangeKind.GRANT,
                status=RoleChangeStatus.PENDING if privileged else RoleChangeStatus.APPLIED,
                target=target,
                role=role.value,
                office=office,
                region=region,
                reason=reason,
                requested_by=acting_user(actor),
                requested_at=now,
                expires_at=expires_at if privileged else None,
            )
            try:
                with transaction.atomic():
                    change.save()
            except IntegrityError:  # the partial unique index: another request won the race
                raise Conflict(
                    "A grant of this role to this person is already waiting for approval.", code="already_pending"
                ) from None
            if privileged:
                event_append(
                    type="accounts.role.requested",
                    actor=actor,
                    purpose=PURPOSE,
                    refs=_refs(change, expires_at=expires_at.isoformat()),
                )
            else:
                _grant_apply(target, role, office, region)
                event_append(type="accounts.role.granted", actor=actor, purpose=PURPOSE, refs=_refs(change))
    return change


def _expire(change: RoleChange, actor: Actor, now: dt.datetime) -> bool:
    """Close one pending change past its time (its own transaction, so it stands when a refusal follows)."""
    with transaction.atomic():
        locked = RoleChange.objects.select_for_update(of=("self",)).select_related("target", "office").get(pk=change.pk)
        if locked.status != RoleChangeStatus.PENDING or locked.expires_at is None or locked.expires_at > now:
            return False
        locked.status = RoleChangeStatus.EXPIRED
        locked.decided_at = now
        locked.save(update_fields=["status", "decided_at"])
        event_append(type="accounts.role.expired", actor=actor, purpose=PURPOSE, refs=_refs(locked))
    change.status, change.decided_at = locked.status, locked.decided_at
    return True


def _refuse_if_expired(change: RoleChange, actor: Actor, now: dt.datetime) -> None:
    """Expire the change if its time is up, committed before the refusal that follows (outside the
    caller's transaction: the expiry stands although the decision is refused)."""
    if _expire(change, actor, now):
        raise Conflict(
            "This request expired before anyone approved it; ask again if the person still needs the role.",
            code="expired",
        )


def _pending(change: RoleChange, now: dt.datetime) -> RoleChange:
    """The change, locked and still waiting; otherwise the Conflict that says what became of it."""
    locked = RoleChange.objects.select_for_update(of=("self",)).select_related("target", "office").get(pk=change.pk)
    if locked.status != RoleChangeStatus.PENDING:
        raise Conflict(f"This request is no longer waiting: {locked.get_status_display().lower()}.", code="not_pending")
    if locked.expires_at is not None and locked.expires_at <= now:
        raise Conflict("This request expired before anyone approved it.", code="expired")
    return locked


def role_change_approve(*, actor: Actor, change: RoleChange, now: dt.datetime | None = None) -> RoleChange:
    """A second administrator approves a pending grant, which then takes effect (AC-5 two-person rule).

    The grant is checked again against the person's roles now: they may have changed while it waited."""
    now = now or timezone.now()
    refs = {"change": str(change.public_id), **_refusal_refs(change.target, change.role)}
    with refusals_recorded(action="accounts.role.approve", actor=actor, purpose=PURPOSE, refs=refs):
        _refuse(policies.approval_refusal(actor, change))
        _refuse_if_expired(change, actor, now)
        with transaction.atomic():
            change = _pending(change, now)
            target = lock_staff_member(change.target)
            role = Role(change.role)
            _check_fits(target, role, change.office, change.region)
            _grant_apply(target, role, change.office, change.region)
            change.status = RoleChangeStatus.APPLIED
            change.decided_by = acting_user(actor)
            change.decided_at = now
            change.save(update_fields=["status", "decided_by", "decided_at"])
            event_append(type="accounts.role.approved", actor=actor, purpose=PURPOSE, refs=_refs(change))
            event_append(type="accounts.role.granted", actor=actor, purpose=PURPOSE, refs=_refs(change))
    return change


def role_change_reject(*, actor: Actor, change: RoleChange, reason: str, now: dt.datetime | None = None) -> RoleChange:
    """Turn down a pending grant, with a reason; nothing changes for the person. The requester may
    withdraw their own request this way; the person it is for may not decide it."""
    now = now or timezone.now()
    refs = {"change": str(change.public_id), **_refusal_refs(change.target, change.role)}
    with refusals_recorded(action="accounts.role.reject", actor=actor, purpose=PURPOSE, refs=refs):
        _refuse(policies.rejection_refusal(actor, change))
        reason = _reason(reason, field="decision_reason")
        _refuse_if_expired(change, actor, now)
        with transaction.atomic():
            change = _pending(change, now)
            change.status = RoleChangeStatus.REJECTED
            change.decided_by = acting_user(actor)
            change.decided_at = now
            change.decision_reason = reason
            change.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
            event_append(
                type="accounts.role.rejected",
                actor=actor,
                purpose=PURPOSE,
                refs=_refs(change, decision_reason_sha256=hashlib.sha256(reason.encode()).hexdigest()),
            )
    return change


def role_revoke(
    *, actor: Actor, target: Any, role: Role | str, reason: str, now: dt.datetime | None = None
) -> RoleChange:
    """Take a role away at once, privileged or not (AC-2(3): removing access does not wait for a second
    person). The person's next request already runs without it. The last administrator stays."""
    now = now or timezone.now()
    with refusals_recorded(
        action="accounts.role.revoke", actor=actor, purpose=PURPOSE, refs=_refusal_refs(target, role)
    ):
        _require_administrator(actor, target)
        role = _role(role)
        reason = _reason(reason)
        with transaction.atomic():
            if role == Role.ADMINISTRATOR:
                _administrators(locked=True)  # the group before the user, in every path: no deadlock
            target = lock_staff_member(target)
            if role not in _held(target):
                raise Conflict(
                    f"{target.get_username()} does not hold the role {ROLE_LABELS[role].lower()}.", code="not_held"
                )
            if role == Role.ADMINISTRATOR and not _administrators().exclude(pk=target.pk).exists():
                raise Conflict(
                    "This is the last administrator; grant the role to someone else first.",
                    code="last_administrator",
                )
            profile = StaffProfile.objects.filter(user=target).first()
            scope = ROLE_SCOPE[role]
            change = RoleChange.objects.create(
                kind=RoleChangeKind.REVOKE,
                status=RoleChangeStatus.APPLIED,
                target=target,
                role=role.value,
                office=profile.office if profile and scope == Scope.OFFICE else None,
                region=profile.region if profile and scope in (Scope.OFFICE, Scope.REGION) else None,
                reason=reason,
                requested_by=acting_user(actor),
                requested_at=now,
                decided_at=now,
            )
            target.groups.remove(*Group.objects.filter(name=role.value))
            _settle_profile(target)
            roles_forget(target)
            event_append(type="accounts.role.revoked", actor=actor, purpose=PURPOSE, refs=_refs(change))
    return change


def role_changes_expire(*, actor: Actor, now: dt.datetime | None = None) -> int:
    """Expire every pending grant past its time (the scheduler runs this hourly); returns how many."""
    now = now or timezone.now()
    due = RoleChange.objects.filter(status=RoleChangeStatus.PENDING, expires_at__lte=now).order_by("pk")
    return sum(_expire(change, actor, now) for change in due)


def _administrators(*, locked: bool = False) -> "QuerySet[User]":
    """Active administrators. `locked` first locks the administrator group's row, so that two
    revocations (or two bootstraps) at once cannot both see another administrator (or none)."""
    if locked:
        group, _ = Group.objects.get_or_create(name=Role.ADMINISTRATOR.value)
        # NO KEY UPDATE: revocations and bootstraps queue here; grants adding members (a foreign key to
        # the group) do not.
        Group.objects.select_for_update(no_key=True).get(pk=group.pk)
    return get_user_model().objects.filter(is_active=True, groups__name=Role.ADMINISTRATOR.value)


def administrator_bootstrap(*, target: Any, reason: str, operator: str) -> RoleChange:
    """Make an administrator from a shell while fewer than two are active: nobody signed in could.

    The first administrator has nobody to approve a second (a privileged grant), so the shell makes both;
    with two, the console's two-person rule works and the shell is refused. The ledger event names the
    shell operator (`system:<operator>`) as its actor."""
    reason = _reason(reason)
    actor = SystemActor(operator)
    now = timezone.now()
    refs = _refusal_refs(target, Role.ADMINISTRATOR)
    with refusals_recorded(action="accounts.role.bootstrap", actor=actor, purpose=PURPOSE, refs=refs):  # noqa: SIM117
        with transaction.atomic():
            if _administrators(locked=True).count() >= BOOTSTRAP_ADMINISTRATORS:
                raise Conflict(
                    "Two administrators exist already: roles are granted in the console from now on.",
                    code="administrators_exist",
                )
            target = lock_staff_member(target)
            _check_fits(target, Role.ADMINISTRATOR, None, None)
            change = RoleChange.objects.create(
                kind=RoleChangeKind.GRANT,
                status=RoleChangeStatus.APPLIED,
                target=target,
                role=Role.ADMINISTRATOR.value,
                reason=reason,
                requested_at=now,
                decided_at=now,
            )
            _grant_apply(target, Role.ADMINISTRATOR, None, None)
            event_append(type="accounts.role.bootstrapped", actor=actor, purpose=PURPOSE, refs=_refs(change))
    return change
