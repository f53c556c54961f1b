"""An active service by its code, from the per-process reference cache.

Every booking and availability request names its service; services change rarely, and saving one in
this process forgets the cache at once (apps.py connects the signals). See
frontdesk.core.reference_cache for what is cached and for how long.
"""

from frontdesk.core.reference_cache import ReferenceCache

from .models import Service


def _load(code: str) -> Service | None:
    return Service.objects.filter(code=code, active=True).first()


services_by_code: ReferenceCache[str, Service] = ReferenceCache(_load)


def active_service(code: str) -> Service | None:
    """The active service with this code (any case, surrounding spaces ignored), or None. The instance
    is shared: read it, never change or save it."""
    return services_by_code.get(code.strip().lower())
