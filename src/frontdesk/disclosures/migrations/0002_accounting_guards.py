"""Triggers that refuse UPDATE and DELETE on the accounting of disclosures (see disclosures/guards.py)."""

from django.db import migrations

# guards.py holds the SQL; a change to it needs a new migration that re-installs the triggers.
from frontdesk.disclosures import guards


def install(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for sql in guards.statements(schema_editor.connection.vendor, install=True):
            cursor.execute(sql)


def uninstall(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for sql in guards.statements(schema_editor.connection.vendor, install=False):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("disclosures", "0001_initial"), ("ledger", "0002_append_only_guards")]

    operations = [migrations.RunPython(install, uninstall)]
