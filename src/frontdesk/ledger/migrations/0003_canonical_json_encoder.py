"""The JSON copy of each event is written with the canonical encoder. Python-side only: the column
does not change, and an AlterField would make SQLite rebuild the table and lose its triggers."""

from django.db import migrations, models

import frontdesk.ledger.models


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_append_only_guards")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="ledgerevent",
                    name="event",
                    field=models.JSONField(encoder=frontdesk.ledger.models.CanonicalJSONEncoder),
                ),
            ],
        ),
    ]
