"""Staff roles. Each role is a Django group; what a role may do is decided in `policies` modules.

Roles follow the table in docs/architecture.md. A role's *scope* says how far a holder sees: their own office, their
region, or the whole nation. The administrator configures the system and never reads personal data.
"""

from enum import StrEnum

from .actors import Actor, SystemActor


class Role(StrEnum):
    COUNTER_CLERK = "counter_clerk"
    TECHNICAL_EXPERT = "technical_expert"
    OFFICE_MANAGER = "office_manager"
    REGIONAL_PRIVACY_OFFICER = "regional_privacy_officer"
    GENERAL_COUNSEL = "general_counsel"
    AUDITOR = "auditor"
    ADMINISTRATOR = "administrator"


class Scope(StrEnum):
    OFFICE = "office"
    REGION = "region"
    NATION = "nation"
    NONE = "none"


ROLE_LABELS = {
    Role.COUNTER_CLERK: "Counter clerk",
    Role.TECHNICAL_EXPERT: "Technical expert",
    Role.OFFICE_MANAGER: "Office manager",
    Role.REGIONAL_PRIVACY_OFFICER: "Regional privacy officer",
    Role.GENERAL_COUNSEL: "General counsel",
    Role.AUDITOR: "Auditor",
    Role.ADMINISTRATOR: "Administrator",
}

# How far each role reaches (AC-6 least privilege): the offices whose day it runs, or the region or nation
# whose disclosure requests and ledger it governs.
ROLE_SCOPE = {
    Role.COUNTER_CLERK: Scope.OFFICE,
    Role.TECHNICAL_EXPERT: Scope.OFFICE,
    Role.OFFICE_MANAGER: Scope.OFFICE,
    Role.REGIONAL_PRIVACY_OFFICER: Scope.REGION,
    Role.GENERAL_COUNSEL: Scope.NATION,
    Role.AUDITOR: Scope.NATION,
    Role.ADMINISTRATOR: Scope.NONE,
}

# Roles that run an office's day and so may read schedules and person records (with a purpose).
SCHEDULE_ROLES = frozenset({Role.COUNTER_CLERK, Role.TECHNICAL_EXPERT, Role.OFFICE_MANAGER})

# Granting one of these takes a second administrator's approval (AC-5 separation of duties;
# docs/adr/0015-staff-role-administration.md): each reaches past one office or changes who may.
PRIVILEGED_ROLES = frozenset({Role.REGIONAL_PRIVACY_OFFICER, Role.GENERAL_COUNSEL, Role.AUDITOR, Role.ADMINISTRATOR})

# A holder of one of these holds no other role: the administrator must never read personal data and
# the auditor must never change anything (docs/architecture.md, "Who uses it").
EXCLUSIVE_ROLES = frozenset({Role.AUDITOR, Role.ADMINISTRATOR})


def user_roles(user: Actor) -> set[Role]:
    """The user's roles, read from the database once per request.

    The cache lives on the user object, and the authentication middleware loads a new one for every
    request, so a role granted or revoked counts from the holder's next request; nothing keeps roles
    in the session.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    cached: set[Role] | None = getattr(user, "_frontdesk_roles", None)
    if cached is None:
        if isinstance(user, SystemActor):  # carries its own (empty) set; here for the type checker
            return set()
        names = set(user.groups.values_list("name", flat=True))
        cached = {role for role in Role if role.value in names}
        setattr(user, "_frontdesk_roles", cached)  # noqa: B010  (a per-request cache the User model does not declare)
    return cached


def roles_forget(user: Actor) -> None:
    """Drop the per-request cache, so a role just granted or revoked counts on this object too."""
    if user is not None:
        user.__dict__.pop("_frontdesk_roles", None)


def primary_role(user: Actor) -> str:
    """The role to record on a ledger event: the most privileged role the user holds."""
    roles = user_roles(user)
    for role in reversed(list(Role)):
        if role in roles:
            return role.value
    return "public" if user is None or not getattr(user, "is_authenticated", False) else "staff"


def actor_descriptor(user: Actor) -> tuple[str, str]:
    """(actor id, role) for audit records: staff by username, the public as 'public'."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ("public", "public")
    return (f"staff:{user.get_username()}", primary_role(user))
