"""Triggers that refuse UPDATE and DELETE on the ledger tables (see frontdesk/ledger/guards.py)."""

from django.db import migrations

# guards.py holds the SQL; a change to it needs a new migration that re-installs the triggers.
from frontdesk.ledger import guards


def install(apps, schema_editor):
    guards.install(schema_editor.connection)  # only the statements for tables that exist by now


def uninstall(apps, schema_editor):
    guards.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
