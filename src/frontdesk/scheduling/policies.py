"""Who may do what with schedules and appointments. Small pure functions; services enforce them and
pages use them to decide which actions to show (AC-3, AC-6)."""

from datetime import datetime, timedelta

from frontdesk.accounts.actors import Actor
from frontdesk.accounts.models import StaffProfile
from frontdesk.accounts.roles import ROLE_SCOPE, SCHEDULE_ROLES, Scope, user_roles
from frontdesk.offices.models import Office

from .models import Appointment, Mode, Status

CHECK_IN_EARLY = timedelta(hours=2)
NO_SHOW_GRACE = timedelta(minutes=15)


def _profile(user: Actor) -> StaffProfile | None:
    return getattr(user, "staff_profile", None)


# The office's day (its schedule, the queue, an appointment, a person search, booking for a caller) is
# for the front-line roles. Privacy officers, counsel and auditors reach a person's records only through
# a disclosure request or the ledger's read trail; the console's page rules use this same set.
OFFICE_DAY_ROLES = SCHEDULE_ROLES


def office_scope_ids(user: Actor) -> tuple[Scope, int | None]:
    """The widest schedule scope among the user's office-day roles, with its office or region."""
    roles = user_roles(user) & OFFICE_DAY_ROLES
    profile = _profile(user)
    if not roles or profile is None:
        return (Scope.NONE, None)
    if any(ROLE_SCOPE[r] == Scope.REGION for r in roles) and profile.region:
        return (Scope.REGION, profile.region)
    if profile.office_id:
        return (Scope.OFFICE, profile.office_id)
    return (Scope.NONE, None)


def can_view_office_schedule(user: Actor, office: Office) -> bool:
    scope, ref = office_scope_ids(user)
    if scope == Scope.OFFICE:
        return office.id == ref
    if scope == Scope.REGION:
        return office.region == ref
    return False


def can_run_office_day(user: Actor, office: Office) -> bool:
    """Check-in, walk-ins, no-shows, booking for a caller: the office's own front-line staff only."""
    profile = _profile(user)
    return bool(user_roles(user) & OFFICE_DAY_ROLES) and profile is not None and profile.office_id == office.id


def can_self_change(appointment: Appointment, now: datetime) -> bool:
    """A person may cancel or move their own appointment online while it is booked and has not started;
    after its time only the office can (a no-show, a late arrival)."""
    return appointment.status == Status.BOOKED and appointment.starts_at > now


def check_in_open(appointment: Appointment, now: datetime) -> bool:
    """Check-in (for a phone appointment: the call starting) runs from two hours before the time until
    the appointment ends."""
    return appointment.status == Status.BOOKED and appointment.starts_at - CHECK_IN_EARLY <= now <= appointment.ends_at


def no_show_allowed(appointment: Appointment, now: datetime) -> bool:
    """A no-show can be marked from fifteen minutes after the time."""
    return appointment.status == Status.BOOKED and now >= appointment.starts_at + NO_SHOW_GRACE


def staff_actions(appointment: Appointment, now: datetime) -> list[str]:
    """What front-line staff can do with an appointment now, in the order a counter works: the same
    answer the services give, so a button is shown only when pressing it would work."""
    if appointment.status == Status.CHECKED_IN:
        return ["complete"]
    if appointment.status != Status.BOOKED:
        return []
    actions = ["check-in"] if check_in_open(appointment, now) else []
    if no_show_allowed(appointment, now):
        actions.append("no-show")
    return [*actions, "cancel"]


def check_in_label(appointment: Appointment) -> str:
    return "Start the call" if appointment.mode == Mode.PHONE else "Check in"
