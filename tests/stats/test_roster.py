"""The weekly roster behind utilisation (OfficeWeekdayCapacity) follows resources, shifts and hours as
they change, equals what a rebuild computes, and gives a period's rostered minutes with holidays and
closures taken off; the counters carry their office's region, and a regional dashboard costs the same
number of statements whatever the number of offices in the region (docs/adr/0034)."""

from datetime import date, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontdesk.accounts.roles import Role
from frontdesk.offices.models import Closure, Office, Shift
from frontdesk.offices.services import office_hours_set
from frontdesk.scheduling.resources import resource_update
from frontdesk.stats.capacity import capacity_minutes
from frontdesk.stats.models import OfficeDayStats, OfficeDayWait, OfficeWeekdayCapacity
from frontdesk.stats.rebuild import stats_rebuild
from frontdesk.stats.selectors import dashboard_get
from tests.factories import OfficeFactory, interpreter, staff_resource, staff_user

from .helpers import at, book, busy_day, snapshot

pytestmark = pytest.mark.django_db

# Monday 8 to Sunday 21 February 2027: ten weekdays, Presidents' Day (Monday 15th) among them.
START, END = date(2027, 2, 8), date(2027, 2, 21)


def roster() -> set[tuple[int, int, int, int, int]]:
    return {
        (r.office_id, r.region, r.weekday, r.staff_minutes, r.interpreter_minutes)
        for r in OfficeWeekdayCapacity.objects.all()
    }


@pytest.fixture
def office():
    """Hours 9:00 to 16:00 on weekdays (420 minutes); two agents on those hours, a third on shifts
    (Monday and Wednesday 9:00 to 12:00), an interpreter on the office's hours."""
    office = OfficeFactory()
    staff_resource(office, name="Agent One")
    staff_resource(office, name="Agent Two")
    mornings = staff_resource(office, name="Agent Three")
    for weekday in (0, 2):
        Shift.objects.create(resource=mornings, weekday=weekday, starts=time(9), ends=time(12))
    interpreter(office, "ase")
    return office


@pytest.fixture
def manager(office):
    return staff_user("manager", Role.OFFICE_MANAGER, office)


def test_the_roster_follows_resources_shifts_and_hours(office):
    week = {w: (s, i) for _, _, w, s, i in roster()}
    assert week == {0: (1020, 420), 1: (840, 420), 2: (1020, 420), 3: (840, 420), 4: (840, 420)}


def test_changes_through_the_services_keep_the_roster_equal_to_a_rebuild(office, manager):
    other = OfficeFactory(region=3)
    staff_resource(other)
    office_hours_set(actor=manager, office=office, weekday=4, opens=None, closes=None)  # closed on Fridays
    office_hours_set(actor=manager, office=office, weekday=1, opens=time(10), closes=time(16))
    agent = office.resources.get(name="Agent Two")
    resource_update(actor=manager, resource=agent, active=False)
    Shift.objects.filter(resource__name="Agent Three", weekday=2).delete()
    kept = roster()
    week = {w: (s, i) for o, _, w, s, i in kept if o == office.id}
    # Agent One and the interpreter on the hours (Tuesday now 360), Agent Three Monday mornings only.
    assert week == {0: (600, 420), 1: (360, 360), 2: (420, 420), 3: (420, 420)}
    OfficeWeekdayCapacity.objects.update(staff_minutes=1)  # damage it
    assert stats_rebuild()["capacity_rows"] == len(kept)
    assert roster() == kept


def test_a_period_s_capacity_takes_off_holidays_and_national_and_office_closures(office):
    neighbour = OfficeFactory()  # region 2 as well: one agent on the hours
    staff_resource(neighbour)
    elsewhere = OfficeFactory(region=3)
    staff_resource(elsewhere)
    # Nine open weekdays (Presidents' Day off): Mon 1, Tue 2, Wed 2, Thu 2, Fri 2.
    assert capacity_minutes(start=START, end=END, office_id=office.id) == {"staff": 8100, "interpreter": 3780}
    Closure.objects.create(office=None, date=date(2027, 2, 11), reason="National closure")  # a Thursday
    Closure.objects.create(office=office, date=date(2027, 2, 17), reason="Training")  # a Wednesday
    Closure.objects.create(office=office, date=date(2027, 2, 15), reason="On the holiday")  # counts once
    Closure.objects.create(office=elsewhere, date=date(2027, 2, 9), reason="Another region's")
    assert capacity_minutes(start=START, end=END, office_id=office.id) == {
        "staff": 8100 - 840 - 1020,
        "interpreter": 3780 - 420 - 420,
    }
    # The region adds its neighbour (420 a day over the eight open days left), not the other region.
    assert capacity_minutes(start=START, end=END, region=2) == {"staff": 6240 + 8 * 420, "interpreter": 2940}
    assert capacity_minutes(start=END, end=START, region=2) == {"staff": 0, "interpreter": 0}


def test_an_office_moved_to_another_region_takes_its_counters_along(office):
    clerk = staff_user("clerk", Role.COUNTER_CLERK, office)
    busy_day(office, clerk)
    office.region = 7
    office.save()
    for model in (OfficeDayStats, OfficeDayWait, OfficeWeekdayCapacity):
        assert set(model.objects.filter(office=office).values_list("region", flat=True)) == {7}
    kept = snapshot(), roster()
    stats_rebuild()
    assert (snapshot(), roster()) == kept


def test_an_office_with_a_roster_can_be_deleted(office):
    # Its resources' deletion refreshes its roster while the office is going: nothing is left behind.
    assert OfficeWeekdayCapacity.objects.filter(office=office).exists()
    Office.objects.filter(pk=office.pk).delete()
    assert not OfficeWeekdayCapacity.objects.exists()


def _regional_statements(region: int) -> int:
    officer = staff_user(f"rpo-{Office.objects.count()}", Role.REGIONAL_PRIVACY_OFFICER, region=region)
    with CaptureQueriesContext(connection) as queries:
        board = dashboard_get(actor=officer, region=region, start=START, end=date(2027, 3, 20))
    assert board.offices == Office.objects.filter(region=region).count()
    return len(queries)


def test_a_regional_dashboard_costs_the_same_statements_for_one_office_or_many(office):
    book(office, at(9))
    Closure.objects.create(office=office, date=date(2027, 2, 17), reason="Training")
    alone = _regional_statements(2)
    for n in range(4):
        more = OfficeFactory()
        staff_resource(more)
        book(more, at(9), ("Evans", "Ford", "Gray", "Hill")[n])
        Closure.objects.create(office=more, date=date(2027, 2, 17), reason="Training")
    assert _regional_statements(2) == alone
