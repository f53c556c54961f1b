"""The staff role pages: administrators only, grant and revoke with a reason, the two-person approval."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from frontdesk.accounts.models import RoleChange, RoleChangeStatus
from frontdesk.accounts.roles import Role, user_roles
from frontdesk.ledger.models import LedgerEvent
from tests.factories import staff_user
from tests.web.auth import verified_login

pytestmark = pytest.mark.django_db

PAGES = ("/console/staff/", "/console/staff/approvals/", "/console/staff/history/")


@pytest.fixture
def admin(db):
    return staff_user("admin", Role.ADMINISTRATOR)


@pytest.fixture
def admin2(db):
    return staff_user("admin2", Role.ADMINISTRATOR)


@pytest.fixture
def admin_web(admin):
    return verified_login(Client(), admin)


@pytest.fixture
def admin2_web(admin2):
    return verified_login(Client(), admin2)


@pytest.fixture
def newcomer(db):
    return User.objects.create_user(username="newcomer", password="not-used-in-tests-1")


def roles_of(username: str) -> set[Role]:
    return user_roles(User.objects.get(username=username))


def grant(client: Client, username: str, role: str, reason: str = "New hire", **scope):
    data = {"grant-username": username, "grant-role": role, "grant-reason": reason}
    data.update({f"grant-{key}": value for key, value in scope.items()})
    return client.post("/console/staff/grant/", data)


def revoke(client: Client, username: str, role: str, reason: str = "Left"):
    return client.post(
        "/console/staff/revoke/", {"revoke-username": username, "revoke-role": role, "revoke-reason": reason}
    )


def decide(client: Client, change: RoleChange, decision: str, reason: str = ""):
    prefix = f"c{change.public_id.hex}"
    return client.post(
        "/console/staff/approvals/decide/",
        {"change": str(change.public_id), "decision": decision, f"{prefix}-decision_reason": reason},
    )


@pytest.mark.parametrize("page", PAGES)
def test_other_roles_are_refused(clerk_web, manager_web, auditor_web, page):
    for client in (clerk_web, manager_web, auditor_web):
        assert client.get(page).status_code == 403


def test_posts_from_other_roles_are_refused_and_change_nothing(manager_web, newcomer):
    assert grant(manager_web, "newcomer", "counter_clerk", office="A01").status_code == 403
    assert roles_of("newcomer") == set() and not RoleChange.objects.exists()


@pytest.mark.parametrize("page", PAGES)
def test_pages_open_for_an_administrator_and_are_never_cached(admin_web, page):
    response = admin_web.get(page)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_menu_shows_each_role_its_own_pages(admin_web, clerk_web):
    assert 'href="/console/staff/"' in admin_web.get("/console/").content.decode()
    assert 'href="/console/staff/"' not in clerk_web.get("/console/").content.decode()
    # The clerk's menu reaches the waitlist; an administrator, who serves no callers, does not see it.
    assert 'href="/console/waitlist/add/"' in clerk_web.get("/console/").content.decode()
    assert 'href="/console/waitlist/add/"' not in admin_web.get("/console/").content.decode()


def test_the_staff_list_finds_by_username_and_office(admin_web, clerk, manager, auditor):
    page = admin_web.get("/console/staff/", {"q": "cler"}).content.decode()
    assert ">clerk</a>" in page and ">manager</a>" not in page
    page = admin_web.get("/console/staff/", {"office": "a01"}).content.decode()
    assert ">clerk</a>" in page and ">manager</a>" in page and ">auditor</a>" not in page
    assert "Counter clerk (office A01 Lower Manhattan)" in page


def test_a_person_page_shows_roles_forms_and_history(admin_web, clerk):
    page = admin_web.get("/console/staff/person/", {"username": "clerk"}).content.decode()
    assert "Roles of clerk" in page and "Counter clerk" in page
    assert 'id="grant-form"' in page and 'id="revoke-form"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert admin_web.get("/console/staff/person/", {"username": "nobody"}).status_code == 404


def test_an_administrator_sees_no_forms_on_their_own_page(admin_web):
    page = admin_web.get("/console/staff/person/", {"username": "admin"}).content.decode()
    assert 'id="grant-form"' not in page and "cannot change your own roles" in page


def test_granting_a_front_line_role_takes_effect_at_once(admin_web, newcomer, office):
    response = grant(admin_web, "newcomer", "counter_clerk", office="A01", reason="Started Monday")
    assert response.status_code == 302
    assert roles_of("newcomer") == {Role.COUNTER_CLERK}
    page = admin_web.get(response["Location"]).content.decode()
    assert "newcomer is now counter clerk" in page and "Started Monday" in page
    assert LedgerEvent.objects.filter(type="accounts.role.granted").count() == 1


def test_a_grant_without_a_reason_or_with_an_unknown_office_is_a_422_and_writes_nothing(admin_web, newcomer, office):
    assert grant(admin_web, "newcomer", "counter_clerk", reason="", office="A01").status_code == 422
    response = grant(admin_web, "newcomer", "counter_clerk", office="ZZZ")
    assert response.status_code == 422 and "No office has that code" in response.content.decode()
    assert roles_of("newcomer") == set() and not RoleChange.objects.exists()


def test_a_refused_grant_shows_why(admin_web, auditor, office):
    response = grant(admin_web, "auditor", "counter_clerk", office="A01")
    assert response.status_code == 422
    assert "holds no other role" in response.content.decode()
    assert roles_of("auditor") == {Role.AUDITOR}


def test_a_privileged_grant_goes_through_a_second_administrator(admin_web, admin2_web, newcomer):
    assert grant(admin_web, "newcomer", "general_counsel", reason="Appointed").status_code == 302
    assert roles_of("newcomer") == set()
    change = RoleChange.objects.get(status=RoleChangeStatus.PENDING)

    own = admin_web.get("/console/staff/approvals/").content.decode()
    assert "newcomer" in own and 'value="approve"' not in own  # the requester sees no approve button
    assert "you asked for it" in own and 'value="reject"' in own  # ... but may withdraw it
    refused = decide(admin_web, change, "approve")
    assert refused.status_code == 403
    assert roles_of("newcomer") == set()

    other = admin2_web.get("/console/staff/approvals/").content.decode()
    assert 'value="approve"' in other
    assert decide(admin2_web, change, "approve").status_code == 302
    assert roles_of("newcomer") == {Role.GENERAL_COUNSEL}
    change.refresh_from_db()
    assert change.status == RoleChangeStatus.APPLIED and change.decided_by.username == "admin2"


def test_a_rejection_needs_a_reason(admin_web, admin2_web, newcomer):
    grant(admin_web, "newcomer", "auditor", reason="Inspector general")
    change = RoleChange.objects.get()
    assert decide(admin2_web, change, "reject", "").status_code == 422
    assert decide(admin2_web, change, "reject", "Wrong person").status_code == 302
    change.refresh_from_db()
    assert change.status == RoleChangeStatus.REJECTED and change.decision_reason == "Wrong person"
    history = admin_web.get("/console/staff/history/", {"q": "newcomer"}).content.decode()
    assert "Wrong person" in history and "Inspector general" in history


def test_an_unknown_change_is_a_404(admin_web):
    response = admin_web.post("/console/staff/approvals/decide/", {"change": "not-a-uuid", "decision": "approve"})
    assert response.status_code == 404


def test_a_revoked_role_is_gone_on_the_holders_next_request(admin_web, clerk, clerk_web):
    assert clerk_web.get("/console/schedule/").status_code == 200
    response = revoke(admin_web, "clerk", "counter_clerk", reason="Left the agency")
    assert response.status_code == 302
    assert clerk_web.get("/console/schedule/").status_code == 403  # same session, next request
    event = LedgerEvent.objects.get(type="accounts.role.revoked")
    assert event.event["refs"]["target"] == "clerk" and event.event["actor"] == "staff:admin"


def test_revoking_without_a_reason_is_a_422(admin_web, clerk):
    assert revoke(admin_web, "clerk", "counter_clerk", reason="").status_code == 422
    assert roles_of("clerk") == {Role.COUNTER_CLERK}


def test_get_is_not_allowed_on_the_actions(admin_web):
    for url in ("/console/staff/grant/", "/console/staff/revoke/", "/console/staff/approvals/decide/"):
        assert admin_web.get(url).status_code == 405


def test_the_forms_need_the_csrf_token(admin, newcomer, office):
    client = verified_login(Client(enforce_csrf_checks=True), admin)
    response = grant(client, "newcomer", "counter_clerk", office="A01")
    assert response.status_code == 403
    assert roles_of("newcomer") == set()
