"""The availability engine: which appointment slots are open, and which resources a slot would hold.

A slot is offered only when every resource it needs is free for its whole duration:
- a staff member with the service's skill, working that day (their shift, within office hours),
  not absent, and not held by another appointment;
- an interpreter for the requested language (a staff member who speaks a spoken language serves
  without one; American Sign Language always needs an interpreter); phone appointments need an
  interpreter who works remotely;
- a room or window, for in-person appointments at offices that track rooms.

Slots start on the office's grid (every `slot_minutes` from opening, in local wall time) and end by
closing time. Data is loaded a week at a time, only until enough slots are found.
"""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from frontdesk.core.errors import ValidationFailed
from frontdesk.offices.calendar import closed_dates, local_instant
from frontdesk.offices.geo import offices_near
from frontdesk.offices.models import Absence, Office, OfficeHours, Resource, ResourceKind, Shift

from .languages import SIGN_LANGUAGE, is_known
from .models import Mode, ResourceHold, Service

CHUNK_DAYS = 7
MAX_RANGE_DAYS = 120
MAX_RADIUS_MILES = 500


@dataclass(frozen=True)
class Need:
    """What an appointment requires; validated on construction so every caller gets the same rules."""

    service: Service
    mode: str
    interpreter_language: str = ""

    def __post_init__(self) -> None:
        if not self.service.active:
            raise ValidationFailed("That service is not offered at the moment.", field="service")
        if self.mode not in Mode.values:
            raise ValidationFailed("Choose 'phone' or 'in_person'.", field="mode")
        if self.mode == Mode.PHONE and self.service.in_person_required:
            raise ValidationFailed(
                f"{self.service.name_en} must be done in person: the rules require it. Choose in person.",
                code="in_person_required",
                field="mode",
            )
        if self.mode not in self.service.modes:
            raise ValidationFailed(
                f"{self.service.name_en} is not offered {Mode(self.mode).label.lower()}.", field="mode"
            )
        if self.interpreter_language and not is_known(self.interpreter_language):
            raise ValidationFailed(
                "We do not have interpreters for that language code; use codes such as 'es' or 'ase' (ASL).",
                field="interpreter_language",
            )


@dataclass(frozen=True)
class Slot:
    office: Office
    starts_at: datetime
    ends_at: datetime
    distance_miles: float | None = None

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.office.zone)

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(self.office.zone)


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


@dataclass
class BusyTimes:
    """A resource's busy intervals as sorted, merged epoch-second pairs."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)

    @classmethod
    def of(cls, intervals: list[tuple[int, int]]) -> "BusyTimes":
        busy = cls()
        for start, end in sorted(intervals):
            if busy.ends and start <= busy.ends[-1]:
                busy.ends[-1] = max(busy.ends[-1], end)
            else:
                busy.starts.append(start)
                busy.ends.append(end)
        return busy

    def is_free(self, start: int, end: int) -> bool:
        i = bisect_right(self.starts, start) - 1
        if i >= 0 and self.ends[i] > start:
            return False
        return i + 1 >= len(self.starts) or self.starts[i + 1] >= end


class OfficeWindow:
    """One office's resources, shifts, absences and holds over a span of local dates, in few queries."""

    def __init__(
        self,
        office: Office,
        need: Need,
        start: date,
        end: date,
        *,
        ignore_appointment_id: int | None = None,
    ) -> None:
        self.office, self.need, self.start, self.end = office, need, start, end
        self.zone = office.zone
        resources = list(
            Resource.objects.filter(office=office, active=True).values("id", "kind", "skills", "languages", "remote")
        )
        language = need.interpreter_language
        self.staff = [
            r for r in resources if r["kind"] == ResourceKind.STAFF and need.service.required_skill in r["skills"]
        ]
        self.bilingual = {
            r["id"] for r in self.staff if language and language != SIGN_LANGUAGE and language in r["languages"]
        }
        self.interpreters = [
            r
            for r in resources
            if language
            and r["kind"] == ResourceKind.INTERPRETER
            and language in r["languages"]
            and (need.mode == Mode.IN_PERSON or r["remote"])
        ]
        self.rooms = [r for r in resources if r["kind"] == ResourceKind.ROOM] if need.mode == Mode.IN_PERSON else []
        ids = [r["id"] for r in self.staff + self.interpreters + self.rooms]

        self.hours = {h.weekday: (h.opens, h.closes) for h in OfficeHours.objects.filter(office=office)}
        self.shifts: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
        for resource_id, weekday, starts, ends in Shift.objects.filter(resource_id__in=ids).values_list(
            "resource_id", "weekday", "starts", "ends"
        ):
            self.shifts[resource_id][weekday].append((starts, ends))
        self.closed = closed_dates(office, start, end)

        first = local_instant(start, datetime.min.time(), self.zone) or datetime.combine(
            start, datetime.min.time(), UTC
        )
        last = datetime.combine(end + timedelta(days=1), datetime.min.time(), self.zone).astimezone(UTC)
        intervals: dict[int, list[tuple[int, int]]] = defaultdict(list)
        holds = ResourceHold.objects.filter(resource_id__in=ids, active=True, starts_at__lt=last, ends_at__gt=first)
        if ignore_appointment_id is not None:
            holds = holds.exclude(appointment_id=ignore_appointment_id)
        for resource_id, s, e in holds.values_list("resource_id", "starts_at", "ends_at"):
            intervals[resource_id].append((_ts(s), _ts(e)))
        for resource_id, s, e in Absence.objects.filter(
            resource_id__in=ids, starts_at__lt=last, ends_at__gt=first
        ).values_list("resource_id", "starts_at", "ends_at"):
            intervals[resource_id].append((_ts(s), _ts(e)))
        self.busy = {rid: BusyTimes.of(intervals.get(rid, [])) for rid in ids}
        self.load = {rid: len(intervals.get(rid, [])) for rid in ids}

    def _open_span(self, day: date) -> tuple[int, int] | None:
        if day in self.closed or day.weekday() not in self.hours:
            return None
        opens, closes = self.hours[day.weekday()]
        start, end = local_instant(day, opens, self.zone), local_instant(day, closes, self.zone)
        if start is None or end is None:
            return None
        return _ts(start), _ts(end)

    def _works(self, resource_id: int, day: date, start: int, end: int) -> bool:
        shifts = self.shifts.get(resource_id, {})
        if not shifts:
            return True  # without shifts a resource works the office's hours
        for starts, ends in shifts.get(day.weekday(), ()):
            s, e = local_instant(day, starts, self.zone), local_instant(day, ends, self.zone)
            if s is not None and e is not None and _ts(s) <= start and end <= _ts(e):
                return True
        return False

    def _free(self, candidates: list[dict], day: date, start: int, end: int) -> list[int]:
        return [
            r["id"]
            for r in candidates
            if self.busy[r["id"]].is_free(start, end) and self._works(r["id"], day, start, end)
        ]

    def resources_for(self, day: date, start: int, end: int) -> list[int] | None:
        """The resources this slot would hold (least-loaded first), or None if it cannot be served."""
        staff = self._free(self.staff, day, start, end)
        if not staff:
            return None
        staff.sort(key=lambda rid: (self.load[rid], rid))
        chosen: list[int] = []
        language = self.need.interpreter_language
        bilingual = [rid for rid in staff if rid in self.bilingual]
        if not language or bilingual:
            chosen.append((bilingual or staff)[0])
        else:
            interpreters = self._free(self.interpreters, day, start, end)
            if not interpreters:
                return None
            chosen += [staff[0], min(interpreters, key=lambda rid: (self.load[rid], rid))]
        if self.rooms:
            rooms = self._free(self.rooms, day, start, end)
            if not rooms:
                return None
            chosen.append(min(rooms, key=lambda rid: (self.load[rid], rid)))
        return chosen

    def slot_starts(self, day: date) -> list[tuple[int, int]]:
        """(start, end) epoch pairs on the office grid that fit inside opening hours that day."""
        span = self._open_span(day)
        if span is None:
            return []
        opens, closes = self.hours[day.weekday()]
        duration = self.need.service.duration_minutes * 60
        step = timedelta(minutes=self.office.slot_minutes)
        wall = datetime.combine(day, opens)
        result = []
        while wall.time() < closes and wall.date() == day:
            instant = local_instant(day, wall.time(), self.zone)
            if instant is not None:
                start = _ts(instant)
                if start + duration <= span[1]:
                    result.append((start, start + duration))
            wall += step
        return result

    def open_slots(self, *, earliest: int, latest: int, limit: int) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        day = self.start
        while day <= self.end and len(found) < limit:
            for start, end in self.slot_starts(day):
                if earliest <= start <= latest and self.resources_for(day, start, end) is not None:
                    found.append((start, end))
                    if len(found) >= limit:
                        break
            day += timedelta(days=1)
        return found


def _bounds(service: Service, now: datetime) -> tuple[int, int]:
    earliest = now + timedelta(minutes=service.min_lead_minutes)
    latest = now + timedelta(days=service.horizon_days)
    return _ts(earliest), _ts(latest)


def _check_range(start: date, end: date) -> None:
    if not (date(2000, 1, 1) <= start <= date(2100, 1, 1) and date(2000, 1, 1) <= end <= date(2100, 1, 1)):
        raise ValidationFailed("Search dates must fall between 2000 and 2100.", field="start")
    if end < start:
        raise ValidationFailed("The end date is before the start date.", field="end")
    if (end - start).days > MAX_RANGE_DAYS:
        raise ValidationFailed(f"Search at most {MAX_RANGE_DAYS} days at a time.", field="end")


def office_slots(
    *,
    office: Office,
    need: Need,
    start: date,
    end: date,
    limit: int = 20,
    now: datetime | None = None,
    distance_miles: float | None = None,
) -> list[Slot]:
    """The earliest open slots at one office between two local dates (inclusive)."""
    _check_range(start, end)
    now = now or datetime.now(UTC)
    earliest, latest = _bounds(need.service, now)
    slots: list[Slot] = []
    chunk_start = start
    while chunk_start <= end and len(slots) < limit:
        chunk_end = min(end, chunk_start + timedelta(days=CHUNK_DAYS - 1))
        window = OfficeWindow(office, need, chunk_start, chunk_end)
        if not window.staff:
            break  # nobody at this office performs the service: no later week will differ
        for s, e in window.open_slots(earliest=earliest, latest=latest, limit=limit - len(slots)):
            slots.append(Slot(office, datetime.fromtimestamp(s, UTC), datetime.fromtimestamp(e, UTC), distance_miles))
        chunk_start = chunk_end + timedelta(days=1)
    return slots


def slots_near(
    *,
    zip_code: str,
    radius_miles: float,
    need: Need,
    start: date,
    end: date,
    limit: int = 10,
    now: datetime | None = None,
) -> list[Slot]:
    """Open slots at offices within the radius: nearest office first, then earliest time."""
    if not 0 < radius_miles <= MAX_RADIUS_MILES:
        raise ValidationFailed(f"Choose a radius between 1 and {MAX_RADIUS_MILES} miles.", field="radius_miles")
    _check_range(start, end)
    nearby = offices_near(zip_code, radius_miles)
    offices = Office.objects.in_bulk([oid for oid, _ in nearby])
    slots: list[Slot] = []
    for office_id, miles in nearby:
        if len(slots) >= limit:
            break
        slots += office_slots(
            office=offices[office_id],
            need=need,
            start=start,
            end=end,
            limit=limit - len(slots),
            now=now,
            distance_miles=round(miles, 1),
        )
    return slots


def resources_for_slot(
    *,
    office: Office,
    need: Need,
    starts_at: datetime,
    now: datetime | None = None,
    ignore_appointment_id: int | None = None,
) -> list[int] | None:
    """The resources an exact slot would hold, or None if it is not open (off-grid, closed, taken)."""
    now = now or datetime.now(UTC)
    earliest, latest = _bounds(need.service, now)
    start = _ts(starts_at)
    if not earliest <= start <= latest:
        return None
    day = starts_at.astimezone(office.zone).date()
    window = OfficeWindow(office, need, day, day, ignore_appointment_id=ignore_appointment_id)
    for s, e in window.slot_starts(day):
        if s == start:
            return window.resources_for(day, s, e)
    return None
