"""Who may read which dashboard (AC-6 least privilege). Small pure functions; the selectors enforce them
and the console uses them to offer the dashboards a person may open (docs/adr/0031).

- An office manager reads their own office's dashboard, and no other office's or region's.
- A regional privacy officer reads their region's dashboard and that of any office in it: the only
  role whose reach is a region, and the one who watches the region's outside requests.
- Nobody else: clerks and experts run the day from the schedule, counsel and auditors read the ledger
  and the accounting, the administrator reads no operational data.
"""

from dataclasses import dataclass

from frontdesk.accounts.actors import Actor
from frontdesk.accounts.models import StaffProfile
from frontdesk.accounts.roles import Role, user_roles
from frontdesk.offices.models import Office

DASHBOARD_ROLES = frozenset({Role.OFFICE_MANAGER, Role.REGIONAL_PRIVACY_OFFICER})


def _profile(user: Actor) -> StaffProfile | None:
    return getattr(user, "staff_profile", None)


def _manages(user: Actor, office_id: int) -> bool:
    profile = _profile(user)
    return Role.OFFICE_MANAGER in user_roles(user) and profile is not None and profile.office_id == office_id


def _region_of(user: Actor) -> int | None:
    profile = _profile(user)
    if Role.REGIONAL_PRIVACY_OFFICER in user_roles(user) and profile is not None and profile.region:
        return int(profile.region)
    return None


def can_view_office_dashboard(user: Actor, office: Office) -> bool:
    return _manages(user, office.id) or (_region_of(user) is not None and _region_of(user) == office.region)


def can_view_region_dashboard(user: Actor, region: int) -> bool:
    return _region_of(user) is not None and _region_of(user) == region


@dataclass(frozen=True)
class DashboardReach:
    """What a person may open: their region (or None) and the one office they manage (or None)."""

    region: int | None
    office_id: int | None

    @property
    def any(self) -> bool:
        return self.region is not None or self.office_id is not None


def dashboard_reach(user: Actor) -> DashboardReach:
    profile = _profile(user)
    office_id = profile.office_id if profile is not None and _manages(user, profile.office_id or -1) else None
    return DashboardReach(region=_region_of(user), office_id=office_id)
