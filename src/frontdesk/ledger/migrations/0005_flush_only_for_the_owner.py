"""Re-install the ledger triggers: the TRUNCATE guard now honours the flush setting only for a role with
the privileges of the table's owner, so the application role has no switch (docs/adr/0008-database-roles.md)."""

from django.db import migrations

from frontdesk.ledger import guards


def reinstall(apps, schema_editor):
    guards.uninstall(schema_editor.connection)
    guards.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_event_guard_when_clause")]

    operations = [migrations.RunPython(reinstall, reinstall)]
