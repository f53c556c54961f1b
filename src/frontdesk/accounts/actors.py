"""Who acts: the one type every service, selector and policy takes as its `actor`.

- A staff member: the signed-in `User` (the console, the staff API, where a token acts as its owner).
- The public: `None` from the public site and the public API, which never pass the visitor's session
  user; an `AnonymousUser` (Django's `request.user` before sign-in) means the same.
- The system: a `SystemActor`, an operator's command or the scheduler, named on the ledger and holding no
  role.

Policies answer from roles, so a public or system actor fails every staff check without special cases;
the services tell the public from staff by `is_authenticated` (docs/adr/0026-type-checking.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from django.contrib.auth.models import AnonymousUser, User

from frontdesk.core.errors import PermissionDenied

if TYPE_CHECKING:
    from .roles import Role


class SystemActor:
    """The operator running a command, or the scheduler: named on the ledger, holding no role."""

    is_authenticated = True
    is_active = True
    pk = None

    def __init__(self, name: str) -> None:
        self._name = f"system:{name}"
        self._frontdesk_roles: set[Role] = set()

    def get_username(self) -> str:
        return self._name


Actor: TypeAlias = "User | AnonymousUser | SystemActor | None"


def staff_user(actor: Actor) -> User | None:
    """The staff member behind an actor, to record as who booked or added something; None for the public
    and for the system, which no user-pointing column can name."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def acting_user(actor: Actor) -> User:
    """The staff member acting, for a row that names who did it. The service has already checked the
    actor's role, and only a signed-in user holds one, so anyone else is refused here too."""
    if not isinstance(actor, User):
        raise PermissionDenied("Only a signed-in staff member can do that.")
    return actor
