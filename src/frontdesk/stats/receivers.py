"""The dashboards' counters follow the scheduling services through their signals (scheduling sits below
this app, so it announces and this app listens). Each receiver is one upsert in the sender's
transaction (docs/adr/0031-office-dashboards.md)."""

from datetime import date, datetime, tzinfo
from typing import Any

from frontdesk.scheduling import signals
from frontdesk.scheduling.models import Appointment

from . import services


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


def connect() -> None:
    uid = "frontdesk.stats"
    signals.appointment_booked.connect(_booked, dispatch_uid=f"{uid}.booked")
    signals.appointment_moved.connect(_moved, dispatch_uid=f"{uid}.moved")
    signals.appointment_status_changed.connect(_status, dispatch_uid=f"{uid}.status")
    signals.walk_in_added.connect(_walk_in, dispatch_uid=f"{uid}.walk_in")
    signals.office_wait_measured.connect(_wait, dispatch_uid=f"{uid}.wait")
