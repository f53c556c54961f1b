"""Triggers that refuse UPDATE and DELETE on the ledger tables (see frontdesk/ledger/guards.py)."""

from django.db import migrations

# guards.py holds the SQL; a change to it needs a new migration that re-installs the triggers.
from frontdesk.ledger import guards


def install(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for sql in guards.statements(schema_editor.connection.vendor, install=True):
            cursor.execute(sql)


def uninstall(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for sql in guards.statements(schema_editor.connection.vendor, install=False):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
