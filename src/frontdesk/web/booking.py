"""The booking choices a visitor has made so far, carried step to step in the query string.

Only non-personal choices travel in URLs (office, service, mode, interpreter, companion, time): the
person's name, birth date and contact details are sent once, by POST, on the last step.
"""

import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils.http import urlencode

from frontdesk.core.errors import ValidationFailed
from frontdesk.offices.calendar import local_today
from frontdesk.offices.models import Office
from frontdesk.scheduling.availability import Need, Slot, booking_window_end, office_slots
from frontdesk.scheduling.languages import is_known
from frontdesk.scheduling.models import Appointment, Mode, Service

SEARCH_DAYS = 14
MAX_SLOTS = 48
# The most open times one day can hold (a 24-hour office on a 15-minute grid).
DAY_SLOTS = 96
SESSION_KEY = "fd_appointment"
SESSION_MINUTES = 30


@dataclass(frozen=True)
class Choice:
    office: Office | None = None
    service: Service | None = None
    mode: str = ""
    interpreter: str = ""
    companion: bool = False
    start: datetime | None = None

    @classmethod
    def from_query(cls, query: QueryDict) -> "Choice":
        code = (query.get("office") or "").strip().upper()[:8]
        office = Office.objects.prefetch_related("hours").filter(code=code).first() if code else None
        service_code = (query.get("service") or "").strip().lower()[:40]
        service = Service.objects.filter(code=service_code, active=True).first() if service_code else None
        mode = query.get("mode") or ""
        interpreter = (query.get("interpreter") or "").strip().lower()[:8]
        start = None
        try:
            start = datetime.fromisoformat(query.get("start") or "")
            start = start if start.tzinfo else None
        except ValueError:
            start = None
        return cls(
            office=office,
            service=service,
            mode=mode if mode in Mode.values else "",
            interpreter=interpreter if is_known(interpreter) else "",
            companion=query.get("companion") == "yes",
            start=start.astimezone(UTC) if start else None,
        )

    def need(self) -> Need:
        """Raises ValidationFailed when the choices do not fit together (the engine's own rules)."""
        if self.service is None:
            raise ValidationFailed("Choose a service.", field="service")
        return Need(service=self.service, mode=self.mode, interpreter_language=self.interpreter)

    def params(self, **changes: Any) -> dict[str, str]:
        choice = replace(self, **changes) if changes else self
        params = {
            "office": choice.office.code if choice.office else "",
            "service": choice.service.code if choice.service else "",
            "mode": choice.mode,
            "interpreter": choice.interpreter,
            "companion": "yes" if choice.companion else "",
            "start": choice.start.strftime("%Y-%m-%dT%H:%M:%SZ") if choice.start else "",
        }
        return {k: v for k, v in params.items() if v}

    def query(self, **changes: Any) -> str:
        return urlencode(self.params(**changes))


@dataclass(frozen=True)
class SlotChoice:
    value: str  # the UTC start, as the form sends it back
    local_start: datetime  # naive local wall time at the office: what the visitor reads
    zone_name: str


@dataclass(frozen=True)
class Day:
    day: date
    slots: list[SlotChoice]


def slot_days(slots: list[Slot]) -> list[Day]:
    days: OrderedDict[date, list[SlotChoice]] = OrderedDict()
    for slot in slots:
        local = slot.local_start
        days.setdefault(local.date(), []).append(
            SlotChoice(slot_value(slot), local.replace(tzinfo=None), local.tzname() or "")
        )
    return [Day(d, s) for d, s in days.items()]


def slot_value(slot: Slot) -> str:
    return slot.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def search_from(office: Office, raw: str | None) -> date:
    today = local_today(office)
    try:
        chosen = date.fromisoformat(raw or "")
    except ValueError:
        return today
    return min(max(chosen, today), today + timedelta(days=120))


def open_slots(office: Office, need: Need, first: date) -> list[Slot]:
    """About MAX_SLOTS open times from `first`, always whole days: a day is never cut short (it would
    look as if the office closed early) and "Later times", which starts the day after the last one
    shown, then never skips the rest of a day."""
    if first > booking_window_end(need.service, office):
        return []
    limit = MAX_SLOTS + DAY_SLOTS
    slots = office_slots(
        office=office, need=need, start=first, end=first + timedelta(days=SEARCH_DAYS - 1), limit=limit
    )
    if len(slots) < limit:
        complete = slots  # the search ran out of days, not of room: every day found is whole
    else:
        cut_day = slots[-1].local_start.date()  # the limit may have cut this one short
        complete = [s for s in slots if s.local_start.date() != cut_day]
    shown: list[Slot] = []
    for day_slots in _by_day(complete):
        if shown and len(shown) + len(day_slots) > MAX_SLOTS:
            break
        shown += day_slots
    return shown


def _by_day(slots: list[Slot]) -> list[list[Slot]]:
    days: dict[date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(slot.local_start.date(), []).append(slot)
    return list(days.values())


def remember_appointment(request: HttpRequest, appointment: Appointment) -> None:
    """After a booking or a verified look-up, this browser may manage the appointment for a while."""
    request.session[SESSION_KEY] = {"id": str(appointment.public_id), "until": time.time() + SESSION_MINUTES * 60}


def remembered_appointment(request: HttpRequest) -> Appointment | None:
    entry = request.session.get(SESSION_KEY)
    if not entry or entry.get("until", 0) < time.time():
        return None
    return Appointment.objects.select_related("office", "service", "person").filter(public_id=entry["id"]).first()


def forget_appointment(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
