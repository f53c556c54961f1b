"""The pages behind a reminder's links pass axe-core, in English and Spanish, and act once."""

from datetime import UTC, datetime, timedelta

import pytest

from frontdesk.scheduling import replies, services
from frontdesk.scheduling.models import Appointment, Service, Status
from tests.factories import OfficeFactory, person, staff_resource

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def appointment(catalog):
    def make(language: str) -> Appointment:
        office = OfficeFactory()
        staff_resource(office)
        now = datetime.now(UTC)
        start = now.astimezone(office.zone).replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=7)
        while start.weekday() >= 5:
            start += timedelta(days=1)
        return services.appointment_book(
            actor=None,
            office=office,
            service=Service.objects.get(code="direct_deposit_change"),
            mode="in_person",
            starts_at=start,
            person=person(preferred_language=language),
            now=now,
        )

    return make


@pytest.mark.parametrize(
    ("language", "prefix", "button", "done"),
    [
        ("en", "", "Yes, cancel it", "Your appointment is cancelled."),
        ("es", "/es", "Sí, cancelarla", "Su cita está cancelada."),
    ],
)
def test_a_cancel_link_asks_then_cancels_once(visit, appointment, language, prefix, button, done):
    booked = appointment(language)
    token = replies.reply_link_issue(appointment=booked, action="cancel", channel="email")
    visit.open(f"{prefix}/reply/{token}/")
    visit.check(f"reply-cancel-{language}")
    with visit.page.expect_navigation():
        visit.page.get_by_role("button", name=button).click()
    assert done in visit.page.locator(".usa-alert").inner_text()
    visit.check(f"reply-cancel-done-{language}")
    booked.refresh_from_db()
    assert booked.status == Status.CANCELLED
    visit.open(f"{prefix}/reply/{token}/")
    visit.check(f"reply-refused-{language}")


def test_a_confirm_link_page_passes_axe(visit, appointment):
    booked = appointment("en")
    token = replies.reply_link_issue(appointment=booked, action="confirm", channel="email")
    visit.open(f"/reply/{token}/")
    assert visit.page.locator("h1").inner_text() == "Confirm your appointment"
    visit.check("reply-confirm")
