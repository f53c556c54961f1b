"""The demo's answered reminders and waiting list are made through the product's own services."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling.models import (
    Appointment,
    Reminder,
    ReminderReply,
    Status,
    WaitlistEntry,
    WaitlistOffer,
)
from frontdesk.scheduling.reminders import send_appointment_reminder
from frontdesk.scheduling.replies import REPLY_MARKERS, reply_markers
from frontdesk.scheduling.seeding import answers
from frontdesk.scheduling.waitlist_notices import appointments_from_waitlist
from tests.factories import OfficeFactory, direct_deposit_booking, staff_resource

NY = ZoneInfo("America/New_York")
NOW = datetime(2027, 3, 15, 10, tzinfo=NY)  # a Monday, 10 a.m. at the office


def book(office, when, last_name):
    return direct_deposit_booking(
        office, when, last_name, now=NOW - timedelta(days=10), email=f"{last_name.lower()}@example.org"
    )


@pytest.mark.django_db(transaction=True)  # offers are made after each commit, as in the product
def test_the_seed_answers_reminders_fills_the_waitlist_and_runs_once(monkeypatch):
    monkeypatch.setattr(answers, "CONFIRMED_SHARE", 0.7)
    monkeypatch.setattr(answers, "CANCELLED_SHARE", 0.3)  # everyone reminded answers
    monkeypatch.setattr(answers, "CLAIMED_SHARE", 1.0)
    office = OfficeFactory()
    staff_resource(office)
    soon = [NOW + timedelta(minutes=30)]  # inside the last hour: no reminder went, so no answer
    soon += [NOW + timedelta(hours=1, minutes=15 * i) for i in range(12)]  # 11:00 to 13:45 today
    soon_booked = [book(office, when, f"Soon{chr(97 + i)}") for i, when in enumerate(soon)]
    weeks_ahead = [datetime(2027, 3, 24 + i // 6, 9 + i % 6, tzinfo=NY) for i in range(14)]
    later = [book(office, when, f"Later{chr(97 + i)}") for i, when in enumerate(weeks_ahead)]

    with time_machine.travel(NOW, tick=False):
        done = answers.answers_seed([office], seed=7, now=NOW.astimezone(UTC))

    assert done.waiting == answers.WAITING_PER_OFFICE == WaitlistEntry.objects.count()
    assert LedgerEvent.objects.filter(type="scheduling.waitlist.joined").count() == done.waiting
    replied = list(ReminderReply.objects.select_related("appointment"))
    assert len(replied) == done.confirmed + done.cancelled == len(soon) - 1 and done.cancelled > 0
    assert soon_booked[0].pk not in {r.appointment_id for r in replied}
    for reply in replied:
        appointment = reply.appointment
        assert (appointment.status == Status.CANCELLED) == (reply.action == "cancel")
        # The reminder they answered is on file, so the worker does not send it to them again.
        assert Reminder.objects.filter(appointment=appointment).count() == 2
        with time_machine.travel(NOW, tick=False):
            assert send_appointment_reminder.call(str(appointment.public_id), appointment.starts_at.isoformat()) in (
                "already_sent",
                "skipped",
            )
    markers = reply_markers([r.appointment for r in replied])
    assert sorted(markers.values()) == sorted(REPLY_MARKERS[r.action] for r in replied)

    # Every offer made was taken (the share is 1 here): those people now come today, marked on the clerk's day.
    assert done.offers == done.claimed > 0
    moved = {o.entry.appointment_id for o in WaitlistOffer.objects.select_related("entry")}
    assert appointments_from_waitlist(list(moved)) == moved
    first_times = {a.pk: a.starts_at for a in later}
    for appointment in Appointment.objects.filter(pk__in=moved):
        assert appointment.starts_at < first_times[appointment.pk]

    again = answers.answers_seed([office], seed=7, now=NOW.astimezone(UTC))
    assert again == answers.Answers()
    assert ReminderReply.objects.count() == len(replied) and WaitlistEntry.objects.count() == done.waiting
