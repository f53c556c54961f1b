"""The old walk-in queue is gone: its rows are the floor's tickets now (floor 0004 moved them first;
docs/adr/0040-walk-ins-are-floor-tickets.md)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0010_merge_contact_encrypted_and_waitlist"),
        # The rows are moved into tickets before the table goes (and moved back after it returns).
        ("floor", "0004_walk_ins_into_tickets"),
    ]

    operations = [migrations.DeleteModel(name="WalkIn")]
