"""Django's database cache, with `add` and `incr` in one or two statements: the rate-limit counters.

django-ratelimit counts each try with `cache.add(key, 1)` (a new window) and `cache.incr(key)` (every
other try). On Django's DatabaseCache these took eleven statements per try: a `SELECT COUNT(*)` of the
whole table before each write (to decide whether to cull), a transaction around a SELECT and an
INSERT that fails once the window exists, then a read and a full `set` (count, transaction, SELECT,
UPDATE). Every public booking and look-up paid for that. Here:

- `add` is one `INSERT ... ON CONFLICT DO UPDATE ... WHERE expired RETURNING`: it stores the value when
  the key is absent or expired, atomically, as DatabaseCache.add does;
- `incr` reads the value and writes the sum only if the value is still the one read (compare and
  swap), so concurrent tries from many workers never lose a count; the key keeps its expiry. After a
  few misses (many workers counting one key at once) it takes the row's lock instead: an optimistic
  retry alone can lose every race on a busy machine, and a count must never be dropped;
- the table is culled every `CULL_EVERY` adds per process instead of counted on every write;
- on PostgreSQL, an `add` that finds the key also reads its value in the same statement, and the `incr`
  that django-ratelimit sends next tries its compare and swap with that value first: a try that
  continues a window costs two statements instead of three (docs/adr/0038-a-leaner-booking-write-path.md).
  A value that changed in between only makes the swap miss; it then reads again, as before.

Values are stored as DatabaseCache stores them (base64 pickles), so `get`, `set` and `delete` are
Django's own. Needs PostgreSQL or SQLite 3.35+ (RETURNING); other databases get Django's code.
"""

import base64
import pickle
import threading
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils.timezone import now as tz_now

CAS_ATTEMPTS = 3  # optimistic tries before incr waits for the row's lock
CULL_EVERY = 1000


class CounterDatabaseCache(DatabaseCache):
    def __init__(self, table: str, params: dict[str, Any]) -> None:
        super().__init__(table, params)
        self._table: str = table  # Django's own attribute (BaseDatabaseCache), which the stubs do not declare
        self._adds = 0
        self._adds_lock = threading.Lock()
        # The value an `add` found, per thread, for the `incr` that follows it (PostgreSQL only).
        self._seen = threading.local()

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
        hint = seen[1] if seen is not None and seen[0] == key else None
        with connection.cursor() as cursor:
            for _attempt in range(CAS_ATTEMPTS):
                if hint is not None:
                    stored, hint = hint, None  # what the add just found: try it without reading again
                else:
                    stored = self._read(cursor, read, key)
                new_value = self._decode(stored) + delta
                cursor.execute(swap, [self._encode(new_value), key, stored])
                if cursor.rowcount == 1:
                    return new_value
        # Contended: wait for the row instead of racing again. PostgreSQL locks the row (FOR UPDATE);
        # SQLite's transactions here begin IMMEDIATE (config/settings/base.py), holding the write lock.
        lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            stored = self._read(cursor, read + lock, key)
            new_value = self._decode(stored) + delta
            cursor.execute(swap, [self._encode(new_value), key, stored])
            if cursor.rowcount != 1:  # cannot happen while the lock is held; never report a count not kept
                raise ValueError(f"Key '{key}' changed under its lock; the count was not taken.")
            return new_value

    @staticmethod
    def _read(cursor: Any, sql: str, key: str) -> str:
        cursor.execute(sql, [key, cursor.db.ops.adapt_datetimefield_value(tz_now().replace(microsecond=0))])
        row = cursor.fetchone()
        if row is None:
            raise ValueError(f"Key '{key}' not found.")
        return str(row[0])

    @staticmethod
    def _decode(stored: str) -> int:
        return int(pickle.loads(base64.b64decode(stored.encode())))  # noqa: S301 (our own rows)
