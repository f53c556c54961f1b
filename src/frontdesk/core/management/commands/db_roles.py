import os
from typing import Any

import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from frontdesk.core import db_roles

ADR = "docs/adr/0008-database-roles.md"
ADMIN_ALIAS = "frontdesk_db_roles"


class Command(BaseCommand):
    help = (
        "Create or update the PostgreSQL owner and application roles and their grants (idempotent). "
        "Runs as a superuser: DATABASE_ADMIN_URL, or DATABASE_URL when that is still a superuser's. "
        f"With --print, shows the SQL and changes nothing. See {ADR}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--owner", help="the owner role (default: the user in DATABASE_OWNER_URL)")
        parser.add_argument("--app", help="the application role (default: the user in DATABASE_URL)")
        parser.add_argument("--print", action="store_true", help="print the SQL for review; run nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        app_db = connections[DEFAULT_DB_ALIAS].settings_dict
        if app_db["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError(
                "db_roles is for PostgreSQL. This DATABASE_URL is SQLite, which has no roles: the application "
                f"is the only user of its file, so there is nothing to separate ({ADR})."
            )
        owner_db = settings.FRONTDESK_DATABASE_OWNER
        owner = options["owner"] or (owner_db or {}).get("USER")
        app = options["app"] or (app_db["USER"] if owner_db else None)
        if not owner or not app:
            raise CommandError(
                "Name both roles: set DATABASE_OWNER_URL and DATABASE_URL to the owner's and the application's "
                "URLs (the roles are made from their users and passwords), or pass --owner NAME --app NAME."
            )
        try:
            db_roles.check_role_name(owner, what="The owner")
            db_roles.check_role_name(app, what="The application")
        except ValueError as error:
            raise CommandError(str(error)) from error
        if owner == app:
            raise CommandError(f"The owner and the application need two different roles, not {owner!r} twice.")

        passwords = {}
        if owner_db and owner_db["USER"] == owner and owner_db.get("PASSWORD"):
            passwords[owner] = owner_db["PASSWORD"]
        if app_db["USER"] == app and app_db.get("PASSWORD"):
            passwords[app] = app_db["PASSWORD"]

        if options["print"]:
            statements = db_roles.admin_statements(owner=owner, app=app, database=app_db["NAME"])
            self.stdout.write(f"-- frontdesk db_roles: owner {owner}, application {app} ({ADR})")
            if passwords:
                names = " and ".join(sorted(passwords))
                self.stdout.write(f"-- The passwords of {names} come from the URLs when the command runs; not shown.")
            self.stdout.write(db_roles.as_script(statements))
            return

        admin = self._admin_connection(app_db)
        # Registered under its own alias while it lives: connection signal handlers look it up by alias.
        connections[ADMIN_ALIAS] = admin
        try:
            self._run(admin, owner=owner, app=app, passwords=passwords)
        finally:
            admin.close()
            del connections[ADMIN_ALIAS]
        self.stdout.write(
            f"Roles ready in database {app_db['NAME']}: {owner} owns the schema (`migrate` connects as it, from "
            f"DATABASE_OWNER_URL); {app} owns nothing and may not truncate, delete or rewrite the ledger or the "
            "accounting (DATABASE_URL)."
        )

    def _admin_connection(self, app_db: dict[str, Any]) -> Any:
        url = os.environ.get("DATABASE_ADMIN_URL", "")
        admin_db = dict(app_db)
        if url:
            parsed = dj_database_url.parse(url)
            if parsed["ENGINE"] != app_db["ENGINE"]:
                raise CommandError("DATABASE_ADMIN_URL must be a postgres:// URL for the database of DATABASE_URL.")
            for key in ("NAME", "HOST", "PORT"):
                if parsed[key] != app_db[key]:
                    raise CommandError(
                        f"DATABASE_ADMIN_URL and DATABASE_URL must name the same database; their {key.lower()} "
                        f"differs ({parsed[key]!r} and {app_db[key]!r})."
                    )
            admin_db.update(USER=parsed["USER"], PASSWORD=parsed["PASSWORD"])
        # A connection of its own, so the roles are committed whatever the caller's transaction does.
        return type(connections[DEFAULT_DB_ALIAS])(admin_db, alias=ADMIN_ALIAS)

    def _run(self, admin: Any, *, owner: str, app: str, passwords: dict[str, str]) -> None:
        try:
            with admin.cursor() as cursor:
                cursor.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")
                user, superuser = cursor.fetchone()
        except DatabaseError as error:
            raise CommandError(f"Cannot connect to run db_roles: {error}".strip()) from error
        if not superuser:
            raise CommandError(
                f"db_roles creates roles and hands the schema to the owner, so it must run as a superuser, not "
                f"{user!r}. Set DATABASE_ADMIN_URL to a superuser's URL for this database (e.g. "
                "postgres://postgres@HOST:PORT/DBNAME)."
            )
        if user in {owner, app}:
            raise CommandError(f"db_roles would demote the role running it ({user!r}); run it as another superuser.")
        statements = db_roles.admin_statements(
            owner=owner, app=app, database=admin.settings_dict["NAME"], passwords=passwords
        )
        admin.set_autocommit(False)
        try:
            with admin.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
            admin.commit()
        except DatabaseError as error:
            admin.rollback()
            raise CommandError(f"db_roles changed nothing: {error}".strip()) from error
