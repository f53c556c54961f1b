"""Who may read which dashboard: the office's manager their office; the region's privacy officer the
region and its offices; nobody else (stats.policies)."""

import pytest

from frontdesk.accounts.roles import Role
from frontdesk.stats.policies import can_view_office_dashboard, can_view_region_dashboard, dashboard_reach
from tests.factories import OfficeFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def offices():
    return OfficeFactory(region=2), OfficeFactory(region=2), OfficeFactory(region=3)


def test_an_office_manager_sees_their_own_office_only(offices):
    mine, neighbour, far = offices
    manager = staff_user("m", Role.OFFICE_MANAGER, mine)
    assert can_view_office_dashboard(manager, mine)
    assert not can_view_office_dashboard(manager, neighbour)
    assert not can_view_office_dashboard(manager, far)
    assert not can_view_region_dashboard(manager, 2)
    assert dashboard_reach(manager).office_id == mine.id and dashboard_reach(manager).region is None


def test_a_regional_privacy_officer_sees_their_region_and_its_offices(offices):
    mine, neighbour, far = offices
    officer = staff_user("rpo", Role.REGIONAL_PRIVACY_OFFICER, region=2)
    assert can_view_region_dashboard(officer, 2) and not can_view_region_dashboard(officer, 3)
    assert can_view_office_dashboard(officer, mine) and can_view_office_dashboard(officer, neighbour)
    assert not can_view_office_dashboard(officer, far)
    assert dashboard_reach(officer).region == 2


@pytest.mark.parametrize(
    "role", [Role.COUNTER_CLERK, Role.TECHNICAL_EXPERT, Role.GENERAL_COUNSEL, Role.AUDITOR, Role.ADMINISTRATOR]
)
def test_other_roles_see_no_dashboard(offices, role):
    mine = offices[0]
    user = staff_user(f"u-{role}", role, mine)
    assert not can_view_office_dashboard(user, mine)
    assert not can_view_region_dashboard(user, mine.region)
    assert not dashboard_reach(user).any


def test_a_manager_without_the_role_any_more_sees_nothing(offices):
    mine = offices[0]
    manager = staff_user("m", Role.OFFICE_MANAGER, mine)
    manager.groups.clear()
    manager.__dict__.pop("_frontdesk_roles", None)
    assert not can_view_office_dashboard(manager, mine)
