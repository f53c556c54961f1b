"""`frontdesk db_roles` and `migrate` as the owner, against PostgreSQL (skipped on SQLite: no roles there)."""

import base64
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection

from frontdesk.core import db_roles
from tests.db.conftest import sql
from tests.threads import run_together


def state(login) -> dict:
    """Everything db_roles decides: role attributes, owners, table, column and default privileges."""
    queries = {
        "roles": "SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, "
        "rolbypassrls FROM pg_roles WHERE rolname LIKE %s ORDER BY rolname",
        "tables": "SELECT relname, relowner::regrole::text, relacl::text FROM pg_class "
        "WHERE relnamespace = 'public'::regnamespace ORDER BY relname",
        "columns": "SELECT attrelid::regclass::text, attname, attacl::text FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = 'public'::regnamespace "
        "AND attacl IS NOT NULL ORDER BY 1, 2",
        "defaults": "SELECT defaclrole::regrole::text, defaclobjtype, defaclacl::text FROM pg_default_acl "
        "ORDER BY 1, 2",
        "database": "SELECT datacl::text FROM pg_database WHERE datname = current_database()",
        "schema": "SELECT nspacl::text FROM pg_namespace WHERE nspname = 'public'",
        "members": "SELECT roleid::regrole::text, member::regrole::text FROM pg_auth_members ORDER BY 1, 2",
    }
    prefix = connection.settings_dict["NAME"].lower()[:20] + "%"
    return {
        name: login.execute(query, [prefix] if "%s" in query else None).fetchall() for name, query in queries.items()
    }


def test_running_it_again_changes_nothing(roles, django_db_blocker):
    with roles.login(roles.admin) as admin, django_db_blocker.unblock():
        before = state(admin)
        assert before["tables"] and before["defaults"]
        call_command("db_roles", owner=roles.owner, app=roles.app, stdout=StringIO())
        assert state(admin) == before


def test_it_undoes_a_grant_that_should_not_be_there(roles, django_db_blocker):
    with roles.login(roles.admin) as admin, django_db_blocker.unblock():
        admin.execute(f'GRANT DELETE, TRUNCATE, TRIGGER ON ledger_event, ledger_checkpoint TO "{roles.app}"')
        admin.execute(f'GRANT "{roles.owner}" TO "{roles.app}"')
        call_command("db_roles", owner=roles.owner, app=roles.app, stdout=StringIO())
        for table in ("ledger_event", "ledger_checkpoint"):
            for privilege in ("DELETE", "TRUNCATE", "TRIGGER"):
                row = admin.execute("SELECT has_table_privilege(%s, %s, %s)", [roles.app, table, privilege]).fetchone()
                assert row == (False,), (table, privilege)
        assert admin.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [roles.app, roles.owner]).fetchone() == (False,)


def test_it_refuses_to_run_as_a_role_that_is_not_a_superuser(roles, django_db_blocker, monkeypatch):
    params = connection.settings_dict
    url = f"postgres://{roles.app}:{roles.app_password}@{params['HOST']}:{params['PORT']}/{params['NAME']}"
    monkeypatch.setenv("DATABASE_ADMIN_URL", url)
    with django_db_blocker.unblock(), pytest.raises(CommandError, match="must run as a superuser"):
        call_command("db_roles", owner=roles.owner, app=roles.app, stdout=StringIO())


def test_two_runs_at_once_both_succeed(roles, django_db_blocker):
    """Roles are cluster-wide: without the advisory lock the second CREATE ROLE fails on a duplicate."""
    owner, app = roles.owner.replace("_owner", "_race_owner"), roles.app.replace("_app", "_race_app")

    def run(_: int) -> None:
        call_command("db_roles", owner=owner, app=app, stdout=StringIO())

    with roles.login(roles.admin) as admin, django_db_blocker.unblock():
        try:
            errors = [outcome for outcome in run_together(3, run) if isinstance(outcome, Exception)]
            assert errors == []
            made = admin.execute("SELECT count(*) FROM pg_roles WHERE rolname IN (%s, %s)", [owner, app]).fetchone()
            assert made == (2,)
        finally:
            with admin.transaction():
                admin.execute(f"SELECT pg_advisory_xact_lock({db_roles.ADVISORY_LOCK_KEY})")
                admin.execute(f'REASSIGN OWNED BY "{owner}" TO "{roles.owner}"')
                for role in (owner, app):
                    if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
                        admin.execute(f'DROP OWNED BY "{role}"')
                        admin.execute(f'DROP ROLE "{role}"')


def test_the_verifier_is_the_one_postgres_makes(roles, db):
    name = roles.owner.replace("_owner", "_scram")
    sql("SET LOCAL password_encryption = 'scram-sha-256'")
    sql(f"CREATE ROLE \"{name}\" PASSWORD 'correct horse battery'")  # rolled back with the test
    [(stored,)] = sql("SELECT rolpassword FROM pg_authid WHERE rolname = %s", [name])
    iterations, salt = stored.split("$")[1].split(":")
    ours = db_roles.scram_verifier("correct horse battery", salt=base64.b64decode(salt), iterations=int(iterations))
    assert ours == stored


@pytest.fixture
def as_two_roles(roles, settings, monkeypatch, django_db_blocker):
    """Django configured as in production: DATABASE_URL is the application, DATABASE_OWNER_URL the owner."""
    with django_db_blocker.unblock():
        connection.close()
        monkeypatch.setitem(connection.settings_dict, "USER", roles.app)
        monkeypatch.setitem(connection.settings_dict, "PASSWORD", roles.app_password)
        settings.FRONTDESK_DATABASE_OWNER = {"USER": roles.owner, "PASSWORD": ""}
        try:
            yield roles
        finally:
            connection.close()  # the next test connects as the suite's own role again


def test_migrate_runs_as_the_owner_and_puts_the_grants_back(as_two_roles):
    roles = as_two_roles
    with roles.login(roles.admin) as admin:
        admin.execute(f'GRANT UPDATE, DELETE ON disclosures_accounting_entry TO "{roles.app}"')
        call_command("migrate", verbosity=0)
        for privilege in ("UPDATE", "DELETE"):
            row = admin.execute(
                "SELECT has_table_privilege(%s, 'disclosures_accounting_entry', %s)", [roles.app, privilege]
            ).fetchone()
            assert row == (False,), privilege
    # Afterwards Django is the application again.
    assert sql("SELECT current_user") == [(roles.app,)]


def test_migrate_names_the_tables_the_owner_does_not_own_and_the_fix(as_two_roles):
    roles = as_two_roles
    with roles.login(roles.admin) as admin:
        admin.execute(f'ALTER TABLE django_session OWNER TO "{roles.admin}"')
        try:
            with pytest.raises(CommandError, match=r"1 tables in schema public belong to another .*django_session"):
                call_command("migrate", verbosity=0)
        finally:
            admin.execute(f'ALTER TABLE django_session OWNER TO "{roles.owner}"')


def test_the_application_role_cannot_migrate(as_two_roles, settings):
    """Without the owner's URL, migrate as the application fails at the first change it tries."""
    settings.FRONTDESK_DATABASE_OWNER = None
    with pytest.raises(DatabaseError, match=r"must be owner of (table|relation|function) ledger_"):
        call_command("migrate", "ledger", "0004", verbosity=0)
