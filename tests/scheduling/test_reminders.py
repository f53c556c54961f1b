"""Reminders go out by email and text a day before, once, and never name the reason for the visit."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django_tasks import default_task_backend

from frontdesk.scheduling import services
from frontdesk.scheduling.models import Reminder, Service
from frontdesk.scheduling.reminders import send_appointment_reminder
from frontdesk.scheduling.sms import MemorySmsBackend
from tests.factories import OfficeFactory, person, staff_resource

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 3, 1, tzinfo=UTC)


@pytest.fixture
def book(django_capture_on_commit_callbacks):
    def book(code="noncitizen_eligibility_review", **details):
        office = OfficeFactory()
        staff_resource(office)
        with django_capture_on_commit_callbacks(execute=True):
            return services.appointment_book(
                actor=None,
                office=office,
                service=Service.objects.get(code=code),
                mode="in_person",
                starts_at=datetime(2027, 3, 15, 10, tzinfo=ZoneInfo("America/New_York")),
                person=person(**details),
                now=NOW,
            )

    return book


def test_booking_queues_a_reminder_a_day_before_that_sends_once_without_the_reason(book):
    appointment = book()
    [queued] = default_task_backend.results
    assert queued.task.run_after == appointment.starts_at.replace(day=14)
    assert send_appointment_reminder.call(*queued.args) == "email,sms"
    assert send_appointment_reminder.call(*queued.args) == "already_sent"
    assert len(mail.outbox) == 1 and len(MemorySmsBackend.outbox) == 1
    for text in (mail.outbox[0].body, mail.outbox[0].subject, MemorySmsBackend.outbox[0]["body"]):
        assert "noncitizen" not in text.lower() and "eligibility" not in text.lower()
        assert appointment.code in text or "reminder" in text.lower()
    assert "10:00 AM EDT" in mail.outbox[0].body
    assert Reminder.objects.count() == 2


def test_a_cancelled_or_moved_appointment_gets_no_stale_reminder(book):
    appointment = book()
    [queued] = default_task_backend.results
    services.appointment_cancel(actor=None, appointment=appointment, now=NOW)
    assert send_appointment_reminder.call(*queued.args) == "skipped"
    assert mail.outbox == [] and MemorySmsBackend.outbox == []


def test_no_reminder_goes_in_the_last_hour_or_after_the_time(book):
    """A worker that catches up late must not ask someone already on their way (or seen) to confirm."""
    appointment = book()
    [queued] = default_task_backend.results
    for late in (timedelta(minutes=59), timedelta(minutes=-30)):
        with time_machine.travel(appointment.starts_at - late, tick=False):
            assert send_appointment_reminder.call(*queued.args) == "too_late"
    assert mail.outbox == [] and MemorySmsBackend.outbox == [] and not Reminder.objects.exists()
    with time_machine.travel(appointment.starts_at - timedelta(minutes=61), tick=False):
        assert send_appointment_reminder.call(*queued.args) == "email,sms"


def test_spanish_speakers_get_the_reminder_in_spanish(book):
    book(preferred_language="es")
    [queued] = default_task_backend.results
    send_appointment_reminder.call(*queued.args)
    assert MemorySmsBackend.outbox[0]["body"].startswith("Recordatorio")
