"""A realistic national dataset, built fast: staff, interpreters, rooms and a booking load.

`frontdesk seed` uses it for the benchmarks (every office, 60 days, about 70% of staff time booked:
several million appointments); `frontdesk demo` for a light load. It is a bulk load of history, not
bookings made by people, so rows go straight into the tables (COPY on PostgreSQL, executemany on
SQLite) and no ledger events are written (docs/adr/0004-seed-and-benchmarks.md). The database still
refuses overlapping holds while loading: holds are written newest first per resource, which keeps
SQLite's overlap trigger to one index probe per row, and PostgreSQL checks its exclusion constraint.

Every random choice comes from a `random.Random` seeded with the run's seed and the office code, so
the same seed, start date and offices give the same rows, whichever other offices are loaded.
"""

import bisect
import itertools
import queue
import random
import threading
import time as clock
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction

from frontdesk.core.progress import SILENT, Progress, Task
from frontdesk.offices.calendar import federal_holiday, local_instant
from frontdesk.offices.models import Absence, Closure, Office, Resource, ResourceKind, Shift

from .catalog import SKILLS
from .codes import ALPHABET
from .languages import SIGN_LANGUAGE
from .models import Appointment, Mode, Person, ResourceHold, Service, Status
from .names import name_key

# --- Shape of the workforce -------------------------------------------------------------------------

STAFF_MIN, STAFF_MAX = 8, 20
# Position descriptions: which services each kind of employee performs (catalog skill codes).
POSITIONS: tuple[tuple[str, ...], ...] = (
    ("claims", "rep_payee", "post_entitlement"),  # claims specialist
    ("ssi", "post_entitlement", "rep_payee"),  # SSI claims specialist
    ("enumeration", "post_entitlement"),  # customer service representative
    tuple(SKILLS),  # technical expert: everything
)
PART_TIME_SHARE = 0.15
ABSENCE_RATE = 0.015  # share of staff-days on leave
ASL_OFFICE_SHARE = 0.45
ASL_REMOTE_SHARE = 0.4
SPOKEN_REMOTE_SHARE = 0.5
SPANISH_BY_STATE = {"PR": 0.95, "TX": 0.45, "CA": 0.45, "NM": 0.45, "AZ": 0.4, "FL": 0.4, "NV": 0.35}
SPANISH_ELSEWHERE = 0.12
OTHER_LANGUAGES = ("zh", "vi", "ko", "tl", "ru", "ar", "ht", "fr", "pt", "pl", "so", "hmn")
LOCAL_LANGUAGES = {"GU": ("ch", "tl"), "AS": ("sm",), "MP": ("ch", "tl"), "HI": ("tl", "sm"), "MN": ("hmn", "so")}

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


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split(","))


# Names people really have, with accents, hyphens, apostrophes and spaces (name_key must cope).
FIRST_NAMES = _words(
    "James,Mary,Robert,Patricia,John,Jennifer,Michael,Linda,David,Elizabeth,William,Barbara,Richard,"
    "Susan,Joseph,Jessica,Thomas,Sarah,Charles,Karen,Daniel,Nancy,Matthew,Lisa,Anthony,Betty,Mark,"
    "Margaret,Donald,Sandra,Steven,Ashley,Paul,Dorothy,Andrew,Kimberly,Joshua,Emily,Kenneth,Donna,Kevin,"
    "Michelle,Brian,Carol,George,Amanda,Timothy,Melissa,Ronald,Deborah,José,María,Luis,Carmen,Jesús,Rosa,"
    "Juan,Ana,Ángel,Lucía,Mei,Wei,Minh,Linh,Jae-won,Ji-woo,Olga,Dmitri,Fatima,Omar,Jean-Baptiste,"
    "Marie-Claude,Siaosi,Malia,Tupe,Hana,Noa,Keanu,Leilani,Zoë,Renée,Chloé,Amara,Kwame,Nia"
)
LAST_NAMES = _words(
    "Smith,Johnson,Williams,Brown,Jones,Garcia,Miller,Davis,Rodriguez,Martinez,Hernandez,Lopez,Gonzalez,"
    "Wilson,Anderson,Thomas,Taylor,Moore,Jackson,Martin,Lee,Perez,Thompson,White,Harris,Sanchez,Clark,"
    "Ramirez,Lewis,Robinson,Walker,Young,Allen,King,Wright,Scott,Torres,Nguyen,Hill,Flores,Green,Adams,"
    "Nelson,Baker,Hall,Rivera,Campbell,Mitchell,Carter,Roberts,O'Brien,O'Connor,McDonald,García-López,"
    "Muñoz,Peña,Ibáñez,Nguyễn,Trần,Phạm,Kim,Park,Choi,Wang,Li,Zhang,Chen,Ivanov,Kowalski,Al-Sayed,Haddad,"
    "Jean-Louis,Pierre,Tuiasosopo,Fa'asavalu,Cruz,Santos,Reyes,Okafor,Mensah,Abdi,Vang,Xiong,Yang,Begay,"
    "Yazzie,Tsosie,De la Cruz,St. John,Van der Berg"
)
RELATIONSHIPS = ("parent", "guardian", "representative_payee", "authorized_representative", "family")


@dataclass(frozen=True)
class SeedOptions:
    start: date
    days: int = 60
    fill: float = 0.7
    seed: int = 1
    rooms_share: float = 0.2
    batch_size: int = 50_000  # appointments per write transaction
    now: datetime | None = None


@dataclass
class SeedReport:
    offices: int = 0
    resources: int = 0
    absences: int = 0
    persons: int = 0
    appointments: int = 0
    holds: int = 0
    staff_seconds: int = 0
    held_staff_seconds: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.resources + self.absences + self.persons + self.appointments + self.holds

    @property
    def fill(self) -> float:
        return self.held_staff_seconds / self.staff_seconds if self.staff_seconds else 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict:
        return {
            "offices": self.offices,
            "resources": self.resources,
            "absences": self.absences,
            "persons": self.persons,
            "appointments": self.appointments,
            "holds": self.holds,
            "rows": self.rows,
            "fill": round(self.fill, 4),
            "seconds": round(self.seconds, 2),
            "rows_per_second": round(self.rows_per_second),
            "phases": {k: round(v, 2) for k, v in self.phases.items()},
        }


def _rng(seed: int, office: Office, purpose: str) -> random.Random:
    # A string seed is hashed with SHA-512 by `random`, so it is stable across processes and runs.
    return random.Random(f"{seed}:{office.code}:{purpose}")


def _uuid_hex(rng: random.Random) -> str:
    value = rng.getrandbits(128)
    value = (value & ~(0xF000 << 64)) | (0x4000 << 64)  # version 4
    value = (value & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant
    return f"{value:032x}"


# --- Resources ---------------------------------------------------------------------------------------


def _staff_languages(office: Office, rng: random.Random) -> list[str]:
    languages = ["en"]
    if rng.random() < SPANISH_BY_STATE.get(office.state, SPANISH_ELSEWHERE):
        languages.append("es")
    if rng.random() < 0.05:
        languages.append(rng.choice(LOCAL_LANGUAGES.get(office.state, OTHER_LANGUAGES)))
    return languages


def _add_hours(t: time, hours: float) -> time:
    return (datetime.combine(date(2000, 1, 3), t) + timedelta(hours=hours)).time()


def _part_time_shifts(hours: dict[int, tuple[time, time]], rng: random.Random) -> list[tuple[int, time, time]]:
    pattern = rng.choice(("mornings", "afternoons", "four_days"))
    off_day = rng.choice(sorted(hours)) if hours else 0
    shifts = []
    for weekday, (opens, closes) in sorted(hours.items()):
        if pattern == "mornings":
            shifts.append((weekday, opens, min(closes, _add_hours(opens, 4))))
        elif pattern == "afternoons":
            shifts.append((weekday, max(opens, _add_hours(closes, -4)), closes))
        elif weekday != off_day:
            shifts.append((weekday, opens, closes))
    return [s for s in shifts if s[1] < s[2]]


def _office_resources(office: Office, rng: random.Random, rooms_share: float) -> list[tuple[Resource, list]]:
    """An office's staff, interpreters and (at some offices) windows, each with its weekly shifts."""
    hours = {h.weekday: (h.opens, h.closes) for h in office.hours.all()}
    planned: list[tuple[Resource, list]] = []

    def add(kind: str, name: str, shifts=(), **fields) -> None:
        resource = Resource(office=office, kind=kind, name=name, public_id=_uuid_hex(rng), **fields)
        planned.append((resource, list(shifts)))

    staff_count = rng.randint(STAFF_MIN, STAFF_MAX)
    for n in range(staff_count):
        # The first few cover every position, so every service has someone at every office.
        skills = POSITIONS[n] if n < len(POSITIONS) else rng.choice(POSITIONS)
        part_time = n >= len(POSITIONS) and rng.random() < PART_TIME_SHARE
        add(
            ResourceKind.STAFF,
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)[0]}.",
            shifts=_part_time_shifts(hours, rng) if part_time else (),
            skills=[s for s in skills if s in SKILLS],
            languages=_staff_languages(office, rng),
        )
    if rng.random() < ASL_OFFICE_SHARE:
        remote = rng.random() < ASL_REMOTE_SHARE
        # An on-site ASL interpreter comes two or three days a week; video interpreters cover all hours.
        days = sorted(rng.sample(sorted(hours), k=min(len(hours), rng.choice((2, 3))))) if not remote else []
        add(
            ResourceKind.INTERPRETER,
            f"ASL interpreter {'(video)' if remote else ''}".strip(),
            shifts=[(d, *hours[d]) for d in days],
            languages=[SIGN_LANGUAGE],
            remote=remote,
        )
    spoken = ["es", *LOCAL_LANGUAGES.get(office.state, rng.sample(OTHER_LANGUAGES, 2))]
    for language in spoken[: rng.randint(0, 2)]:
        remote = rng.random() < SPOKEN_REMOTE_SHARE
        add(ResourceKind.INTERPRETER, f"{language} interpreter", languages=[language], remote=remote)
    if rng.random() < rooms_share:
        for n in range(max(3, round(staff_count * 0.6))):
            add(ResourceKind.ROOM, f"Window {n + 1}")
    return planned


def resources_ensure(offices: Iterable[Office], *, seed: int = 1, rooms_share: float = 0.2) -> int:
    """Give every office that has no resources yet its staff, interpreters and windows. Idempotent."""
    offices = list(offices)
    staffed = set(Resource.objects.filter(office__in=offices).values_list("office_id", flat=True).distinct())
    planned: list[tuple[Resource, list]] = []
    for office in offices:
        if office.id not in staffed:
            planned += _office_resources(office, _rng(seed, office, "resources"), rooms_share)
    with transaction.atomic():
        Resource.objects.bulk_create([r for r, _ in planned], batch_size=2000)
        Shift.objects.bulk_create(
            [Shift(resource=r, weekday=d, starts=s, ends=e) for r, shifts in planned for d, s, e in shifts],
            batch_size=2000,
        )
    return len(planned)


# --- Fast row writing ---------------------------------------------------------------------------------


def _columns(model: type[models.Model], names: Sequence[str]) -> list[str]:
    """Column names for the given fields, refusing to run if a required column would be left out."""
    wanted = set(names)
    for f in model._meta.concrete_fields:
        required = not f.null and f.db_default is models.NOT_PROVIDED
        if f.name not in wanted and required:
            raise RuntimeError(f"seeding writes no value for required column {model.__name__}.{f.name}")
    return [model._meta.get_field(n).column for n in names]


PERSON_FIELDS = (
    "id",
    "public_id",
    "first_name",
    "last_name",
    "last_name_key",
    "date_of_birth",
    "ssn_encrypted",
    "email",
    "phone",
    "preferred_language",
    "created_at",
)
APPOINTMENT_FIELDS = (
    "id",
    "public_id",
    "code",
    "person",
    "companion",
    "companion_relationship",
    "office",
    "service",
    "mode",
    "starts_at",
    "ends_at",
    "status",
    "interpreter_language",
    "created_at",
    "updated_at",
    "completed_at",
    "cancelled_at",
    "reschedule_count",
)
HOLD_FIELDS = ("id", "appointment", "resource", "starts_at", "ends_at", "active")
TABLES = ((Person, PERSON_FIELDS), (Appointment, APPOINTMENT_FIELDS), (ResourceHold, HOLD_FIELDS))


class _Writer:
    """Appends rows with explicit ids: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        if self.vendor not in ("postgresql", "sqlite"):
            raise RuntimeError(f"seeding supports PostgreSQL and SQLite, not {self.vendor}")
        self.columns = {model: _columns(model, names) for model, names in TABLES}
        self._instants: dict[int, str] = {}

    def instant(self, epoch: int) -> str:
        text = self._instants.get(epoch)
        if text is None:
            text = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")
            if self.vendor == "postgresql":
                text += "+00"
            self._instants[epoch] = text
        return text

    def write(self, model: type[models.Model], rows: list[tuple]) -> None:
        """Insert rows on this thread's connection, inside the caller's transaction."""
        if not rows:
            return
        table, columns = model._meta.db_table, ", ".join(self.columns[model])
        if self.vendor == "postgresql":
            with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            connection.ensure_connection()
            marks = ", ".join("?" * len(self.columns[model]))
            connection.connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


class _Ids:
    """Ids for new rows, handed out before the rows are written (they reference one another).

    PostgreSQL: drawn from each table's own sequence in blocks, so a booking made during the load can
    never take one. SQLite has one writer at a time and no sequences: ids continue from MAX(id).
    """

    BLOCK = 20_000

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.free: dict[type[models.Model], list[int]] = {}
        self.next: dict[type[models.Model], int] = {}
        with connection.cursor() as cursor:
            for model, _ in TABLES:
                if self.vendor == "postgresql":
                    self.free[model] = []
                else:
                    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {model._meta.db_table}")  # noqa: S608
                    self.next[model] = cursor.fetchone()[0] + 1

    def take(self, model: type[models.Model]) -> int:
        if self.vendor == "postgresql":
            free = self.free[model]
            if not free:
                with connection.cursor() as cursor:
                    table = model._meta.db_table
                    cursor.execute(
                        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                        [table, self.BLOCK],
                    )
                    free.extend(row[0] for row in reversed(cursor.fetchall()))
            return free.pop()
        value = self.next[model]
        self.next[model] = value + 1
        return value


# --- The booking load -----------------------------------------------------------------------------


class _Busy:
    """One resource's busy intervals (epoch seconds), sorted and disjoint."""

    __slots__ = ("ends", "starts")

    def __init__(self, intervals: Iterable[tuple[int, int]] = ()) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        for start, end in sorted(intervals):
            if self.ends and start <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def free(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self.starts, start) - 1
        if i >= 0 and self.ends[i] > start:
            return False
        return i + 1 >= len(self.starts) or self.starts[i + 1] >= end

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_right(self.starts, start)
        self.starts.insert(i, start)
        self.ends.insert(i, end)

    def within(self, start: int, end: int) -> int:
        """Seconds of [start, end) that are busy."""
        i = max(bisect.bisect_right(self.starts, start) - 1, 0)
        total = 0
        while i < len(self.starts) and self.starts[i] < end:
            total += max(0, min(end, self.ends[i]) - max(start, self.starts[i]))
            i += 1
        return total


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

    def __init__(self, ids: _Ids) -> None:
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
        self.rng = _rng(self.options.seed, office, f"bookings:{self.options.start.isoformat()}:{existing}")
        self.zone = ZoneInfo(office.timezone)
        self.step = office.slot_minutes * 60
        self.hours = {h.weekday: (h.opens, h.closes) for h in office.hours.all()}
        self.staff = [r for r in resources if r["kind"] == ResourceKind.STAFF]
        self.rooms = [r["id"] for r in resources if r["kind"] == ResourceKind.ROOM]
        self.interpreters: dict[str, list[dict]] = defaultdict(list)
        for r in resources:
            if r["kind"] == ResourceKind.INTERPRETER:
                for language in r["languages"]:
                    self.interpreters[language].append(r)
        self.busy = {r["id"]: _Busy(loader.existing.get(r["id"], ())) for r in resources}
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

    def _segments(self, member: dict, day: date, open_at: int, close_at: int) -> list[tuple[int, int]]:
        shifts = self.loader.shifts.get(member["id"])
        if not shifts:
            return [(open_at, close_at)]
        segments = []
        for starts, ends in shifts.get(day.weekday(), ()):
            s, e = self._instant(day, starts), self._instant(day, ends)
            if s is not None and e is not None and max(s, open_at) < min(e, close_at):
                segments.append((max(s, open_at), min(e, close_at)))
        return segments

    def _segment(self, batch: _Batch, member: dict, menu: tuple, busy: _Busy, t: int, end: int, start: int) -> None:
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

    def _book(self, batch: _Batch, member: dict, service: _Service, t: int) -> bool:
        rng = self.rng
        end = t + service.seconds
        held = [member["id"]]
        mode = service.modes[0]
        if len(service.modes) > 1:
            mode = Mode.IN_PERSON if rng.random() < IN_PERSON_SHARE else Mode.PHONE
        if mode == Mode.IN_PERSON and self.rooms:
            room = next((r for r in self.rooms if self.busy[r].free(t, end)), None)
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
                    and self.busy[r["id"]].free(t, end)
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

    def _works(self, resource: dict, start: int, end: int) -> bool:
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
                _uuid_hex(self.rng),
                first,
                last,
                _LAST_KEYS[last],
                _BIRTH_DATES[int(rnd() * len(_BIRTH_DATES))],
                "",
                email,
                f"{self.area_code}5550{100 + int(rnd() * 100)}",  # 555-01xx: reserved for fiction
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
        status, completed, cancelled_at, active = Status.BOOKED, None, None, True
        if cancelled:
            status, cancelled_at, active = Status.CANCELLED, created, False
        elif end <= loader.now:
            active = False  # the day is over: holds were released when it completed
            if rng.random() < NO_SHOW_RATE:
                status = Status.NO_SHOW
            else:
                status, completed = Status.COMPLETED, instant(end)
        appointment_id = batch.take(Appointment)
        batch.appointments.append(
            (
                appointment_id,
                _uuid_hex(rng),
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
            )
        )
        for rid in held:
            batch.holds.append((batch.take(ResourceHold), appointment_id, rid, instant(t), instant(end), active))


@contextmanager
def _sqlite_page_cache(mebibytes: int = 512) -> Iterator[None]:
    """A large page cache while loading: the random keys of unique indexes (codes, UUIDs) touch pages
    all over each index, and SQLite's default cache is 2 MiB."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size=-{mebibytes * 1024}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size={int(previous)}")


class _Loader:
    def __init__(self, offices: list[Office], options: SeedOptions, report: SeedReport, progress: Task) -> None:
        self.offices, self.options, self.report, self.progress = offices, options, report, progress
        self.writer = _Writer()
        self.now = int((options.now or datetime.now(UTC)).timestamp())
        self.codes = {_code_number(c) for c in Appointment.objects.values_list("code", flat=True).iterator()}
        services = {s.code: s for s in Service.objects.filter(active=True)}
        self.services_by_skill: dict[str, list[_Service]] = defaultdict(list)
        for code, s in sorted(services.items()):
            self.services_by_skill[s.required_skill].append(
                _Service(s.id, s.duration_minutes * 60, tuple(s.modes), SERVICE_WEIGHTS.get(code, 5))
            )
        office_ids = [o.id for o in offices]
        self.resources: dict[int, list[dict]] = defaultdict(list)
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
            with _sqlite_page_cache():
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
        ids = _Ids()
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
    _analyze()
    report.seconds = clock.perf_counter() - started
    report.phases["bookings"] = report.seconds - report.phases["resources"]
    return report


def _analyze() -> None:
    """Refresh PostgreSQL's planner statistics after a bulk load, as its manual advises: until
    autovacuum gets to it, the planner sees the tables as they were and picks parallel scans (with JIT)
    for what is a one-office index lookup. SQLite keeps no statistics unless asked; none are made."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    tables = [model._meta.db_table for model, _ in TABLES] + [Resource._meta.db_table, Shift._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join([*tables, Absence._meta.db_table])}")


def overlapping_holds() -> int:
    """How many active holds start before an earlier active hold of the same resource has ended.

    One query over the whole table (window functions, SQLite 3.25+ and PostgreSQL): zero means no
    resource is held twice at any moment.
    """
    table = ResourceHold._meta.db_table
    query = f"""
        SELECT COUNT(*) FROM (
            SELECT starts_at, MAX(ends_at) OVER (
                PARTITION BY resource_id ORDER BY starts_at, id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
            ) AS held_until
            FROM {table} WHERE active
        ) AS ordered WHERE held_until > starts_at
    """  # noqa: S608 (table name from the model)
    with connection.cursor() as cursor:
        cursor.execute(query)
        return cursor.fetchone()[0]
