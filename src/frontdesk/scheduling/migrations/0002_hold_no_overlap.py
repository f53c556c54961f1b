"""The database itself refuses overlapping active holds of one resource (invariant 1).

PostgreSQL: an exclusion constraint over the half-open time range, for active holds only.
SQLite: triggers that abort an insert or update creating an overlap; writes are already serialized
by BEGIN IMMEDIATE, so the trigger's check cannot race. See docs/adr/0001-no-double-booking.md.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """ALTER TABLE scheduling_resourcehold ADD CONSTRAINT hold_no_overlap
       EXCLUDE USING gist (resource_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
       WHERE (active)""",
]
PG_BACKWARD = ["ALTER TABLE scheduling_resourcehold DROP CONSTRAINT hold_no_overlap"]

_OVERLAP = """
    SELECT RAISE(ABORT, 'hold_no_overlap: resource already held at that time')
    WHERE EXISTS (
        SELECT 1 FROM scheduling_resourcehold h
        WHERE h.resource_id = NEW.resource_id AND h.active AND h.id IS NOT NEW.id
          AND h.starts_at < NEW.ends_at AND NEW.starts_at < h.ends_at
    );
"""
SQLITE_FORWARD = [
    f"""CREATE TRIGGER hold_no_overlap_insert BEFORE INSERT ON scheduling_resourcehold
        WHEN NEW.active BEGIN {_OVERLAP} END""",
    f"""CREATE TRIGGER hold_no_overlap_update BEFORE UPDATE ON scheduling_resourcehold
        WHEN NEW.active BEGIN {_OVERLAP} END""",
]
SQLITE_BACKWARD = ["DROP TRIGGER hold_no_overlap_insert", "DROP TRIGGER hold_no_overlap_update"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        ),
    ]
