"""Administrators acting at once on roles: the database decides, never both.

Real transactions, one connection per thread (transaction=True); serialized_rollback restores the rows
that data migrations made, which the flush after each test would otherwise empty.
"""

import pytest
from django.contrib.auth.models import User

from frontdesk.accounts.models import RoleChange, RoleChangeStatus
from frontdesk.accounts.roles import Role, user_roles
from frontdesk.accounts.services import role_change_approve, role_grant, role_revoke
from frontdesk.core.errors import DomainError
from frontdesk.ledger.models import LedgerEvent
from tests.factories import staff_user
from tests.threads import run_together

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_two_approvals_at_once_apply_the_grant_once():
    admins = [staff_user(f"admin{i}", Role.ADMINISTRATOR) for i in range(3)]
    target = User.objects.create_user(username="lawyer", password="not-used-in-tests-1")
    change = role_grant(actor=admins[0], target=target, role=Role.GENERAL_COUNSEL, reason="Appointed")

    results = run_together(2, lambda i: role_change_approve(actor=admins[i + 1], change=change))

    applied = [r for r in results if isinstance(r, RoleChange)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(applied) == 1 and len(refused) == 1, results
    assert refused[0].code == "not_pending"
    assert user_roles(User.objects.get(pk=target.pk)) == {Role.GENERAL_COUNSEL}
    assert RoleChange.objects.get(pk=change.pk).status == RoleChangeStatus.APPLIED
    assert LedgerEvent.objects.filter(type="accounts.role.granted").count() == 1


def test_two_administrators_revoking_each_other_at_once_leave_one():
    admins = [staff_user(f"admin{i}", Role.ADMINISTRATOR) for i in range(2)]

    results = run_together(
        2, lambda i: role_revoke(actor=admins[i], target=admins[1 - i], role=Role.ADMINISTRATOR, reason="r")
    )

    refused = [r for r in results if isinstance(r, DomainError)]
    # Which refusal depends on timing: if one revoke commits before the other starts, the second actor
    # is no longer an administrator; if they overlap, the second would remove the last one.
    assert len(refused) == 1 and refused[0].code in {"last_administrator", "not_administrator"}, results
    remaining = User.objects.filter(groups__name=Role.ADMINISTRATOR.value, is_active=True)
    assert remaining.count() == 1
