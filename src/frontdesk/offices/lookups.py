"""An office by its code, with its opening hours, from the per-process reference cache.

The booking and availability endpoints read the same office on every request; the row and its hours
change rarely, and saving either in this process forgets the cache at once (apps.py connects the
signals). See frontdesk.core.reference_cache for what is cached and for how long.
"""

from frontdesk.core.reference_cache import ReferenceCache

from .models import Office


def _load(code: str) -> Office | None:
    return Office.objects.prefetch_related("hours").filter(code=code).first()


offices_by_code: ReferenceCache[str, Office] = ReferenceCache(_load)


def office_with_hours(code: str) -> Office | None:
    """The office with this code (any case, surrounding spaces ignored), its hours prefetched; None if
    there is none. The instance is shared: read it, never change or save it."""
    return offices_by_code.get(code.strip().upper())
