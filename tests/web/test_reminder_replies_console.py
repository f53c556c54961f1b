"""The clerk's day shows who confirmed and who cancelled by answering a reminder."""

from datetime import UTC, datetime, time, timedelta

import pytest

from frontdesk.scheduling import replies
from frontdesk.scheduling.codes import new_code
from frontdesk.scheduling.models import Appointment, Person, Service, Status

pytestmark = pytest.mark.django_db


def _appointment(office, starts_at, last_name) -> Appointment:
    person = Person.objects.create(
        first_name="Ana", last_name=last_name, last_name_key=last_name.lower(), date_of_birth="1960-05-17"
    )
    return Appointment.objects.create(
        code=new_code(),
        person=person,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=30),
    )


def _row(page: str, code: str) -> str:
    start = page.index(f'id="appt-{code}"')
    return page[start : page.index("</tr>", start)]


def test_the_schedule_marks_replies(clerk_web, office):
    now = datetime.now(UTC)
    tomorrow = now.astimezone(office.zone).date() + timedelta(days=1)
    later = datetime.combine(tomorrow, time(10), tzinfo=office.zone)  # one office day, whatever the hour now
    confirmed = _appointment(office, later, "Rivera")
    cancelled = _appointment(office, later + timedelta(minutes=30), "Soto")
    quiet = _appointment(office, later + timedelta(hours=1), "Lopez")
    replies.appointment_confirm_by_reply(appointment=confirmed, channel="sms", now=now)
    replies.appointment_confirm_by_reply(appointment=cancelled, channel="sms", now=now)
    replies.appointment_cancel_by_reply(appointment=cancelled, channel="link", now=now)
    assert Appointment.objects.get(pk=cancelled.pk).status == Status.CANCELLED
    day = later.astimezone(office.zone).date().isoformat()
    page = clerk_web.get("/console/schedule/", {"purpose": "run_schedule", "date": day}).content.decode()
    assert "Confirmed by reply" in _row(page, confirmed.code)
    assert "Cancelled by reply" in _row(page, cancelled.code) and "Confirmed" not in _row(page, cancelled.code)
    assert "by reply" not in _row(page, quiet.code)
