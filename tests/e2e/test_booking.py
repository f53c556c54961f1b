"""A person books, finds, moves and cancels an appointment by keyboard alone, in English and Spanish."""

import pytest

from frontdesk.scheduling.models import Appointment, Status
from tests.factories import OfficeFactory, interpreter, staff_resource

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def office(catalog):
    office = OfficeFactory(code="A01", zip_code="10007", name="Lower Manhattan")
    staff_resource(office, name="Agent One")
    staff_resource(office, name="Agent Two", languages=["en", "es"])
    interpreter(office, "ase")
    return office


def fill_birth_date(visit, prefix: str, month_label: str, day: str, year: str) -> None:
    visit.choose_option(f"#id_{prefix}_month", month_label)
    visit.type_into(f"#id_{prefix}_day", day)
    visit.type_into(f"#id_{prefix}_year", year)


def book_by_keyboard(visit, *, spanish: bool) -> str:
    page = visit.page
    visit.open("/")
    visit.check("home-en")
    if spanish:
        visit.press_enter_on("a[hreflang=es]")
        assert page.locator("html").get_attribute("lang") == "es"
        visit.check("home-es")
    suffix = "es" if spanish else "en"

    visit.type_into("#id_zip", "10007")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Lower Manhattan" in page.content()
    visit.check(f"offices-{suffix}")

    visit.press_enter_on("a[href*='/book/?office=A01']")
    visit.check(f"book-service-{suffix}")
    visit.choose_radio("service", "ssi_redetermination")
    visit.press_enter_on("form button[type=submit]")

    visit.check(f"book-options-{suffix}")
    visit.choose_radio("mode", "in_person")
    visit.choose_option("#id_interpreter", "ASL")
    visit.choose_radio("companion", "no")
    visit.press_enter_on("form button[type=submit]")

    visit.check(f"book-time-{suffix}")
    first_slot = page.locator("input[name=start]").first.get_attribute("value")
    visit.choose_radio("start", first_slot)
    visit.press_enter_on("form button[type=submit]")

    visit.check(f"book-details-{suffix}")
    visit.type_into("#id_first_name", "Ana")
    visit.type_into("#id_last_name", "Rivera")
    fill_birth_date(visit, "dob", "^(May|mayo)$", "17", "1960")
    visit.type_into("#id_email", "ana@example.org")
    visit.press_enter_on("form button[type=submit]")

    visit.check(f"confirmation-{suffix}")
    code = page.locator("#confirmation-code").inner_text().strip()
    assert len(code) >= 8
    heading = "Está reservado" if spanish else "You are booked"
    assert heading in page.content()
    return code


@pytest.mark.parametrize("spanish", [False, True], ids=["english", "spanish"])
def test_book_by_keyboard_only(visit, office, spanish):
    code = book_by_keyboard(visit, spanish=spanish)
    appointment = Appointment.objects.get(code=code)
    assert appointment.status == Status.BOOKED
    assert appointment.interpreter_language == "ase"
    assert appointment.person.preferred_language == ("es" if spanish else "en")
    page = visit.page
    # The calendar file downloads without a code in the URL.
    with page.expect_download() as download:
        visit.tab_to("a[href$='calendar.ics']")
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == f"appointment-{code}.ics"


def test_find_reschedule_and_cancel(visit, office):
    code = book_by_keyboard(visit, spanish=False)
    page = visit.page
    before = Appointment.objects.get(code=code).starts_at
    # A fresh browser (no remembered appointment) finds it with code, last name and date of birth.
    page.context.clear_cookies()
    visit.open("/appointment/find/")
    visit.check("find")
    visit.type_into("#id_code", code.lower())
    visit.type_into("#id_last_name", "RIVERA")
    fill_birth_date(visit, "dob", "^May$", "17", "1960")
    visit.press_enter_on("form button[type=submit]")
    assert code in page.locator("#confirmation-code").inner_text()
    assert "code=" not in page.url and "Rivera" not in page.url

    visit.press_enter_on("a[href$='/appointment/reschedule/']")
    visit.check("reschedule")
    slot = page.locator("input[name=start]").nth(2).get_attribute("value")
    visit.choose_radio("start", slot)
    visit.press_enter_on("form button[type=submit]")
    assert Appointment.objects.get(code=code).starts_at != before

    visit.press_enter_on("a[href$='/appointment/cancel/']")
    visit.check("cancel")
    visit.press_enter_on("form button.usa-button--secondary")
    assert Appointment.objects.get(code=code).status == Status.CANCELLED
    visit.check("cancelled")


def test_errors_are_summarised_and_focused(visit, office):
    visit.open("/appointment/find/")
    visit.press_enter_on("form button[type=submit]")
    page = visit.page
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.locator("#id_code").get_attribute("aria-invalid") == "true"
    visit.check("find-errors")


def test_pages_work_on_a_phone_screen(visit, office):
    visit.page.set_viewport_size({"width": 375, "height": 740})
    visit.open("/es/")
    visit.check("phone-home-es")
    visit.open("/book/time/?office=A01&service=direct_deposit_change&mode=phone")
    visit.check("phone-book-time")
    width = visit.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, "the page scrolls sideways on a phone"
