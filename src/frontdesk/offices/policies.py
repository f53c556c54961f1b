"""Who may change an office's setup: its own manager (AC-6)."""

from frontdesk.accounts.actors import Actor
from frontdesk.accounts.roles import Role, user_roles

from .models import Office


def can_manage_office(user: Actor, office: Office) -> bool:
    profile = getattr(user, "staff_profile", None)
    return Role.OFFICE_MANAGER in user_roles(user) and profile is not None and profile.office_id == office.id
