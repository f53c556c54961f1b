"""The clerk's day at the counter: a busy day (130 appointments) on a 1280x800 screen shows the next person,
who is waiting and the calls due without scrolling, and a check-in by keyboard alone lands back on its row.
The same page passes axe-core on a desktop and on a phone."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from frontdesk.accounts.roles import Role
from frontdesk.scheduling.codes import new_code
from frontdesk.scheduling.models import Appointment, Person, Service, Status
from tests.e2e.test_console import sign_in
from tests.factories import OfficeFactory, staff_resource, staff_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
# Zones that between them have office hours (08:00-18:59) at every hour of the UTC day, with or without DST.
ZONES = ["Europe/Berlin", "America/New_York", "America/Los_Angeles", "Pacific/Honolulu", "Pacific/Guam", "Asia/Tokyo"]
APPOINTMENTS = 130


def office_hours_zone() -> str:
    now = datetime.now(UTC)
    return next(z for z in ZONES if 8 <= now.astimezone(ZoneInfo(z)).hour <= 18)


@pytest.fixture
def busy_day(catalog):
    """130 appointments from 07:00 to 19:48 office time, two at a time: the past ones served (a few
    no-shows), the people of the next half hour already checked in, phone calls and interpreters among them."""
    office = OfficeFactory(code="A01", zip_code="10007", name="Lower Manhattan", timezone=office_hours_zone())
    staff_resource(office, name="Agent One")
    staff_user("clerk", Role.COUNTER_CLERK, office)
    zone = office.zone
    now = datetime.now(UTC)
    day = now.astimezone(zone).date()
    first = datetime.combine(day, time(7), zone)
    services = list(Service.objects.filter(active=True).order_by("code")[:4])
    people = Person.objects.bulk_create(
        Person(
            first_name=f"Person{i:03d}",
            last_name=f"Family{i:03d}",
            last_name_key=f"family{i:03d}",
            date_of_birth="1960-05-17",
        )
        for i in range(APPOINTMENTS)
    )
    # Times ending in the next few minutes are served already, so the next person's time cannot end (and
    # check-in close) while a slow machine is still signing the clerk in.
    settled = now + timedelta(minutes=5)
    appointments = []
    for i, person in enumerate(people):
        starts = (first + timedelta(minutes=12 * (i // 2))).astimezone(UTC)
        ends = starts + timedelta(minutes=15)
        status = Status.BOOKED
        if ends < settled:
            status = Status.NO_SHOW if i % 9 == 0 else Status.COMPLETED
        elif now + timedelta(minutes=10) < starts <= now + timedelta(minutes=40):
            status = Status.CHECKED_IN  # arrived early for a later time
        appointments.append(
            Appointment(
                code=new_code(),
                person=person,
                office=office,
                service=services[i % len(services)],
                mode="phone" if i % 5 == 3 else "in_person",
                interpreter_language="ase" if i % 7 == 0 else "",
                starts_at=starts,
                ends_at=ends,
                status=status,
            )
        )
    Appointment.objects.bulk_create(appointments)
    # The next person to serve: the first still booked whose time has not ended, at the counter in person.
    following = Appointment.objects.filter(office=office, status=Status.BOOKED, ends_at__gte=settled)
    following = following.order_by("starts_at", "id").first()
    following.mode = "in_person"
    following.save(update_fields=["mode"])
    # Beside them (the same time, two at a time) a phone call that is due now.
    call = Appointment.objects.filter(office=office, status=Status.BOOKED, starts_at=following.starts_at)
    call = call.exclude(pk=following.pk).get()
    call.mode = "phone"
    call.save(update_fields=["mode"])
    return office, day, following, call


def in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= -1 and box["y"] + box["height"] <= size["height"] and box["x"] >= 0


def test_the_next_person_is_on_the_first_screen_and_checked_in_by_keyboard(visit, busy_day):
    office, day, following, call = busy_day
    page = visit.page
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(visit, "clerk")
    visit.open(f"/console/schedule/?purpose=check_in&date={day.isoformat()}")
    assert Appointment.objects.filter(office=office).count() == APPOINTMENTS
    assert page.locator("#schedule tbody tr[id^=appt-]").count() == APPOINTMENTS
    assert page.evaluate("window.scrollY") == 0
    # Without scrolling: the next person, who is waiting and the calls due now.
    next_card = page.locator("#now-next")
    assert following.person.last_name in next_card.inner_text()
    for selector in ("#now-next", "#now-waiting", "#now-calls", "#now-interpreters"):
        assert in_viewport(page, selector), f"{selector} is below the first screen"
    assert call.person.last_name in page.locator("#now-calls").inner_text()
    waiting = Appointment.objects.filter(office=office, status=Status.CHECKED_IN).count()
    assert waiting >= 2
    assert f"Waiting here ({waiting})" in page.locator("#now").inner_text()
    visit.check("console-day-1280")

    # Keyboard only: the skip link, the row, its first button (Check in), Enter.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the next person"
    page.keyboard.press("Enter")
    row = f"appt-{following.code}"
    assert page.evaluate("document.activeElement.id") == row
    assert in_viewport(page, f"#{row}")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"  # focus is seen
    page.keyboard.press("Tab")
    button = page.evaluate("[document.activeElement.value, document.activeElement.textContent]")
    assert button[0] == f"check-in:{following.code}"
    when = following.starts_at.astimezone(office.zone).strftime("%-I:%M %p")
    assert button[1] == f"Check in {following.person.first_name} {following.person.last_name}, {when}"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    following.refresh_from_db()
    assert following.status == Status.CHECKED_IN
    # Back at the same row, with the keyboard focus on it, and the row says what happened.
    assert page.url.endswith(f"#{row}")
    assert page.evaluate("document.activeElement.id") == row
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    assert in_viewport(page, f"#{row}")
    assert "Checked in" in page.locator(f"#{row}").inner_text()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.value") == f"complete:{following.code}"
    visit.check("console-day-checked-in")


def test_the_day_on_a_phone(visit, busy_day):
    _office, day, following, _call = busy_day
    page = visit.page
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(visit, "clerk")
    visit.open(f"/console/schedule/?purpose=run_schedule&date={day.isoformat()}")
    assert following.person.last_name in page.locator("#now-next").inner_text()
    visit.check("console-day-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the day scrolls sideways on a phone"


def test_without_javascript_the_keys_do_the_same(visit, busy_day):
    _office, day, following, _call = busy_day
    sign_in(visit, "clerk")  # with the usual checks; the session then goes to a browser without scripts
    context = visit.page.context.browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    context.add_cookies(visit.page.context.cookies())
    page = context.new_page()
    page.goto(f"{visit.base_url}/console/schedule/?purpose=check_in&date={day.isoformat()}")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    row = f"appt-{following.code}"
    assert page.evaluate("document.activeElement.id") == row
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    following.refresh_from_db()
    assert following.status == Status.CHECKED_IN
    assert page.evaluate("document.activeElement.id") == row
    # From the "Now" panel a button goes back to the panel, which takes the focus.
    page.focus(f"#now-next button[value='complete:{following.code}']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    following.refresh_from_db()
    assert following.status == Status.COMPLETED
    assert page.url.endswith("#now")
    assert page.evaluate("document.activeElement.id") == "now"
    assert following.person.last_name not in page.locator("#now-next").inner_text()
    context.close()
