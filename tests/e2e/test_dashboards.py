"""The managers' dashboards in the browser: an office manager and a regional privacy officer open their
dashboards on a phone (390x844) and on a large screen (1920x1080); axe-core finds nothing, the CSP
blocks nothing (the charts are server-drawn SVG), and the CSV link downloads."""

import pytest

from frontdesk.accounts.roles import Role
from tests.e2e.test_console import sign_in
from tests.factories import OfficeFactory, interpreter, staff_resource, staff_user
from tests.stats.helpers import busy_day

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PERIOD = "start=2027-03-08&end=2027-03-21"
# What sticks out of the window, outside the tables that scroll in their own box: named in a failure.
WIDE_ELEMENTS = (
    "() => [...document.querySelectorAll('main *')]"
    ".filter(e => !e.closest('.fd-scroll-x') && e.getBoundingClientRect().right > window.innerWidth + 1)"
    ".slice(0, 5).map(e => e.tagName + ' ' + e.textContent.slice(0, 40))"
)
SIZES = {"phone": (390, 844), "desktop": (1920, 1080)}


@pytest.fixture
def office(catalog):
    office = OfficeFactory(code="A01", zip_code="10007", name="Lower Manhattan")
    staff_resource(office, name="Agent One")
    staff_resource(office, name="Agent Two")
    interpreter(office, "ase")
    busy_day(office, staff_user("clerk", Role.COUNTER_CLERK, office))
    return office


def _both_sizes(visit, path: str, name: str) -> None:
    for size, (width, height) in SIZES.items():
        visit.page.set_viewport_size({"width": width, "height": height})
        visit.open(path)
        assert visit.page.locator("svg[role=img]").count() == 3
        visit.check(f"{name}-{size}")
        overflow = visit.page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        wide = visit.page.evaluate(WIDE_ELEMENTS)
        assert overflow <= 0, f"{name} scrolls sideways on a {size} ({overflow} px): {wide}"


def test_the_office_manager_s_dashboard(visit, office):
    staff_user("manager", Role.OFFICE_MANAGER, office)
    sign_in(visit, "manager")
    _both_sizes(visit, f"/console/dashboard/?{PERIOD}", "console-dashboard-office")
    with visit.page.expect_download() as download:
        visit.page.get_by_role("link", name="Download these numbers (CSV)").click()
    assert download.value.suggested_filename == "dashboard-office-A01-2027-03-08-2027-03-21.csv"


def test_the_regional_dashboard(visit, office):
    OfficeFactory(region=office.region)
    staff_user("officer", Role.REGIONAL_PRIVACY_OFFICER, region=office.region)
    sign_in(visit, "officer")
    _both_sizes(visit, f"/console/dashboard/?{PERIOD}", "console-dashboard-region")
    assert "2 offices" in visit.page.content()
