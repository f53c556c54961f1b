"""Who may read what in the ledger. The public tiles and checkpoints need no policy: they are public."""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from frontdesk.accounts.roles import Role, user_roles


def can_read_ledger_events(user: Any) -> bool:
    """Only auditors read events and salts (docs/architecture.md: the auditor reads the ledger; nobody changes it)."""
    return Role.AUDITOR in user_roles(user)


# --- Witness quorum (docs/adr/0020-witnessed-checkpoints.md) --------------------------------------


class QuorumState(StrEnum):
    MET = "met"  # enough witnesses cosigned, recently enough
    EXPIRED = "expired"  # enough witnesses cosigned, but too few of them within the maximum age
    MISSING = "missing"  # fewer witnesses cosigned than the quorum asks
    NOT_REQUIRED = "not required"  # the quorum is 0: the log's own signature is all there is


@dataclass(frozen=True)
class Quorum:
    state: QuorumState
    required: int
    cosigned: int  # distinct trusted witnesses that cosigned
    fresh: int  # of those, how many within the maximum age

    @property
    def witnessed(self) -> bool:
        """Whether the checkpoint counts as witnessed (an old cosignature still witnessed it)."""
        return self.state is not QuorumState.MISSING

    def __str__(self) -> str:
        if self.state is QuorumState.NOT_REQUIRED:
            return "no witness quorum required"
        return (
            f"witness quorum {self.state}: {self.cosigned} cosigned ({self.fresh} recently), {self.required} required"
        )


def witness_quorum(
    cosigned_at: Mapping[str, dt.datetime], *, required: int, max_age: dt.timedelta, now: dt.datetime
) -> Quorum:
    """Does a checkpoint count as witnessed? `cosigned_at` maps each trusted witness (by key) that
    validly cosigned it to the cosignature's time. `required` of them make it witnessed (C2SP
    tlog-policy's k-of-n quorum); it stays witnessed, but the quorum is *expired* when fewer than
    `required` cosignatures are younger than `max_age`: nobody has recently vouched that no other
    history exists. A cosignature dated in the future counts as fresh only up to `now`."""
    cosigned = len(cosigned_at)
    fresh = sum(1 for moment in cosigned_at.values() if now - min(moment, now) <= max_age)
    if required <= 0:
        state = QuorumState.NOT_REQUIRED
    elif cosigned < required:
        state = QuorumState.MISSING
    elif fresh < required:
        state = QuorumState.EXPIRED
    else:
        state = QuorumState.MET
    return Quorum(state, required, cosigned, fresh)
