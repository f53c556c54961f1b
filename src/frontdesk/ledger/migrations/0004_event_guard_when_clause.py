"""Re-install the ledger triggers: on PostgreSQL the ledger_event update guard is now a WHEN clause
(checked in C for each row the sequencer indexes) instead of a PL/pgSQL function; same rule."""

from django.db import migrations

from frontdesk.ledger import guards


def reinstall(apps, schema_editor):
    guards.uninstall(schema_editor.connection)
    guards.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0003_canonical_json_encoder")]

    operations = [migrations.RunPython(reinstall, reinstall)]
