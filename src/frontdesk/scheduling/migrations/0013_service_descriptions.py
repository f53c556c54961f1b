"""Service descriptions that no longer say "in person" a second time: the booking page tags every service
that must be done in person ("Must be done in person."), so two descriptions said it twice."""

from django.db import migrations


def forwards(apps, schema_editor):
    from frontdesk.scheduling.catalog import SERVICES

    Service = apps.get_model("scheduling", "Service")
    for entry in SERVICES:
        Service.objects.filter(code=entry["code"]).update(
            description_en=entry["description_en"], description_es=entry["description_es"]
        )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0012_release_hold_until_swept")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
