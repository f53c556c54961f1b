"""API tokens in the browser, keyboard only: a clerk issues a token, sees it once, uses it, revokes it.
Every page passes axe-core (docs/adr/0019-api-tokens.md)."""

import re

import pytest
from django.test import Client

from frontdesk.accounts.models import ApiToken
from frontdesk.accounts.roles import Role
from tests.factories import OfficeFactory, staff_user

from .test_staff_roles import sign_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_clerk_issues_uses_and_revokes_a_token_by_keyboard(visit):
    office = OfficeFactory(code="A01", name="Lower Manhattan")
    staff_user("clerk", Role.COUNTER_CLERK, office)

    sign_in(visit, "clerk")
    visit.open("/console/tokens/")
    visit.check("console-api-tokens")

    visit.type_into("#id_issue-name", "Lobby display")
    visit.press_enter_on("#issue-form button[type=submit]")  # no scope ticked
    assert "Choose at least one" in visit.page.content() or "This field is required" in visit.page.content()
    visit.check("console-api-tokens-errors")
    assert not ApiToken.objects.exists()

    visit.tab_to("input[name='issue-scopes'][value='schedule:read']")
    visit.page.keyboard.press("Space")
    visit.press_enter_on("#issue-form button[type=submit]")
    visit.check("console-api-token-issued")
    raw = visit.page.input_value("#issued-secret")
    assert re.fullmatch(r"fdk_[0-9A-Za-z]{46}", raw)

    used = Client().get(
        "/api/v1/staff/offices/A01/schedule", {"purpose": "run_schedule"}, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert used.status_code == 200

    visit.open("/console/tokens/")
    assert raw not in visit.page.content() and raw[:12] in visit.page.content()
    visit.press_enter_on("#tokens button[type=submit]")
    visit.check("console-api-token-revoked")
    assert "Revoked" in visit.page.content()
    refused = Client().get(
        "/api/v1/staff/offices/A01/schedule", {"purpose": "run_schedule"}, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert refused.status_code == 401
