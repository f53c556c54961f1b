"""The counters carry their office's region, and the weekly roster gets its own table (docs/adr/0034).

The region is copied from each counter's office; the roster starts empty and is filled from the
resources, shifts and hours already there, as `stats_rebuild` would.
"""

from datetime import date, datetime

import django.db.models.deletion
from django.db import migrations, models

KINDS = ("staff", "interpreter")


def _minutes(starts, ends) -> int:
    return int((datetime.combine(date.min, ends) - datetime.combine(date.min, starts)).total_seconds() // 60)


def copy_regions(apps, schema_editor):
    Office = apps.get_model("offices", "Office")
    for name in ("OfficeDayStats", "OfficeDayWait"):
        model = apps.get_model("stats", name)
        for region in Office.objects.values_list("region", flat=True).distinct():
            model.objects.filter(office__region=region).update(region=region)


def fill_roster(apps, schema_editor):
    Office = apps.get_model("offices", "Office")
    OfficeHours = apps.get_model("offices", "OfficeHours")
    Resource = apps.get_model("offices", "Resource")
    Shift = apps.get_model("offices", "Shift")
    Capacity = apps.get_model("stats", "OfficeWeekdayCapacity")
    regions = dict(Office.objects.values_list("id", "region"))
    hours = {}
    for office_id, weekday, opens, closes in OfficeHours.objects.values_list("office_id", "weekday", "opens", "closes"):
        hours.setdefault(office_id, {})[weekday] = _minutes(opens, closes)
    shifts = {}
    for resource_id, weekday, starts, ends in Shift.objects.filter(resource__active=True).values_list(
        "resource_id", "weekday", "starts", "ends"
    ):
        week = shifts.setdefault(resource_id, {})
        week[weekday] = week.get(weekday, 0) + _minutes(starts, ends)
    totals = {}
    for resource_id, office_id, kind in Resource.objects.filter(active=True, kind__in=KINDS).values_list(
        "id", "office_id", "kind"
    ):
        for weekday, minutes in (shifts.get(resource_id) or hours.get(office_id, {})).items():
            row = totals.setdefault((office_id, weekday), {"staff": 0, "interpreter": 0})
            row[kind] += minutes
    Capacity.objects.bulk_create(
        (
            Capacity(
                office_id=office_id,
                region=regions[office_id],
                weekday=weekday,
                staff_minutes=row["staff"],
                interpreter_minutes=row["interpreter"],
            )
            for (office_id, weekday), row in totals.items()
            if row["staff"] or row["interpreter"]
        ),
        batch_size=5000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("offices", "0002_office_source_values"),
        ("stats", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="officedaystats",
            name="region",
            field=models.PositiveSmallIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="officedaywait",
            name="region",
            field=models.PositiveSmallIntegerField(default=0),
            preserve_default=False,
        ),
        migrations.RunPython(copy_regions, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="officedaystats",
            index=models.Index(fields=["region", "day"], name="stats_region_day"),
        ),
        migrations.AddIndex(
            model_name="officedaywait",
            index=models.Index(fields=["region", "day"], name="stats_wait_region_day"),
        ),
        migrations.CreateModel(
            name="OfficeWeekdayCapacity",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("region", models.PositiveSmallIntegerField()),
                ("weekday", models.PositiveSmallIntegerField()),
                ("staff_minutes", models.IntegerField(default=0)),
                ("interpreter_minutes", models.IntegerField(default=0)),
                (
                    "office",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="offices.office"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("office", "weekday"), name="stats_capacity_office_weekday")
                ],
                "indexes": [models.Index(fields=["region", "weekday"], name="stats_capacity_region")],
            },
        ),
        migrations.RunPython(fill_roster, migrations.RunPython.noop),
    ]
