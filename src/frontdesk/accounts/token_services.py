"""Issuing, revoking and using staff API tokens (docs/adr/0019-api-tokens.md; NIST SP 800-53 IA-5, AU-2).

A token acts as its owner with the owner's current roles and its own scopes. It is shown once and kept
as a keyed hash and a short prefix; every issue, revocation, use and refusal of a known token is a
ledger event. Role administration, which decides what a token's owner may do, is `services`.
"""

import datetime as dt
import unicodedata
import uuid
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from frontdesk.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from frontdesk.ledger.refusals import refusal_record, refusals_recorded
from frontdesk.ledger.services import event_append

from . import policies
from .actors import Actor, acting_user
from .mfa import mfa_satisfied
from .models import ApiToken
from .services import lock_staff_member
from .tokens import DEFAULT_DAYS as DEFAULT_TOKEN_DAYS
from .tokens import MAX_DAYS as MAX_TOKEN_DAYS
from .tokens import (
    MAX_LIVE_TOKENS,
    InsufficientScope,
    InvalidToken,
    TokenScope,
    digest_matches,
    token_digest,
    token_new,
    token_prefix,
)
from .tokens import MAX_NAME as MAX_TOKEN_NAME

TOKEN_PURPOSE = "api token administration"  # noqa: S105 (a ledger purpose, not a secret)
USE_PURPOSE = "api access"
# A busy integration calls many times a minute; its token row is written at most this often.
LAST_USED_EVERY = dt.timedelta(minutes=1)


def _token_refs(token: ApiToken) -> dict[str, str | int | bool | None]:
    return {"token": str(token.public_id), "prefix": token.prefix, "owner": token.owner.get_username()}


def _token_scopes(scopes: Any) -> list[TokenScope]:
    if isinstance(scopes, str | bytes) or not scopes:
        raise ValidationFailed("Choose at least one scope for the token.", code="scopes_required", field="scopes")
    chosen: set[TokenScope] = set()
    for value in scopes:
        try:
            chosen.add(TokenScope(value))
        except ValueError:
            raise ValidationFailed(
                f"Scopes are {', '.join(s.value for s in TokenScope)}.", code="unknown_scope", field="scopes"
            ) from None
    return sorted(chosen)


def _token_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed("Name the token after the integration that will use it.", field="name")
    if len(name) > MAX_TOKEN_NAME:
        raise ValidationFailed(f"Keep the name under {MAX_TOKEN_NAME} characters.", field="name")
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise ValidationFailed("Use letters, digits and punctuation in the name.", field="name")
    return name


def _token_days(days: Any) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationFailed(
            f"A token lasts from 1 to {MAX_TOKEN_DAYS} days; then issue a new one.", code="lifetime", field="days"
        )
    return days


def api_token_issue(
    *,
    actor: Actor,
    name: str,
    scopes: Any,
    days: int = DEFAULT_TOKEN_DAYS,
    now: dt.datetime | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token for the actor themselves, returning it with its secret (shown once, never stored).

    Only a member signed in past MFA, and only with scopes their roles reach now (AC-6 least privilege;
    IA-2(1): a token is never minted on the strength of another token). It expires within 90 days
    (IA-5(1)(h) authenticator lifetime) and a person keeps at most MAX_LIVE_TOKENS live at once.
    """
    now = now or timezone.now()
    known = {scope.value for scope in TokenScope}
    listed = scopes if isinstance(scopes, list | tuple | set | frozenset) else ()
    asked = [s for s in listed if isinstance(s, str) and s in known]
    with refusals_recorded(
        action="accounts.api_token.issue", actor=actor, purpose=TOKEN_PURPOSE, refs={"scopes": " ".join(sorted(asked))}
    ):
        if not mfa_satisfied(actor):
            raise PermissionDenied("Sign in with your second factor to issue an API token.", code="mfa_required")
        grantable = policies.token_scopes_grantable(actor)
        if not grantable:
            raise PermissionDenied(
                "Your roles reach no part of the API (an administrator reads no personal data), so you cannot "
                "issue a token.",
                code="no_api_role",
            )
        chosen = _token_scopes(scopes)
        beyond = sorted(set(chosen) - grantable)
        if beyond:
            raise PermissionDenied(
                f"Your roles do not allow {', '.join(beyond)}.", code="scope_not_allowed", field="scopes"
            )
        name = _token_name(name)
        days = _token_days(days)
        owner = acting_user(actor)
        with transaction.atomic():
            lock_staff_member(owner)  # one person's issues one at a time, so the live count holds
            live = ApiToken.objects.filter(owner=owner, revoked_at__isnull=True, expires_at__gt=now).count()
            if live >= MAX_LIVE_TOKENS:
                raise Conflict(
                    f"You have {live} live tokens, the most one person may hold; revoke one you no longer use.",
                    code="too_many_tokens",
                )
            raw, prefix = token_new()
            token = ApiToken.objects.create(
                owner=owner,
                name=name,
                scopes=[s.value for s in chosen],
                prefix=prefix,
                digest=token_digest(raw),
                created_at=now,
                expires_at=now + dt.timedelta(days=days),
            )
            event_append(
                type="accounts.api_token.issued",
                actor=actor,
                purpose=TOKEN_PURPOSE,
                refs={**_token_refs(token), "scopes": " ".join(token.scopes), "days": days},
            )
    return token, raw


def api_token_revoke(*, actor: Actor, token_id: str, now: dt.datetime | None = None) -> ApiToken:
    """Revoke a token at once: its owner, or an administrator (anyone's). It stops working on its next call."""
    now = now or timezone.now()
    try:
        public_id = uuid.UUID(str(token_id))
    except ValueError:
        public_id = None
    refs = {"token": str(public_id) if public_id else "malformed"}
    # The refusal is recorded after the body's rollback, so these two stay nested (ledger.refusals).
    with refusals_recorded(action="accounts.api_token.revoke", actor=actor, purpose=TOKEN_PURPOSE, refs=refs):  # noqa: SIM117
        with transaction.atomic():
            token = (
                ApiToken.objects.select_for_update(of=("self",))
                .select_related("owner")
                .filter(public_id=public_id)
                .first()
                if public_id
                else None
            )
            if token is None or not policies.can_revoke_api_token(actor, token):
                raise NotFound("No such token among those you may revoke.", code="token_not_found")
            if token.revoked_at is not None:
                raise Conflict("This token is already revoked.", code="already_revoked")
            token.revoked_at = now
            token.revoked_by = acting_user(actor)
            token.save(update_fields=["revoked_at", "revoked_by"])
            event_append(type="accounts.api_token.revoked", actor=actor, purpose=TOKEN_PURPOSE, refs=_token_refs(token))
    return token


def api_token_authenticate(*, raw: str, now: dt.datetime | None = None) -> ApiToken:
    """The live token `raw` names, or InvalidToken. A known token refused (revoked, expired, owner switched
    off) leaves `accounts.api_token.use.refused`; junk and unknown tokens do not, so guessing cannot fill
    the ledger."""
    now = now or timezone.now()
    prefix = token_prefix(raw)
    if prefix is None:
        raise InvalidToken("malformed")
    token = ApiToken.objects.select_related("owner").filter(prefix=prefix).first()
    if token is None or not digest_matches(raw, token.digest):
        raise InvalidToken("unknown")
    if token.revoked_at is not None:
        reason = "revoked"
    elif token.expires_at <= now:
        reason = "expired"
    elif not token.owner.is_active:
        reason = "owner_inactive"
    else:
        return token
    refusal_record(
        action="accounts.api_token.use", actor=token.owner, reason=reason, purpose=USE_PURPOSE, refs=_token_refs(token)
    )
    raise InvalidToken(reason)


def api_token_use(*, token: ApiToken, scope: TokenScope | None, operation: str, now: dt.datetime | None = None) -> None:
    """Record one call made with `token` (one ledger event per call), or refuse it for want of scope.

    The token acts as its owner with the owner's roles *now* and its own scopes; an operation with no
    scope (None) is not open to tokens at all. `last_used_at` is written at most once a minute.
    """
    now = now or timezone.now()
    refs = {**_token_refs(token), "operation": operation[:120], "scope": scope.value if scope else None}
    if scope is None or not policies.token_allows(token, scope):
        if scope is None:
            message = "This operation is open to a signed-in session only, not to API tokens."
        elif scope in token.scopes:
            message = f"The token's owner no longer holds a role that allows {scope.value}."
        else:
            message = f"This operation needs the scope {scope.value}, which this token does not have."
        refusal_record(
            action="accounts.api_token.use",
            actor=token.owner,
            reason="insufficient_scope",
            purpose=USE_PURPOSE,
            refs=refs,
        )
        raise InsufficientScope(message, scope=scope.value if scope else "")
    with transaction.atomic():
        event_append(type="accounts.api_token.used", actor=token.owner, purpose=USE_PURPOSE, refs=refs)
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
            stale = Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY)
            ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
