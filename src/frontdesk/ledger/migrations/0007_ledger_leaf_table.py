"""Insert-only leaves: an event's leaf index moves from `ledger_event.leaf_index` (set by an UPDATE per
event) to the new `ledger_leaf` table, and unsequenced events wait in `ledger_pending`
(docs/adr/0028-ledger-insert-only-leaves.md). Every existing event keeps its index or its place in the
queue: the copy runs before the column is dropped, in the same transaction."""

from django.db import migrations, models

from frontdesk.ledger import guards


def uninstall_guards(apps, schema_editor):
    guards.uninstall(schema_editor.connection)


def install_guards(apps, schema_editor):
    guards.install(schema_editor.connection)


def copy_indices(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_leaf (leaf_index, event_id) "
            "SELECT leaf_index, id FROM ledger_event WHERE leaf_index IS NOT NULL ORDER BY leaf_index"
        )
        cursor.execute(
            "INSERT INTO ledger_pending (event_id, commitment) "
            "SELECT id, commitment FROM ledger_event WHERE leaf_index IS NULL ORDER BY id"
        )


def restore_indices(apps, schema_editor):
    """Backwards: the column is back (empty); give each sequenced event its index again."""
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_event SET leaf_index = "
            "(SELECT leaf_index FROM ledger_leaf WHERE ledger_leaf.event_id = ledger_event.id)"
        )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0006_witnesses_and_cosignatures")]

    operations = [
        # The old update guard names leaf_index; it goes first, and comes back (new rules) at the end.
        migrations.RunPython(uninstall_guards, install_guards),
        migrations.CreateModel(
            name="LedgerPending",
            fields=[
                (
                    "event",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="ledger.ledgerevent",
                    ),
                ),
                ("commitment", models.BinaryField(max_length=32)),
            ],
            options={"db_table": "ledger_pending"},
        ),
        migrations.CreateModel(
            name="LedgerLeaf",
            fields=[
                ("index", models.BigIntegerField(db_column="leaf_index", primary_key=True, serialize=False)),
                (
                    "event",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        related_name="leaf",
                        to="ledger.ledgerevent",
                    ),
                ),
            ],
            options={"db_table": "ledger_leaf"},
        ),
        migrations.RunPython(copy_indices, restore_indices),
        migrations.RemoveIndex(model_name="ledgerevent", name="ledger_event_unsequenced"),
        migrations.RemoveField(model_name="ledgerevent", name="index"),
        migrations.AlterModelOptions(name="ledgerevent", options={"base_manager_name": "objects"}),
        migrations.RunPython(install_guards, uninstall_guards),
    ]
