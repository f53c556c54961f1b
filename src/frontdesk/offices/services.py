"""An office manager's changes to their office: hours and closures (its staff members and interpreters:
scheduling/resources.py, since what they can do is said in the scheduling catalog's terms).

Each is keyword-only with the acting user first, checks the policy before anything, runs in one
transaction and appends its ledger event in that transaction (AC-6 least privilege; AU-2 audit of
configuration changes).
"""

from datetime import date, time

from django.db import transaction

from frontdesk.accounts.actors import Actor
from frontdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from frontdesk.ledger.services import event_append

from .models import Closure, Office, OfficeHours
from .policies import can_manage_office


def closure_save(*, actor: Actor, office: Office, day: date, reason: str) -> Closure:
    """Close an office for a day (weather, training). Existing appointments stay for staff to move."""
    if not can_manage_office(actor, office):
        raise PermissionDenied("Only the office's manager can close it for a day.")
    with transaction.atomic():
        closure, _ = Closure.objects.update_or_create(office=office, date=day, defaults={"reason": reason})
        event_append(type="offices.closure.saved", actor=actor, refs={"office": office.code, "date": day.isoformat()})
    return closure


def _require_manager(actor: Actor, office: Office) -> None:
    if not can_manage_office(actor, office):
        raise PermissionDenied("Only this office's manager can change its setup.")


def office_hours_set(*, actor: Actor, office: Office, weekday: int, opens: time | None, closes: time | None) -> None:
    """Set one weekday's opening hours (local time), or close the office that weekday (both None).

    Existing appointments stay where they are; staff move them if the new hours leave them outside."""
    _require_manager(actor, office)
    if not 0 <= weekday <= 6:
        raise ValidationFailed("Choose a day of the week.", field="weekday")
    if (opens is None) != (closes is None):
        raise ValidationFailed("Give both an opening and a closing time, or neither to close that day.", field="opens")
    if opens is not None and closes is not None and not opens < closes:
        raise ValidationFailed("The office must open before it closes.", field="closes")
    with transaction.atomic():
        if opens is None or closes is None:  # both or neither, checked above
            OfficeHours.objects.filter(office=office, weekday=weekday).delete()
        else:
            OfficeHours.objects.update_or_create(
                office=office, weekday=weekday, defaults={"opens": opens, "closes": closes}
            )
        event_append(
            type="offices.hours.changed",
            actor=actor,
            refs={
                "office": office.code,
                "weekday": weekday,
                "opens": opens.strftime("%H:%M") if opens else None,
                "closes": closes.strftime("%H:%M") if closes else None,
            },
        )


def closure_remove(*, actor: Actor, office: Office, day: date) -> None:
    """Reopen a day closed by the office (national closures and federal holidays stay)."""
    _require_manager(actor, office)
    with transaction.atomic():
        deleted, _ = Closure.objects.filter(office=office, date=day).delete()
        if not deleted:
            raise NotFound("That day is not closed at this office.", code="closure_not_found")
        event_append(type="offices.closure.removed", actor=actor, refs={"office": office.code, "date": day.isoformat()})
