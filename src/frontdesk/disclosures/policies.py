"""Who may do what with disclosure requests. Small pure functions; services enforce them and pages use
them to decide which buttons to show (NIST AC-3, AC-5 separation of duties, AC-6 least privilege).

- Anyone who serves an office can take a request in; nobody learns anything about a person by doing so.
- Sign-offs come from the roles the authority names, each in scope (the office manager of the intake
  office, the privacy officer of its region, general counsel anywhere), never from the intake clerk.
- Release is for the region's privacy officer or general counsel; restrictions for general counsel;
  the accounting for auditors and general counsel; access alerts for the region's privacy officer.
"""

from typing import Any

from frontdesk.accounts.models import StaffProfile
from frontdesk.accounts.roles import Role, user_roles

from .models import TERMINAL_STATUSES, DisclosureRequest, Release

INTAKE_ROLES = frozenset(
    {
        Role.COUNTER_CLERK,
        Role.TECHNICAL_EXPERT,
        Role.OFFICE_MANAGER,
        Role.REGIONAL_PRIVACY_OFFICER,
        Role.GENERAL_COUNSEL,
    }
)


def _profile(user: Any) -> StaffProfile | None:
    return getattr(user, "staff_profile", None)


def _is_intake_clerk(user: Any, request: DisclosureRequest) -> bool:
    return getattr(user, "pk", None) is not None and user.pk == request.intake_by_id


def _manages_office(user: Any, request: DisclosureRequest) -> bool:
    """The manager of the intake office; for a request taken in at the region, any manager there."""
    profile = _profile(user)
    if Role.OFFICE_MANAGER not in user_roles(user) or profile is None or profile.office_id is None:
        return False
    if request.office_id is not None:
        return profile.office_id == request.office_id
    # office_id is set, so office is never None here; the check is for the type checker.
    return request.region is not None and profile.office is not None and profile.office.region == request.region


def _privacy_officer_of_region(user: Any, request: DisclosureRequest) -> bool:
    profile = _profile(user)
    return (
        Role.REGIONAL_PRIVACY_OFFICER in user_roles(user)
        and profile is not None
        and profile.region is not None
        and profile.region == request.region
    )


def _counsel(user: Any) -> bool:
    return Role.GENERAL_COUNSEL in user_roles(user)


def can_take_in_request(user: Any) -> bool:
    profile = _profile(user)
    if profile is None or not user_roles(user) & INTAKE_ROLES:
        return False
    return bool(profile.office_id or profile.region or _counsel(user))


def can_view_request(user: Any, request: DisclosureRequest) -> bool:
    """The request, its evidence and its decision; never the records it asks for."""
    if user_roles(user) & {Role.AUDITOR, Role.GENERAL_COUNSEL}:
        return True
    return (
        _is_intake_clerk(user, request) or _manages_office(user, request) or _privacy_officer_of_region(user, request)
    )


def can_edit_request(user: Any, request: DisclosureRequest) -> bool:
    if request.status in TERMINAL_STATUSES:
        return False
    return (
        _is_intake_clerk(user, request)
        or _manages_office(user, request)
        or _privacy_officer_of_region(user, request)
        or _counsel(user)
    )


def signoff_roles_held(user: Any, request: DisclosureRequest) -> set[str]:
    """The sign-off roles this user holds in scope for this request today (office, region, nation),
    whatever the request's state and whoever took it in: a sign-off counts only while its signer still
    holds its role here (disclosures.signoffs)."""
    roles = set()
    if _manages_office(user, request):
        roles.add(Role.OFFICE_MANAGER.value)
    if _privacy_officer_of_region(user, request):
        roles.add(Role.REGIONAL_PRIVACY_OFFICER.value)
    if _counsel(user):
        roles.add(Role.GENERAL_COUNSEL.value)
    return roles


def signoff_roles_of(user: Any, request: DisclosureRequest) -> set[str]:
    """The roles this user may sign this request in (before asking which the authority needs)."""
    if _is_intake_clerk(user, request) or request.status in TERMINAL_STATUSES:
        return set()
    return signoff_roles_held(user, request)


def can_sign_off(user: Any, request: DisclosureRequest, role: str) -> bool:
    return role in signoff_roles_of(user, request)


def can_confirm_position(user: Any, request: DisclosureRequest) -> bool:
    """Confirming the signer's position from the letter is for an official who may sign the request off
    (and so never its intake clerk): a second pair of eyes on who asked (AC-5)."""
    return bool(signoff_roles_of(user, request))


def can_release(user: Any, request: DisclosureRequest) -> bool:
    if _is_intake_clerk(user, request) or request.status in TERMINAL_STATUSES:
        return False
    return _privacy_officer_of_region(user, request) or _counsel(user)


def can_see_release_details(user: Any, release: Release) -> bool:
    """Who the subjects matched and what the packet holds: the privacy office, counsel and auditors."""
    request = release.request
    if user_roles(user) & {Role.AUDITOR, Role.GENERAL_COUNSEL}:
        return True
    return _privacy_officer_of_region(user, request)


def can_record_restriction(user: Any) -> bool:
    return _counsel(user)


def can_read_restrictions(user: Any) -> bool:
    return bool(
        user_roles(user) & {Role.GENERAL_COUNSEL, Role.REGIONAL_PRIVACY_OFFICER, Role.OFFICE_MANAGER, Role.AUDITOR}
    )


def can_read_accounting(user: Any) -> bool:
    return bool(user_roles(user) & {Role.AUDITOR, Role.GENERAL_COUNSEL})


def can_view_alerts(user: Any, region: int | None) -> bool:
    profile = _profile(user)
    return (
        Role.REGIONAL_PRIVACY_OFFICER in user_roles(user)
        and profile is not None
        and profile.region is not None
        and profile.region == region
    )


def can_read_catalog(user: Any) -> bool:
    return bool(user_roles(user))
