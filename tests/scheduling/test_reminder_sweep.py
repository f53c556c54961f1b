"""The reminder sweep queues the reminders that were due but never went out, and only those."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django_tasks import default_task_backend
from django_tasks_db.backend import DatabaseBackend

from frontdesk.scheduling import services
from frontdesk.scheduling.models import Reminder, Service
from frontdesk.scheduling.reminders import reminders_sweep, send_appointment_reminder
from frontdesk.scheduling.sms import MemorySmsBackend
from tests.factories import OfficeFactory, person, staff_resource

pytestmark = pytest.mark.django_db
BOOKED = datetime(2027, 3, 1, tzinfo=UTC)
NY = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def _clean_outboxes():
    default_task_backend.clear()
    MemorySmsBackend.outbox.clear()
    yield
    default_task_backend.clear()


@pytest.fixture
def office():
    office = OfficeFactory()
    staff_resource(office)
    return office


def book(office, hour, **details):
    return services.appointment_book(
        actor=None,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=datetime(2027, 3, 15, hour, tzinfo=NY),
        person=person(**details),
        now=BOOKED,
    )


def test_only_missed_reminders_are_queued_again(office):
    lost = book(office, 9)  # its queued task was lost
    sent = book(office, 10, last_name="Okafor")
    waiting = book(office, 11, last_name="Nguyen")
    no_contact = book(office, 13, last_name="Silva", email="", phone="")
    later = datetime(2027, 3, 16, 10, tzinfo=NY)
    far = services.appointment_book(
        actor=None,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=later,
        person=person(last_name="Kim"),
        now=BOOKED,
    )
    default_task_backend.clear()  # the booking-time reminders are gone (a lost worker, a bulk load)
    send_appointment_reminder.call(str(sent.public_id), sent.starts_at.isoformat())
    DatabaseBackend("default", {}).enqueue(
        send_appointment_reminder, [str(waiting.public_id), waiting.starts_at.isoformat()], {}
    )

    now = lost.starts_at - timedelta(hours=20)  # every reminder for the 15th fell due 4 hours ago
    counts = reminders_sweep(now=now)
    assert counts == {"missed": 2, "already_queued": 1, "queued": 1}
    [queued] = default_task_backend.results
    assert queued.args[0] == str(lost.public_id)
    assert datetime.fromisoformat(queued.args[1]) == lost.starts_at
    assert str(far.public_id) not in str(queued.args) and str(no_contact.public_id) not in str(queued.args)

    # Running it sends once; the sweep then has nothing left to do, and running the task twice sends nothing twice.
    assert send_appointment_reminder.call(*queued.args) == "email,sms"
    assert send_appointment_reminder.call(*queued.args) == "already_sent"
    default_task_backend.clear()
    assert reminders_sweep(now=now)["queued"] == 0
    assert default_task_backend.results == []
    assert Reminder.objects.filter(appointment=lost).count() == 2


def test_a_reminder_within_its_grace_period_is_left_to_the_queue(office):
    appointment = book(office, 9)
    default_task_backend.clear()
    due = appointment.starts_at - timedelta(hours=24)
    assert reminders_sweep(now=due + timedelta(minutes=5))["queued"] == 0
    assert reminders_sweep(now=due + timedelta(minutes=11))["queued"] == 1


def test_cancelled_and_past_appointments_get_nothing(office):
    cancelled = book(office, 9)
    services.appointment_cancel(actor=None, appointment=cancelled, now=BOOKED)
    past = book(office, 10, last_name="Okafor")
    default_task_backend.clear()
    assert reminders_sweep(now=past.starts_at + timedelta(minutes=1))["missed"] == 0
    assert reminders_sweep(now=cancelled.starts_at - timedelta(hours=2))["missed"] == 1  # only the booked one


def test_the_sweep_leaves_a_time_less_than_an_hour_away(office):
    soon = book(office, 9)
    default_task_backend.clear()
    assert reminders_sweep(now=soon.starts_at - timedelta(minutes=50))["missed"] == 0
    counts = reminders_sweep(now=soon.starts_at - timedelta(minutes=70))
    assert counts == {"missed": 1, "already_queued": 0, "queued": 1}
