"""The merged queue's order and who may run the floor. Pure functions; services and pages consult them.

`next_ticket` is the one answer to "whom does this window call now" (docs/adr/0030-office-floor-queue.md).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from frontdesk.accounts.actors import Actor
from frontdesk.accounts.roles import Role, user_roles
from frontdesk.offices.models import Office
from frontdesk.scheduling.policies import can_run_office_day

# A walk-in's place: as if they had an appointment this long after they arrived. Until then an
# appointment that is due goes first; after it, the walk-in competes with due appointments by that time,
# so no walk-in waits behind an endless stream of appointments.
WALK_IN_AGING = timedelta(minutes=30)
# An appointment holder counts as due this long before their time (the counter may be a minute early).
DUE_EARLY = timedelta(minutes=5)


@dataclass(frozen=True)
class Waiting:
    """What the rule needs to know about one waiting ticket: no person, only times and needs."""

    key: int
    number: int
    is_appointment: bool
    issued_at: datetime
    due_at: datetime | None
    service_code: str
    interpreter_language: str = ""
    accessible: bool = False


@dataclass(frozen=True)
class Serves:
    """What one window can serve. Empty `service_codes` means every service."""

    service_codes: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    accessible: bool = False

    def can_serve(self, ticket: Waiting) -> bool:
        if self.service_codes and ticket.service_code not in self.service_codes:
            return False
        if ticket.interpreter_language and ticket.interpreter_language not in self.languages:
            return False
        return not (ticket.accessible and not self.accessible)


def claim_time(ticket: Waiting) -> datetime:
    """The time the queue owes a ticket: the appointment's time, or a walk-in's arrival plus the aging."""
    if ticket.is_appointment and ticket.due_at is not None:
        return ticket.due_at
    return ticket.issued_at + WALK_IN_AGING


def next_ticket(waiting: Sequence[Waiting], serves: Serves, now: datetime) -> Waiting | None:
    """The ticket this window calls now, or None when it can serve nobody who is waiting.

    1. Only tickets whose needs the window meets (service, interpreter language, accessibility).
    2. Tickets that are due (an appointment at or within `DUE_EARLY` of its time; a walk-in who has
       waited `WALK_IN_AGING`) go first, the earliest claim time first.
    3. Otherwise a walk-in, the earliest arrival first: walk-ins fill the time between appointments.
    4. Otherwise an appointment holder who came early, the earliest appointment first.
    Ties go to the lower ticket number.
    """
    eligible = [t for t in waiting if serves.can_serve(t)]
    if not eligible:
        return None
    due = [t for t in eligible if claim_time(t) <= now + (DUE_EARLY if t.is_appointment else timedelta(0))]
    if due:
        return min(due, key=lambda t: (claim_time(t), not t.is_appointment, t.number))
    walk_ins = [t for t in eligible if not t.is_appointment]
    if walk_ins:
        return min(walk_ins, key=lambda t: (t.issued_at, t.number))
    return min(eligible, key=lambda t: (claim_time(t), t.number))


def can_call_tickets(user: Actor, office: Office) -> bool:
    """Calling, recalling, transferring and closing tickets: the office's own front-line staff."""
    return can_run_office_day(user, office)


def can_manage_kiosks(user: Actor, office: Office) -> bool:
    """Enrolling and revoking an office's kiosk screens: that office's manager (a kiosk device is
    limited more loosely than a visitor's address, so enrolling one is a manager's decision)."""
    profile = getattr(user, "staff_profile", None)
    return Role.OFFICE_MANAGER in user_roles(user) and profile is not None and profile.office_id == office.id
