"""Sign-in for the public with Login.gov (OpenID Connect; docs/adr/0032-public-sign-in-with-login-gov.md).

The protocol is `frontdesk.identity.oidc`, the account and its links `frontdesk.identity.services`; these
views keep the pending sign-in and the signed-in account in the session. A signed-in member of the public
is not a Django user: staff sign-in (password and TOTP) is untouched and this session opens no console page.
"""

import datetime as dt
import secrets
import time
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontdesk.identity import oidc
from frontdesk.identity.models import Level
from frontdesk.identity.selectors import account_get
from frontdesk.identity.services import VerifiedClaims, account_booking_record, account_sign_in
from frontdesk.scheduling.models import Appointment

ACCOUNT_KEY = "fd_public_account"
PENDING_KEY = "fd_oidc_pending"
LOGOUT_KEY = "fd_oidc_logout_state"


def _language() -> str:
    return (translation.get_language() or "en")[:2]


def _absolute(name: str) -> str:
    """The address registered with the provider: always the English path, whatever the page's language."""
    with translation.override("en"):
        return settings.FRONTDESK_PUBLIC_BASE_URL + reverse(name)


def not_set_up(request: HttpRequest) -> HttpResponse:
    return render(request, "public/signin_not_set_up.html", status=404)


def _failed(request: HttpRequest, code: str) -> HttpResponse:
    provider_side = code in {"provider_unreachable", "issuer_mismatch"}
    messages = {
        "cancelled": _("You stopped signing in at Login.gov. Nothing was changed."),
        "provider_unreachable": _("We could not reach Login.gov. Try again in a few minutes."),
        "issuer_mismatch": _("Login.gov's answer could not be trusted, so we did not sign you in."),
        "token_expired": _("Your sign-in took too long and expired. Please sign in again."),
    }
    message = messages.get(code, _("We could not finish signing you in. Please start again from the sign-in page."))
    response = render(
        request, "public/signin_failed.html", {"message": message, "code": code}, status=502 if provider_side else 400
    )
    add_never_cache_headers(response)
    return response


def signed_in_account(request: HttpRequest) -> dict[str, Any] | None:
    """The session's sign-in (account id, level, until), or None once it has ended."""
    entry = request.session.get(ACCOUNT_KEY)
    if not isinstance(entry, dict) or entry.get("until", 0) < time.time():
        return None
    return entry


def record_booking(request: HttpRequest, appointment: Appointment) -> None:
    """A booking made while signed in belongs to the account (all an IAL1 account ever sees)."""
    entry = signed_in_account(request)
    account = account_get(public_id=str(entry.get("id", ""))) if entry else None
    if account is not None:
        account_booking_record(account=account, appointment=appointment)


@require_GET
def signin_start(request: HttpRequest) -> HttpResponse:
    """Without `level`: the choice of level. With it: off to Login.gov for that level."""
    if not oidc.enabled():
        return not_set_up(request)
    level = request.GET.get("level", "")
    if not level:
        return render(request, "public/signin.html")
    if level not in (Level.IAL1, Level.IAL2):
        return _failed(request, "unknown_level")
    try:
        url, pending = oidc.authorization_start(level=level, redirect_uri=_absolute("public:signin-callback"))
    except oidc.SignInNotSetUp:
        return not_set_up(request)
    except oidc.SignInFailed as error:
        return _failed(request, error.code)
    request.session[PENDING_KEY] = pending.as_dict() | {"language": _language()}
    return redirect(url)


def _verified_claims(signed: oidc.SignedIn) -> VerifiedClaims:
    claims = signed.claims
    birthdate = None
    try:
        birthdate = dt.date.fromisoformat(str(claims.get("birthdate", "")))
    except ValueError:
        birthdate = None
    return VerifiedClaims(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        level=signed.level,
        given_name=str(claims.get("given_name", "") or "")[:80],
        family_name=str(claims.get("family_name", "") or "")[:80],
        birthdate=birthdate,
        ssn=str(claims.get("social_security_number", "") or "")[:20],
    )


@require_GET
def signin_callback(request: HttpRequest) -> HttpResponse:
    """Login.gov sends the browser back here. The pending sign-in is used once, whatever the outcome."""
    if not oidc.enabled():
        return not_set_up(request)
    stored = request.session.pop(PENDING_KEY, None)
    pending = oidc.Pending.from_dict(stored)
    language = stored.get("language", "en") if isinstance(stored, dict) else "en"
    params = {key: request.GET.get(key, "")[:4096] for key in ("code", "state", "iss", "error") if key in request.GET}
    try:
        signed = oidc.authorization_finish(
            pending=pending, params=params, redirect_uri=_absolute("public:signin-callback")
        )
    except oidc.SignInNotSetUp:
        return not_set_up(request)
    except oidc.SignInFailed as error:
        return _failed(request, error.code)
    account = account_sign_in(claims=_verified_claims(signed))
    request.session.cycle_key()  # a new session key at sign-in: a planted one would not carry over
    request.session[ACCOUNT_KEY] = {
        "id": str(account.public_id),
        "level": signed.level,
        "id_token": signed.id_token,
        "until": time.time() + settings.SESSION_COOKIE_AGE,
    }
    with translation.override(language if language in ("en", "es") else "en"):
        return redirect(reverse("public:my-account"))


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    """End the sign-in here first (the whole session, so nothing stays on a shared computer), then at
    Login.gov (RP-Initiated Logout with id_token_hint and a state checked on the way back)."""
    if not oidc.enabled():
        return not_set_up(request)
    entry = signed_in_account(request) or {}
    request.session.flush()
    state = secrets.token_urlsafe(24)
    request.session[LOGOUT_KEY] = state
    url = oidc.end_session_url(
        id_token=str(entry.get("id_token", "")),
        state=state,
        post_logout_redirect_uri=_absolute("public:signout-done"),
    )
    return redirect(url or reverse("public:signout-done"))


@require_GET
def signout_done(request: HttpRequest) -> HttpResponse:
    if not oidc.enabled():
        return not_set_up(request)
    expected = request.session.pop(LOGOUT_KEY, "")
    returned = request.GET.get("state", "")
    at_provider = bool(expected and returned and secrets.compare_digest(str(expected), returned[:200]))
    return render(request, "public/signout_done.html", {"at_provider": at_provider})
