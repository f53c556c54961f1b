"""Database guards that keep the Privacy Act accounting: rows are inserted, never changed or deleted.

5 U.S.C. 552a(c)(2) keeps each entry at least five years or the life of the record, whichever is
longer; frontdesk never deletes one, so the triggers refuse UPDATE and DELETE outright (a future
retention job would have to arrive with its own migration and review). Django's `flush` between
transactional tests may still empty the table, through the same escape hatch as the ledger's guards
(frontdesk/ledger/guards.py): a per-connection SQLite function and a PostgreSQL transaction setting,
both set only by the wrapper around `execute_sql_flush`; on PostgreSQL the setting counts only for a role
with the privileges of the table's owner, never for the application role (docs/adr/0008-database-roles.md).
"""

from collections.abc import Sequence

from django.core.exceptions import ImproperlyConfigured

from frontdesk.ledger.guards import POSTGRES_FLUSH_ALLOWED, SQLITE_FLUSH_FUNCTION

TABLE = "disclosures_accounting_entry"
REFUSED = "the accounting of disclosures is append-only"

# The application role appends and reads entries; it may not UPDATE, DELETE or TRUNCATE any
# (frontdesk/core/db_roles.py grants exactly this).
APP_PRIVILEGES: dict[str, tuple[str, ...]] = {TABLE: ("SELECT", "INSERT")}

SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER {TABLE}_refuse_delete BEFORE DELETE ON {TABLE}
    WHEN NOT {SQLITE_FLUSH_FUNCTION}()
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: entries cannot be deleted'); END
    """,
    f"""
    CREATE TRIGGER {TABLE}_refuse_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{REFUSED}: entries cannot be changed'); END
    """,
]
SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {TABLE}_refuse_delete",
    f"DROP TRIGGER IF EXISTS {TABLE}_refuse_update",
]

POSTGRES_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION {TABLE}_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{REFUSED}: % refused', TG_OP;
    END $$
    """,
    f"""
    CREATE OR REPLACE FUNCTION {TABLE}_refuse_truncate() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp AS $$
    BEGIN
        IF {POSTGRES_FLUSH_ALLOWED} THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION '{REFUSED}: TRUNCATE refused';
    END $$
    """,
    f"""CREATE TRIGGER {TABLE}_guard_update BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION {TABLE}_refuse()""",
    f"""CREATE TRIGGER {TABLE}_guard_truncate BEFORE TRUNCATE ON {TABLE}
        FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_refuse_truncate()""",
]
POSTGRES_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {TABLE}_guard_update ON {TABLE}",
    f"DROP TRIGGER IF EXISTS {TABLE}_guard_truncate ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_refuse()",
    f"DROP FUNCTION IF EXISTS {TABLE}_refuse_truncate()",
]


def statements(vendor: str, *, install: bool) -> Sequence[str]:
    if vendor == "postgresql":
        return POSTGRES_INSTALL if install else POSTGRES_UNINSTALL
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_UNINSTALL
    raise ImproperlyConfigured(f"No accounting guards for the {vendor} database; add triggers before using it.")
