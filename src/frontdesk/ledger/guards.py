"""Database guards that make the ledger tables append-only (triggers on PostgreSQL and SQLite).

What the triggers allow, table by table:
- ledger_event: INSERT only (since migration 0007 the leaf index lives in ledger_leaf).
- ledger_leaf: INSERT only: the sequencer's record that leaf N is event E.
- ledger_pending: INSERT and DELETE (the queue of events waiting for an index); never UPDATE.
- ledger_tile: INSERT; UPDATE only to extend a partial tile (the old hashes stay a prefix); never DELETE.
- ledger_tree: the sequencer's one-row state may only grow.
- ledger_checkpoint: INSERT only.

The one exception is Django's `flush` (a whole-database reset, used between TransactionTestCase tests
and by `manage.py flush`): it may empty the tables. On PostgreSQL flush TRUNCATEs, which row triggers
never see; a statement trigger refuses TRUNCATE unless the flush transaction set
`frontdesk.ledger_flush` AND the role truncating has the privileges of the table's owner. Anyone can
set a custom setting, so the setting alone would be a switch for whoever may TRUNCATE; with the owner
check it is no switch at all for the application role, which owns nothing and has no TRUNCATE
privilege either (docs/adr/0008-database-roles.md). On SQLite flush DELETEs, so the delete trigger
asks a per-connection SQL function whether a flush is running. Both flags are set only by the wrapper
around `execute_sql_flush` installed below. The owner role (and a superuser) can still drop the
triggers: they stop mistakes and the application role, the signed checkpoints stop tampering
(docs/adr/0002-ledger-merkle-log.md).
"""

import re
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import BaseDatabaseWrapper

REFUSED = "the ledger is append-only"
FLUSH_SETTING = "frontdesk.ledger_flush"
SQLITE_FLUSH_FUNCTION = "frontdesk_ledger_flushing"

SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER ledger_event_refuse_delete BEFORE DELETE ON ledger_event
    WHEN NOT {SQLITE_FLUSH_FUNCTION}()
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: ledger_event rows cannot be deleted'); END
    """,
    f"""
    CREATE TRIGGER ledger_event_refuse_update BEFORE UPDATE ON ledger_event
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: ledger_event rows cannot be changed'); END
    """,
    f"""
    CREATE TRIGGER ledger_leaf_refuse_delete BEFORE DELETE ON ledger_leaf
    WHEN NOT {SQLITE_FLUSH_FUNCTION}()
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: ledger_leaf rows cannot be deleted'); END
    """,
    f"""
    CREATE TRIGGER ledger_leaf_refuse_update BEFORE UPDATE ON ledger_leaf
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: ledger_leaf rows cannot be changed'); END
    """,
    f"""
    CREATE TRIGGER ledger_pending_refuse_update BEFORE UPDATE ON ledger_pending
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: ledger_pending rows cannot be changed'); END
    """,
    f"""
    CREATE TRIGGER ledger_tile_refuse_delete BEFORE DELETE ON ledger_tile
    WHEN NOT {SQLITE_FLUSH_FUNCTION}()
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: ledger_tile rows cannot be deleted'); END
    """,
    f"""
    CREATE TRIGGER ledger_tile_extend_only BEFORE UPDATE ON ledger_tile
    WHEN NOT (
        NEW.id = OLD.id AND NEW.level = OLD.level AND NEW.tile_index = OLD.tile_index
        AND length(NEW.hashes) > length(OLD.hashes) AND length(NEW.hashes) <= 8192
        AND substr(NEW.hashes, 1, length(OLD.hashes)) = OLD.hashes
    )
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: a tile may only be extended'); END
    """,
    f"""
    CREATE TRIGGER ledger_tree_refuse_delete BEFORE DELETE ON ledger_tree
    WHEN NOT {SQLITE_FLUSH_FUNCTION}()
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: ledger_tree rows cannot be deleted'); END
    """,
    f"""
    CREATE TRIGGER ledger_tree_grow_only BEFORE UPDATE ON ledger_tree
    WHEN NOT (NEW.id = OLD.id AND NEW.size >= OLD.size)
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: the tree may only grow'); END
    """,
    f"""
    CREATE TRIGGER ledger_checkpoint_refuse_delete BEFORE DELETE ON ledger_checkpoint
    WHEN NOT {SQLITE_FLUSH_FUNCTION}()
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: checkpoints cannot be deleted'); END
    """,
    f"""
    CREATE TRIGGER ledger_checkpoint_refuse_update BEFORE UPDATE ON ledger_checkpoint
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: checkpoints cannot be changed'); END
    """,
]

SQLITE_TRIGGERS = [
    "ledger_event_refuse_delete",
    "ledger_event_refuse_update",
    "ledger_leaf_refuse_delete",
    "ledger_leaf_refuse_update",
    "ledger_pending_refuse_update",
    "ledger_tile_refuse_delete",
    "ledger_tile_extend_only",
    "ledger_tree_refuse_delete",
    "ledger_tree_grow_only",
    "ledger_checkpoint_refuse_delete",
    "ledger_checkpoint_refuse_update",
]
SQLITE_UNINSTALL = [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS]

LEDGER_TABLES = ["ledger_event", "ledger_leaf", "ledger_tile", "ledger_tree", "ledger_checkpoint"]
# The queue of events waiting for an index: the one ledger table the application deletes from.
QUEUE_TABLE = "ledger_pending"
# Tables whose rows may not be updated at all (one C-level trigger each on PostgreSQL).
NEVER_UPDATED = ["ledger_event", "ledger_leaf", "ledger_pending", "ledger_checkpoint"]

# The flush escape on PostgreSQL, for a BEFORE TRUNCATE trigger: the flush wrapper's transaction setting,
# honoured only for a role with the privileges of the table's owner (the owner role, or a superuser in
# the one-role setup the test suite uses). The function that embeds it pins search_path, so a temporary
# table cannot stand in for pg_class.
POSTGRES_FLUSH_ALLOWED = f"""(
            coalesce(pg_catalog.current_setting('{FLUSH_SETTING}', true), '') = 'on'
            AND pg_catalog.pg_has_role(
                current_user, (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = TG_RELID), 'USAGE'
            )
        )"""  # noqa: S608 (a constant: no input reaches it)

# What the application role may do to each ledger table (frontdesk/core/db_roles.py grants exactly
# this): append, read, and the one UPDATE per table that the triggers above let through. No DELETE
# (but on the pending queue, which the sequencer empties), no TRUNCATE; the columns named are the
# only ones the application may UPDATE.
APP_PRIVILEGES: dict[str, tuple[str, ...]] = {
    "ledger_event": ("SELECT", "INSERT"),
    "ledger_leaf": ("SELECT", "INSERT"),
    "ledger_pending": ("SELECT", "INSERT", "DELETE"),
    "ledger_tile": ("SELECT", "INSERT", "UPDATE (hashes)"),
    "ledger_tree": ("SELECT", "INSERT", "UPDATE (size, frontier)"),
    "ledger_checkpoint": ("SELECT", "INSERT"),
}

POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION ledger_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSED}: % on % refused', TG_OP, TG_TABLE_NAME;
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION ledger_refuse_truncate() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
        IF {POSTGRES_FLUSH_ALLOWED} THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION '{REFUSED}: TRUNCATE on % refused', TG_TABLE_NAME;
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION ledger_tile_extend_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.id = OLD.id AND NEW.level = OLD.level AND NEW.tile_index = OLD.tile_index
           AND length(NEW.hashes) > length(OLD.hashes) AND length(NEW.hashes) <= 8192
           AND substring(NEW.hashes FROM 1 FOR length(OLD.hashes)) = OLD.hashes
        THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '{REFUSED}: a tile may only be extended';
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION ledger_tree_grow_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.id = OLD.id AND NEW.size >= OLD.size THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION '{REFUSED}: the tree may only grow';
    END $$
    """,
    """CREATE TRIGGER ledger_tile_guard_update BEFORE UPDATE ON ledger_tile
       FOR EACH ROW EXECUTE FUNCTION ledger_tile_extend_only()""",
    """CREATE TRIGGER ledger_tree_guard_update BEFORE UPDATE ON ledger_tree
       FOR EACH ROW EXECUTE FUNCTION ledger_tree_grow_only()""",
    *[
        f"""CREATE TRIGGER {table}_guard_update BEFORE UPDATE ON {table}
            FOR EACH ROW EXECUTE FUNCTION ledger_refuse()"""
        for table in NEVER_UPDATED
    ],
    *[
        f"""CREATE TRIGGER {table}_guard_delete BEFORE DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION ledger_refuse()"""
        for table in LEDGER_TABLES
    ],
    *[
        f"""CREATE TRIGGER {table}_guard_truncate BEFORE TRUNCATE ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate()"""
        for table in [*LEDGER_TABLES, "ledger_pending"]
    ],
]

POSTGRES_UNINSTALL = [
    *[f"DROP TRIGGER IF EXISTS {table}_guard_delete ON {table}" for table in LEDGER_TABLES],
    *[f"DROP TRIGGER IF EXISTS {table}_guard_truncate ON {table}" for table in [*LEDGER_TABLES, "ledger_pending"]],
    *[f"DROP TRIGGER IF EXISTS {table}_guard_update ON {table}" for table in NEVER_UPDATED],
    "DROP TRIGGER IF EXISTS ledger_tile_guard_update ON ledger_tile",
    "DROP TRIGGER IF EXISTS ledger_tree_guard_update ON ledger_tree",
    "DROP FUNCTION IF EXISTS ledger_refuse()",
    "DROP FUNCTION IF EXISTS ledger_refuse_truncate()",
    "DROP FUNCTION IF EXISTS ledger_event_sequence_only()",
    "DROP FUNCTION IF EXISTS ledger_tile_extend_only()",
    "DROP FUNCTION IF EXISTS ledger_tree_grow_only()",
]


def statements(vendor: str, *, install: bool) -> Sequence[str]:
    if vendor == "postgresql":
        return POSTGRES_INSTALL if install else POSTGRES_UNINSTALL
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_UNINSTALL
    raise ImproperlyConfigured(f"No ledger guards for the {vendor} database; add triggers before using it.")


_ON_TABLE = re.compile(r"\bON (ledger_[a-z]+)")


def _applicable(connection: BaseDatabaseWrapper, install: bool) -> list[str]:
    """The statements for the tables this schema has: earlier migrations (0002, 0004, 0005) run these
    guards before migration 0007 creates ledger_leaf and ledger_pending."""
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
    result = []
    for sql in statements(connection.vendor, install=install):
        found = _ON_TABLE.search(sql)
        if found is None or found.group(1) in tables:
            result.append(sql)
    return result


def install(connection: BaseDatabaseWrapper) -> None:
    statements_here = _applicable(connection, True)
    with connection.cursor() as cursor:
        for sql in statements_here:
            cursor.execute(sql)


def uninstall(connection: BaseDatabaseWrapper) -> None:
    statements_here = _applicable(connection, False)
    with connection.cursor() as cursor:
        for sql in statements_here:
            cursor.execute(sql)


def on_post_migrate(sender: Any, using: str = "default", plan: Any = None, **kwargs: Any) -> None:
    """Re-install the triggers after every migrate: on SQLite, any migration that alters a ledger table
    rebuilds it (new table, copy, rename) and the old table's triggers go with it."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    connection = connections[using]
    if connection.vendor not in {"sqlite", "postgresql"}:
        return
    if not MigrationRecorder(connection).migration_qs.filter(app="ledger", name="0002_append_only_guards").exists():
        return  # migrated backwards past the guards (or not yet forwards): leave the schema alone
    uninstall(connection)
    install(connection)


def on_connection_created(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Teach each new connection the flush escape hatch (and, on SQLite, the function the triggers call)."""
    if connection.vendor == "sqlite":
        wrapper = connection

        def flushing() -> int:
            return 1 if getattr(wrapper, "_frontdesk_ledger_flushing", False) else 0

        connection.connection.create_function(SQLITE_FLUSH_FUNCTION, 0, flushing)
    _wrap_flush(connection)


def _wrap_flush(connection: BaseDatabaseWrapper) -> None:
    ops = connection.ops
    if getattr(ops, "_frontdesk_ledger_wrapped", False):
        return
    original: Callable[[list[str]], None] = ops.execute_sql_flush

    def execute_sql_flush(sql_list: list[str]) -> None:
        if connection.vendor == "postgresql":
            # SET LOCAL lasts until the flush transaction ends; TRUNCATE triggers read it.
            original([f"SET LOCAL {FLUSH_SETTING} = 'on'", *sql_list])
            return
        connection._frontdesk_ledger_flushing = True  # type: ignore[attr-defined]
        try:
            original(sql_list)
        finally:
            connection._frontdesk_ledger_flushing = False  # type: ignore[attr-defined]

    # Replacing the bound method on this connection's operations object, not the class.
    setattr(ops, "execute_sql_flush", execute_sql_flush)  # noqa: B010
    setattr(ops, "_frontdesk_ledger_wrapped", True)  # noqa: B010


# --- The JSON copy, held to the canonical text by PostgreSQL itself (docs/adr/0037-...) -------------
# On PostgreSQL `ledger_event.event` is jsonb: comparing it with `canonical::jsonb` costs ~5 µs a row
# (parsing the text), most of a 10 M-entry verification. A validated CHECK constraint makes the
# database hold every row to it at insert (and at any UPDATE an attacker tries), so `ledger verify`
# only has to confirm that the constraint is there, validated and unchanged; when it is not, verify
# compares row by row as before. SQLite stores the copy as the canonical text: no constraint needed.
JSON_COPY_CONSTRAINT = "ledger_event_json_copy_is_canonical"
JSON_COPY_DEFINITION = "CHECK ((event = (canonical)::jsonb))"  # as pg_get_constraintdef prints it


def json_copy_constraint_add(connection: BaseDatabaseWrapper) -> None:
    """Add the constraint (PostgreSQL) if it is missing: NOT VALID first (a brief lock), then VALIDATE (a
    scan that lets inserts go on). A row whose copy differs makes VALIDATE fail, and the migration with it."""
    if connection.vendor != "postgresql" or json_copy_constraint_holds(connection):
        return
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE ledger_event DROP CONSTRAINT IF EXISTS {JSON_COPY_CONSTRAINT}")
        cursor.execute(
            f"ALTER TABLE ledger_event ADD CONSTRAINT {JSON_COPY_CONSTRAINT} CHECK (event = canonical::jsonb) NOT VALID"
        )
        cursor.execute(f"ALTER TABLE ledger_event VALIDATE CONSTRAINT {JSON_COPY_CONSTRAINT}")


def json_copy_constraint_drop(connection: BaseDatabaseWrapper) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE ledger_event DROP CONSTRAINT IF EXISTS {JSON_COPY_CONSTRAINT}")


def json_copy_constraint_holds(connection: BaseDatabaseWrapper) -> bool:
    """Whether PostgreSQL guarantees `event = canonical::jsonb` for every stored event: the constraint
    exists under its name, is validated and enforced, and says exactly that."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_catalog.pg_get_constraintdef(c.oid) FROM pg_catalog.pg_constraint c "
            "WHERE c.conrelid = 'ledger_event'::regclass AND c.conname = %s AND c.contype = 'c' "
            "AND c.convalidated",
            [JSON_COPY_CONSTRAINT],
        )
        row = cursor.fetchone()
    return row is not None and row[0] == JSON_COPY_DEFINITION
