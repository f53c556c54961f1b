"""Load the service catalog (reference data, kept in frontdesk.scheduling.catalog)."""

from django.db import migrations


def load(apps, schema_editor):
    from frontdesk.scheduling.catalog import catalog_sync

    catalog_sync(apps.get_model("scheduling", "Service"))


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_hold_no_overlap")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
