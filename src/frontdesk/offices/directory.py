"""Loading the agency's published office directory.

Reads SSA's "Field Office Addresses and Business Hours" CSV, either as published (with its title
rows and headings such as "Office Code") or as converted for the copy shipped in `data/` (snake_case
headings; its provenance and checksum are in `data/PROVENANCE.md`). Each
office gets coordinates and its IANA time zone from its ZIP via the `zipcodes` package, which ships
its data, so nothing is fetched at run time except the CSV itself when given a URL.
"""

import csv
import hashlib
import io
import re
import urllib.request
from dataclasses import dataclass
from datetime import time
from pathlib import Path

import zipcodes
from django.db import transaction

from frontdesk.core.errors import ValidationFailed
from frontdesk.core.progress import SILENT, Progress

from . import presentation
from .models import Office, OfficeHours
from .regions import region_for_state

DEFAULT_FILENAME = "ssa_field_offices_2022-06-10.csv"
BUNDLED_DIRECTORY = Path(__file__).resolve().parent / "data" / DEFAULT_FILENAME
# The shipped copy's checksum (data/PROVENANCE.md): a damaged or edited copy is refused, not loaded.
BUNDLED_SHA256 = "5d8723c80ce804a458e131a62983035627fbaafe0411c5420209a5f0f8c84a2a"
PUBLISHER_URL = "https://www.ssa.gov/data/FO-Address-Open-Close-Times.csv"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    skipped: list[str]


def _snake(heading: str) -> str:
    heading = re.sub(r"\s+time$", "", heading.strip().lower())  # "Monday Open Time" -> "monday open"
    return re.sub(r"[^a-z0-9]+", "_", heading).strip("_")


def _parse_time(raw: str) -> time | None:
    raw = raw.strip().upper()
    if not raw:
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})(?::\d{2})?\s*(AM|PM)?", raw)
    if not match:
        raise ValueError(f"cannot read the time {raw!r}")
    hour, minute, meridiem = int(match[1]), int(match[2]), match[3]
    if meridiem == "PM" and hour < 12:
        hour += 12
    if meridiem == "AM" and hour == 12:
        hour = 0
    return time(hour, minute)


def read_rows(text: str) -> list[dict[str, str]]:
    """Rows keyed by snake_case heading, skipping the publisher's title lines above the heading row."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.search(r"office[ _]code", line, re.IGNORECASE)), None)
    if start is None:
        raise ValidationFailed("This file has no 'Office Code' heading; is it the field office directory?")
    reader = csv.reader(io.StringIO("\n".join(lines[start:])))
    headings = [_snake(h) for h in next(reader)]
    return [dict(zip(headings, (c.strip() for c in row), strict=False)) for row in reader if any(row)]


def bundled_text() -> str:
    """The directory shipped in the repository, refused if it is not byte for byte the recorded copy."""
    data = BUNDLED_DIRECTORY.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != BUNDLED_SHA256:
        raise ValidationFailed(
            f"The shipped office directory {BUNDLED_DIRECTORY} has sha256 {digest}, not {BUNDLED_SHA256} as recorded "
            "in data/PROVENANCE.md: restore it from git, or give the path of the file you mean to load."
        )
    return data.decode("utf-8-sig")


def load_source(source: str | Path | None = None) -> str:
    """The directory's text from a path or URL; without one, the checked copy shipped in the repository."""
    if source is None:
        return bundled_text()
    source = str(source)
    if source.startswith(("https://", "http://")):
        with urllib.request.urlopen(source, timeout=60) as response:  # noqa: S310 (scheme checked above)
            return response.read().decode("utf-8-sig")
    path = Path(source)
    if not path.is_file():
        raise ValidationFailed(f"No office directory at {path}. Give a path or the publisher's URL ({PUBLISHER_URL}).")
    return path.read_text(encoding="utf-8-sig")


def _geo(zip_code: str) -> tuple[float, float, str]:
    matches = zipcodes.matching(zip_code)
    if not matches:
        raise ValueError(f"ZIP {zip_code} is not in the zipcodes data")
    found = matches[0]
    return float(found["lat"]), float(found["long"]), found["timezone"]


def _office_fields(row: dict[str, str]) -> tuple[dict, list[tuple[int, time, time]]]:
    zip_code = row["zip_code"].zfill(5)[:5]
    lat, lon, zone = _geo(zip_code)
    lines = (row.get(k, "") for k in ("address_line_1", "address_line_2", "address_line_3"))
    address = [line for line in lines if line]
    fields = {
        "name": presentation.office_name(row["office_name"], row["state"]),
        "source_name": row["office_name"],
        "address_lines": presentation.address_lines(address),
        "source_address_lines": address,
        "city": presentation.words(row["city"]),
        "state": row["state"].upper(),
        "zip_code": zip_code,
        "phone": re.sub(r"\D", "", row.get("phone", "")),
        "fax": re.sub(r"\D", "", row.get("business_fax", "")),
        "latitude": lat,
        "longitude": lon,
        "timezone": zone,
        "region": region_for_state(row["state"]),
    }
    hours = []
    for weekday, day in enumerate(DAYS):
        opens, closes = _parse_time(row.get(f"{day}_open", "")), _parse_time(row.get(f"{day}_close", ""))
        if opens and closes and opens < closes:
            hours.append((weekday, opens, closes))
    return fields, hours


def offices_import(*, text: str, progress: Progress = SILENT) -> ImportResult:
    """Create or update every office in the directory, with its weekly hours, in one transaction.

    A row that cannot be read (unknown ZIP, unreadable time) is skipped and named in the result; the
    rest still load. Rerunning is safe: offices are matched by their code.
    """
    rows = read_rows(text)
    if not rows:
        raise ValidationFailed("The office directory has a heading row but no offices.")
    created = updated = 0
    skipped: list[str] = []
    with transaction.atomic(), progress.task("import offices", total=len(rows), unit="offices") as task:
        existing = {o.code: o for o in Office.objects.all()}
        for row in rows:
            task.advance(1)  # counted as its turn comes, skipped or not; a row costs milliseconds
            code = row.get("office_code", "").strip().upper()
            try:
                if not code:
                    raise ValueError("no office code")
                fields, hours = _office_fields(row)
            except (KeyError, ValueError) as exc:
                skipped.append(f"{code or '?'}: {exc}")
                continue
            office = existing.get(code)
            if office is None:
                office = Office.objects.create(code=code, **fields)
                created += 1
            else:
                for name, value in fields.items():
                    setattr(office, name, value)
                office.save()
                updated += 1
            OfficeHours.objects.filter(office=office).delete()
            OfficeHours.objects.bulk_create(
                OfficeHours(office=office, weekday=w, opens=o, closes=c) for w, o, c in hours
            )
    return ImportResult(created=created, updated=updated, skipped=skipped)
