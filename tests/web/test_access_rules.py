"""Deny by default: every URL of the site maps to an access rule, and the rules hold.

The walk covers every pattern the root URLconf can reach: the public site and the console (rules in
frontdesk/console/access.py), the ledger (its ROUTE_ACCESS), and the JSON API (each operation either
requires a signed-in session or is listed here as deliberately public).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from frontdesk.accounts.roles import Role
from frontdesk.console.access import RULES
from frontdesk.transparency_log.urls import ROUTE_ACCESS
from tests.factories import staff_user
from tests.web.auth import verified_login

# The API's public operations, by URL name: anything else must carry the staff router's auth.
PUBLIC_API = {
    "office_list",
    "office_near",
    "office_detail",
    "service_list",
    "availability",
    "appointment_create",
    "appointment_read",
    "appointment_reschedule",
    "appointment_cancel",
    "appointment_calendar",
    "openapi-json",
    "openapi-view",
    "api-root",
    # Disclosures: a person's own accounting (code + last name + birth date) and the published report.
    "accounting_mine",
    "accounting_mine_code",
    "accounting_mine_code_verify",
    "accounting_mine_proof",  # a proof bundle for a short-lived token given with the accounting
    "transparency",
    "transparency_csv",
    "transparency_html",
    # The waitlist: a person's own entry and offers, behind the same code + last name + birth date.
    "waitlist_join",
    "waitlist_leave",
    "waitlist_offer_read",
    "waitlist_offer_claim",
    "waitlist_offer_decline",
    # Without a booking (ADR 0036): a one-time code to the contact given stands in for the booking's code.
    "waitlist_request",
    "waitlist_request_confirm",
    "waitlist_offer_code",
    "waitlist_offer_claim_with_code",
    "waitlist_offer_decline_with_code",
}


def walk(patterns, namespace: str = "", prefix: str = ""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            yield from walk(entry.url_patterns, inner, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield namespace, entry, prefix + str(entry.pattern)


def api_operation_requires_auth(pattern: URLPattern) -> bool:
    from ninja.operation import PathView

    # django-ninja's view is a closure over its PathView, which holds the operations and their auth.
    cells = [cell.cell_contents for cell in getattr(pattern.callback, "__closure__", None) or ()]
    path_view = next((c for c in cells if isinstance(c, PathView)), None)
    operations = path_view.operations if path_view else []
    return bool(operations) and all(op.auth_callbacks for op in operations)


def unmapped() -> list[str]:
    missing = []
    for namespace, pattern, route in walk(get_resolver().url_patterns):
        name = pattern.name
        if namespace in ("public", "console"):
            if f"{namespace}:{name}" not in RULES:
                missing.append(f"{route} ({namespace}:{name})")
        elif namespace == "ledger":
            if name not in ROUTE_ACCESS:
                missing.append(f"{route} (ledger:{name})")
        elif namespace == "api":
            if name not in PUBLIC_API and not api_operation_requires_auth(pattern):
                missing.append(f"{route} (api:{name}): no auth; if it is meant to be public, add it to PUBLIC_API here")
        else:
            missing.append(f"{route} (no namespace: no rule can apply)")
    return missing


def test_every_url_maps_to_an_access_rule():
    assert unmapped() == []


def test_no_rule_is_left_without_a_url():
    names = {f"{ns}:{p.name}" for ns, p, _ in walk(get_resolver().url_patterns) if ns in ("public", "console")}
    assert set(RULES) - names == set()


@pytest.mark.django_db
def test_a_page_without_a_rule_is_refused(client, monkeypatch):
    monkeypatch.delitem(RULES, "public:privacy")
    assert client.get("/privacy/").status_code == 403


STAFF_PAGES = sorted(name for name, rule in RULES.items() if rule.staff)


def _url(name: str) -> str:
    kwargs = {}
    if name.endswith(("privacy-request", "privacy-request-act", "privacy-evidence-add", "privacy-position-confirm")):
        kwargs = {"request_id": "00000000-0000-0000-0000-000000000000"}
    if name.endswith("privacy-evidence-download"):
        kwargs = {
            "request_id": "00000000-0000-0000-0000-000000000000",
            "evidence_id": "00000000-0000-0000-0000-000000000000",
        }
    if name.endswith("privacy-subject-drop"):
        kwargs = {
            "request_id": "00000000-0000-0000-0000-000000000000",
            "subject_id": "00000000-0000-0000-0000-000000000000",
        }
    if name.endswith("privacy-release-download"):
        kwargs = {"release_id": "00000000-0000-0000-0000-000000000000"}
    return reverse(name, kwargs=kwargs)


@pytest.mark.django_db
@pytest.mark.parametrize("name", STAFF_PAGES)
def test_staff_pages_send_the_public_to_sign_in(client, name):
    response = client.get(_url(name))
    assert response.status_code == 302
    assert response["Location"].startswith("/console/sign-in/")


@pytest.mark.django_db
def test_password_alone_is_not_enough_for_roles_that_see_personal_data(client, office):
    clerk = staff_user("clerk", Role.COUNTER_CLERK, office)
    client.force_login(clerk)  # a session without the second factor
    assert client.get("/console/schedule/").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (Role.COUNTER_CLERK, "/console/schedule/", "/console/office/"),
        (Role.OFFICE_MANAGER, "/console/office/", "/console/audit/"),
        (Role.AUDITOR, "/console/audit/", "/console/schedule/"),
        (Role.ADMINISTRATOR, "/console/staff/", "/console/people/"),
    ],
)
def test_roles_open_their_pages_and_no_others(client, office, role, allowed, refused):
    user = staff_user("someone", role, office if role != Role.AUDITOR else None)
    verified_login(client, user)
    assert client.get(allowed).status_code == 200
    assert client.get(refused).status_code == 403
