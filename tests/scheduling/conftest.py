"""Fixtures shared by the scheduling tests."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django_tasks import default_task_backend

from frontdesk.scheduling import services
from frontdesk.scheduling.models import Service
from frontdesk.scheduling.reminders import send_appointment_reminder
from tests.factories import OfficeFactory, person, staff_resource

NOW = datetime(2027, 3, 1, tzinfo=UTC)
STARTS = datetime(2027, 3, 15, 10, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture
def reminded(django_capture_on_commit_callbacks):
    """Book an appointment (the reason: a non-citizen eligibility review) and send its reminder."""

    def reminded(**details):
        office = OfficeFactory()
        staff_resource(office)
        with django_capture_on_commit_callbacks(execute=True):
            appointment = services.appointment_book(
                actor=None,
                office=office,
                service=Service.objects.get(code="noncitizen_eligibility_review"),
                mode="in_person",
                starts_at=STARTS,
                person=person(**details),
                now=NOW,
            )
        queued = default_task_backend.results[-1]
        send_appointment_reminder.call(*queued.args)
        return appointment

    return reminded
