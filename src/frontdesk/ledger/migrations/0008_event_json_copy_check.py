"""PostgreSQL holds every event's JSON copy to its canonical text (`CHECK (event = canonical::jsonb)`), so
`ledger verify` checks the constraint instead of parsing every row's text again
(docs/adr/0037-ledger-at-ten-million.md). Not atomic: the constraint is added NOT VALID and validated
in its own step, a table scan that does not block inserts. Nothing to do on SQLite."""

from django.db import migrations

from frontdesk.ledger import guards


def add(apps, schema_editor):
    guards.json_copy_constraint_add(schema_editor.connection)


def drop(apps, schema_editor):
    guards.json_copy_constraint_drop(schema_editor.connection)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("ledger", "0007_ledger_leaf_table")]

    operations = [migrations.RunPython(add, drop)]
