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

import json
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from django.db import connection

from frontdesk.core.bounds import EARLIEST_DATE, LATEST_DATE
from frontdesk.core.errors import ValidationFailed
from frontdesk.offices.calendar import closed_dates, closed_with, closure_query, local_instant
from frontdesk.offices.geo import offices_near
from frontdesk.offices.models import Absence, Office, Resource, ResourceKind, Shift

from .languages import SIGN_LANGUAGE, is_known
from .models import Mode, OfferHold, ReleaseHold, ResourceHold, Service

CHUNK_DAYS = 7
MAX_RANGE_DAYS = 120
MAX_RADIUS_MILES = 500
LATEST_ZONE = timezone(timedelta(hours=14))
# A freed time is kept from general booking until the waitlist has been offered it; one that no hand-off
# or sweep ever offered (a dead worker, a stopped scheduler) is released this long after it was freed, so
# a fault cannot hide times from the public for more than half an hour (docs/adr/0041).
RELEASE_HOLD_LIMIT = timedelta(minutes=30)


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
    def of(cls, intervals: Iterable[tuple[int, int]]) -> "BusyTimes":
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

    def add(self, start: int, end: int) -> None:
        """Mark [start, end) busy; the caller has checked that it is free (so the pairs stay disjoint)."""
        i = bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)

    def within(self, start: int, end: int) -> int:
        """Seconds of [start, end) that are busy."""
        i = max(bisect_right(self.starts, start) - 1, 0)
        total = 0
        while i < len(self.starts) and self.starts[i] < end:
            total += max(0, min(end, self.ends[i]) - max(start, self.starts[i]))
            i += 1
        return total


_EPOCH = {
    "postgresql": "EXTRACT(EPOCH FROM {})::bigint",
    "sqlite": "CAST(strftime('%%s', {}) AS INTEGER)",
}


def busy_intervals(
    resource_ids: list[int],
    first: datetime,
    last: datetime,
    ignore_appointment_id: int | None = None,
    *,
    now: datetime | None = None,
    for_waitlist: bool = False,
) -> list[tuple[int, int, int]]:
    """(resource id, start, end) in epoch seconds for active holds, absences, the holds of open
    waitlist offers (the offered time is kept for its person: docs/adr/0023) and, unless the search is
    the waitlist's own, freed times not yet released to general booking (`ReleaseHold`: until the
    waitlist has been offered it and its `release_at` has passed, or `RELEASE_HOLD_LIMIT` after it was
    made if no sweep ever offered it: docs/adr/0036, docs/adr/0041) overlapping [first, last).

    The search's hot path: one hand-written query, with the database turning instants into epoch
    seconds, costs a fraction of the ORM's query building and per-row datetime conversion.
    """
    if not resource_ids:
        return []
    epoch = _EPOCH[connection.vendor]
    ids = ", ".join(["%s"] * len(resource_ids))
    hold_table, absence_table = ResourceHold._meta.db_table, Absence._meta.db_table
    offer_table = OfferHold._meta.db_table
    ignore = "AND appointment_id <> %s" if ignore_appointment_id is not None else ""
    sql = (
        f"SELECT resource_id, {epoch.format('starts_at')}, {epoch.format('ends_at')} FROM {hold_table} "  # noqa: S608
        f"WHERE resource_id IN ({ids}) AND active AND starts_at < %s AND ends_at > %s {ignore} "
        f"UNION ALL SELECT resource_id, {epoch.format('starts_at')}, {epoch.format('ends_at')} FROM {absence_table} "
        f"WHERE resource_id IN ({ids}) AND starts_at < %s AND ends_at > %s "
        f"UNION ALL SELECT resource_id, {epoch.format('starts_at')}, {epoch.format('ends_at')} FROM {offer_table} "
        f"WHERE resource_id IN ({ids}) AND active AND starts_at < %s AND ends_at > %s"
    )
    if not for_waitlist:
        release_table = ReleaseHold._meta.db_table
        sql += (
            f" UNION ALL SELECT resource_id, {epoch.format('starts_at')}, {epoch.format('ends_at')} "  # noqa: S608
            f"FROM {release_table} WHERE resource_id IN ({ids}) AND starts_at < %s AND ends_at > %s "
            "AND (release_at > %s OR (swept_at IS NULL AND COALESCE(checked_at, created_at) > %s))"
        )
    adapt = connection.ops.adapt_datetimefield_value
    params: list = [*resource_ids, adapt(last), adapt(first)]
    if ignore_appointment_id is not None:
        params.append(ignore_appointment_id)
    params += [*resource_ids, adapt(last), adapt(first)]
    params += [*resource_ids, adapt(last), adapt(first)]
    if not for_waitlist:
        moment = now or datetime.now(UTC)
        params += [*resource_ids, adapt(last), adapt(first), adapt(moment), adapt(moment - RELEASE_HOLD_LIMIT)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def resource_rows(office_ids: list[int]) -> dict[int, list[dict]]:
    """Active resources of some offices with their weekly shifts, grouped by office, in one query.

    Each row has `shifts`: {weekday: [(starts, ends), ...]}, empty for a resource that works the
    office's hours. Every booking and search reads this: one hand-written query (as `busy_intervals`)
    costs a fraction of the ORM's query building, values() and JSON field conversion.
    """
    if not office_ids:
        return {}
    sql, params = _resource_query(office_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _resources_from(cursor.fetchall())


def resources_and_closures(office: Office, start: date, end: date) -> tuple[list[dict], dict[date, str]]:
    """One office's `resource_rows` and its `closed_dates` for [start, end] in one statement (one round
    trip instead of two: every booking and every office search reads both). The closures come as rows
    with no resource id, their date and reason in the last two columns."""
    resources_sql, resources_params = _resource_query([office.id])
    closures_sql, closures_params = closure_query(office, start, end)
    sql = (
        f"SELECT r.id, r.office_id, r.kind, r.skills, r.languages, r.remote, s.weekday, s.starts, s.ends, "  # noqa: S608
        f"NULL, NULL {resources_sql[resources_sql.index('FROM') :]} UNION ALL "
        f"SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, c.date, c.reason FROM ({closures_sql}) c"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, resources_params + closures_params)
        rows = cursor.fetchall()
    resources = _resources_from(row[:9] for row in rows if row[0] is not None)
    closed = closed_with(start, end, (row[9:] for row in rows if row[0] is None))
    return resources.get(office.id, []), closed


def _resource_query(office_ids: list[int]) -> tuple[str, list]:
    quote = connection.ops.quote_name
    resource_table, shift_table = quote(Resource._meta.db_table), quote(Shift._meta.db_table)
    ids = ", ".join(["%s"] * len(office_ids))
    sql = (
        f"SELECT r.id, r.office_id, r.kind, r.skills, r.languages, r.remote, s.weekday, s.starts, s.ends "  # noqa: S608
        f"FROM {resource_table} r LEFT JOIN {shift_table} s ON s.resource_id = r.id "
        f"WHERE r.office_id IN ({ids}) AND r.active"
    )
    return sql, list(office_ids)


def _resources_from(rows: Iterable[tuple]) -> dict[int, list[dict]]:
    by_id: dict[int, dict[str, Any]] = {}
    for rid, office_id, kind, skills, languages, remote, weekday, starts, ends in rows:
        resource = by_id.get(rid)
        if resource is None:
            resource = by_id[rid] = {
                "id": rid,
                "office_id": office_id,
                "kind": kind,
                "skills": _json_list(skills),
                "languages": _json_list(languages),
                "remote": bool(remote),
                "shifts": defaultdict(list),
            }
        if weekday is not None:
            resource["shifts"][weekday].append((_time(starts), _time(ends)))
    grouped: dict[int, list[dict]] = defaultdict(list)
    for resource in by_id.values():
        grouped[resource["office_id"]].append(resource)
    return grouped


def _json_list(value: Any) -> list:
    # JSON columns arrive as text (Django reads them itself; its PostgreSQL loader leaves jsonb as text).
    return json.loads(value) if isinstance(value, str | bytes) else list(value or [])


def _time(value: Any) -> time:
    return time.fromisoformat(value) if isinstance(value, str) else value  # SQLite stores times as text


class OfficeWindow:
    """One office's resources, hours, shifts and closures for a span of local dates, and the busy times
    of the resources that could serve the need: a handful of queries however many slots are tested."""

    def __init__(
        self,
        office: Office,
        need: Need,
        start: date,
        end: date,
        *,
        ignore_appointment_id: int | None = None,
        resources: list[dict] | None = None,
        busy_end: date | None = None,
        now: datetime | None = None,
        for_waitlist: bool = False,
    ) -> None:
        self.office, self.need, self.start, self.end = office, need, start, end
        self.zone = office.zone
        self.ignore_appointment_id = ignore_appointment_id
        self.now, self.for_waitlist = now, for_waitlist
        closed = None
        if resources is None:
            resources, closed = resources_and_closures(office, start, end)
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
        self.ids = [r["id"] for r in self.staff + self.interpreters + self.rooms]
        self.busy: dict[int, BusyTimes] = {}
        self.load: dict[int, int] = {}
        self._work: dict[tuple[int, date], list[tuple[int, int]] | None] = {}
        if not self.can_serve():
            return  # nothing more to load: no slot can ever be offered here
        # `office.hours.all()` uses a prefetch when the caller made one.
        self.hours = {h.weekday: (h.opens, h.closes) for h in office.hours.all()}
        self.shifts = {r["id"]: r["shifts"] for r in self.staff + self.interpreters + self.rooms}
        self.closed = closed if closed is not None else closed_dates(office, start, end)
        self.load_busy(start, busy_end or end)

    def can_serve(self) -> bool:
        """Whether any slot could ever be served with these resources, whatever the bookings."""
        if not self.staff:
            return False
        return not self.need.interpreter_language or bool(self.bilingual or self.interpreters)

    def load_busy(self, start: date, end: date) -> None:
        """Holds and absences of the candidate resources between two local dates (one query)."""
        first = local_instant(start, datetime.min.time(), self.zone) or datetime.combine(
            start, datetime.min.time(), UTC
        )
        last = datetime.combine(end + timedelta(days=1), datetime.min.time(), self.zone).astimezone(UTC)
        intervals: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for resource_id, s, e in busy_intervals(
            self.ids, first, last, self.ignore_appointment_id, now=self.now, for_waitlist=self.for_waitlist
        ):
            intervals[resource_id].append((s, e))
        self.busy = {rid: BusyTimes.of(intervals.get(rid, [])) for rid in self.ids}
        self.load = {rid: len(intervals.get(rid, [])) for rid in self.ids}

    def _open_span(self, day: date) -> tuple[int, int] | None:
        if day in self.closed or day.weekday() not in self.hours:
            return None
        opens, closes = self.hours[day.weekday()]
        start, end = local_instant(day, opens, self.zone), local_instant(day, closes, self.zone)
        if start is None or end is None:
            return None
        return _ts(start), _ts(end)

    def _working(self, resource_id: int, day: date) -> list[tuple[int, int]] | None:
        """A resource's shifts that day as epoch spans, or None when it works the office's hours."""
        key = (resource_id, day)
        if key not in self._work:
            shifts = self.shifts.get(resource_id)
            if not shifts:
                self._work[key] = None
            else:
                spans = []
                for starts, ends in shifts.get(day.weekday(), ()):
                    s, e = local_instant(day, starts, self.zone), local_instant(day, ends, self.zone)
                    if s is not None and e is not None:
                        spans.append((_ts(s), _ts(e)))
                self._work[key] = spans
        return self._work[key]

    def _works(self, resource_id: int, day: date, start: int, end: int) -> bool:
        spans = self._working(resource_id, day)
        return spans is None or any(s <= start and end <= e for s, e in spans)

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
        duration = self.need.service.duration_minutes * 60
        step = self.office.slot_minutes * 60
        opens, closes = self.hours[day.weekday()]
        wall_length = (closes.hour * 3600 + closes.minute * 60) - (opens.hour * 3600 + opens.minute * 60)
        if span[1] - span[0] == wall_length:
            # No clock change inside opening hours (every day but a few, and always where there is no
            # DST): the grid is plain arithmetic on instants.
            return [(t, t + duration) for t in range(span[0], span[1] - duration + 1, step)]
        result = []
        wall = datetime.combine(day, opens)
        while wall.time() < closes and wall.date() == day:
            instant = local_instant(day, wall.time(), self.zone)
            if instant is not None:
                start = _ts(instant)
                if start + duration <= span[1]:
                    result.append((start, start + duration))
            wall += timedelta(seconds=step)
        return result

    def open_slots(self, *, start: date, end: date, earliest: int, latest: int, limit: int) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        day = start
        while day <= end and len(found) < limit:
            for s, e in self.slot_starts(day):
                if earliest <= s <= latest and self.resources_for(day, s, e) is not None:
                    found.append((s, e))
                    if len(found) >= limit:
                        break
            day += timedelta(days=1)
        return found


def _bounds(service: Service, now: datetime) -> tuple[int, int]:
    earliest = now + timedelta(minutes=service.min_lead_minutes)
    latest = now + timedelta(days=service.horizon_days)
    return _ts(earliest), _ts(latest)


def _check_range(start: date, end: date) -> None:
    if not (EARLIEST_DATE <= start <= LATEST_DATE and EARLIEST_DATE <= end <= LATEST_DATE):
        raise ValidationFailed(
            f"Search dates must fall between {EARLIEST_DATE.year} and {LATEST_DATE.year}.", field="start"
        )
    if end < start:
        raise ValidationFailed("The end date is before the start date.", field="end")
    if (end - start).days > MAX_RANGE_DAYS:
        raise ValidationFailed(f"Search at most {MAX_RANGE_DAYS} days at a time.", field="end")


def _check_window(start: date, latest: int, zone: tzinfo) -> None:
    """A search that starts after the booking window is a question with a clear answer, not "fully
    booked": say where the window ends."""
    last_day = datetime.fromtimestamp(latest, UTC).astimezone(zone).date()
    if start > last_day:
        raise ValidationFailed(
            f"Appointments for this service can be booked up to {last_day.isoformat()}; search an earlier date.",
            field="start",
        )


def office_slots(
    *,
    office: Office,
    need: Need,
    start: date,
    end: date,
    limit: int = 20,
    now: datetime | None = None,
    distance_miles: float | None = None,
    resources: list[dict] | None = None,
) -> list[Slot]:
    """The earliest open slots at one office between two local dates (inclusive).

    Bookings are read a week first, then in doubling spans, so "the next few slots" reads little
    and "every slot this month" still takes only a few queries.
    """
    _check_range(start, end)
    now = now or datetime.now(UTC)
    earliest, latest = _bounds(need.service, now)
    _check_window(start, latest, office.zone)
    first_chunk_end = min(end, start + timedelta(days=CHUNK_DAYS - 1))
    window = OfficeWindow(office, need, start, end, resources=resources, busy_end=first_chunk_end, now=now)
    if not window.can_serve():
        return []
    slots: list[Slot] = []
    chunk_start, span = start, CHUNK_DAYS
    while chunk_start <= end and len(slots) < limit:
        chunk_end = min(end, chunk_start + timedelta(days=span - 1))
        if chunk_start != start:
            window.load_busy(chunk_start, chunk_end)
        for s, e in window.open_slots(
            start=chunk_start, end=chunk_end, earliest=earliest, latest=latest, limit=limit - len(slots)
        ):
            slots.append(Slot(office, datetime.fromtimestamp(s, UTC), datetime.fromtimestamp(e, UTC), distance_miles))
        chunk_start, span = chunk_end + timedelta(days=1), span * 2
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
    # No office's local date is later than UTC+14's, so this refuses only a start past every window.
    _check_window(start, _bounds(need.service, now or datetime.now(UTC))[1], LATEST_ZONE)
    nearby = offices_near(zip_code, radius_miles)
    # One query finds which nearby offices could serve the need at all (skill, interpreter), so a
    # search for a scarce interpreter never walks the calendars of offices that have none.
    resources = resource_rows([oid for oid, _ in nearby])
    offices = Office.objects.prefetch_related("hours").in_bulk([oid for oid, _ in nearby if oid in resources])
    slots: list[Slot] = []
    for office_id, miles in nearby:
        if len(slots) >= limit:
            break
        if office_id not in offices:
            continue
        slots += office_slots(
            office=offices[office_id],
            need=need,
            start=start,
            end=end,
            limit=limit - len(slots),
            now=now,
            distance_miles=round(miles, 1),
            resources=resources[office_id],
        )
    return slots


def bookable_time_check(
    *, office: Office, need: Need, starts_at: datetime, now: datetime | None = None
) -> OfficeWindow:
    """Raise ValidationFailed (422, saying what is bookable) when `starts_at` is not a time this office
    offers for this service at all: too soon, past the booking window, a closed day, outside opening
    hours or off the office's grid. A bookable time that someone else holds is not this: the booking
    then fails with 409 "slot_taken". One rule for the API, the public site and the console.

    Returns the day's window it loaded, so that a booking can choose its resources from it without
    loading the same resources, closures and holds a second time (`resources_for_slot(window=...)`)."""
    now = now or datetime.now(UTC)
    earliest, latest = _bounds(need.service, now)
    start = _ts(starts_at)
    zone = office.zone
    if start < earliest:
        soonest = datetime.fromtimestamp(earliest, UTC).astimezone(zone)
        raise ValidationFailed(
            f"That time is too soon to book; the earliest is {soonest:%Y-%m-%d %H:%M} office time.", field="starts_at"
        )
    if start > latest:
        last_day = datetime.fromtimestamp(latest, UTC).astimezone(zone).date()
        raise ValidationFailed(
            f"Appointments can be booked up to {last_day.isoformat()}; choose an earlier date.", field="starts_at"
        )
    day = starts_at.astimezone(zone).date()
    window = OfficeWindow(office, need, day, day, now=now)
    if not window.can_serve():
        # No one here has the skill (or the language) at all: no time of this office is bookable for it.
        raise ValidationFailed("This office does not offer that service with these needs.", field="office")
    starts = window.slot_starts(day)
    if not starts:
        raise ValidationFailed(f"The office is closed on {day.isoformat()}; choose another day.", field="starts_at")
    if all(s != start for s, _ in starts):
        first = datetime.fromtimestamp(starts[0][0], UTC).astimezone(zone)
        last = datetime.fromtimestamp(starts[-1][0], UTC).astimezone(zone)
        raise ValidationFailed(
            f"Appointments that day start every {office.slot_minutes} minutes from {first:%H:%M} to {last:%H:%M} "
            "office time; choose one of those times.",
            field="starts_at",
        )
    return window


def booking_window_end(service: Service, office: Office, now: datetime | None = None) -> date:
    """The last local date on which this service can be booked now."""
    _, latest = _bounds(service, now or datetime.now(UTC))
    return datetime.fromtimestamp(latest, UTC).astimezone(office.zone).date()


def resources_for_slot(
    *,
    office: Office,
    need: Need,
    starts_at: datetime,
    now: datetime | None = None,
    ignore_appointment_id: int | None = None,
    window: OfficeWindow | None = None,
    for_waitlist: bool = False,
) -> list[int] | None:
    """The resources an exact slot would hold, or None if it is not open (off-grid, closed, taken).
    `for_waitlist`: a waitlist offer may take a freed time still kept from general booking (ADR 0036).

    `window` is the day's window `bookable_time_check` returned for the same office, need and time
    (its holds as loaded then); without one, the day is loaded here."""
    now = now or datetime.now(UTC)
    earliest, latest = _bounds(need.service, now)
    start = _ts(starts_at)
    if not earliest <= start <= latest:
        return None
    day = starts_at.astimezone(office.zone).date()
    if (
        window is None
        or window.start != day
        or window.ignore_appointment_id != ignore_appointment_id
        or window.for_waitlist != for_waitlist
    ):
        window = OfficeWindow(
            office, need, day, day, ignore_appointment_id=ignore_appointment_id, now=now, for_waitlist=for_waitlist
        )
    if not window.can_serve():
        return None
    for s, e in window.slot_starts(day):
        if s == start:
            return window.resources_for(day, s, e)
    return None
