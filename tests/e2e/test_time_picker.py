"""Picking a time on a phone, then the details form's error summary, in English and Spanish.

On a 390x844 screen the office's time zone and "Later times" are on the first screen (above the tiles,
not after 48 of them), each day runs to the office's last time, a time is chosen by keyboard, and an empty
details form lists each problem once, naming its field, with links that move the focus to it."""

from datetime import datetime, time, timedelta

import pytest

from frontdesk.scheduling.models import Service
from tests.factories import OfficeFactory, staff_resource

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def office(catalog):
    office = OfficeFactory(code="A01", zip_code="10007", name="Lower Manhattan")
    staff_resource(office, name="Agent One")
    return office


def on_first_screen(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_time_is_picked_on_a_phone_and_an_empty_form_is_summarised(visit, office, language):
    page = visit.page
    page.set_viewport_size(PHONE)
    prefix = "/es" if language == "es" else ""
    visit.open(f"{prefix}/book/time/?office=A01&service=direct_deposit_change&mode=phone")
    assert page.locator("html").get_attribute("lang") == language
    later = "Horas más tarde" if language == "es" else "Later times"
    assert page.evaluate("window.scrollY") == 0
    assert on_first_screen(page, "#slot-zone"), "the time-zone note is below the first screen"
    assert on_first_screen(page, f"nav.fd-slot-nav a:text-is('{later}')"), "'Later times' is below the first screen"
    # Whole days: every day shown runs to the office's last time (16:00 less the service's length).
    last_starts = page.evaluate(
        """() => [...document.querySelectorAll('fieldset .fd-slots')].map(
             (day) => [...day.querySelectorAll('input[name=start]')].pop().value)"""
    )
    length = timedelta(minutes=Service.objects.get(code="direct_deposit_change").duration_minutes)
    closing = {(datetime.fromisoformat(v).astimezone(office.zone) + length).time() for v in last_starts}
    assert last_starts and closing == {time(16)}, last_starts
    visit.check(f"phone-time-{language}")

    first_slot = page.locator("input[name=start]").first.get_attribute("value")
    visit.choose_radio("start", first_slot)
    assert page.locator(f"input[name=start][value='{first_slot}']").is_checked()
    visit.press_enter_on("form button[type=submit]")
    assert "/book/details/" in page.url
    visit.check(f"phone-details-{language}")

    # Sent empty: one line per problem, each naming its field; the three birth-date boxes make one line.
    visit.press_enter_on("form button[type=submit]")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    links = page.locator("#error-summary li a")
    targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert targets == ["#id_first_name", "#id_last_name", "#id_dob_month", "#id_phone"]
    for target in targets:
        label = page.locator(f"label[for='{target[1:]}']").first.evaluate("(l) => l.childNodes[0].textContent.trim()")
        if target == "#id_dob_month":
            label = "Fecha de nacimiento" if language == "es" else "Date of birth"
        line = page.locator(f"#error-summary a[href='{target}']").inner_text()
        assert line.startswith(f"{label}:"), (label, line)
        assert page.locator(target).get_attribute("aria-invalid") == "true"
    visit.check(f"phone-details-errors-{language}")
    # Each link moves the keyboard focus to its field.
    for target in targets:
        page.focus(f"#error-summary a[href='{target}']")
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == target[1:]
