"""A per-process cache for small reference rows read on every request (an office, a service).

A booking reads its office (with opening hours) and its service by code; they change a few times a
year. Each process keeps what it loaded for `FRONTDESK_REFERENCE_CACHE_SECONDS` (default 30; 0 turns
the cache off), and forgets it when the rows are saved or deleted in this process, at once and again
when that transaction commits (the apps connect `forget` to their models' signals), so a reader in
between cannot keep the old row. Another process sees an edit within those seconds: an office's new
hours apply to bookings from then on, as the rule for hours already says (existing appointments
stay; offices/services.py).
What bookings hold, and who works when (resources, shifts, absences, closures), is never cached: the
availability engine reads them on every request. Misses are not cached, so a new office or service
is found at once (docs/adr/0029-a-lean-booking-path.md).
"""

import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.db import transaction

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

DEFAULT_SECONDS = 30.0
_caches: list["ReferenceCache[Any, Any]"] = []


class ReferenceCache(Generic[K, V]):
    """`get(key)` returns the cached value while fresh, else `load(key)` (kept unless it is None).

    Values are shared by every thread of the process: callers read them and never change them. Two
    threads missing at once both load; the later store wins, which is harmless for rows read alike.
    """

    def __init__(self, load: Callable[[K], V | None]) -> None:
        self._load = load
        self._entries: dict[K, tuple[float, V]] = {}
        _caches.append(self)

    def get(self, key: K) -> V | None:
        seconds = float(getattr(settings, "FRONTDESK_REFERENCE_CACHE_SECONDS", DEFAULT_SECONDS))
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and seconds > 0 and now - entry[0] < seconds:
            return entry[1]
        value = self._load(key)
        if value is not None and seconds > 0:
            self._entries[key] = (now, value)
        else:
            self._entries.pop(key, None)
        return value

    def forget(self, *_args: object, **_kwargs: object) -> None:
        """Drop every entry now and, inside a transaction, again once it commits (a signal receiver):
        a request that read the old row before the commit must not keep it for the whole TTL."""
        self._entries.clear()
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(self._entries.clear)


def forget_all() -> None:
    """Empty every reference cache of this process (tests, after rows changed behind the ORM's back)."""
    for cache in _caches:
        cache.forget()
