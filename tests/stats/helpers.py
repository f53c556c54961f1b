"""A day at an office driven through the real services, for the statistics tests."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from frontdesk.floor import services as floor
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Service
from frontdesk.stats.models import OfficeDayStats, OfficeDayWait
from tests.factories import person

NOW = datetime(2027, 3, 1, 12, tzinfo=UTC)
NY = ZoneInfo("America/New_York")


def at(hour: int, minute: int = 0, day: int = 15) -> datetime:
    return datetime(2027, 3, day, hour, minute, tzinfo=NY)


def book(office, when, name="Rivera", code="direct_deposit_change", **kwargs):
    return services.appointment_book(
        actor=None,
        office=office,
        service=Service.objects.get(code=code),
        mode="in_person",
        starts_at=when,
        person=person(name),
        now=NOW,
        **kwargs,
    )


def busy_day(office, clerk):
    """Bookings, a cancellation, a move, check-ins, a completion, a no-show and walk-ins."""
    kept = book(office, at(9), "Alvarez")
    moved = book(office, at(10), "Baker", interpreter_language="ase")
    cancelled = book(office, at(11), "Chen")
    absent = book(office, at(13), "Diaz")
    services.appointment_cancel(actor=None, appointment=cancelled, now=NOW)
    services.appointment_reschedule(actor=None, appointment=moved, starts_at=at(10, day=16), now=NOW)
    services.appointment_check_in(actor=clerk, appointment=kept, now=at(8, 50))
    services.appointment_complete(actor=clerk, appointment=kept, now=at(9, 40))  # 25 min past its 15
    services.appointment_mark_no_show(actor=clerk, appointment=absent, now=at(13, 30))
    day = at(9).date()
    service = Service.objects.get(code="direct_deposit_change")
    # Two walk-ins given tickets at the counter; the first is called to a window at 9:12 and served.
    first = floor.ticket_issue_at_counter(actor=clerk, office=office, service=service, now=at(9, 5))
    floor.ticket_issue_at_counter(actor=clerk, office=office, service=service, now=at(9, 6))
    window = floor.window_save(actor=clerk, office=office, name="1", service_codes=[], languages=[], accessible=False)
    floor.ticket_call_next(actor=clerk, window=window, ticket=first, now=at(9, 12))
    floor.ticket_finish(actor=clerk, ticket=first, window=window, outcome="served", now=at(9, 30))
    return {"kept": kept, "moved": moved, "cancelled": cancelled, "absent": absent, "day": day}


def snapshot() -> tuple[set, set]:
    stats = {
        (r.office_id, r.region, r.day, r.service_id, r.booked, r.cancelled, r.checked_in, r.no_shows, r.walk_ins,
         r.staff_minutes, r.interpreter_minutes)
        for r in OfficeDayStats.objects.all()
        if any((r.booked, r.cancelled, r.checked_in, r.no_shows, r.walk_ins, r.staff_minutes, r.interpreter_minutes))
    }  # fmt: skip
    waits = {(w.office_id, w.region, w.day, w.kind, w.bucket, w.count) for w in OfficeDayWait.objects.all() if w.count}
    return stats, waits


__all__ = ["NOW", "at", "book", "busy_day", "snapshot", "timedelta"]
