"""Staff in the browser: a clerk signs in with a password and an authenticator code, opens the day's
schedule with a stated purpose and checks a person in; the manager and the auditor open their pages.
Every page passes axe-core."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.accounts.roles import Role
from frontdesk.scheduling.codes import new_code
from frontdesk.scheduling.models import Appointment, Person, Service, Status
from tests.factories import OfficeFactory, staff_resource, staff_user
from tests.web.auth import current_code, totp_device

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "not-used-in-tests-1"
# A zone where it is daytime now, so that "today" has room around the appointment whatever the hour.
ZONES = ["America/New_York", "Pacific/Honolulu", "Pacific/Guam", "America/Los_Angeles"]


def daytime_zone() -> str:
    now = datetime.now(UTC)
    return next(z for z in ZONES if 2 <= now.astimezone(ZoneInfo(z)).hour <= 21)


@pytest.fixture
def office(catalog):
    office = OfficeFactory(code="A01", zip_code="10007", name="Lower Manhattan", timezone=daytime_zone())
    staff_resource(office, name="Agent One")
    return office


def sign_in(visit, username: str) -> None:
    from django.contrib.auth.models import User

    device = totp_device(User.objects.get(username=username))
    visit.open("/console/")
    visit.check("console-sign-in")
    visit.type_into("#id_username", username)
    visit.type_into("#id_password", PASSWORD)
    visit.press_enter_on("form button[type=submit]")
    visit.check("console-sign-in-code")
    visit.type_into("#id_token", current_code(device))
    visit.press_enter_on("form button[type=submit]")
    assert visit.page.url.endswith("/console/")


def test_clerk_checks_a_person_in(visit, office):
    staff_user("clerk", Role.COUNTER_CLERK, office)
    now = datetime.now(UTC)
    person = Person.objects.create(
        first_name="Ana", last_name="Rivera", last_name_key="rivera", date_of_birth="1960-05-17"
    )
    appointment = Appointment.objects.create(
        code=new_code(),
        person=person,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=now + timedelta(minutes=20),
        ends_at=now + timedelta(minutes=35),
    )
    sign_in(visit, "clerk")
    visit.check("console-home-clerk")
    visit.press_enter_on("a[href='/console/schedule/']")
    visit.check("console-schedule-purpose")
    visit.choose_option("#id_purpose", "Checking the person in")
    visit.press_enter_on("form button[type=submit]")
    assert "Ana Rivera" in visit.page.locator("#schedule").inner_text()
    visit.check("console-schedule")
    visit.press_enter_on("#schedule button[value^='check-in:']")
    appointment.refresh_from_db()
    assert appointment.status == Status.CHECKED_IN
    assert "Checked in" in visit.page.content()
    visit.check("console-schedule-checked-in")

    # The checked-in person has A001 in the merged queue; a walk-in given a ticket at the counter joins it.
    visit.open("/console/queue/")  # the old queue page leads to the floor
    assert visit.page.url.endswith("/console/floor/")
    visit.press_enter_on("#walk-in-link")
    visit.check("console-floor-walk-in")
    visit.choose_option("#id_service", "Change where your payment")
    visit.press_enter_on("#give-ticket")
    queue = visit.page.locator("#floor-queue").inner_text()
    assert "A001" in queue and "W002" in queue
    visit.check("console-floor-after-walk-in")

    for path, name in [("/console/people/", "console-people"), ("/console/book/", "console-book")]:
        visit.open(path)
        visit.check(name)


def test_manager_and_auditor_pages(visit, office):
    staff_user("manager", Role.OFFICE_MANAGER, office)
    sign_in(visit, "manager")
    visit.open("/console/office/")
    visit.check("console-office")
    visit.page.context.clear_cookies()
    staff_user("auditor", Role.AUDITOR)
    sign_in(visit, "auditor")
    visit.open("/console/audit/")
    visit.check("console-audit")
    visit.open("/console/audit/events/")
    visit.check("console-audit-events")
    visit.open("/console/audit/verify/")
    visit.press_enter_on("form button[type=submit]")
    visit.check("console-audit-verified")
