"""The application's PostgreSQL role can do the day's work and cannot empty, rewrite or unguard the ledger
or the accounting of disclosures (docs/adr/0008-database-roles.md). PostgreSQL only: SQLite has no roles."""

import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import psycopg
import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction

from frontdesk.core.crypto import pseudonym
from frontdesk.disclosures.models import AccountingEntry
from frontdesk.ledger import guards
from frontdesk.ledger.models import LedgerCheckpoint, LedgerEvent, LedgerTile, LedgerTree
from frontdesk.ledger.services import checkpoint_create, event_append, ledger_sequence
from frontdesk.scheduling import services as scheduling
from frontdesk.scheduling.models import Service
from tests.db.conftest import acting_as, sql
from tests.disclosures.conftest import release, sign, take_in
from tests.factories import OfficeFactory, person, staff_resource

ACCOUNTING = "disclosures_accounting_entry"
GUARDED = [*guards.LEDGER_TABLES, ACCOUNTING]
KEY_COLUMN = {"ledger_leaf": "leaf_index"}  # the tables without an id column
GUARD_FUNCTIONS = [
    "ledger_refuse",
    "ledger_refuse_truncate",
    "ledger_tile_extend_only",
    "ledger_tree_grow_only",
    f"{ACCOUNTING}_refuse",
    f"{ACCOUNTING}_refuse_truncate",
]
TRIGGERS = {table: f"{table}_guard_delete" for table in guards.LEDGER_TABLES}
TRIGGERS[ACCOUNTING] = f"{ACCOUNTING}_guard_update"
PRIVILEGE = "42501"  # insufficient_privilege
GUARD = "P0001"  # raise_exception, from a guard trigger
NY = ZoneInfo("America/New_York")
SUBJECT = pseudonym("person", "someone")


def refused(login: psycopg.Connection, *statements: str) -> psycopg.Error:
    """Run the statements in one transaction as the login's role; return the error that stopped them."""
    with pytest.raises(psycopg.Error) as failure, login.transaction():
        for statement in statements:
            login.execute(statement)
    return failure.value


def refused_here(statement: str) -> str:
    """The same through Django's connection (in a savepoint, so the test goes on); returns the SQLSTATE."""
    with pytest.raises(DatabaseError) as failure, transaction.atomic():
        sql(statement)
    return failure.value.__cause__.sqlstate


def book(office, hour: int, last_name: str = "Rivera"):
    return scheduling.appointment_book(
        actor=None,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=datetime(2027, 3, 15, hour, tzinfo=NY),
        person=person(last_name),
        now=datetime(2027, 3, 1, tzinfo=UTC),
    )


def append(count: int) -> None:
    with transaction.atomic():
        for i in range(count):
            event_append(type="records.person.viewed", actor=None, purpose=f"visit {i}", subjects=[SUBJECT])


# --- What the role is ---------------------------------------------------------------------------------


def test_the_application_role_owns_nothing_and_is_no_one_else(roles, db):
    [(superuser, createrole, createdb, bypassrls, replication)] = sql(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication FROM pg_roles WHERE rolname = %s",
        [roles.app],
    )
    assert not (superuser or createrole or createdb or bypassrls or replication)
    assert sql("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [roles.owner]) == [(False,)]
    owned = sql(
        "SELECT count(*) FROM pg_class WHERE relowner = %s::regrole "
        "UNION ALL SELECT count(*) FROM pg_proc WHERE proowner = %s::regrole "
        "UNION ALL SELECT count(*) FROM pg_namespace WHERE nspowner = %s::regrole "
        "UNION ALL SELECT count(*) FROM pg_database WHERE datdba = %s::regrole "
        "UNION ALL SELECT count(*) FROM pg_auth_members WHERE member = %s::regrole",
        [roles.app] * 5,
    )
    assert owned == [(0,)] * 5
    # Every table of the schema, the guarded ones included, belongs to the owner.
    assert (
        sql(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') "
            "AND relowner <> %s::regrole",
            [roles.owner],
        )
        == []
    )


def test_guarded_tables_grant_only_what_the_triggers_allow(roles, db):
    def rights(table: str) -> set[str]:
        return {
            privilege
            for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
            if sql("SELECT has_table_privilege(%s, %s, %s)", [roles.app, table, privilege])[0][0]
        }

    def updatable(table: str) -> list[str]:
        rows = sql(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
            "AND has_column_privilege(%s, attrelid, attnum, 'UPDATE') ORDER BY attname",
            [table, roles.app],
        )
        return [name for (name,) in rows]

    assert {table: rights(table) for table in GUARDED} == {table: {"SELECT", "INSERT"} for table in GUARDED}
    # The pending queue is the one ledger table the application deletes from (the sequencer empties it).
    assert rights("ledger_pending") == {"SELECT", "INSERT", "DELETE"}
    assert updatable("ledger_pending") == []
    assert {table: updatable(table) for table in GUARDED} == {
        "ledger_event": [],
        "ledger_leaf": [],
        "ledger_tile": ["hashes"],
        "ledger_tree": ["frontier", "size"],
        "ledger_checkpoint": [],
        ACCOUNTING: [],
    }
    assert rights("django_migrations") == {"SELECT"}
    assert rights("scheduling_appointment") == {"SELECT", "INSERT", "UPDATE", "DELETE"}


# --- What it cannot do, logged in as the application -----------------------------------------------------


@pytest.mark.parametrize("flush", [False, True], ids=["plain", "with-flush-setting"])
@pytest.mark.parametrize("table", GUARDED)
def test_truncate_is_refused(app_login, table, flush):
    statements = [f"SET LOCAL {guards.FLUSH_SETTING} = 'on'"] if flush else []
    error = refused(app_login, *statements, f"TRUNCATE {table} CASCADE")
    assert error.sqlstate == PRIVILEGE, error


def test_the_issue_s_truncate_of_everything_is_refused(app_login):
    tables = ", ".join(GUARDED)
    error = refused(app_login, f"SET LOCAL {guards.FLUSH_SETTING} = 'on'", f"TRUNCATE {tables} CASCADE")
    assert error.sqlstate == PRIVILEGE


@pytest.mark.parametrize("table", GUARDED)
def test_the_triggers_cannot_be_disabled_dropped_or_taken_over(app_login, table):
    for statement in (
        f"ALTER TABLE {table} DISABLE TRIGGER ALL",
        f"ALTER TABLE {table} DISABLE TRIGGER {TRIGGERS[table]}",
        f"DROP TRIGGER {TRIGGERS[table]} ON {table}",
        f"ALTER TABLE {table} OWNER TO CURRENT_USER",
        f"CREATE TRIGGER sneak BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION ledger_refuse()",
        f"DELETE FROM {table}",  # noqa: S608
        f"UPDATE {table} SET {KEY_COLUMN.get(table, 'id')} = {KEY_COLUMN.get(table, 'id')}",  # noqa: S608
    ):
        assert refused(app_login, statement).sqlstate == PRIVILEGE, statement


def test_session_replication_role_cannot_be_set(app_login):
    for statement in ("SET session_replication_role = replica", "SET LOCAL session_replication_role = replica"):
        error = refused(app_login, statement)
        assert error.sqlstate == PRIVILEGE and "session_replication_role" in str(error)


@pytest.mark.parametrize("function", GUARD_FUNCTIONS)
def test_the_guard_functions_cannot_be_replaced_or_dropped(app_login, function):
    body = "RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$"
    for statement in (
        f"CREATE OR REPLACE FUNCTION public.{function}() {body}",
        f"CREATE OR REPLACE FUNCTION {function}() {body}",
        f"DROP FUNCTION public.{function}() CASCADE",
        f"ALTER FUNCTION public.{function}() OWNER TO CURRENT_USER",
    ):
        assert refused(app_login, statement).sqlstate == PRIVILEGE, statement


def test_the_application_cannot_become_the_owner_or_make_objects(app_login, roles):
    for statement in (
        f'SET ROLE "{roles.owner}"',
        f'SET SESSION AUTHORIZATION "{roles.owner}"',
        "CREATE TABLE public.ledger_shadow (id int)",
        "CREATE SCHEMA shadow",
        f'GRANT "{roles.owner}" TO CURRENT_USER',
    ):
        assert refused(app_login, statement).sqlstate == PRIVILEGE, statement


# --- What it does every day ---------------------------------------------------------------------------


def test_the_application_books_appends_sequences_and_signs_checkpoints(app_role, signing_key):
    office = OfficeFactory()
    staff_resource(office)
    appointment = book(office, 10)
    assert appointment.code
    assert ledger_sequence() == LedgerEvent.objects.count() >= 1
    first = checkpoint_create(force=True)

    append(40)  # the partial tiles are extended, the tree grows
    size = ledger_sequence()
    second = checkpoint_create(force=True)

    assert sql("SELECT current_user") == [(app_role.app,)]
    assert size == LedgerEvent.objects.count() == second.size > first.size
    assert LedgerTree.objects.get().size == size
    assert LedgerEvent.objects.filter(index__isnull=True).count() == 0
    call_command("ledger", "verify", stdout=io.StringIO())


def test_ledger_rows_cannot_be_deleted_or_rewritten_by_the_application(app_role, signing_key):
    append(20)
    ledger_sequence()
    checkpoint_create(force=True)
    before = [model.objects.count() for model in (LedgerEvent, LedgerTile, LedgerTree, LedgerCheckpoint)]

    for statement in (
        "DELETE FROM ledger_event",
        "UPDATE ledger_event SET event = '{}'::jsonb",
        "UPDATE ledger_event SET canonical = ''",
        "DELETE FROM ledger_leaf",
        "UPDATE ledger_leaf SET leaf_index = leaf_index + 1000",
        "UPDATE ledger_pending SET commitment = ''",
        "DELETE FROM ledger_tile",
        "UPDATE ledger_tile SET level = level + 1",
        "DELETE FROM ledger_tree",
        "UPDATE ledger_tree SET id = 2",
        "DELETE FROM ledger_checkpoint",
        "UPDATE ledger_checkpoint SET note = ''",
    ):
        assert refused_here(statement) == PRIVILEGE, statement
    # The columns it may update, it may update only as the guards allow.
    for statement in (
        "UPDATE ledger_tile SET hashes = substring(hashes FROM 1 FOR 32)",
        "UPDATE ledger_tree SET size = size - 1",
    ):
        assert refused_here(statement) == GUARD, statement
    assert [model.objects.count() for model in (LedgerEvent, LedgerTile, LedgerTree, LedgerCheckpoint)] == before
    call_command("ledger", "verify", stdout=io.StringIO())


def test_a_temporary_function_cannot_stand_in_for_a_guard(app_role):
    append(3)
    ledger_sequence()
    sql(
        "CREATE FUNCTION pg_temp.ledger_tree_grow_only() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RETURN NEW; END $$"
    )
    sql("SET LOCAL search_path = pg_temp, public")
    assert refused_here("UPDATE ledger_tree SET size = 0") == GUARD
    assert LedgerTree.objects.get().size == 3


@pytest.mark.parametrize("table", ["ledger_checkpoint", ACCOUNTING])
def test_the_flush_setting_is_no_switch_even_with_a_truncate_grant(roles, db, table):
    """Were TRUNCATE ever granted to the application by mistake, the trigger still refuses it."""
    # Cosignatures refer to checkpoints: truncating checkpoints needs CASCADE, and the grant on both.
    tables = ", ".join([table, *({"ledger_checkpoint": ["ledger_cosignature"]}.get(table, []))])
    sql(f'GRANT TRUNCATE ON {tables} TO "{roles.app}"')
    with acting_as(roles.app):
        sql(f"SET LOCAL {guards.FLUSH_SETTING} = 'on'")
        assert refused_here(f"TRUNCATE {table} CASCADE") == GUARD


def test_the_owner_may_flush_and_only_with_the_setting(roles, db):
    """Django's flush (tests, `manage.py flush`) still works for the role that owns the tables."""
    append(2)
    tables = ", ".join(GUARDED)
    with acting_as(roles.owner):
        assert refused_here(f"TRUNCATE {tables} CASCADE") == GUARD
        sql(f"SET LOCAL {guards.FLUSH_SETTING} = 'on'")
        sql(f"TRUNCATE {tables} CASCADE")
    assert LedgerEvent.objects.count() == 0


def test_the_application_releases_a_disclosure_and_cannot_touch_the_accounting(
    app_role, catalog, clients, office, appointment
):
    received = take_in(clients["clerk"])
    signers = {"office_manager": "manager", "regional_privacy_officer": "rpo", "general_counsel": "counsel"}
    for role, who in signers.items():
        assert sign(clients[who], received["id"], role).status_code == 201
    response = release(clients["rpo"], received["id"])
    assert response.status_code == 201, response.content
    assert response.json()["accounting_entries"] == AccountingEntry.objects.count() == 1

    for statement in (
        f"DELETE FROM {ACCOUNTING}",  # noqa: S608
        f"UPDATE {ACCOUNTING} SET purpose = 'nothing to see'",  # noqa: S608
        f"UPDATE {ACCOUNTING} SET retain_until = retain_until - 3650",  # noqa: S608
    ):
        assert refused_here(statement) == PRIVILEGE, statement
    assert AccountingEntry.objects.get().purpose != "nothing to see"
