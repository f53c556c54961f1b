"""The bulk writer the seed loads with: rows with explicit ids, by COPY on PostgreSQL and executemany on
SQLite, bypassing the ORM (docs/adr/0004-seed-and-benchmarks.md), and the checks run after a load."""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime

from django.db import connection, models

from frontdesk.offices.models import Absence, Resource, Shift

from ..models import Appointment, Person, ResourceHold


def _columns(model: type[models.Model], names: Sequence[str]) -> list[str]:
    """Column names for the given fields, refusing to run if a required column would be left out."""
    wanted = set(names)
    for f in model._meta.concrete_fields:
        required = not f.null and f.db_default is models.NOT_PROVIDED
        if f.name not in wanted and required:
            raise RuntimeError(f"seeding writes no value for required column {model.__name__}.{f.name}")
    columns = {f.name: f.column for f in model._meta.concrete_fields if f.column is not None}
    return [columns[n] for n in names]


PERSON_FIELDS = (
    "id",
    "public_id",
    "first_name",
    "last_name",
    "last_name_key",
    "date_of_birth",
    "ssn_encrypted",
    "email_encrypted",
    "email_hash",
    "phone_encrypted",
    "phone_hash",
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
    "checked_in_at",
)
HOLD_FIELDS = ("id", "appointment", "resource", "starts_at", "ends_at", "active")
TABLES: tuple[tuple[type[models.Model], tuple[str, ...]], ...] = (
    (Person, PERSON_FIELDS),
    (Appointment, APPOINTMENT_FIELDS),
    (ResourceHold, HOLD_FIELDS),
)


class RowWriter:
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


class RowIds:
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


@contextmanager
def sqlite_page_cache(mebibytes: int = 512) -> Iterator[None]:
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


def tables_analyze() -> None:
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
