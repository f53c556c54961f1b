"""A signed-in member of the public's own page: their appointments and their accounting of disclosures.

What they may see is the identity app's answer (selectors.py, by the level of this sign-in); changing or
cancelling an appointment goes through the site's existing pages and the scheduling rules behind them.
"""

from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from frontdesk.disclosures.proofs import PROOF_TOKEN_TTL
from frontdesk.identity import oidc, selectors
from frontdesk.identity.models import Level, PublicAccount
from frontdesk.scheduling import policies
from frontdesk.web import booking

from .signin_views import not_set_up, signed_in_account
from .views import language, mode_label

ACTIONS = {
    "view": "public:appointment",
    "change": "public:appointment-reschedule",
    "cancel": "public:appointment-cancel",
}


def _account(request: HttpRequest) -> tuple[PublicAccount | None, str]:
    entry = signed_in_account(request)
    if entry is None:
        return None, ""
    account = selectors.account_get(public_id=str(entry.get("id", "")))
    return account, str(entry.get("level", ""))


@require_GET
def my_account(request: HttpRequest) -> HttpResponse:
    if not oidc.enabled():
        return not_set_up(request)
    account, level = _account(request)
    if account is None:
        return redirect("public:signin")
    now = datetime.now(UTC)
    appointments = [
        {
            "appointment": a,
            "office": a.office,
            "service_name": a.service.name(language()),
            "mode_label": mode_label(a.mode),
            "can_change": policies.can_self_change(a, now),
        }
        for a in selectors.appointment_list(account=account, level=level)[:200]
    ]
    verified = level == Level.IAL2
    linked = bool(selectors.linked_people(account=account, level=level))
    context = {
        "appointments": appointments,
        "verified": verified,
        "linked": linked,
        "entries": selectors.accounting_list(account=account, level=level) if linked else None,
        "proof_minutes": int(PROOF_TOKEN_TTL.total_seconds() // 60),
    }
    response = render(request, "public/my_account.html", context)
    # The sign-out form's answer redirects to the provider's end_session_endpoint: the CSP's form-action
    # must allow that origin, or the browser stops the redirect (CSP 3 checks form redirects too).
    response._csp_update = {"form-action": [oidc.provider_origin()]}  # type: ignore[attr-defined]
    return response


@require_POST
def my_appointment_open(request: HttpRequest) -> HttpResponse:
    """Open one of the account's appointments in the site's own appointment pages (view, change, cancel),
    as a look-up by code would; an appointment the account may not see is not found."""
    if not oidc.enabled():
        return not_set_up(request)
    account, level = _account(request)
    if account is None:
        return redirect("public:signin")
    action = ACTIONS.get(str(request.POST.get("action", "view")))
    found = (
        selectors.appointment_for_account(
            account=account, level=level, public_id=str(request.POST.get("appointment", ""))[:64]
        )
        if action
        else None
    )
    if found is None or action is None:
        return render(request, "public/errors/404.html", status=404)
    booking.remember_appointment(request, found)
    return redirect(action)
