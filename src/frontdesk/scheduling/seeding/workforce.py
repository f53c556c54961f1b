"""The seed's workforce: every office's staff, interpreters and windows, with their weekly shifts, and the
names and random draws the booking load shares with it."""

import random
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction

from frontdesk.offices.models import Office, Resource, ResourceKind, Shift

from ..catalog import SKILLS
from ..languages import SIGN_LANGUAGE

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
ASL_OFFICE_SHARE = 0.45
ASL_REMOTE_SHARE = 0.4
SPOKEN_REMOTE_SHARE = 0.5
SPANISH_BY_STATE = {"PR": 0.95, "TX": 0.45, "CA": 0.45, "NM": 0.45, "AZ": 0.4, "FL": 0.4, "NV": 0.35}
SPANISH_ELSEWHERE = 0.12
OTHER_LANGUAGES = ("zh", "vi", "ko", "tl", "ru", "ar", "ht", "fr", "pt", "pl", "so", "hmn")
LOCAL_LANGUAGES = {"GU": ("ch", "tl"), "AS": ("sm",), "MP": ("ch", "tl"), "HI": ("tl", "sm"), "MN": ("hmn", "so")}


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


def office_rng(seed: int, office: Office, purpose: str) -> random.Random:
    # A string seed is hashed with SHA-512 by `random`, so it is stable across processes and runs.
    return random.Random(f"{seed}:{office.code}:{purpose}")


def uuid_hex(rng: random.Random) -> str:
    value = rng.getrandbits(128)
    value = (value & ~(0xF000 << 64)) | (0x4000 << 64)  # version 4
    value = (value & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant
    return f"{value:032x}"


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

    def add(kind: str, name: str, shifts: Iterable[tuple[int, time, time]] = (), **fields: Any) -> None:
        resource = Resource(office=office, kind=kind, name=name, public_id=uuid_hex(rng), **fields)
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
            planned += _office_resources(office, office_rng(seed, office, "resources"), rooms_share)
    with transaction.atomic():
        Resource.objects.bulk_create([r for r, _ in planned], batch_size=2000)
        Shift.objects.bulk_create(
            [Shift(resource=r, weekday=d, starts=s, ends=e) for r, shifts in planned for d, s, e in shifts],
            batch_size=2000,
        )
    return len(planned)
