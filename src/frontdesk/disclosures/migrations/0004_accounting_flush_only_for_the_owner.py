"""Re-install the accounting triggers: the TRUNCATE guard now honours the flush setting only for a role
with the privileges of the table's owner (docs/adr/0008-database-roles.md)."""

from django.db import migrations

from frontdesk.disclosures import guards


def reinstall(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for sql in guards.statements(schema_editor.connection.vendor, install=False):
            cursor.execute(sql)
        for sql in guards.statements(schema_editor.connection.vendor, install=True):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("disclosures", "0003_evidence_encrypted")]

    operations = [migrations.RunPython(reinstall, reinstall)]
