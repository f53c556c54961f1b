"""Staff API tokens: issued on the console past MFA, scoped, expiring, revocable, each use on the ledger.

docs/adr/0019-api-tokens.md. A token acts as its owner with the owner's roles now *and* its scopes.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from frontdesk.accounts import token_services
from frontdesk.accounts.models import ApiToken
from frontdesk.accounts.roles import Role
from frontdesk.accounts.tokens import (
    MAX_LIVE_TOKENS,
    TOKEN_LENGTH,
    TokenScope,
    _checksum,
    token_digest,
    token_new,
    token_prefix,
)
from frontdesk.api.tokens import OPERATION_SCOPES, operation_id_of
from frontdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from frontdesk.ledger.models import LedgerEvent
from tests.factories import OfficeFactory, staff_user
from tests.web.auth import verified_login

pytestmark = pytest.mark.django_db

SCHEDULE = "/api/v1/staff/offices/A01/schedule"
SECRET = re.compile(r'id="issued-secret"[^>]*value="(fdk_[0-9A-Za-z]+)"')


def issue_on_console(client: Client, *scopes: str, name: str = "Lobby display", days: int = 30):
    return client.post(
        "/console/tokens/issue/", {"issue-name": name, "issue-scopes": list(scopes), "issue-days": str(days)}
    )


def secret_of(response) -> str:
    match = SECRET.search(response.content.decode())
    assert match, "the issued token is shown on the page"
    return match.group(1)


def bearer(raw: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def read_schedule(raw: str, client: Client | None = None):
    return (client or Client()).get(SCHEDULE, {"purpose": "run_schedule"}, **bearer(raw))


def verified(user):
    user.is_verified = lambda: True  # as django-otp's middleware marks a session past its second factor
    return user


@pytest.fixture
def clerk_console(clerk):
    return verified_login(Client(), clerk)


@pytest.fixture
def clerk_token(clerk) -> str:
    _token, raw = token_services.api_token_issue(
        actor=verified(clerk), name="lobby", scopes=[TokenScope.SCHEDULE_READ, TokenScope.SCHEDULE_WRITE]
    )
    return raw


# --- Issue on the console, use on the API, see it on the ledger -----------------------------------


def test_issued_on_the_console_used_on_a_schedule_read_and_recorded(clerk_console, clerk):
    response = issue_on_console(clerk_console, "schedule:read")
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    raw = secret_of(response)
    assert len(raw) == TOKEN_LENGTH and token_prefix(raw) == raw[:12]
    token = ApiToken.objects.get(owner=clerk)
    assert token.scopes == ["schedule:read"] and raw not in (token.digest, token.prefix)
    assert token.digest == token_digest(raw)
    assert timedelta(days=29, hours=23) < token.expires_at - token.created_at <= timedelta(days=30)
    issued = LedgerEvent.objects.get(type="accounts.api_token.issued")
    assert issued.event["actor"] == "staff:clerk" and issued.event["refs"]["prefix"] == token.prefix
    assert raw not in issued.canonical

    used = read_schedule(raw)
    assert used.status_code == 200, used.content
    event = LedgerEvent.objects.get(type="accounts.api_token.used")
    assert event.event["actor"] == "staff:clerk"
    assert event.event["refs"]["token"] == str(token.public_id)
    assert event.event["refs"]["operation"] == "frontdesk_api_staff_office_schedule"
    assert event.event["refs"]["scope"] == "schedule:read"
    assert raw not in event.canonical
    # The read itself is recorded as the owner's, as for a session.
    assert LedgerEvent.objects.get(type="records.schedule.viewed").event["actor"] == "staff:clerk"
    token.refresh_from_db()
    assert token.last_used_at is not None

    # The list shows the token by its prefix, never the secret again.
    page = clerk_console.get("/console/tokens/")
    assert token.prefix in page.content.decode() and raw not in page.content.decode()


def test_each_use_is_one_event_and_the_token_row_is_written_at_most_once_a_minute(clerk, clerk_token):
    for _ in range(3):
        assert read_schedule(clerk_token).status_code == 200
    assert LedgerEvent.objects.filter(type="accounts.api_token.used").count() == 3
    token = ApiToken.objects.get(owner=clerk)
    first = token.last_used_at
    assert first is not None
    token_services.api_token_use(
        token=token, scope=TokenScope.SCHEDULE_READ, operation="x", now=first + timedelta(seconds=30)
    )
    token.refresh_from_db()
    assert token.last_used_at == first
    later = first + timedelta(seconds=61)
    token_services.api_token_use(token=token, scope=TokenScope.SCHEDULE_READ, operation="x", now=later)
    token.refresh_from_db()
    assert token.last_used_at == later


# --- Refusals -------------------------------------------------------------------------------------


def test_a_missing_scope_is_403_insufficient_scope_and_recorded(clerk, clerk_token):
    response = Client().post(
        "/api/v1/staff/persons/search",
        {"purpose": "check_in", "ssn": "123-45-6789"},
        content_type="application/json",
        **bearer(clerk_token),
    )
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope" and "people:read" in response.json()["message"]
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    refused = LedgerEvent.objects.get(type="accounts.api_token.use.refused")
    assert refused.event["refs"]["reason"] == "insufficient_scope"
    assert not LedgerEvent.objects.filter(type__in=["accounts.api_token.used", "records.person.searched"]).exists()


def assert_invalid_token(response):
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_an_expired_token_is_401(clerk, clerk_token):
    now = timezone.now()
    ApiToken.objects.filter(owner=clerk).update(
        created_at=now - timedelta(days=30), expires_at=now - timedelta(seconds=1)
    )
    assert_invalid_token(read_schedule(clerk_token))
    assert LedgerEvent.objects.get(type="accounts.api_token.use.refused").event["refs"]["reason"] == "expired"
    assert not LedgerEvent.objects.filter(type="records.schedule.viewed").exists()


def test_a_revoked_token_is_401_from_its_next_call(clerk, clerk_token, clerk_console):
    assert read_schedule(clerk_token).status_code == 200
    token = ApiToken.objects.get(owner=clerk)
    response = clerk_console.post("/console/tokens/revoke/", {"token": str(token.public_id)})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == clerk
    assert LedgerEvent.objects.get(type="accounts.api_token.revoked").event["actor"] == "staff:clerk"
    assert_invalid_token(read_schedule(clerk_token))


def test_unknown_and_malformed_tokens_are_401_and_leave_no_event(clerk_token):
    body = clerk_token[:12] + "A" * 32  # the real prefix, a wrong secret, a valid checksum
    forged = body + _checksum(body)
    unknown, _prefix = token_new()
    typo = clerk_token[:-1] + ("x" if clerk_token[-1] != "x" else "y")
    for raw in ("", "nonsense", forged, unknown, typo, clerk_token.lower()):
        assert_invalid_token(read_schedule(raw))
    assert not LedgerEvent.objects.filter(type__startswith="accounts.api_token.use").exists()


def test_a_deactivated_owners_token_stops_at_once(clerk, clerk_token):
    assert read_schedule(clerk_token).status_code == 200
    clerk.is_active = False
    clerk.save(update_fields=["is_active"])
    assert_invalid_token(read_schedule(clerk_token))
    assert LedgerEvent.objects.get(type="accounts.api_token.use.refused").event["refs"]["reason"] == "owner_inactive"


def test_an_owner_who_lost_the_role_is_refused_at_once(clerk, clerk_token):
    assert read_schedule(clerk_token).status_code == 200
    clerk.groups.remove(Group.objects.get(name=Role.COUNTER_CLERK.value))
    response = read_schedule(clerk_token)
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    assert "no longer holds a role" in response.json()["message"]


def test_the_token_acts_with_the_owners_current_roles_and_its_scopes(office, clerk):
    """An office manager's schedule:read token still reads only what the manager's roles reach now."""
    manager = verified(staff_user("manager", Role.OFFICE_MANAGER, office))
    _token, raw = token_services.api_token_issue(actor=manager, name="m", scopes=["schedule:read"])
    assert read_schedule(raw).status_code == 200
    OfficeFactory(code="Z99")
    other = Client().get("/api/v1/staff/offices/Z99/schedule", {"purpose": "run_schedule"}, **bearer(raw))
    assert other.status_code == 403 and other.json()["code"] == "forbidden"  # not their office


# --- CSRF: a bearer needs none, a session still does -----------------------------------------------


def test_csrf_is_not_needed_with_a_bearer_token_but_still_with_a_session(clerk, clerk_token):
    action = "/api/v1/staff/appointments/NOSUCHCODE/check-in"
    with_bearer = Client(enforce_csrf_checks=True).post(action, content_type="application/json", **bearer(clerk_token))
    # Past authentication and CSRF: the answer is about the appointment.
    assert with_bearer.status_code == 404, with_bearer.content
    session = Client(enforce_csrf_checks=True)
    session.force_login(clerk)
    refused = session.post(action, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"


def test_a_bearer_token_wins_over_a_session_cookie(clerk, clerk_token):
    """A request with both is judged by the token: its scopes apply, whoever the cookie names."""
    client = Client()
    client.force_login(clerk)
    response = client.post(
        "/api/v1/staff/persons/search",
        {"purpose": "check_in", "ssn": "123-45-6789"},
        content_type="application/json",
        **bearer(clerk_token),
    )
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"


# --- Who may issue what ---------------------------------------------------------------------------


def test_an_administrator_cannot_issue_a_token_that_reads_personal_data(db):
    admin = staff_user("admin", Role.ADMINISTRATOR)
    console = verified_login(Client(), admin)
    page = console.get("/console/tokens/")
    assert page.status_code == 200 and "Issue token" not in page.content.decode()
    response = issue_on_console(console, "schedule:read")
    assert response.status_code in (403, 422)
    assert not ApiToken.objects.exists()
    with pytest.raises(PermissionDenied) as refused:
        token_services.api_token_issue(actor=verified(admin), name="x", scopes=["schedule:read"])
    assert refused.value.code == "no_api_role"
    assert LedgerEvent.objects.filter(type="accounts.api_token.issue.refused").count() >= 1


def test_an_administrator_holding_another_role_by_mistake_still_reaches_no_personal_data(office):
    from frontdesk.accounts.policies import token_scopes_grantable

    admin = staff_user("admin", Role.ADMINISTRATOR, office)
    admin.groups.add(Group.objects.get_or_create(name=Role.COUNTER_CLERK.value)[0])
    assert token_scopes_grantable(admin) == frozenset()


def test_scopes_are_limited_to_what_the_roles_reach(office):
    auditor = verified(staff_user("auditor", Role.AUDITOR))
    with pytest.raises(PermissionDenied) as refused:
        token_services.api_token_issue(actor=auditor, name="x", scopes=["disclosures:read", "disclosures:write"])
    assert refused.value.code == "scope_not_allowed" and "disclosures:write" in refused.value.message
    token, _raw = token_services.api_token_issue(actor=auditor, name="x", scopes=["disclosures:read"])
    assert token.scopes == ["disclosures:read"]


def test_a_token_is_issued_only_past_mfa(clerk):
    with pytest.raises(PermissionDenied) as refused:
        token_services.api_token_issue(actor=clerk, name="x", scopes=["schedule:read"])  # no second factor
    assert refused.value.code == "mfa_required"
    console = Client()
    console.force_login(clerk)  # a password alone: the console sends them to the code step
    response = issue_on_console(console, "schedule:read")
    assert response.status_code == 302 and "/console/sign-in/" in response["Location"]
    assert not ApiToken.objects.exists()


def test_lifetime_and_input_are_checked_and_nothing_is_written_on_refusal(clerk_console, clerk):
    for days in ("0", "91", "x"):
        response = issue_on_console(clerk_console, "schedule:read", days=days)
        assert response.status_code == 422
    assert issue_on_console(clerk_console).status_code == 422  # no scope
    assert issue_on_console(clerk_console, "schedule:read", name=" ").status_code == 422
    assert issue_on_console(clerk_console, "no:such").status_code == 422
    assert not ApiToken.objects.exists()
    assert not LedgerEvent.objects.filter(type="accounts.api_token.issued").exists()
    with pytest.raises(ValidationFailed):
        token_services.api_token_issue(actor=verified(clerk), name="x", scopes=["schedule:read"], days=91)


def test_a_person_keeps_a_bounded_number_of_live_tokens(clerk):
    verified(clerk)
    for n in range(MAX_LIVE_TOKENS):
        token_services.api_token_issue(actor=clerk, name=f"t{n}", scopes=["schedule:read"])
    with pytest.raises(Conflict):
        token_services.api_token_issue(actor=clerk, name="one more", scopes=["schedule:read"])


def test_an_administrator_sees_and_revokes_anyones_token_and_others_cannot(office, clerk, clerk_token):
    token = ApiToken.objects.get(owner=clerk)
    colleague = staff_user("colleague", Role.COUNTER_CLERK, office)
    colleague_console = verified_login(Client(), colleague)
    assert token.prefix not in colleague_console.get("/console/tokens/").content.decode()
    refused = colleague_console.post("/console/tokens/revoke/", {"token": str(token.public_id)})
    assert refused.status_code == 404
    assert read_schedule(clerk_token).status_code == 200

    admin = staff_user("admin", Role.ADMINISTRATOR)
    admin_console = verified_login(Client(), admin)
    page = admin_console.get("/console/tokens/").content.decode()
    assert token.prefix in page and "clerk" in page
    assert admin_console.post("/console/tokens/revoke/", {"token": str(token.public_id)}).status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == admin
    event = LedgerEvent.objects.get(type="accounts.api_token.revoked")
    assert event.event["actor"] == "staff:admin" and event.event["refs"]["owner"] == "clerk"
    assert_invalid_token(read_schedule(clerk_token))
    again = admin_console.post("/console/tokens/revoke/", {"token": str(token.public_id)})
    assert again.status_code == 409


# --- The OpenAPI document -------------------------------------------------------------------------


def test_every_staff_operation_names_its_scope_in_the_document():
    document = Client().get("/api/v1/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["BearerToken"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert all(scope.value in scheme["description"] for scope in TokenScope)
    guarded = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            requirements = operation.get("security")
            if not requirements:
                continue
            guarded += 1
            [needed] = [r["BearerToken"] for r in requirements if "BearerToken" in r]
            assert needed, f"{method.upper()} {path} is open to no token scope: map it in api/tokens.py"
            assert needed == [OPERATION_SCOPES[operation["operationId"]].value]
            assert f"`{needed[0]}`" in operation["description"]
            assert {"SessionAuth": []} in requirements
    assert guarded == len(OPERATION_SCOPES)


def test_the_operation_ids_are_the_ones_the_document_shows():
    from frontdesk.api import staff

    assert operation_id_of(staff.office_schedule) in OPERATION_SCOPES


def test_the_docs_page_still_works():
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200 and b"openapi.json" in response.content


def test_a_member_without_a_role_is_not_offered_the_tokens_page(db):
    from django.contrib.auth.models import User

    newhire = User.objects.create_user(username="newhire", password="not-used-in-tests-1")
    console = verified_login(Client(), newhire)
    assert "API tokens" not in console.get("/console/").content.decode()
    assert console.get("/console/tokens/").status_code == 403
