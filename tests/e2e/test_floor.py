"""The office floor in the browser: the kiosk (touch, no JavaScript needed), the waiting-room board (live,
and recovering by itself after a network drop) and calling from a window. axe-core on a phone (390x844) and
on a waiting-room screen (1920x1080)."""

import re

import pytest
from playwright.sync_api import expect

from frontdesk.accounts.roles import Role
from frontdesk.floor import services
from frontdesk.floor.models import Ticket, TicketOutcome
from frontdesk.scheduling.models import Service
from tests.e2e.test_console import office, sign_in  # noqa: F401 (the fixture is used by name)
from tests.factories import staff_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PHONE = {"width": 390, "height": 844}
SCREEN = {"width": 1920, "height": 1080}
LIVE = 40_000  # ms: a poll every 5 s, and after a drop at most 30 s between tries


def in_person_service() -> Service:
    return next(s for s in Service.objects.filter(active=True).order_by("code") if "in_person" in s.modes)


@pytest.mark.parametrize("size", [PHONE, SCREEN], ids=["phone", "screen"])
def test_a_walk_in_gets_a_number_at_the_kiosk(visit, office, size):  # noqa: F811
    page = visit.page
    page.set_viewport_size(size)
    visit.open(f"/offices/{office.code}/kiosk/")
    visit.check(f"floor-kiosk-{size['width']}")
    page.get_by_role("link", name="I do not have an appointment").click()
    visit.check(f"floor-walk-in-{size['width']}")
    page.locator("label[for=id_service_0]").click()
    page.get_by_role("button", name="Get my number").click()
    expect(page.locator("#ticket-number")).to_have_text("W001")
    visit.check(f"floor-ticket-{size['width']}")


def test_the_kiosk_works_without_javascript_and_in_spanish(browser, live_server, office):  # noqa: F811
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="es-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/es/offices/{office.code}/kiosk/")
    page.get_by_role("link", name="No tengo una cita").click()
    page.get_by_role("button", name="Recibir mi número").click()
    expect(page.locator("#error-summary")).to_be_visible()  # nothing chosen: a clear message, no ticket
    assert Ticket.objects.count() == 0
    page.locator("label[for=id_service_0]").click()
    page.get_by_role("button", name="Recibir mi número").click()
    expect(page.locator("#ticket-number")).to_have_text("W001")
    context.close()


def test_the_board_updates_live_and_recovers_after_a_network_drop(visit, office):  # noqa: F811
    clerk = staff_user("clerk", Role.COUNTER_CLERK, office)
    service = in_person_service()
    for _ in range(2):
        services.ticket_issue_walk_in(office=office, service=service)
    window = services.window_save(
        actor=clerk, office=office, name="5", service_codes=[], languages=[], accessible=False
    )
    page = visit.page
    page.set_viewport_size(SCREEN)
    visit.open(f"/offices/{office.code}/board/")
    expect(page.locator("#board-serving")).to_contain_text("Nobody is being called")
    chime = page.locator("#board-chime")
    expect(chime).to_have_attribute("aria-pressed", "false")  # off by default
    chime.click()
    expect(chime).to_have_attribute("aria-pressed", "true")
    visit.check("floor-board-screen")
    # Read from across a waiting room: the numbers use the screen's width, not a column in its middle.
    assert page.locator("#board-serving").bounding_box()["width"] > 0.9 * SCREEN["width"] - 100

    services.ticket_call_next(actor=clerk, window=window)
    expect(page.locator("#board-serving")).to_contain_text("W001", timeout=LIVE)
    expect(page.locator("#board-announce")).to_have_text(re.compile("W001.*5"), timeout=LIVE)

    page.route("**/board.json", lambda route: route.abort())
    expect(page.locator("#board-status")).to_be_visible(timeout=LIVE)
    first = Ticket.objects.get(number=1)
    services.ticket_finish(actor=clerk, ticket=first, window=window, outcome=TicketOutcome.SERVED)
    services.ticket_call_next(actor=clerk, window=window)
    page.unroute("**/board.json")
    expect(page.locator("#board-serving")).to_contain_text("W002", timeout=LIVE)
    expect(page.locator("#board-status")).to_be_hidden()
    expect(page.locator("#board-recent")).to_contain_text("W001")
    page.set_viewport_size(PHONE)
    visit.check("floor-board-phone")


@pytest.mark.parametrize("size", [PHONE, SCREEN], ids=["phone", "screen"])
def test_a_clerk_calls_from_a_window(visit, office, size):  # noqa: F811
    staff_user("clerk", Role.COUNTER_CLERK, office)
    services.ticket_issue_walk_in(office=office, service=in_person_service())
    sign_in(visit, "clerk")
    page = visit.page
    page.set_viewport_size(size)
    visit.open("/console/floor/")
    visit.check(f"floor-console-{size['width']}")
    page.fill("#id_name", "2")
    page.get_by_role("button", name="Open this window").click()
    page.get_by_role("button", name="Call the next person").click()
    expect(page.locator("#at-window-number")).to_have_text("W001")
    visit.check(f"floor-console-called-{size['width']}")
    page.get_by_role("button", name="Served").click()
    expect(page.locator("#call-next")).to_be_visible()
    assert Ticket.objects.get().outcome == TicketOutcome.SERVED
