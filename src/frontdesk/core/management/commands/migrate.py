"""`migrate`, connecting as the schema owner when DATABASE_OWNER_URL is set (docs/adr/0008-database-roles.md).

The application's own role (DATABASE_URL) owns nothing, so it cannot create or alter a table; the owner
runs the migrations, then re-applies the application's grants so that new tables follow the rules.
Without DATABASE_OWNER_URL (SQLite, the test suite, a one-role demo) this is Django's migrate unchanged.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from frontdesk.core import db_roles


class Command(migrate.Command):
    help = f"{migrate.Command.help} Runs as the schema owner when DATABASE_OWNER_URL is set."

    def handle(self, *args: Any, **options: Any) -> None:
        owner = settings.FRONTDESK_DATABASE_OWNER
        alias = options["database"]
        if owner is None or alias != DEFAULT_DB_ALIAS:
            super().handle(*args, **options)
            return
        app_connection = connections[alias]
        app_role = app_connection.settings_dict["USER"]
        owner_connection = type(app_connection)(
            {**app_connection.settings_dict, "USER": owner["USER"], "PASSWORD": owner["PASSWORD"]}, alias
        )
        app_connection.close()
        connections[alias] = owner_connection
        try:
            self._check_owner(owner_connection, owner["USER"])
            super().handle(*args, **options)
            if not (options["plan"] or options["check_unapplied"]):
                with owner_connection.cursor() as cursor:
                    for sql in db_roles.grant_statements(owner=owner["USER"], app=app_role):
                        cursor.execute(sql)
        finally:
            owner_connection.close()
            connections[alias] = app_connection

    def _check_owner(self, connection: Any, owner: str) -> None:
        """Refuse early, with the fix, when the owner cannot connect or does not own the schema yet."""
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
                    "AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND c.relowner <> current_user::regrole "
                    "AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
                    "AND d.objid = c.oid AND d.deptype = 'e') ORDER BY c.relname"
                )
                foreign = [name for (name,) in cursor.fetchall()]
        except DatabaseError as error:
            raise CommandError(
                f"Cannot connect as the owner role {owner!r} from DATABASE_OWNER_URL: {error}".strip()
                + "\nCreate the roles first: DATABASE_ADMIN_URL=postgres://SUPERUSER@HOST/DB frontdesk db_roles"
            ) from error
        if foreign:
            shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise CommandError(
                f"{len(foreign)} tables in schema public belong to another role than {owner!r} ({shown}), so "
                f"{owner!r} cannot migrate them. Hand them over with `frontdesk db_roles` (as a superuser: "
                "DATABASE_ADMIN_URL), then run migrate again."
            )
