"""`frontdesk db_roles` and DATABASE_OWNER_URL: what they refuse, with what message, on any database.

None of these connect: a bogus host proves that --print and the checks run before any connection."""

from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from config.settings.base import database_owner_from_url
from frontdesk.core import db_roles

POSTGRES = "django.db.backends.postgresql"


@pytest.fixture
def postgres_settings(monkeypatch, settings):
    """The default database described as a PostgreSQL one on a host that does not exist."""
    for key, value in {"ENGINE": POSTGRES, "NAME": "frontdesk", "HOST": "nowhere.invalid", "USER": "fd_app"}.items():
        monkeypatch.setitem(connection.settings_dict, key, value)
    monkeypatch.setitem(connection.settings_dict, "PASSWORD", "app secret")
    settings.FRONTDESK_DATABASE_OWNER = {"USER": "fd_owner", "PASSWORD": "owner secret"}
    return settings


def run(*args: str, **options) -> str:
    out = StringIO()
    call_command("db_roles", *args, stdout=out, **options)
    return out.getvalue()


def test_sqlite_is_refused_with_the_reason(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "ENGINE", "django.db.backends.sqlite3")
    for args in ([], ["--print"], ["--owner", "a_owner", "--app", "a_app"]):
        with pytest.raises(CommandError, match="SQLite, which has no roles"):
            run(*args)


def test_print_shows_one_reviewable_transaction_and_connects_to_nothing(postgres_settings):
    script = run("--print")
    assert script.startswith("-- frontdesk db_roles: owner fd_owner, application fd_app")
    assert "BEGIN;" in script and script.rstrip().endswith("COMMIT;")
    assert "pg_advisory_xact_lock" in script
    assert 'CREATE ROLE "fd_owner"' in script and 'CREATE ROLE "fd_app"' in script
    assert 'ALTER ROLE "fd_app" LOGIN NOSUPERUSER' in script
    assert 'GRANT UPDATE (hashes) ON TABLE public."ledger_tile" TO "fd_app"' in script
    assert 'GRANT DELETE ON TABLE public."ledger_pending" TO "fd_app"' in script
    assert 'GRANT SELECT, INSERT ON TABLE public."disclosures_accounting_entry"' not in script  # one per line
    assert 'GRANT INSERT ON TABLE public."disclosures_accounting_entry" TO "fd_app"' in script
    assert 'REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM "fd_app"' in script
    assert 'ALTER DEFAULT PRIVILEGES FOR ROLE "fd_owner"' in script
    # Passwords are set when the command runs, never printed, not even as a verifier.
    assert "secret" not in script and "SCRAM" not in script and "PASSWORD" not in script
    assert "fd_app and fd_owner come from the URLs" in script


def test_flags_name_the_roles_without_the_urls(postgres_settings):
    postgres_settings.FRONTDESK_DATABASE_OWNER = None
    script = run("--print", "--owner", "site_owner", "--app", "site_app")
    assert 'CREATE ROLE "site_owner"' in script and 'GRANT CONNECT ON DATABASE "frontdesk" TO "site_app"' in script
    with pytest.raises(CommandError, match="Name both roles"):
        run("--print")


@pytest.mark.parametrize(
    ("owner", "app", "message"),
    [
        ("fd_owner", "fd_owner", "two different roles"),
        ("postgres", "fd_app", "not usable"),
        ("fd_owner", "pg_monitor", "not usable"),
        ("fd_owner", 'x"; DROP TABLE ledger_event; --', "not usable"),
        ("Owner", "fd_app", "lower-case"),
    ],
)
def test_unusable_role_names_are_refused(postgres_settings, owner, app, message):
    with pytest.raises(CommandError, match=message):
        run("--print", "--owner", owner, "--app", app)


def test_the_admin_url_must_name_the_same_database(postgres_settings, monkeypatch):
    monkeypatch.setenv("DATABASE_ADMIN_URL", "postgres://postgres@nowhere.invalid:5432/elsewhere")
    with pytest.raises(CommandError, match="must name the same database; their name differs"):
        run()


APP = {"ENGINE": POSTGRES, "NAME": "frontdesk", "HOST": "db", "PORT": 5432, "USER": "fd_app"}


def test_owner_url_is_optional_and_parsed_for_migrate():
    assert database_owner_from_url("", APP) is None
    owner = database_owner_from_url("postgres://fd_owner:s3cret@db:5432/frontdesk", APP)
    assert (owner["USER"], owner["PASSWORD"], owner["NAME"]) == ("fd_owner", "s3cret", "frontdesk")


@pytest.mark.parametrize(
    ("url", "app", "message"),
    [
        ("sqlite:///owner.sqlite3", APP, "is for PostgreSQL"),
        ("postgres://fd_owner@db/frontdesk", {**APP, "ENGINE": "django.db.backends.sqlite3"}, "is for PostgreSQL"),
        ("postgres://fd_owner@db:5432/other", APP, "their name differs"),
        ("postgres://fd_owner@elsewhere:5432/frontdesk", APP, "their host differs"),
        ("postgres://fd_app@db:5432/frontdesk", APP, "both connect as 'fd_app'"),
    ],
)
def test_owner_url_that_cannot_work_stops_the_settings(url, app, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        database_owner_from_url(url, app)


def test_the_guarded_tables_match_the_guards():
    """A ledger table added to the triggers without its grants (or the reverse) fails here."""
    from frontdesk.disclosures import guards as accounting
    from frontdesk.ledger import guards as ledger

    assert set(ledger.APP_PRIVILEGES) == {*ledger.LEDGER_TABLES, ledger.QUEUE_TABLE}
    assert set(db_roles.GUARDED) == {*ledger.LEDGER_TABLES, ledger.QUEUE_TABLE, accounting.TABLE, "django_migrations"}
    # Only the pending queue may be emptied (by the sequencer); nothing may be truncated.
    assert all(
        "DELETE" not in rights and "TRUNCATE" not in rights
        for table, rights in db_roles.GUARDED.items()
        if table != ledger.QUEUE_TABLE
    )
    assert db_roles.GUARDED[ledger.QUEUE_TABLE] == ("SELECT", "INSERT", "DELETE")
