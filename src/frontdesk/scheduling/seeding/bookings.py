"""The seed's booking load: each office's appointments, day by day and staff member by staff member, at
the requested share of staff time, written in batches by the bulk writer (`rows`)."""

import bisect
import itertools
import queue
import random
import threading
import time as clock
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction

from frontdesk.core.progress import SILENT, Progress, Task
from frontdesk.offices.calendar import federal_holiday, local_instant
from frontdesk.offices.models import Absence, Closure, Office, Resource, ResourceKind, Shift

from ..availability import BusyTimes
from ..codes import ALPHABET
from ..languages import SIGN_LANGUAGE
from ..models import Appointment, ContactSealer, Mode, Person, ResourceHold, Service, Status
from ..names import name_key
from .options import SeedOptions, SeedReport
from .rows import RowIds, RowWriter, sqlite_page_cache, tables_analyze
from .workforce import (
    FIRST_NAMES,
    LAST_NAMES,
    LOCAL_LANGUAGES,
    OTHER_LANGUAGES,
    RELATIONSHIPS,
    office_rng,
    resources_ensure,
    uuid_hex,
)

ABSENCE_RATE = 0.015  # share of staff-days on leave
# A resource as the load reads it: id, office_id, kind, skills, languages, remote.
ResourceRow = Mapping[str, Any]

# --- Shape of demand ---------------------------------------------------------------------------------

SERVICE_WEIGHTS = {
    "ssn_card_original_documents": 20,
    "new_benefit_application": 15,
    "direct_deposit_change": 14,
    "medicare_enrollment": 12,
    "ssi_redetermination": 12,
    "overpayment_discussion": 10,
    "representative_payee_interview": 6,
    "noncitizen_eligibility_review": 5,
}
IN_PERSON_SHARE = 0.55  # when a service is offered both ways
ASL_DEMAND = 0.02
SPOKEN_DEMAND = 0.10  # of which Spanish is most
CANCELLED_RATE = 0.03  # a free step that keeps a cancelled appointment's record
NO_SHOW_RATE = 0.08  # of appointments already past
COMPANION_RATE = 0.02
# Arrivals at in-person appointments already served: from 20 minutes early to 5 late, and a wait past the
# booked time that is usually short and sometimes long (lognormal: median 6 minutes, one in ten over 17).
ARRIVAL_EARLY_SECONDS = (-5 * 60, 20 * 60)
WAIT_MEDIAN_SECONDS = 6 * 60
WAIT_SPREAD = 0.8


@dataclass(frozen=True)
class _Service:
    id: int
    seconds: int
    modes: tuple[str, ...]
    weight: int


CODE_HALF = len(ALPHABET) ** 4
_halves: list[str] = []


def _code_text(number: int) -> str:
    if not _halves:
        _halves.extend(
            a + b + c + d for a in ALPHABET for b in ALPHABET for c in ALPHABET for d in ALPHABET
        )  # 390,625 four-letter halves, in number order
    return f"{_halves[number // CODE_HALF]}-{_halves[number % CODE_HALF]}"


def _code_number(text: str) -> int:
    raw = text.replace("-", "")
    number = 0
    for ch in raw:
        number = number * len(ALPHABET) + ALPHABET.index(ch)
    return number


_FIRST_KEYS = {n: name_key(n) for n in FIRST_NAMES}
_LAST_KEYS = {n: name_key(n) for n in LAST_NAMES}
_BIRTH_DATES = [
    date.fromordinal(n).isoformat() for n in range(date(1932, 1, 1).toordinal(), date(2008, 12, 31).toordinal())
]


class _Batch:
    """Rows for one write transaction."""

    def __init__(self, ids: RowIds) -> None:
        self.take = ids.take
        self.persons: list[tuple] = []
        self.appointments: list[tuple] = []
        self.holds: list[tuple] = []
        self.absences: list[Absence] = []
        self.offices = 0  # laid out in this batch, counted as done once it is written


class _OfficeLoad:
    """Lays out one office's appointments day by day, staff member by staff member.

    At each free step on a staff member's day an appointment starts with the probability that spreads
    the remaining target time evenly over the remaining steps, so each staff-day ends near the target
    fill; interpreters and windows are shared, so an appointment that needs one it cannot get falls
    back (to phone, or to English) or leaves the step free.
    """

    def __init__(self, loader: "_Loader", office: Office) -> None:
        self.loader, self.office = loader, office
        self.options = loader.options
        resources = loader.resources.get(office.id, [])
        existing = sum(len(loader.existing.get(r["id"], ())) for r in resources)
        # What is already held is part of the seed, so a rerun draws new people, codes and ids.
        self.rng = office_rng(self.options.seed, office, f"bookings:{self.options.start.isoformat()}:{existing}")
        # Arrivals draw from their own stream, so the bookings themselves are the same with or without them.
        self.arrivals = office_rng(self.options.seed, office, f"arrivals:{self.options.start.isoformat()}:{existing}")
        self.zone = ZoneInfo(office.timezone)
        self.step = office.slot_minutes * 60
        self.hours = {h.weekday: (h.opens, h.closes) for h in office.hours.all()}
        self.staff = [r for r in resources if r["kind"] == ResourceKind.STAFF]
        self.rooms = [r["id"] for r in resources if r["kind"] == ResourceKind.ROOM]
        self.interpreters: dict[str, list[ResourceRow]] = defaultdict(list)
        for r in resources:
            if r["kind"] == ResourceKind.INTERPRETER:
                for language in r["languages"]:
                    self.interpreters[language].append(r)
        self.busy = {r["id"]: BusyTimes.of(loader.existing.get(r["id"], ())) for r in resources}
        self.other_languages = LOCAL_LANGUAGES.get(office.state, OTHER_LANGUAGES)
        self.area_code = office.phone[:3] if len(office.phone) == 10 else "202"
        self.menus = {}
        for r in self.staff:
            services = [s for skill in r["skills"] for s in loader.services_by_skill.get(skill, ())]
            if services:
                cumulative = list(itertools.accumulate(s.weight for s in services))
                mean = sum(s.seconds * s.weight for s in services) / cumulative[-1]
                self.menus[r["id"]] = (services, cumulative, mean, min(s.seconds for s in services))

    def _instant(self, day: date, wall: time) -> int | None:
        moment = local_instant(day, wall, self.zone)
        return int(moment.timestamp()) if moment is not None else None

    def run(self, batch: _Batch) -> None:
        day = self.options.start
        for _ in range(self.options.days):
            if day.weekday() in self.hours and not self.loader.closed(self.office, day):
                self._day(batch, day)
            day += timedelta(days=1)

    def _day(self, batch: _Batch, day: date) -> None:
        opens, closes = self.hours[day.weekday()]
        open_at, close_at = self._instant(day, opens), self._instant(day, closes)
        wall_seconds = (datetime.combine(day, closes) - datetime.combine(day, opens)).seconds
        if open_at is None or close_at is None or close_at - open_at != wall_seconds:
            return  # a clock change inside opening hours: no office opens at 2 a.m., so never in practice
        staff = list(self.staff)
        self.rng.shuffle(staff)  # windows and interpreters go to a different first comer each day
        for member in staff:
            menu = self.menus.get(member["id"])
            segments = self._segments(member, day, open_at, close_at)
            if not menu or not segments:
                continue
            busy = self.busy[member["id"]]
            if not any(busy.within(a, b) for a, b in segments) and self.rng.random() < ABSENCE_RATE:
                batch.absences.append(
                    Absence(
                        resource_id=member["id"],
                        starts_at=datetime.fromtimestamp(open_at, UTC),
                        ends_at=datetime.fromtimestamp(close_at, UTC),
                        reason="Annual leave",
                    )
                )
                continue
            for start, end in segments:
                first = open_at + -(-(start - open_at) // self.step) * self.step  # up to the office's grid
                self._segment(batch, member, menu, busy, first, end, start)

    def _segments(self, member: ResourceRow, day: date, open_at: int, close_at: int) -> list[tuple[int, int]]:
        shifts = self.loader.shifts.get(member["id"])
        if not shifts:
            return [(open_at, close_at)]
        segments = []
        for starts, ends in shifts.get(day.weekday(), ()):
            s, e = self._instant(day, starts), self._instant(day, ends)
            if s is not None and e is not None and max(s, open_at) < min(e, close_at):
                segments.append((max(s, open_at), min(e, close_at)))
        return segments

    def _segment(
        self, batch: _Batch, member: ResourceRow, menu: tuple, busy: BusyTimes, t: int, end: int, start: int
    ) -> None:
        """Book one stretch of a staff member's working day, from t (on the office grid) to its end."""
        services, cumulative, mean, shortest = menu

        def pick() -> _Service:
            return services[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]

        rng, step, loader = self.rng, self.step, self.loader
        existing = busy.within(start, end)
        loader.report.staff_seconds += end - start
        loader.report.held_staff_seconds += existing
        if existing:
            return  # booked by an earlier run (or by people): a rerun leaves the day as it is
        remaining = self.options.fill * (end - start)
        while t + step <= end:
            left = end - t
            if remaining <= 0:
                place = False
            elif left <= remaining:
                place = True
            else:
                # As many appointments as still wanted against as many free steps as still wanted.
                wanted = remaining / mean
                place = rng.random() * (wanted + (left - remaining) / step) < wanted
            if place:
                service = pick()
                if service.seconds > left:
                    service = next(s for s in services if s.seconds == shortest)
                if service.seconds <= left and self._book(batch, member, service, t):
                    loader.report.held_staff_seconds += service.seconds
                    remaining -= service.seconds
                    t += -(-service.seconds // step) * step
                    continue
            elif rng.random() < CANCELLED_RATE and (service := pick()).seconds <= left:
                self._emit(batch, service, service.modes[0], t, "", [member["id"]], cancelled=True)
            t += step

    def _book(self, batch: _Batch, member: ResourceRow, service: _Service, t: int) -> bool:
        rng = self.rng
        end = t + service.seconds
        held = [member["id"]]
        mode = service.modes[0]
        if len(service.modes) > 1:
            mode = Mode.IN_PERSON if rng.random() < IN_PERSON_SHARE else Mode.PHONE
        if mode == Mode.IN_PERSON and self.rooms:
            room = next((r for r in self.rooms if self.busy[r].is_free(t, end)), None)
            if room is None:
                if Mode.PHONE not in service.modes:
                    return False
                mode = Mode.PHONE
            else:
                held.append(room)
        language = ""
        draw = rng.random()
        if draw < ASL_DEMAND:
            language = SIGN_LANGUAGE
        elif draw < ASL_DEMAND + SPOKEN_DEMAND:
            language = "es" if rng.random() < 0.7 else rng.choice(self.other_languages)
        if language and (language == SIGN_LANGUAGE or language not in member["languages"]):
            interpreter = next(
                (
                    r["id"]
                    for r in self.interpreters.get(language, ())
                    if (mode == Mode.IN_PERSON or r["remote"])
                    and self.busy[r["id"]].is_free(t, end)
                    and self._works(r, t, end)
                ),
                None,
            )
            if interpreter is None:
                language = ""  # no interpreter free: this caller took an English appointment
            else:
                held.append(interpreter)
        for rid in held[1:]:
            self.busy[rid].add(t, end)
        self._emit(batch, service, mode, t, language, held)
        return True

    def _works(self, resource: ResourceRow, start: int, end: int) -> bool:
        shifts = self.loader.shifts.get(resource["id"])
        if not shifts:
            return True
        day = datetime.fromtimestamp(start, self.zone).date()
        for starts, ends in shifts.get(day.weekday(), ()):
            s, e = self._instant(day, starts), self._instant(day, ends)
            if s is not None and e is not None and s <= start and end <= e:
                return True
        return False

    def _person(self, batch: _Batch, language: str, created: str) -> int:
        # random() and indexing instead of choice()/randint(): this runs millions of times
        rnd = self.rng.random
        first, last = FIRST_NAMES[int(rnd() * len(FIRST_NAMES))], LAST_NAMES[int(rnd() * len(LAST_NAMES))]
        email = f"{_FIRST_KEYS[first]}.{_LAST_KEYS[last]}{10 + int(rnd() * 990)}@example.org" if rnd() < 0.7 else ""
        person_id = batch.take(Person)
        batch.persons.append(
            (
                person_id,
                uuid_hex(self.rng),
                first,
                last,
                _LAST_KEYS[last],
                _BIRTH_DATES[int(rnd() * len(_BIRTH_DATES))],
                "",
                *self.loader.contacts.columns(
                    email=email,
                    phone=f"{self.area_code}5550{100 + int(rnd() * 100)}",  # 555-01xx: reserved for fiction
                ),
                language if language in ("es", "en") else ("es" if rnd() < 0.1 else "en"),
                created,
            )
        )
        return person_id

    def _emit(
        self,
        batch: _Batch,
        service: _Service,
        mode: str,
        t: int,
        language: str,
        held: list[int],
        *,
        cancelled: bool = False,
    ) -> None:
        rng, loader = self.rng, self.loader
        instant = loader.writer.instant
        end = t + service.seconds
        created_at = min(t - (1 + int(rng.random() * 45)) * 86400, loader.now)
        created = instant(created_at)
        person = self._person(batch, language, created)
        companion, relationship = None, ""
        if rng.random() < COMPANION_RATE:
            companion, relationship = self._person(batch, "", created), rng.choice(RELATIONSHIPS)
        status, completed, cancelled_at, active, checked_in = Status.BOOKED, None, None, True, None
        if cancelled:
            status, cancelled_at, active = Status.CANCELLED, created, False
        elif end <= loader.now:
            active = False  # the day is over: holds were released when it completed
            if rng.random() < NO_SHOW_RATE:
                status = Status.NO_SHOW
            elif mode == Mode.IN_PERSON:
                # Whole minutes: the writer keeps each instant's text, and minutes keep that cache small.
                arrived = t - 60 * round(self.arrivals.uniform(*ARRIVAL_EARLY_SECONDS) / 60)
                waited = 60 * round(self.arrivals.lognormvariate(0, WAIT_SPREAD) * WAIT_MEDIAN_SECONDS / 60)
                checked_in = instant(arrived)
                status, completed = Status.COMPLETED, instant(min(end + waited, loader.now))
            else:
                status, completed = Status.COMPLETED, instant(end)
        appointment_id = batch.take(Appointment)
        batch.appointments.append(
            (
                appointment_id,
                uuid_hex(rng),
                loader.code(rng),
                person,
                companion,
                relationship,
                self.office.id,
                service.id,
                mode,
                instant(t),
                instant(end),
                status,
                language,
                created,
                created,
                completed,
                cancelled_at,
                0,
                checked_in,
            )
        )
        for rid in held:
            batch.holds.append((batch.take(ResourceHold), appointment_id, rid, instant(t), instant(end), active))


class _Loader:
    def __init__(self, offices: list[Office], options: SeedOptions, report: SeedReport, progress: Task) -> None:
        self.offices, self.options, self.report, self.progress = offices, options, report, progress
        self.writer = RowWriter()
        self.contacts = ContactSealer()
        self.now = int((options.now or datetime.now(UTC)).timestamp())
        self.codes = {_code_number(c) for c in Appointment.objects.values_list("code", flat=True).iterator()}
        services = {s.code: s for s in Service.objects.filter(active=True)}
        self.services_by_skill: dict[str, list[_Service]] = defaultdict(list)
        for code, s in sorted(services.items()):
            self.services_by_skill[s.required_skill].append(
                _Service(s.id, s.duration_minutes * 60, tuple(s.modes), SERVICE_WEIGHTS.get(code, 5))
            )
        office_ids = [o.id for o in offices]
        self.resources: dict[int, list[ResourceRow]] = defaultdict(list)
        for r in (
            Resource.objects.filter(office_id__in=office_ids, active=True)
            .order_by("id")
            .values("id", "office_id", "kind", "skills", "languages", "remote")
        ):
            self.resources[r["office_id"]].append(r)
        self.shifts: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
        for rid, weekday, starts, ends in Shift.objects.filter(resource__office_id__in=office_ids).values_list(
            "resource_id", "weekday", "starts", "ends"
        ):
            self.shifts[rid][weekday].append((starts, ends))
        last = options.start + timedelta(days=options.days)
        self.closures = set(
            Closure.objects.filter(date__gte=options.start, date__lt=last).values_list("office_id", "date")
        )
        self.existing: dict[int, list[tuple[int, int]]] = {}

    def closed(self, office: Office, day: date) -> bool:
        return bool(federal_holiday(day)) or (None, day) in self.closures or (office.id, day) in self.closures

    def code(self, rng: random.Random) -> str:
        number = int(rng.random() * CODE_HALF * CODE_HALF)
        while number in self.codes:
            number = int(rng.random() * CODE_HALF * CODE_HALF)
        self.codes.add(number)
        return _code_text(number)

    def _load_existing(self, offices: list[Office]) -> None:
        """Active holds and absences already in the window, so a rerun books around them."""
        first = datetime.combine(self.options.start - timedelta(days=1), time(), UTC)
        last = datetime.combine(self.options.start + timedelta(days=self.options.days + 1), time(), UTC)
        self.existing = defaultdict(list)
        ids = [r["id"] for o in offices for r in self.resources.get(o.id, ())]
        for chunk in range(0, len(ids), 5000):
            part = ids[chunk : chunk + 5000]
            # Served appointments released their holds, but their time is still spent.
            served = models.Q(active=True) | models.Q(appointment__status__in=(Status.COMPLETED, Status.NO_SHOW))
            holds = ResourceHold.objects.filter(served, resource_id__in=part, starts_at__lt=last, ends_at__gt=first)
            absences = Absence.objects.filter(resource_id__in=part, starts_at__lt=last, ends_at__gt=first)
            for rows in (holds, absences):
                for rid, s, e in rows.values_list("resource_id", "starts_at", "ends_at"):
                    self.existing[rid].append((int(s.timestamp()), int(e.timestamp())))

    def run(self) -> None:
        """Lay out office after office; write each full batch in its own transaction.

        Outside a transaction a second thread (with its own connection) writes one batch while this
        one lays out the next: on two cores the database works while Python generates. Inside a
        caller's transaction (tests) everything is written on the caller's connection.
        """
        if connection.in_atomic_block or connection.vendor == "sqlite":
            # SQLite's inserts hold the GIL while binding, so a second thread would only contend.
            with sqlite_page_cache():
                for batch in self._batches():
                    with transaction.atomic():
                        self._write(batch)
            return
        batches: queue.Queue = queue.Queue(maxsize=2)
        failure: list[BaseException] = []

        def write_all() -> None:
            try:
                while (batch := batches.get()) is not None:
                    if not failure:
                        with transaction.atomic():
                            self._write(batch)
            except BaseException as exc:
                failure.append(exc)
                while batches.get() is not None:
                    pass  # keep draining so the producer never blocks on a dead writer
            finally:
                connection.close()

        writer = threading.Thread(target=write_all, name="seed-writer")
        writer.start()
        try:
            for batch in self._batches():
                if failure:
                    break
                batches.put(batch)
        finally:
            batches.put(None)
            writer.join()
        if failure:
            raise failure[0]

    def _batches(self) -> Iterator[_Batch]:
        ids = RowIds()
        batch = _Batch(ids)
        for office in self.offices:
            started = clock.perf_counter()
            self._load_existing([office])
            _OfficeLoad(self, office).run(batch)
            self.report.phases["generate"] = self.report.phases.get("generate", 0.0) + clock.perf_counter() - started
            batch.offices += 1
            if len(batch.appointments) >= self.options.batch_size:
                yield batch
                batch = _Batch(ids)
        yield batch

    def _write(self, batch: _Batch) -> None:
        started = clock.perf_counter()
        writer = self.writer
        writer.write(Person, batch.persons)
        writer.write(Appointment, batch.appointments)
        # Newest first per resource: each row's overlap check then meets no earlier row to step over.
        batch.holds.sort(key=lambda h: (h[2], h[3]), reverse=True)
        writer.write(ResourceHold, batch.holds)
        Absence.objects.bulk_create(batch.absences, batch_size=2000)
        self.report.persons += len(batch.persons)
        self.report.appointments += len(batch.appointments)
        self.report.holds += len(batch.holds)
        self.report.absences += len(batch.absences)
        self.report.phases["write"] = self.report.phases.get("write", 0.0) + clock.perf_counter() - started
        # Counted when written, not when laid out: on PostgreSQL the writer runs up to three batches
        # behind, and a bar that reached the end minutes early would misstate the time left.
        self.progress.advance(batch.offices)


def seed_offices(offices: Iterable[Office], options: SeedOptions, *, progress: Progress = SILENT) -> SeedReport:
    """Staff every office that has no resources yet, then book `fill` of their time over the window.

    Rerunning books around what is already held, so it adds little once the target is reached.
    `progress` counts offices as their batch is written.
    """
    if not 0 <= options.fill <= 1:
        raise ValueError("fill is a share of staff time between 0 and 1")
    report = SeedReport()
    started = clock.perf_counter()
    offices = list(offices)
    report.offices = len(offices)
    report.resources = resources_ensure(offices, seed=options.seed, rooms_share=options.rooms_share)
    report.phases["resources"] = clock.perf_counter() - started
    offices = list(Office.objects.filter(id__in=[o.id for o in offices]).prefetch_related("hours").order_by("code"))
    with progress.task("seed", total=len(offices), unit="offices") as task:
        _Loader(offices, options, report, task).run()
    tables_analyze()
    report.seconds = clock.perf_counter() - started
    report.phases["bookings"] = report.seconds - report.phases["resources"]
    return report
