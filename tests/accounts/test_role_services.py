"""Granting and revoking staff roles: who may, the second administrator, expiry, scope, the ledger."""

import datetime as dt
import hashlib

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from frontdesk.accounts.models import RoleChange, RoleChangeStatus, StaffProfile
from frontdesk.accounts.roles import Role, user_roles
from frontdesk.accounts.services import (
    administrator_bootstrap,
    role_change_approve,
    role_change_reject,
    role_changes_expire,
    role_grant,
    role_revoke,
)
from frontdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from frontdesk.ledger.models import LedgerEvent
from tests.factories import OfficeFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return OfficeFactory(code="A01", region=2)


@pytest.fixture
def admin():
    return staff_user("admin", Role.ADMINISTRATOR)


@pytest.fixture
def admin2():
    return staff_user("admin2", Role.ADMINISTRATOR)


@pytest.fixture
def newcomer():
    return User.objects.create_user(username="newcomer", password="not-used-in-tests-1")


def fresh(user: User) -> User:
    """The person as their next request loads them."""
    return User.objects.get(pk=user.pk)


def events(kind: str) -> list[dict]:
    return [e.event for e in LedgerEvent.objects.filter(type=kind).order_by("pk")]


# --- Front-line roles: one administrator, at once --------------------------------------------------


def test_an_administrator_grants_a_front_line_role_at_once_with_its_office(admin, newcomer, office):
    change = role_grant(actor=admin, target=newcomer, role=Role.COUNTER_CLERK, office=office, reason="New hire")
    assert change.status == RoleChangeStatus.APPLIED
    assert user_roles(fresh(newcomer)) == {Role.COUNTER_CLERK}
    profile = StaffProfile.objects.get(user=newcomer)
    assert (profile.office, profile.region) == (office, 2)
    [granted] = events("accounts.role.granted")
    assert granted["actor"] == "staff:admin" and granted["role"] == "administrator"
    assert granted["purpose"] == "staff role administration"
    assert granted["subjects"] == []
    assert granted["refs"] == {
        "change": str(change.public_id),
        "target": "newcomer",
        "role": "counter_clerk",
        "office": "A01",
        "region": 2,
        "reason_sha256": hashlib.sha256(b"New hire").hexdigest(),
    }


def test_the_reason_is_required_and_nothing_is_written_without_it(admin, newcomer, office):
    with pytest.raises(ValidationFailed) as refused:
        role_grant(actor=admin, target=newcomer, role=Role.COUNTER_CLERK, office=office, reason="   ")
    assert refused.value.field == "reason"
    assert not RoleChange.objects.exists() and user_roles(fresh(newcomer)) == set()
    assert not LedgerEvent.objects.filter(type__startswith="accounts.").exists()


def test_an_office_role_needs_an_office_and_a_privacy_officer_a_region(admin, newcomer):
    with pytest.raises(ValidationFailed) as no_office:
        role_grant(actor=admin, target=newcomer, role=Role.TECHNICAL_EXPERT, reason="r")
    assert no_office.value.field == "office"
    with pytest.raises(ValidationFailed) as no_region:
        role_grant(actor=admin, target=newcomer, role=Role.REGIONAL_PRIVACY_OFFICER, reason="r")
    assert no_region.value.field == "region"
    with pytest.raises(ValidationFailed) as unknown_region:
        role_grant(actor=admin, target=newcomer, role=Role.REGIONAL_PRIVACY_OFFICER, region=42, reason="r")
    assert unknown_region.value.field == "region"
    assert not RoleChange.objects.exists()


# --- Who may ---------------------------------------------------------------------------------------


def test_nobody_grants_themselves_a_role_and_the_refusal_is_on_the_ledger(admin, office):
    with pytest.raises(PermissionDenied) as refused:
        role_grant(actor=admin, target=admin, role=Role.COUNTER_CLERK, office=office, reason="I need it")
    assert refused.value.code == "own_roles"
    assert user_roles(fresh(admin)) == {Role.ADMINISTRATOR}
    assert not RoleChange.objects.exists()
    [event] = events("accounts.role.grant.refused")
    assert event["actor"] == "staff:admin"
    assert event["refs"] == {"target": "admin", "role": "counter_clerk", "reason": "own_roles"}


def test_only_administrators_change_roles(office, newcomer):
    manager = staff_user("manager", Role.OFFICE_MANAGER, office)
    with pytest.raises(PermissionDenied) as refused:
        role_grant(actor=manager, target=newcomer, role=Role.COUNTER_CLERK, office=office, reason="help")
    assert refused.value.code == "not_administrator"
    assert user_roles(fresh(newcomer)) == set()
    assert events("accounts.role.grant.refused")[0]["refs"]["reason"] == "not_administrator"


# --- Privileged roles: a second administrator --------------------------------------------------------


def test_a_privileged_grant_waits_for_a_second_administrator(admin, admin2, newcomer):
    change = role_grant(actor=admin, target=newcomer, role=Role.GENERAL_COUNSEL, reason="Appointed counsel")
    assert change.status == RoleChangeStatus.PENDING
    assert user_roles(fresh(newcomer)) == set()
    [requested] = events("accounts.role.requested")
    assert requested["refs"]["role"] == "general_counsel" and "expires_at" in requested["refs"]
    assert not events("accounts.role.granted")

    approved = role_change_approve(actor=admin2, change=change)
    assert approved.status == RoleChangeStatus.APPLIED and approved.decided_by == admin2
    assert user_roles(fresh(newcomer)) == {Role.GENERAL_COUNSEL}
    assert [e["actor"] for e in events("accounts.role.approved")] == ["staff:admin2"]
    assert [e["refs"]["change"] for e in events("accounts.role.granted")] == [str(change.public_id)]


def test_the_administrator_who_asked_cannot_approve(admin, newcomer):
    change = role_grant(actor=admin, target=newcomer, role=Role.AUDITOR, reason="Inspector general")
    with pytest.raises(PermissionDenied) as refused:
        role_change_approve(actor=admin, change=change)
    assert refused.value.code == "own_request"
    change.refresh_from_db()
    assert change.status == RoleChangeStatus.PENDING and user_roles(fresh(newcomer)) == set()
    assert events("accounts.role.approve.refused")[0]["refs"]["reason"] == "own_request"


def test_nobody_approves_a_change_to_their_own_roles(admin, admin2):
    # Administrators hold no other role, so the console never makes such a change; the rule holds anyway.
    change = RoleChange.objects.create(
        kind="grant",
        status=RoleChangeStatus.PENDING,
        target=admin2,
        role=Role.GENERAL_COUNSEL.value,
        reason="r",
        requested_by=admin,
        requested_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    with pytest.raises(PermissionDenied) as refused:
        role_change_approve(actor=admin2, change=change)
    assert refused.value.code == "own_roles"
    with pytest.raises(PermissionDenied):
        role_change_reject(actor=admin2, change=change, reason="no")
    change.refresh_from_db()
    assert change.status == RoleChangeStatus.PENDING
    assert user_roles(fresh(admin2)) == {Role.ADMINISTRATOR}


def test_a_pending_grant_expires_and_can_no_longer_be_approved(admin, admin2, newcomer, settings):
    settings.FRONTDESK_ROLE_CHANGE_PENDING_HOURS = 2
    start = timezone.now()
    change = role_grant(actor=admin, target=newcomer, role=Role.GENERAL_COUNSEL, reason="r", now=start)
    assert change.expires_at == start + dt.timedelta(hours=2)
    with pytest.raises(Conflict) as late:
        role_change_approve(actor=admin2, change=change, now=start + dt.timedelta(hours=2, seconds=1))
    assert late.value.code == "expired"
    change.refresh_from_db()
    assert change.status == RoleChangeStatus.EXPIRED  # the expiry stands although the approval was refused
    assert user_roles(fresh(newcomer)) == set()
    assert len(events("accounts.role.expired")) == 1
    assert events("accounts.role.approve.refused")[0]["refs"]["reason"] == "expired"


def test_the_sweep_expires_what_is_due_and_nothing_else(admin, newcomer, office):
    start = timezone.now()
    due = role_grant(actor=admin, target=newcomer, role=Role.AUDITOR, reason="r", now=start - dt.timedelta(days=4))
    other = staff_user("other", Role.COUNTER_CLERK, office)
    role_revoke(actor=admin, target=other, role=Role.COUNTER_CLERK, reason="becoming counsel")
    waiting = role_grant(actor=admin, target=other, role=Role.GENERAL_COUNSEL, reason="r", now=start)
    assert role_changes_expire(actor=admin, now=start) == 1
    assert role_changes_expire(actor=admin, now=start) == 0
    due.refresh_from_db()
    waiting.refresh_from_db()
    assert (due.status, waiting.status) == (RoleChangeStatus.EXPIRED, RoleChangeStatus.PENDING)
    assert [e["refs"]["change"] for e in events("accounts.role.expired")] == [str(due.public_id)]


def test_a_rejection_needs_a_reason_and_changes_nothing(admin, admin2, newcomer):
    change = role_grant(actor=admin, target=newcomer, role=Role.GENERAL_COUNSEL, reason="r")
    with pytest.raises(ValidationFailed):
        role_change_reject(actor=admin2, change=change, reason="")
    rejected = role_change_reject(actor=admin2, change=change, reason="Not approved by the general counsel's office")
    assert rejected.status == RoleChangeStatus.REJECTED
    assert rejected.decision_reason == "Not approved by the general counsel's office"
    assert user_roles(fresh(newcomer)) == set()
    assert events("accounts.role.rejected")[0]["actor"] == "staff:admin2"
    with pytest.raises(Conflict) as again:
        role_change_approve(actor=admin2, change=change)
    assert again.value.code == "not_pending"


def test_the_same_privileged_grant_cannot_wait_twice(admin, newcomer):
    role_grant(actor=admin, target=newcomer, role=Role.AUDITOR, reason="r")
    with pytest.raises(Conflict) as twice:
        role_grant(actor=admin, target=newcomer, role=Role.AUDITOR, reason="r")
    assert twice.value.code == "already_pending"
    assert RoleChange.objects.count() == 1


def test_an_approval_checks_the_person_again(admin, admin2, newcomer, office):
    change = role_grant(actor=admin, target=newcomer, role=Role.AUDITOR, reason="r")
    role_grant(actor=admin, target=newcomer, role=Role.COUNTER_CLERK, office=office, reason="r")
    with pytest.raises(Conflict) as refused:
        role_change_approve(actor=admin2, change=change)
    assert refused.value.code == "exclusive_role"
    change.refresh_from_db()
    assert change.status == RoleChangeStatus.PENDING
    assert user_roles(fresh(newcomer)) == {Role.COUNTER_CLERK}


# --- Revoking ---------------------------------------------------------------------------------------


def test_revoking_a_privileged_role_is_immediate_and_counts_on_the_next_request(admin, office):
    counsel = staff_user("counsel", Role.GENERAL_COUNSEL)
    assert user_roles(counsel) == {Role.GENERAL_COUNSEL}  # cached on this object, as during a request
    change = role_revoke(actor=admin, target=counsel, role=Role.GENERAL_COUNSEL, reason="Left the agency")
    assert change.status == RoleChangeStatus.APPLIED and change.kind == "revoke"
    assert user_roles(fresh(counsel)) == set()
    assert user_roles(counsel) == set()  # the object passed in is not left with the old answer
    [revoked] = events("accounts.role.revoked")
    assert revoked["refs"]["target"] == "counsel" and revoked["refs"]["role"] == "general_counsel"


def test_revoking_the_last_office_role_clears_the_office(admin, office):
    clerk = staff_user("clerk", Role.COUNTER_CLERK, office)
    role_revoke(actor=admin, target=clerk, role=Role.COUNTER_CLERK, reason="Transferred")
    profile = StaffProfile.objects.get(user=clerk)
    assert (profile.office, profile.region) == (None, None)
    # ... so the person can now be placed at another office.
    elsewhere = OfficeFactory(code="B02", region=5)
    role_grant(actor=admin, target=clerk, role=Role.COUNTER_CLERK, office=elsewhere, reason="New office")
    profile.refresh_from_db()
    assert (profile.office, profile.region) == (elsewhere, 5)


def test_revoking_a_role_not_held_is_refused(admin, newcomer):
    with pytest.raises(Conflict) as refused:
        role_revoke(actor=admin, target=newcomer, role=Role.AUDITOR, reason="r")
    assert refused.value.code == "not_held"
    assert events("accounts.role.revoke.refused")[0]["refs"]["reason"] == "not_held"


def test_nobody_revokes_their_own_role(admin, admin2):
    with pytest.raises(PermissionDenied):
        role_revoke(actor=admin, target=admin, role=Role.ADMINISTRATOR, reason="r")
    assert user_roles(fresh(admin)) == {Role.ADMINISTRATOR}


def test_two_administrators_revoking_each_other_leave_one(admin, admin2):
    # Both opened the page while both were administrators (their roles are read once per request).
    assert user_roles(admin) == user_roles(admin2) == {Role.ADMINISTRATOR}
    role_revoke(actor=admin2, target=fresh(admin), role=Role.ADMINISTRATOR, reason="Left")
    with pytest.raises(Conflict) as refused:
        role_revoke(actor=admin, target=admin2, role=Role.ADMINISTRATOR, reason="Left")
    assert refused.value.code == "last_administrator"
    assert user_roles(fresh(admin2)) == {Role.ADMINISTRATOR}


# --- Scope and separation of duties -------------------------------------------------------------------


def test_an_auditor_or_administrator_holds_no_other_role(admin, office):
    clerk = staff_user("clerk", Role.COUNTER_CLERK, office)
    with pytest.raises(Conflict) as refused:
        role_grant(actor=admin, target=clerk, role=Role.ADMINISTRATOR, reason="r")
    assert refused.value.code == "exclusive_role"
    auditor = staff_user("auditor", Role.AUDITOR)
    with pytest.raises(Conflict):
        role_grant(actor=admin, target=auditor, role=Role.COUNTER_CLERK, office=office, reason="r")
    assert not RoleChange.objects.exists()


def test_office_roles_are_at_one_office(admin, office):
    manager = staff_user("manager", Role.OFFICE_MANAGER, office)
    with pytest.raises(Conflict) as refused:
        role_grant(actor=admin, target=manager, role=Role.COUNTER_CLERK, office=OfficeFactory(code="B02"), reason="r")
    assert refused.value.code == "other_office"
    role_grant(actor=admin, target=manager, role=Role.COUNTER_CLERK, office=office, reason="Covers the counter")
    assert user_roles(fresh(manager)) == {Role.OFFICE_MANAGER, Role.COUNTER_CLERK}


def test_a_privacy_officer_at_an_office_looks_after_its_region(admin, admin2, office):
    manager = staff_user("manager", Role.OFFICE_MANAGER, office)
    OfficeFactory(code="G07", region=7)
    with pytest.raises(Conflict) as refused:
        role_grant(actor=admin, target=manager, role=Role.REGIONAL_PRIVACY_OFFICER, region=7, reason="r")
    assert refused.value.code == "other_region"
    change = role_grant(actor=admin, target=manager, role=Role.REGIONAL_PRIVACY_OFFICER, region=2, reason="r")
    role_change_approve(actor=admin2, change=change)
    profile = StaffProfile.objects.get(user=manager)
    assert (profile.office, profile.region) == (office, 2)
    role_revoke(actor=admin, target=manager, role=Role.OFFICE_MANAGER, reason="Now full-time privacy officer")
    profile.refresh_from_db()
    assert (profile.office, profile.region) == (None, 2)


# --- The shell's bootstrap ------------------------------------------------------------------------------


def test_the_first_two_administrators_come_from_the_shell(newcomer):
    change = administrator_bootstrap(target=newcomer, reason="New installation", operator="staff_bootstrap")
    assert change.requested_by is None
    assert user_roles(fresh(newcomer)) == {Role.ADMINISTRATOR}
    [event] = events("accounts.role.bootstrapped")
    assert event["actor"] == "staff:system:staff_bootstrap"
    assert event["refs"]["target"] == "newcomer" and event["refs"]["role"] == "administrator"
    # The first has nobody to approve a second administrator: the shell makes the second too, then stops.
    second = User.objects.create_user(username="second", password="not-used-in-tests-1")
    administrator_bootstrap(target=second, reason="Second administrator", operator="staff_bootstrap")
    third = User.objects.create_user(username="third", password="not-used-in-tests-1")
    with pytest.raises(Conflict) as refused:
        administrator_bootstrap(target=third, reason="again", operator="staff_bootstrap")
    assert refused.value.code == "administrators_exist"
    assert user_roles(fresh(third)) == set()
    assert events("accounts.role.bootstrap.refused")[0]["refs"]["reason"] == "administrators_exist"


def test_the_bootstrap_command(capsys, admin, admin2):
    with pytest.raises(CommandError, match="Two administrators exist"):
        call_command("staff_bootstrap", "third.admin", "--create", "--reason", "again")
    assert not User.objects.filter(username="third.admin").exists()  # the refused account is not left over
    role_revoke(actor=admin, target=admin2, role=Role.ADMINISTRATOR, reason="Left")
    call_command("staff_bootstrap", "third.admin", "--create", "--reason", "Replacing admin2")
    out = capsys.readouterr().out
    assert "third.admin is an administrator" in out and "Password (shown once)" in out
    assert user_roles(User.objects.get(username="third.admin")) == {Role.ADMINISTRATOR}


def test_the_scheduler_expires_pending_grants_as_itself(admin, newcomer):
    from frontdesk.jobs.schedule import JOBS_BY_NAME

    start = timezone.now()
    role_grant(actor=admin, target=newcomer, role=Role.AUDITOR, reason="r", now=start - dt.timedelta(days=30))
    assert JOBS_BY_NAME["role_changes_expire"].work(start, None) == {"expired": 1}
    [event] = events("accounts.role.expired")
    assert event["actor"] == "staff:system:scheduler"
