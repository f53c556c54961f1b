"""Reads that tolerate a little lag go to a hot standby; everything else stays on the primary
(docs/adr/0021-read-replicas.md).

Safe by default: a read goes to a standby only inside `replica_reads()` (or a view decorated with
`reads_from_replica`), which marks the reads that a second-old answer cannot harm: office search,
availability (the booking itself re-checks on the primary under its locks), the ledger's public tiles and
checkpoints, the transparency report. Writes always go to the primary.

Read-your-writes: a request that may write (any unsafe method) leaves the primary's WAL position in a
cookie (`FRONTDESK_WAL_COOKIE`). The client's next requests use a standby only once it has replayed
that position (`pg_last_wal_replay_lsn()`), and the primary until then. A standby that cannot be
reached is left alone for `DOWN_SECONDS` and its reads go to the primary: a standby never takes the
site down with it.
"""

import contextvars
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
DOWN_SECONDS = 30.0
WAL_COOKIE = "frontdesk_wal"
WAL_COOKIE_SECONDS = 300
_LSN = re.compile(r"^[0-9A-F]{1,8}/[0-9A-F]{1,8}$")

_tolerant: contextvars.ContextVar[bool] = contextvars.ContextVar("frontdesk_replica_reads", default=False)
_must_see: contextvars.ContextVar[int | None] = contextvars.ContextVar("frontdesk_wal_seen", default=None)
_chosen: contextvars.ContextVar[str | None] = contextvars.ContextVar("frontdesk_replica_chosen", default=None)
_down_until: dict[str, float] = {}
_down_lock = threading.Lock()


def replica_aliases() -> list[str]:
    """The standbys' connection aliases, from DATABASE_REPLICA_URLS (config/settings/base.py)."""
    return list(getattr(settings, "FRONTDESK_READ_REPLICAS", ()))


def lsn_value(text: str) -> int | None:
    """PostgreSQL's `X/Y` WAL position as one comparable number; None for anything else."""
    text = text.strip().upper()
    if not _LSN.match(text):
        return None
    high, low = text.split("/")
    return (int(high, 16) << 32) | int(low, 16)


def lsn_text(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


@contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block, reads may come from a standby (a little behind the primary)."""
    token = _tolerant.set(True)
    chosen = _chosen.set(None)
    try:
        yield
    finally:
        _chosen.reset(chosen)
        _tolerant.reset(token)


P = ParamSpec("P")
R = TypeVar("R")


def reads_from_replica(view: Callable[Concatenate[HttpRequest, P], R]) -> Callable[Concatenate[HttpRequest, P], R]:
    """A view whose reads tolerate lag; an unsafe request through it still reads the primary."""

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            return view(request, *args, **kwargs)
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapper


def _mark_down(alias: str) -> None:
    with _down_lock:
        _down_until[alias] = time.monotonic() + DOWN_SECONDS


def _is_down(alias: str) -> bool:
    with _down_lock:
        until = _down_until.get(alias)
        return until is not None and until > time.monotonic()


def _position(alias: str) -> tuple[bool, int | None]:
    """Whether the standby answers, and how far it has replayed the primary's WAL (None: it cannot say).

    One small query per lag-tolerant block: it is the health check as well, so a standby that died since
    the last request is found here rather than by the page's own query."""
    connection = connections[alias]
    query = "SELECT pg_last_wal_replay_lsn()::text" if connection.vendor == "postgresql" else "SELECT NULL"
    try:
        with connection.cursor() as cursor:
            cursor.execute(query)
            row = cursor.fetchone()
    except DatabaseError:
        _mark_down(alias)
        connection.close()
        return False, None
    return True, (lsn_value(row[0]) if row and row[0] else None)


def _usable(alias: str) -> bool:
    if _is_down(alias):
        return False
    answers, replayed = _position(alias)
    must_see = _must_see.get()
    return answers and (must_see is None or (replayed is not None and replayed >= must_see))


def read_alias() -> str:
    """Where the next read goes: a standby inside `replica_reads()` when one is fresh enough, else the primary.

    The choice is made once per block, so one answer never mixes two databases."""
    replicas = replica_aliases()
    if not replicas or not _tolerant.get():
        return PRIMARY
    chosen = _chosen.get()
    if chosen is not None:
        return chosen
    chosen = PRIMARY
    for alias in random.sample(replicas, len(replicas)):
        if _usable(alias):
            chosen = alias
            break
    _chosen.set(chosen)
    return chosen


class ReplicaRouter:
    """Django's database router: reads by `read_alias`, every write and migration on the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        return read_alias()

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the standbys are copies of the primary: every row lives in the same database

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == PRIMARY  # standbys receive the schema by replication


def primary_wal_position() -> int | None:
    """The primary's WAL position now; None on SQLite, or when the primary cannot be reached (the
    request's own write failed with it, so there is nothing to read back)."""
    if connections[PRIMARY].vendor != "postgresql":
        return None
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            row = cursor.fetchone()
    except DatabaseError:
        return None
    return lsn_value(row[0]) if row and row[0] else None


class ReadYourWritesMiddleware:
    """Carries a client's last write position between requests, so it never reads an older standby."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not replica_aliases():
            return self.get_response(request)
        seen = lsn_value(request.COOKIES.get(WAL_COOKIE, ""))
        token = _must_see.set(seen)
        try:
            response = self.get_response(request)
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                position = primary_wal_position()
                if position is not None:
                    response.set_cookie(
                        WAL_COOKIE,
                        lsn_text(max(position, seen or 0)),
                        max_age=WAL_COOKIE_SECONDS,
                        secure=settings.SESSION_COOKIE_SECURE,
                        httponly=True,
                        samesite="Lax",
                    )
            return response
        finally:
            _must_see.reset(token)
