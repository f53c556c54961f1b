"""The dashboards' counters follow the scheduling services through their signals (scheduling sits below
this app, so it announces and this app listens). Each receiver is one upsert in the sender's
transaction (docs/adr/0031-office-dashboards.md).

The weekly roster (`OfficeWeekdayCapacity`) follows the offices' models: a resource, a shift or an
office's hours saved or deleted refreshes that office's rows, and an office moved to another region
takes its counters along (docs/adr/0034). Bulk writes send no signal: `stats_rebuild` after them.
"""

from datetime import date, datetime, tzinfo
from typing import Any

from django.db.models.signals import post_delete, post_save

from frontdesk.offices.models import Office, OfficeHours, Resource, Shift
from frontdesk.scheduling import signals
from frontdesk.scheduling.models import Appointment

from . import services
from .capacity import capacity_refresh
from .models import OfficeDayStats, OfficeDayWait, OfficeWeekdayCapacity


def _booked(sender: Any, *, appointment: Appointment, **_: Any) -> None:
    services.record_appointment_booked(appointment)


def _moved(
    sender: Any,
    *,
    appointment: Appointment,
    from_office_id: int,
    from_starts_at: datetime,
    from_zone: tzinfo,
    **_: Any,
) -> None:
    services.record_appointment_moved(
        appointment, from_office_id=from_office_id, from_starts_at=from_starts_at, from_zone=from_zone
    )


def _status(sender: Any, *, appointment: Appointment, to: str, now: datetime, **_: Any) -> None:
    services.record_appointment_status(appointment, to=to, now=now)


def _walk_in(sender: Any, *, office_id: int, day: date, service_id: int, **_: Any) -> None:
    services.record_walk_in(office_id=office_id, day=day, service_id=service_id)


def _wait(sender: Any, *, office_id: int, day: date, seconds: float, kind: str, **_: Any) -> None:
    services.record_office_wait(office_id=office_id, day=day, seconds=seconds, kind=kind)


def _roster_changed(sender: Any, *, instance: Resource | OfficeHours, **_: Any) -> None:
    capacity_refresh([instance.office_id])


def _shift_changed(sender: Any, *, instance: Shift, **_: Any) -> None:
    office_id = Resource.objects.filter(pk=instance.resource_id).values_list("office_id", flat=True).first()
    if office_id is not None:  # None: the resource went first, and its own deletion refreshed the office
        capacity_refresh([office_id])


def _office_saved(sender: Any, *, instance: Office, created: bool, **_: Any) -> None:
    if created:
        return
    for model in (OfficeDayStats, OfficeDayWait, OfficeWeekdayCapacity):
        model.objects.filter(office_id=instance.pk).exclude(region=instance.region).update(region=instance.region)


def connect() -> None:
    uid = "frontdesk.stats"
    signals.appointment_booked.connect(_booked, dispatch_uid=f"{uid}.booked")
    signals.appointment_moved.connect(_moved, dispatch_uid=f"{uid}.moved")
    signals.appointment_status_changed.connect(_status, dispatch_uid=f"{uid}.status")
    signals.walk_in_added.connect(_walk_in, dispatch_uid=f"{uid}.walk_in")
    signals.office_wait_measured.connect(_wait, dispatch_uid=f"{uid}.wait")
    for model in (Resource, OfficeHours):
        for signal in (post_save, post_delete):
            signal.connect(_roster_changed, sender=model, dispatch_uid=f"{uid}.roster.{model.__name__}")
    for signal in (post_save, post_delete):
        signal.connect(_shift_changed, sender=Shift, dispatch_uid=f"{uid}.roster.Shift")
    post_save.connect(_office_saved, sender=Office, dispatch_uid=f"{uid}.office_region")
