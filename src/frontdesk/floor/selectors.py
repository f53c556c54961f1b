"""Reads of the office floor. Nothing here is personal: numbers, windows, times and counts."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from statistics import median

from frontdesk.accounts.actors import Actor
from frontdesk.core.errors import PermissionDenied
from frontdesk.offices.calendar import local_today
from frontdesk.offices.models import Office

from . import policies
from .models import Ticket, TicketKind, TicketOutcome, Window

DEFAULT_SERVICE_MINUTES = 15
RECENT_CALLS = 6
# The median time at a window is taken from today's last tickets served (enough to follow the day's pace).
PACE_SAMPLE = 20


def as_waiting(ticket: Ticket) -> policies.Waiting:
    return policies.Waiting(
        key=ticket.pk,
        number=ticket.number,
        is_appointment=ticket.kind == TicketKind.APPOINTMENT,
        issued_at=ticket.issued_at,
        due_at=ticket.due_at,
        service_code=ticket.service.code,
        interpreter_language=ticket.interpreter_language,
        accessible=ticket.accessible,
    )


def serves_of(window: Window) -> policies.Serves:
    return policies.Serves(
        service_codes=frozenset(window.service_codes),
        languages=frozenset(window.languages),
        accessible=window.accessible,
    )


@dataclass(frozen=True)
class Called:
    label: str
    window: str
    called_at: datetime

    @property
    def key(self) -> str:
        """Tells one call from the next (a recall of the same number is a new call)."""
        return f"{self.label}|{self.window}|{self.called_at.isoformat()}"


@dataclass(frozen=True)
class Board:
    """What the waiting-room screen shows: who is called where, the last few calls, the wait now."""

    now_serving: list[Called]
    recent: list[Called]
    waiting: int
    wait_minutes: int

    def as_json(self) -> dict:
        def row(c: Called) -> dict:
            return {"number": c.label, "window": c.window, "called_at": c.called_at.isoformat(), "key": c.key}

        return {
            "now_serving": [row(c) for c in self.now_serving],
            "recent": [row(c) for c in self.recent],
            "waiting": self.waiting,
            "wait_minutes": self.wait_minutes,
        }


def _minutes_per_ticket(office: Office, today: date) -> float:
    done = Ticket.objects.filter(
        office=office,
        local_date=today,
        outcome=TicketOutcome.SERVED,
        called_at__isnull=False,
        served_at__isnull=False,
    ).order_by("-served_at")[:PACE_SAMPLE]
    minutes = [
        (t.served_at - t.called_at).total_seconds() / 60
        for t in done
        if t.served_at is not None and t.called_at is not None
    ]
    if len(minutes) >= 3:
        return max(1.0, median(minutes))
    durations = list(
        Ticket.objects.filter(office=office, local_date=today, outcome=TicketOutcome.WAITING).values_list(
            "service__duration_minutes", flat=True
        )[:PACE_SAMPLE]
    )
    return float(median(durations)) if durations else float(DEFAULT_SERVICE_MINUTES)


def estimated_wait_minutes(*, office: Office, now: datetime | None = None) -> int:
    """Minutes a ticket issued now can expect to wait: the people ahead, times the day's median time at a
    window (the services' lengths until three are served), shared among the open windows. An estimate, shown
    as "about"; it does not try to follow the queue rule ticket by ticket."""
    now = now or datetime.now(UTC)
    today = local_today(office, now)
    ahead = Ticket.objects.filter(office=office, local_date=today, outcome=TicketOutcome.WAITING).count()
    windows = max(1, Window.objects.filter(office=office, open=True).count())
    return round(ahead * _minutes_per_ticket(office, today) / windows)


def board_get(*, office: Office, now: datetime | None = None) -> Board:
    now = now or datetime.now(UTC)
    today = local_today(office, now)
    day = Ticket.objects.filter(office=office, local_date=today).select_related("window")
    serving = [
        Called(t.label, t.window.name if t.window else "", t.last_called_at or now)
        for t in day.filter(outcome=TicketOutcome.CALLED, window__isnull=False).order_by("-last_called_at")
    ]
    recent = [
        Called(t.label, t.window.name if t.window else "", t.last_called_at or now)
        for t in day.filter(last_called_at__isnull=False, last_called_at__gte=now - timedelta(hours=2))
        .exclude(outcome=TicketOutcome.CALLED)
        .order_by("-last_called_at")[:RECENT_CALLS]
    ]
    waiting = day.filter(outcome=TicketOutcome.WAITING).count()
    return Board(
        now_serving=serving, recent=recent, waiting=waiting, wait_minutes=estimated_wait_minutes(office=office, now=now)
    )


@dataclass(frozen=True)
class QueueRow:
    ticket: Ticket
    waited_minutes: int
    next_for_window: bool


def floor_queue(*, actor: Actor, office: Office, window: Window | None, now: datetime | None = None) -> list[QueueRow]:
    """The day's waiting tickets for the clerk, in arrival order, marking the one this window would call next."""
    now = now or datetime.now(UTC)
    if not policies.can_call_tickets(actor, office):
        raise PermissionDenied("You can see only your own office's floor.")
    waiting = list(
        Ticket.objects.filter(office=office, local_date=local_today(office, now), outcome=TicketOutcome.WAITING)
        .select_related("service")
        .order_by("issued_at", "number")
    )
    following = None
    if window is not None:
        chosen = policies.next_ticket([as_waiting(t) for t in waiting], serves_of(window), now)
        following = chosen.key if chosen else None
    return [QueueRow(t, int((now - t.issued_at).total_seconds() // 60), t.pk == following) for t in waiting]


def windows_of(*, office: Office) -> list[Window]:
    return list(Window.objects.filter(office=office).order_by("name"))


def open_tickets(*, actor: Actor, office: Office, now: datetime | None = None) -> list[Ticket]:
    """Today's open tickets for staff (the staff API's queue): the waiting in arrival order, then those
    called to a window, the latest call first."""
    now = now or datetime.now(UTC)
    if not policies.can_call_tickets(actor, office):
        raise PermissionDenied("You can see only your own office's floor.")
    day = Ticket.objects.filter(office=office, local_date=local_today(office, now)).select_related(
        "service", "window", "person"
    )
    return [
        *day.filter(outcome=TicketOutcome.WAITING).order_by("issued_at", "number"),
        *day.filter(outcome=TicketOutcome.CALLED).order_by("-last_called_at", "number"),
    ]
