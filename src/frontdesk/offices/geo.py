"""Distances between ZIP codes and offices (great-circle, in miles)."""

import math
import re
import time
import unicodedata
from functools import lru_cache

import zipcodes

from frontdesk.core.errors import ValidationFailed

from .models import Office

EARTH_RADIUS_MILES = 3958.8
_CACHE_SECONDS = 60.0
_positions: tuple[float, list[tuple[int, float, float]]] | None = None


def miles_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(math.sqrt(a))


# Five ASCII digits, optionally ZIP+4 (with a hyphen, a space, or none). `str.isdigit` is not enough:
# it accepts full-width and other scripts' digits, which the ZIP data cannot look up.
_ZIP = re.compile(r"^([0-9]{5})(?:[- ]?[0-9]{4})?$", re.ASCII)


def zip_normalize(text: str) -> str:
    """The five-digit ZIP in what a person typed: full-width digits and ZIP+4 accepted, the +4 dropped
    (offices are found by the five-digit area). Raises ValidationFailed saying what a ZIP looks like."""
    folded = unicodedata.normalize("NFKC", text or "").strip().replace("\u2010", "-").replace("\u2011", "-")
    match = _ZIP.match(folded)
    if match is None:
        raise ValidationFailed("A ZIP code has five digits, for example 20001 (or 20001-1234).", field="zip")
    return match.group(1)


def zip_position(zip_code: str) -> tuple[float, float]:
    """The ZIP's centroid. Raises ValidationFailed for a ZIP that is malformed or unknown."""
    return _zip_position(zip_normalize(zip_code))


@lru_cache(maxsize=4096)
def _zip_position(zip_code: str) -> tuple[float, float]:
    try:
        matches = zipcodes.matching(zip_code)
    except (TypeError, ValueError):
        matches = []
    if not matches:
        raise ValidationFailed(f"We do not know the ZIP code {zip_code}. Check it and try again.", field="zip")
    return float(matches[0]["lat"]), float(matches[0]["long"])


def _office_positions() -> list[tuple[int, float, float]]:
    # 1,200 rows change a few times a year; a short cache keeps them out of every search.
    global _positions
    now = time.monotonic()
    if _positions is None or now - _positions[0] > _CACHE_SECONDS:
        _positions = (now, list(Office.objects.values_list("id", "latitude", "longitude")))
    return _positions[1]


def forget_positions() -> None:
    global _positions
    _positions = None


def offices_near(zip_code: str, radius_miles: float) -> list[tuple[int, float]]:
    """(office id, miles) for offices within the radius of the ZIP, nearest first."""
    lat, lon = zip_position(zip_code)
    found = [(oid, miles_between(lat, lon, olat, olon)) for oid, olat, olon in _office_positions()]
    return sorted(((oid, d) for oid, d in found if d <= radius_miles), key=lambda item: (item[1], item[0]))
