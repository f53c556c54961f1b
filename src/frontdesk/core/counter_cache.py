"""Django's database cache, with `add` and `incr` in one or two statements: the rate-limit counters.

django-ratelimit counts each try with `cache.add(key, 1)` (a new window) and `cache.incr(key)` (every
other try). On Django's DatabaseCache these took eleven statements per try: a `SELECT COUNT(*)` of the
whole table before each write (to decide whether to cull), a transaction around a SELECT and an
INSERT that fails once the window exists, then a read and a full `set` (count, transaction, SELECT,
UPDATE). Every public booking and look-up paid for that. Here:

- `add` is one `INSERT ... ON CONFLICT DO UPDATE ... WHERE expired RETURNING`: it stores the value when
  the key is absent or expired, atomically, as DatabaseCache.add does;
- `incr` reads the value and writes the sum only if the value is still the one read (compare and
  swap, retried), so concurrent tries from many workers never lose a count; the key keeps its expiry;
- the table is culled every `CULL_EVERY` adds per process instead of counted on every write;
- on PostgreSQL, an `add` that finds the key also reads its value in the same statement, and the `incr`
  that django-ratelimit sends next tries its compare and swap with that value first: a try that
  continues a window costs two statements instead of three (docs/adr/0038-a-leaner-booking-write-path.md).
  A value that changed in between only makes the swap miss; it then reads again, as before.

- on PostgreSQL, inside `counting()` (the rate limits' own tries, `scheduling.throttle`), an `add` that
  finds a live key adds one to it in the same statement, the pickled integer read and written by SQL
  (`_PICKLED_PLUS_ONE`), and the `incr` that follows returns that count without a statement: a counted
  try is one statement (docs/adr/0045-booking-cpu-per-booking.md). A value SQL cannot read (not a
  pickled integer below 2**31) is left alone, and `incr` counts it as before.

Values are stored as DatabaseCache stores them (base64 pickles), so `get`, `set` and `delete` are
Django's own. Needs PostgreSQL or SQLite 3.35+ (RETURNING); other databases get Django's code.
"""

import base64
import pickle
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router
from django.utils.timezone import now as tz_now

CAS_ATTEMPTS = 20
CULL_EVERY = 1000

# The stored value (base64 of a pickle) plus one, as the same encoding, or NULL when it is not a pickled
# integer 0 <= n < 2**31 - 1. Python writes protocol 5: b"\x80\x05", then for n >= 256 a frame
# (b"\x95" and 8 bytes of length), then K (1 byte), M (2 bytes, little-endian) or J (4 bytes, signed),
# then b".". The sum is written without a frame (pickle reads both).
_NUMBER = (
    "CASE WHEN length(b) < 5 OR get_byte(b, 0) <> 128 OR get_byte(b, 1) <> 5 OR length(b) < pos + 3 THEN NULL "
    "WHEN get_byte(b, pos) = 75 AND length(b) = pos + 3 THEN get_byte(b, pos + 1) "
    "WHEN get_byte(b, pos) = 77 AND length(b) = pos + 4 THEN get_byte(b, pos + 1) + 256 * get_byte(b, pos + 2) "
    "WHEN get_byte(b, pos) = 74 AND length(b) = pos + 6 AND get_byte(b, pos + 4) < 127 "
    "THEN get_byte(b, pos + 1) + 256 * get_byte(b, pos + 2) + 65536 * get_byte(b, pos + 3) "
    "+ 16777216 * get_byte(b, pos + 4) END"
)
_ENCODED = (
    "encode(CASE WHEN n < 256 THEN '\\x80054b'::bytea || substring(int4send(n) from 4 for 1) "
    "WHEN n < 65536 THEN '\\x80054d'::bytea || substring(int4send(n) from 4 for 1) "
    "|| substring(int4send(n) from 3 for 1) "
    "ELSE '\\x80054a'::bytea || substring(int4send(n) from 4 for 1) || substring(int4send(n) from 3 for 1) "
    "|| substring(int4send(n) from 2 for 1) || substring(int4send(n) from 1 for 1) END || '\\x2e'::bytea, 'base64')"
)


def _pickled_plus_one(value: str) -> str:
    """A scalar subquery: the value decoded once, its number read once, the sum encoded (NULL when the
    value is not a count SQL can read). encode(..., 'base64') breaks lines only past 76 characters."""
    return (
        f"(SELECT {_ENCODED} FROM (SELECT ({_NUMBER}) + 1 AS n "  # noqa: S608 (constants and a column name)
        f"FROM (SELECT decode({value}, 'base64') AS b) AS d, "
        "LATERAL (SELECT CASE WHEN length(d.b) > 2 AND get_byte(d.b, 2) = 149 THEN 11 ELSE 2 END AS pos) AS a) AS m)"
    )


class CounterDatabaseCache(DatabaseCache):
    def __init__(self, table: str, params: dict[str, Any]) -> None:
        super().__init__(table, params)
        self._table: str = table  # Django's own attribute (BaseDatabaseCache), which the stubs do not declare
        self._adds = 0
        self._adds_lock = threading.Lock()
        # The value an `add` found, per thread, for the `incr` that follows it (PostgreSQL only); and
        # whether this thread is inside `counting()`.
        self._seen = threading.local()

    @contextmanager
    def counting(self) -> Iterator[None]:
        """Within this block, in this thread, each `add` of a key that exists is the first half of a
        count (`add` then `incr`, as django-ratelimit does): on PostgreSQL the add already adds one and
        the incr that follows returns the sum. Outside it, `add` is Django's add."""
        self._seen.counting = True
        try:
            yield
        finally:
            self._seen.counting = False
            self._seen.value = None

    def _connection(self) -> Any:
        return connections[router.db_for_write(self.cache_model_class)]

    @staticmethod
    def _supported(connection: Any) -> bool:
        return bool(
            connection.vendor == "postgresql"
            or (connection.vendor == "sqlite" and connection.Database.sqlite_version_info >= (3, 35))
        )

    def _encode(self, value: Any) -> str:
        return base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")

    def _expiry(self, timeout: float | None) -> datetime:
        if timeout is None:
            return datetime.max
        return datetime.fromtimestamp(timeout, tz=UTC if settings.USE_TZ else None).replace(microsecond=0)

    def _cull_now_and_then(self, connection: Any) -> None:
        with self._adds_lock:
            self._adds += 1
            due = self._adds % CULL_EVERY == 1
        if not due:
            return
        table = connection.ops.quote_name(self._table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (a quoted table name)
            count = cursor.fetchone()[0]
            if count > self._max_entries:
                self._cull(  # type: ignore[attr-defined]  # DatabaseCache._cull, not in the stubs
                    connection.alias, cursor, tz_now().replace(microsecond=0), count
                )

    def add(self, key: str, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        connection = self._connection()
        if not self._supported(connection):
            return super().add(key, value, timeout, version)
        key = self.make_and_validate_key(key, version=version)
        self._cull_now_and_then(connection)
        ops = connection.ops
        table, name = ops.quote_name(self._table), ops.quote_name
        expires = ops.adapt_datetimefield_value(self._expiry(self.get_backend_timeout(timeout)))
        now = ops.adapt_datetimefield_value(tz_now().replace(microsecond=0))
        sql = (
            f"INSERT INTO {table} ({name('cache_key')}, {name('value')}, {name('expires')}) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT ({name('cache_key')}) DO UPDATE SET {name('value')} = excluded.{name('value')}, "
            f"{name('expires')} = excluded.{name('expires')} WHERE {table}.{name('expires')} < %s RETURNING 1"
        )
        self._seen.value = None
        if connection.vendor == "postgresql" and getattr(self._seen, "counting", False):
            return self._add_or_count(connection, key, value, expires, now)
        if connection.vendor == "postgresql":
            # The value before this statement comes from its snapshot: a hint for incr, never trusted
            # without the compare and swap.
            sql = (
                f"WITH seen AS (SELECT {name('value')} FROM {table} WHERE {name('cache_key')} = %s "  # noqa: S608
                f"AND {name('expires')} >= %s), put AS ({sql}) "
                f"SELECT EXISTS (SELECT 1 FROM put), (SELECT {name('value')} FROM seen)"
            )
            with connection.cursor() as cursor:
                cursor.execute(sql, [key, now, key, self._encode(value), expires, now])
                added, seen = cursor.fetchone()
            if not added and seen is not None:
                self._seen.value = (key, seen)
            return bool(added)
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, self._encode(value), expires, now])
            return cursor.fetchone() is not None

    def _add_or_count(self, connection: Any, key: str, value: Any, expires: Any, now: Any) -> bool:
        """One statement: store `value` when the key is absent or expired (True), else add one to the
        count when SQL can read it, for the `incr` that follows (False either way)."""
        ops = connection.ops
        table, name = ops.quote_name(self._table), ops.quote_name
        stored, expiry = f"{table}.{name('value')}", f"{table}.{name('expires')}"
        plus_one = _pickled_plus_one(stored)
        sql = (
            f"INSERT INTO {table} ({name('cache_key')}, {name('value')}, {name('expires')}) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT ({name('cache_key')}) DO UPDATE SET "
            f"{name('value')} = CASE WHEN {expiry} < %s THEN excluded.{name('value')} ELSE {plus_one} END, "
            f"{name('expires')} = CASE WHEN {expiry} < %s THEN excluded.{name('expires')} ELSE {expiry} END "
            f"WHERE {expiry} < %s OR {plus_one} IS NOT NULL "
            f"RETURNING {name('value')}, {name('expires')} = %s"
        )
        encoded = self._encode(value)
        with connection.cursor() as cursor:
            cursor.execute(sql, [key, encoded, expires, now, now, now, expires])
            row = cursor.fetchone()
        if row is None:
            return False  # a live value SQL cannot count: incr reads and swaps it
        stored_value, fresh = row
        if fresh and stored_value == encoded:
            return True  # stored now: a new window
        self._seen.value = (key, stored_value, "counted")
        return False

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> int:
        connection = self._connection()
        if not self._supported(connection):
            return super().incr(key, delta, version)
        key = self.make_and_validate_key(key, version=version)
        ops = connection.ops
        table, name = ops.quote_name(self._table), ops.quote_name
        read = f"SELECT {name('value')} FROM {table} WHERE {name('cache_key')} = %s AND {name('expires')} >= %s"  # noqa: S608
        swap = f"UPDATE {table} SET {name('value')} = %s WHERE {name('cache_key')} = %s AND {name('value')} = %s"  # noqa: S608
        seen, self._seen.value = getattr(self._seen, "value", None), None
        if seen is not None and seen[0] == key and len(seen) == 3 and delta == 1:
            # The add before this one already counted (`counting()`): its sum is this count.
            return int(pickle.loads(base64.b64decode(seen[1].encode())))  # noqa: S301 (our own rows)
        hint = seen[1] if seen is not None and seen[0] == key and len(seen) == 2 else None
        with connection.cursor() as cursor:
            for _attempt in range(CAS_ATTEMPTS):
                if hint is not None:
                    stored, hint = hint, None  # what the add just found: try it without reading again
                else:
                    cursor.execute(read, [key, ops.adapt_datetimefield_value(tz_now().replace(microsecond=0))])
                    row = cursor.fetchone()
                    if row is None:
                        raise ValueError(f"Key '{key}' not found.")
                    stored = row[0]
                new_value: int = pickle.loads(base64.b64decode(stored.encode())) + delta  # noqa: S301 (our own rows)
                cursor.execute(swap, [self._encode(new_value), key, stored])
                if cursor.rowcount == 1:
                    return new_value
        raise ValueError(f"Key '{key}' kept changing; the count was not taken.")
