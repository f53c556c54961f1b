"""Who may read what in the ledger. The public tiles and checkpoints need no policy: they are public."""

from typing import Any

from frontdesk.accounts.roles import Role, user_roles


def can_read_ledger_events(user: Any) -> bool:
    """Only auditors read events and salts (DESIGN.md: the auditor reads the ledger; nobody changes it)."""
    return Role.AUDITOR in user_roles(user)
