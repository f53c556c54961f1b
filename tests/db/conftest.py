"""Fixtures for the PostgreSQL role tests: a per-test-database owner and application role.

Roles are cluster-wide, so their names come from the test database's name (test_x_gw0_owner, ...):
xdist workers and other runs on the same cluster never share one. `frontdesk db_roles` takes an
advisory lock, and so does the clean-up, so concurrent runs never race on the catalog.
"""

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, transaction

from frontdesk.core import db_roles
from tests.disclosures.conftest import (  # noqa: F401 (the disclosure fixtures, for the release test)
    appointment,
    catalog,
    clients,
    office,
    staff,
)


@dataclass(frozen=True)
class Roles:
    owner: str
    app: str
    app_password: str
    database: str
    admin: str

    def login(self, user: str, password: str = "") -> psycopg.Connection:
        params = connection.settings_dict
        return psycopg.connect(
            host=params["HOST"] or None,
            port=params["PORT"] or None,
            dbname=self.database,
            user=user,
            password=password or None,
            autocommit=True,
        )


def sql(statement: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


@pytest.fixture(scope="module")
def roles(django_db_setup, django_db_blocker) -> Iterator[Roles]:
    if connection.vendor != "postgresql":
        pytest.skip("roles and grants are PostgreSQL's; SQLite has one user per file")
    with django_db_blocker.unblock():
        database = connection.settings_dict["NAME"]
        base = re.sub(r"[^a-z0-9_]", "_", database.lower())[:48]
        [(admin,)] = sql("SELECT current_user")
        made = Roles(f"{base}_owner", f"{base}_app", secrets.token_urlsafe(16), database, admin)
        call_command("db_roles", owner=made.owner, app=made.app, stdout=StringIO())
        verifier = db_roles.scram_verifier(made.app_password)
        sql(f"ALTER ROLE {db_roles.ident(made.app)} PASSWORD {db_roles.literal(verifier)}")
        try:
            yield made
        finally:
            connection.close()  # a test may have left the connection in another role's hands
            with transaction.atomic():
                sql(f"SELECT pg_advisory_xact_lock({db_roles.ADVISORY_LOCK_KEY})")
                # The schema goes back to the role that made it, as the rest of the suite expects.
                sql(f"REASSIGN OWNED BY {db_roles.ident(made.owner)} TO {db_roles.ident(admin)}")
                for role in (made.owner, made.app):
                    sql(f"DROP OWNED BY {db_roles.ident(role)}")
                    sql(f"DROP ROLE {db_roles.ident(role)}")


@contextmanager
def acting_as(role: str) -> Iterator[None]:
    """Run Django's connection as `role` (privileges are checked against current_user, which SET ROLE sets)."""
    sql(f"SET ROLE {db_roles.ident(role)}")
    try:
        yield
    finally:
        sql("RESET ROLE")


@pytest.fixture
def app_role(roles, db) -> Iterator[Roles]:
    """The test's database work runs as the application role from here on."""
    with acting_as(roles.app):
        yield roles


@pytest.fixture
def app_login(roles) -> Iterator[psycopg.Connection]:
    """A connection that logs in as the application role, as the running application does."""
    with roles.login(roles.app, roles.app_password) as login:
        yield login
