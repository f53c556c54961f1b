"""Load the service catalog (reference data, kept in frontdesk.scheduling.catalog)."""

from django.db import migrations


def load(apps, schema_editor):
    from frontdesk.scheduling.catalog import SERVICES

    Service = apps.get_model("scheduling", "Service")
    for entry in SERVICES:
        fields = {k: v for k, v in entry.items() if k != "code"}
        Service.objects.update_or_create(code=entry["code"], defaults=fields)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_hold_no_overlap")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
