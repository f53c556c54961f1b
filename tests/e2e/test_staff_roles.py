"""Staff role administration in the browser, keyboard only: one administrator grants a clerk's role at
once and asks for general counsel; a second administrator approves it. Every page passes axe-core."""

import pytest

from frontdesk.accounts.roles import Role, user_roles
from tests.factories import OfficeFactory, staff_user
from tests.web.auth import current_code, totp_device

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "not-used-in-tests-1"


def sign_in(visit, username: str) -> None:
    from django.contrib.auth.models import User

    device = totp_device(User.objects.get(username=username))
    visit.open("/console/sign-in/")
    visit.type_into("#id_username", username)
    visit.type_into("#id_password", PASSWORD)
    visit.press_enter_on("form button[type=submit]")
    visit.type_into("#id_token", current_code(device))
    visit.press_enter_on("form button[type=submit]")
    assert visit.page.url.endswith("/console/")


def test_two_administrators_grant_roles(visit):
    from django.contrib.auth.models import User

    OfficeFactory(code="A01", name="Lower Manhattan")
    staff_user("admin", Role.ADMINISTRATOR)
    staff_user("admin2", Role.ADMINISTRATOR)
    User.objects.create_user(username="newhire", password=PASSWORD)
    User.objects.create_user(username="lawyer", password=PASSWORD)

    sign_in(visit, "admin")
    visit.open("/console/staff/")
    visit.check("console-staff-list")
    visit.type_into("#id_q", "newhire")
    visit.press_enter_on("form[role=search] button[type=submit]")
    assert "newhire" in visit.page.content() and "lawyer" not in visit.page.content()
    visit.open("/console/staff/person/?username=newhire")
    visit.check("console-staff-person")

    visit.choose_option("#id_grant-role", "Counter clerk")
    visit.type_into("#id_grant-office", "A01")
    visit.type_into("#id_grant-reason", "Started Monday")
    visit.press_enter_on("#grant-form button[type=submit]")
    visit.check("console-staff-granted")
    assert user_roles(User.objects.get(username="newhire")) == {Role.COUNTER_CLERK}

    visit.choose_option("#id_grant-role", "Technical expert")
    visit.type_into("#id_grant-office", "ZZZ")
    visit.type_into("#id_grant-reason", "Covers the desk")
    visit.press_enter_on("#grant-form button[type=submit]")
    assert "No office has that code" in visit.page.content()
    visit.check("console-staff-grant-errors")

    visit.open("/console/staff/person/?username=lawyer")
    visit.choose_option("#id_grant-role", "General counsel")
    visit.type_into("#id_grant-reason", "Appointed counsel")
    visit.press_enter_on("#grant-form button[type=submit]")
    visit.check("console-staff-pending")
    assert user_roles(User.objects.get(username="lawyer")) == set()

    visit.page.context.clear_cookies()
    sign_in(visit, "admin2")
    visit.open("/console/staff/approvals/")
    visit.check("console-staff-approvals")
    visit.press_enter_on("button[value=approve]")
    visit.check("console-staff-approved")
    assert user_roles(User.objects.get(username="lawyer")) == {Role.GENERAL_COUNSEL}
    visit.open("/console/staff/history/")
    visit.check("console-staff-history")
