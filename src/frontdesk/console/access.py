"""Deny by default: every page of the public site and the console maps to one access rule here.

The idea is manage.get.gov's `permissions.py`: a URL that is missing from RULES is refused (403), and
`tests/web/test_access_rules.py` walks every URL pattern of the site and fails on any left unmapped.
Rules say who may open a page at all; the services and selectors behind it still decide, row by row,
what that person may see or change (policies.py in each domain app).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode

from frontdesk.accounts.actors import Actor
from frontdesk.accounts.mfa import mfa_satisfied
from frontdesk.accounts.roles import Role, user_roles
from frontdesk.core.errors import DomainError, NotFound, PermissionDenied
from frontdesk.core.purposes import PURPOSES
from frontdesk.ledger.refusals import refusal_record
from frontdesk.scheduling.policies import OFFICE_DAY_ROLES
from frontdesk.stats.policies import DASHBOARD_ROLES

WEB_NAMESPACES = ("public", "console")


@dataclass(frozen=True)
class Rule:
    label: str
    staff: bool = True  # a signed-in staff member, past MFA when their roles need it
    roles: frozenset[Role] = frozenset()  # when set, the member must hold one of these
    personal: bool = True  # shows personal data: never cached

    def allows(self, user: Actor) -> bool:
        return not self.roles or bool(user_roles(user) & self.roles)


PUBLIC = Rule("anyone", staff=False, personal=False)
PUBLIC_PERSONAL = Rule("anyone who proves who they are", staff=False)
SIGN_IN = Rule("signing in", staff=False)
# The SMS provider's inbound webhook: the view itself refuses (403) any request without its valid signature.
SIGNED_WEBHOOK = Rule("the SMS provider, by its request signature", staff=False)
ANY_STAFF = Rule("any signed-in staff member")
OFFICE_DAY = Rule("an office's front-line staff", roles=frozenset(OFFICE_DAY_ROLES))
OFFICE_MANAGER = Rule("the office manager", roles=frozenset({Role.OFFICE_MANAGER}))
SIGN_OFF = Rule(
    "the privacy office (sign-off roles)",
    roles=frozenset({Role.OFFICE_MANAGER, Role.REGIONAL_PRIVACY_OFFICER, Role.GENERAL_COUNSEL}),
)
PRIVACY_READ = Rule(
    "the privacy office and auditors",
    roles=frozenset({Role.OFFICE_MANAGER, Role.REGIONAL_PRIVACY_OFFICER, Role.GENERAL_COUNSEL, Role.AUDITOR}),
)
ACCOUNTING = Rule("counsel and auditors", roles=frozenset({Role.GENERAL_COUNSEL, Role.AUDITOR}))
PRIVACY_WATCH = Rule("regional privacy officers", roles=frozenset({Role.REGIONAL_PRIVACY_OFFICER}))
AUDITOR = Rule("auditors", roles=frozenset({Role.AUDITOR}))
# Staff accounts and their roles; no personal data of the public, but who holds which role is not for caching.
STAFF_ADMIN = Rule("administrators", roles=frozenset({Role.ADMINISTRATOR}))
# Every role either reaches the API (and issues its own tokens) or is the administrator (who oversees them).
API_TOKENS = Rule("staff members who hold a role", roles=frozenset(Role))
# Which office or region each may open is stats.policies' answer (docs/adr/0031).
DASHBOARDS = Rule("office managers and regional privacy officers", roles=DASHBOARD_ROLES)
RESTRICTIONS = Rule(
    "counsel, privacy officers, office managers and auditors",
    roles=frozenset({Role.GENERAL_COUNSEL, Role.REGIONAL_PRIVACY_OFFICER, Role.OFFICE_MANAGER, Role.AUDITOR}),
)

RULES: dict[str, Rule] = {
    # Public site (English at /, Spanish at /es/).
    "public:home": PUBLIC,
    "public:offices": PUBLIC,
    "public:office": PUBLIC,
    # The office floor: a kiosk's forms and tickets are never cached; the board shows numbers only.
    "public:floor-kiosk": PUBLIC_PERSONAL,
    "public:floor-check-in": PUBLIC_PERSONAL,
    "public:floor-walk-in": PUBLIC_PERSONAL,
    "public:floor-ticket": PUBLIC_PERSONAL,
    "public:floor-board": PUBLIC,
    "public:floor-board-state": PUBLIC,
    "public:book-service": PUBLIC,
    "public:book-options": PUBLIC,
    "public:book-time": PUBLIC,
    "public:book-details": PUBLIC_PERSONAL,
    "public:appointment": PUBLIC_PERSONAL,
    "public:appointment-find": PUBLIC_PERSONAL,
    "public:appointment-calendar": PUBLIC_PERSONAL,
    "public:appointment-cancel": PUBLIC_PERSONAL,
    "public:appointment-reschedule": PUBLIC_PERSONAL,
    "public:appointment-forget": PUBLIC_PERSONAL,
    "public:waitlist-join": PUBLIC_PERSONAL,
    "public:waitlist-offer": PUBLIC_PERSONAL,
    "public:accounting": PUBLIC_PERSONAL,
    "public:accounting-code": PUBLIC_PERSONAL,
    "public:accounting-verify": PUBLIC_PERSONAL,
    "public:accounting-proof": PUBLIC_PERSONAL,
    "public:reply-link": PUBLIC_PERSONAL,  # a reminder's single-use link acts on one appointment
    "public:sms-inbound": SIGNED_WEBHOOK,
    # Sign-in with Login.gov; the views answer 404 when no provider is configured.
    "public:signin": SIGN_IN,
    "public:signin-callback": SIGN_IN,
    "public:signout": SIGN_IN,
    "public:signout-done": SIGN_IN,
    "public:my-account": PUBLIC_PERSONAL,
    "public:my-appointment": PUBLIC_PERSONAL,
    "public:privacy": PUBLIC,
    "public:records-request-notice": PUBLIC,
    # Signing in.
    "console:sign-in": SIGN_IN,
    "console:sign-in-code": SIGN_IN,
    "console:sign-in-setup": SIGN_IN,
    "console:sign-out": SIGN_IN,
    # Staff console.
    "console:home": ANY_STAFF,
    "console:schedule": OFFICE_DAY,
    "console:appointment-action": OFFICE_DAY,
    "console:appointment-find": OFFICE_DAY,
    "console:appointment-reschedule": OFFICE_DAY,
    "console:waitlist-add": OFFICE_DAY,
    "console:waitlist-add-caller": OFFICE_DAY,
    "console:queue": OFFICE_DAY,
    "console:floor": OFFICE_DAY,
    "console:floor-window": OFFICE_DAY,
    "console:floor-act": OFFICE_DAY,
    "console:floor-kiosks": OFFICE_MANAGER,
    "console:floor-walk-in": OFFICE_DAY,
    "console:book": OFFICE_DAY,
    "console:book-details": OFFICE_DAY,
    "console:people": OFFICE_DAY,
    "console:outside-request": OFFICE_DAY,
    "console:dashboard": DASHBOARDS,
    "console:dashboard-csv": DASHBOARDS,
    "console:office": OFFICE_MANAGER,
    "console:office-hours": OFFICE_MANAGER,
    "console:office-closure-add": OFFICE_MANAGER,
    "console:office-closure-remove": OFFICE_MANAGER,
    "console:office-resource-add": OFFICE_MANAGER,
    "console:office-resource-update": OFFICE_MANAGER,
    "console:privacy-requests": PRIVACY_READ,
    "console:privacy-request": PRIVACY_READ,
    "console:privacy-request-act": SIGN_OFF,
    "console:privacy-evidence-download": PRIVACY_READ,
    "console:privacy-evidence-add": SIGN_OFF,
    "console:privacy-subject-drop": SIGN_OFF,
    "console:privacy-position-confirm": SIGN_OFF,
    "console:privacy-restrictions": RESTRICTIONS,
    "console:privacy-release-download": PRIVACY_READ,
    "console:privacy-accounting": ACCOUNTING,
    "console:privacy-transparency": PRIVACY_READ,
    "console:privacy-alerts": PRIVACY_WATCH,
    "console:audit": AUDITOR,
    "console:audit-events": AUDITOR,
    "console:audit-verify": AUDITOR,
    "console:staff": STAFF_ADMIN,
    "console:staff-person": STAFF_ADMIN,
    "console:staff-grant": STAFF_ADMIN,
    "console:staff-revoke": STAFF_ADMIN,
    "console:staff-approvals": STAFF_ADMIN,
    "console:staff-decide": STAFF_ADMIN,
    "console:staff-history": STAFF_ADMIN,
    # What each may issue, see and revoke there is accounts.selectors.api_tokens_get's answer.
    "console:api-tokens": API_TOKENS,
    "console:api-token-issue": API_TOKENS,
    "console:api-token-revoke": API_TOKENS,
}


def rule_for(namespace: str, url_name: str | None) -> Rule | None:
    return RULES.get(f"{namespace}:{url_name}") if url_name else None


def forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    return render(request, "console/forbidden.html", {"message": message}, status=403)


def _record_refused_page(request: HttpRequest, page: str) -> None:
    """A member turned away from a page of personal data leaves evidence: who, which page, why.

    Only the page's name and a recognised purpose code are kept, never the query or the form (they may
    hold a name, a code or an SSN). The member still gets the same 403 page.
    """
    source = request.POST if request.method == "POST" else request.GET
    stated = source.get("purpose", "")
    refusal_record(
        action="console.page",
        actor=request.user,
        reason="role_not_allowed",
        purpose=stated if stated in PURPOSES else "",
        refs={"page": page, "method": (request.method or "")[:16]},
    )


class AccessRuleMiddleware:
    """Applies RULES before any public or console view runs; refuses any page without a rule."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        rule = getattr(request, "access_rule", None)
        if rule is not None and rule.personal:
            add_never_cache_headers(response)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.namespace not in WEB_NAMESPACES:
            return None  # the API and the ledger enforce their own (and the same test checks them)
        rule = rule_for(match.namespace, match.url_name)
        if rule is None:
            return forbidden(request)
        request.access_rule = rule  # type: ignore[attr-defined]  # read back by __call__, with getattr
        if not rule.staff:
            return None
        user = request.user
        if not user.is_authenticated or not mfa_satisfied(user):
            target = reverse("console:sign-in")
            return redirect(f"{target}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}")
        if not rule.allows(user):
            if rule.personal:
                _record_refused_page(request, f"{match.namespace}:{match.url_name}")
            return forbidden(request, f"This page is for {rule.label}.")
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A domain error that escaped a view becomes a 4xx page, never a 500 (one place per surface)."""
        match = request.resolver_match
        if match is None or match.namespace not in WEB_NAMESPACES or not isinstance(exception, DomainError):
            return None
        if isinstance(exception, PermissionDenied):
            return forbidden(request, exception.message)
        status = 404 if isinstance(exception, NotFound) else exception.status
        return render(request, "console/problem.html", {"message": exception.message}, status=status)
