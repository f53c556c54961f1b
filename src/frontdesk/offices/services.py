"""Changes to an office's setup, each recorded on the ledger in the same transaction."""

from datetime import date

from django.db import transaction

from frontdesk.core.errors import PermissionDenied
from frontdesk.ledger.services import event_append

from .models import Closure, Office
from .policies import can_manage_office


def closure_save(*, actor, office: Office, day: date, reason: str) -> Closure:
    """Close an office for a day (weather, training). Existing appointments stay for staff to move."""
    if not can_manage_office(actor, office):
        raise PermissionDenied("Only the office's manager can close it for a day.")
    with transaction.atomic():
        closure, _ = Closure.objects.update_or_create(office=office, date=day, defaults={"reason": reason})
        event_append(type="offices.closure.saved", actor=actor, refs={"office": office.code, "date": day.isoformat()})
    return closure
