"""Refusals are evidence: a refused action leaves a ledger event of its own.

A refused service call rolls back everything it would have written, its ledger event included, so the
refusal itself has to be recorded after that rollback, in a transaction of its own. `refusal_record`
does that; `refusals_recorded` wraps a service body and records any refusal that escapes it.

The event says who tried what, for which purpose and why it was refused; it never says whether the
person asked about exists (the caller passes only what the actor already gave: a request id, an
appointment code's pseudonym). The actor's answer does not change either: the error is raised again.
"""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import transaction

from frontdesk.core.errors import Conflict, DomainError, NotFound, PermissionDenied

from .services import event_append

# Validation errors are a person's typing; these are the answers that say "no".
REFUSALS: tuple[type[DomainError], ...] = (PermissionDenied, Conflict, NotFound)


def refusal_record(
    *,
    action: str,
    actor: Any,
    reason: str,
    purpose: str = "",
    subjects: Sequence[str] = (),
    refs: Mapping[str, str | int | bool | None] | None = None,
) -> None:
    """Append `<action>.refused` with the reason code (its own transaction, committed at once)."""
    with transaction.atomic():
        event_append(
            type=f"{action}.refused",
            actor=actor,
            purpose=purpose,
            subjects=subjects,
            refs={**(refs or {}), "reason": reason[:200]},
        )


@contextmanager
def refusals_recorded(
    *,
    action: str,
    actor: Any,
    purpose: str = "",
    subjects: Sequence[str] = (),
    refs: Mapping[str, str | int | bool | None] | None = None,
    refusals: tuple[type[DomainError], ...] = REFUSALS,
) -> Iterator[None]:
    """Run the body; if it raises one of `refusals`, record `<action>.refused` and raise it again.

    Use it outside the body's own `transaction.atomic()`, so the refusal is written after the rollback.
    """
    try:
        yield
    except refusals as error:
        refusal_record(action=action, actor=actor, reason=error.code, purpose=purpose, subjects=subjects, refs=refs)
        raise
