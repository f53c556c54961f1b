"""Whether each sign-off of a request counts at a given moment, and if not, why (ADR 0012).

This is the only place that says so. The decision (which roles have signed), release, the packet's list
of signers, the API and the console all read `sign_off_standings`; none of them re-derives it.

An approval counts when it is live (not voided), was given on the request's current version, has not
expired, and its signer, today, is not the intake clerk, still works here (active account with a staff
profile), still holds the role it was given in for this request's office or region, and has not already
had another approval counted on this request. Staff changes are read at the moment asked, not only when
the person signed: a manager who moved office or lost the role no longer carries the request.

A rejection is not an approval: it ended the request when it was given, and it stands unless voided.
"""

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .models import DisclosureRequest, SignOff, SignOffDecision
from .policies import signoff_roles_held


class NotCounted(StrEnum):
    """Why a sign-off does not count. The codes fit SignOff.void_reason (20 characters): a stale
    approval voided to make way for a replacement keeps its reason as its void reason."""

    VOIDED = "voided"
    OLDER_VERSION = "older_version"
    EXPIRED = "expired"
    INTAKE_CLERK = "intake_clerk"
    SIGNER_INACTIVE = "signer_inactive"
    SIGNER_LOST_ROLE = "signer_lost_role"
    SAME_SIGNER = "same_signer"


@dataclass(frozen=True)
class SignOffStanding:
    sign_off: SignOff
    counts: bool
    reason: str = ""  # empty when it counts; a NotCounted code, or the void reason when voided

    @property
    def is_approval(self) -> bool:
        return self.sign_off.decision == SignOffDecision.APPROVED

    @property
    def live(self) -> bool:
        return self.sign_off.voided_at is None

    @property
    def stale(self) -> bool:
        """A live approval that no longer counts: it must block nobody from signing in its place."""
        return self.live and self.is_approval and not self.counts


def _still_works_here(user: Any) -> bool:
    return bool(user.is_active) and getattr(user, "staff_profile", None) is not None


def _why_not(sign_off: SignOff, request: DisclosureRequest, now: dt.datetime) -> str:
    signer = sign_off.signer
    if sign_off.voided_at is not None:
        return sign_off.void_reason or NotCounted.VOIDED
    if sign_off.decision != SignOffDecision.APPROVED:
        return ""
    if sign_off.request_version != request.version:
        return NotCounted.OLDER_VERSION
    if sign_off.expires_at <= now:
        return NotCounted.EXPIRED
    if signer.pk == request.intake_by_id:
        return NotCounted.INTAKE_CLERK
    if not _still_works_here(signer):
        return NotCounted.SIGNER_INACTIVE
    if sign_off.role not in signoff_roles_held(signer, request):
        return NotCounted.SIGNER_LOST_ROLE
    return ""


def sign_off_standings(
    request: DisclosureRequest, *, now: dt.datetime, sign_offs: Iterable[SignOff] | None = None
) -> list[SignOffStanding]:
    """Every sign-off of the request, oldest first, each with whether it counts at `now` and why not."""
    rows = (
        list(sign_offs)
        if sign_offs is not None
        else list(
            SignOff.objects.filter(request=request)
            .select_related("signer", "signer__staff_profile", "signer__staff_profile__office")
            .order_by("signed_at", "id")
        )
    )
    rows.sort(key=lambda s: (s.signed_at, s.pk or 0))
    counted_signers: set[int] = set()
    standings = []
    for sign_off in rows:
        reason = _why_not(sign_off, request, now)
        if not reason and sign_off.decision == SignOffDecision.APPROVED:
            if sign_off.signer_id in counted_signers:
                reason = NotCounted.SAME_SIGNER
            else:
                counted_signers.add(sign_off.signer_id)
        standings.append(SignOffStanding(sign_off=sign_off, counts=not reason, reason=str(reason)))
    return standings


def counting_approvals(standings: Sequence[SignOffStanding]) -> list[SignOff]:
    """The approvals that count: the ones the decision, the release and its packet rely on."""
    return [s.sign_off for s in standings if s.counts and s.is_approval]


def stale_approvals(standings: Sequence[SignOffStanding]) -> list[SignOffStanding]:
    return [s for s in standings if s.stale]
