"""Sign in with Login.gov in a real browser: the site, the test OpenID provider (tests/oidc/provider.mjs)
and back, at IAL2; the account page with the appointments and the accounting, then sign-out at the
provider. axe-core finds nothing on any of the new pages, on a desktop and on a phone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from frontdesk.accounts.roles import Role
from frontdesk.identity import oidc
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Service
from tests.factories import OfficeFactory, person, staff_resource, staff_user
from tests.oidc.harness import start_provider

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NY = ZoneInfo("America/New_York")


@pytest.fixture
def provider(live_server, settings, tmp_path):
    running = start_provider(tmp_path / "oidc", [live_server.url])
    settings.FRONTDESK_OIDC_ISSUER = running.issuer
    settings.FRONTDESK_OIDC_CLIENT_ID = running.client_id
    settings.FRONTDESK_OIDC_CLIENT_KEY_FILE = str(running.key_file)
    settings.FRONTDESK_PUBLIC_BASE_URL = live_server.url
    oidc._metadata_cache.clear()
    yield running
    oidc._metadata_cache.clear()
    running.stop()


@pytest.fixture
def booked(catalog):
    office = OfficeFactory(code="A01", zip_code="10007", name="Lower Manhattan")
    staff_resource(office, name="Agent One")
    clerk = staff_user("clerk", Role.COUNTER_CLERK, office)
    return services.appointment_book(
        actor=clerk,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=datetime(2027, 3, 15, 10, tzinfo=NY),
        person=person(ssn="123-45-6789"),
        now=datetime(2027, 3, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 740}])
def test_sign_in_see_appointments_and_sign_out(visit, provider, booked, viewport):
    name = "phone" if viewport["width"] < 500 else "desktop"
    page = visit.page
    page.set_viewport_size(viewport)
    visit.open("/")
    page.click("#signin-link")
    page.wait_for_url("**/signin/")
    visit.check(f"signin-choice-{name}")

    page.click("#signin-ial2")
    page.wait_for_url(f"{provider.issuer}/interaction/**")
    page.click("text=Sign in as ana")
    page.wait_for_url(f"{visit.base_url}/my/")
    assert page.locator("#my-appointments tbody tr").count() == 1
    assert booked.code in page.locator("#my-appointments").inner_text()
    assert page.locator("h2", has_text="Who we shared your information with").count() == 1
    visit.check(f"my-account-{name}")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= viewport["width"], "the page scrolls sideways"

    visit.open("/es/my/")
    assert page.locator("h1").inner_text() == "Mis citas"
    visit.check(f"my-account-es-{name}")

    page.click("#signout")
    # The provider asks to confirm; the browser answers as the person would.
    page.wait_for_url(f"{provider.issuer}/session/end**")
    page.locator("button[autofocus], button").first.click()
    page.wait_for_url(f"{visit.base_url}/signout/done/**")
    assert "Login.gov" in page.locator("#signout-message").inner_text()
    visit.check(f"signout-done-{name}")
    visit.open("/my/")
    page.wait_for_url(f"{visit.base_url}/signin/")


def test_the_pages_without_a_provider_and_after_a_failed_sign_in(visit, settings, provider):
    visit.open("/signin/callback/?code=x&state=y")
    assert "could not finish signing you in" in visit.page.locator("#signin-error").inner_text()
    visit.check("signin-failed")
    settings.FRONTDESK_OIDC_ISSUER = ""
    visit.open("/signin/")
    assert visit.page.locator("h1").inner_text() == "Sign-in is not set up"
    visit.check("signin-not-set-up")
    assert visit.page.locator("#signin-link").count() == 0
