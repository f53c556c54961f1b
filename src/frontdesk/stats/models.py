"""Daily counters per office, kept up to date as appointments and tickets change (docs/adr/0031).

The dashboards read these tables, never the appointments themselves: a regional dashboard over 90
days sums a few thousand rows instead of hundreds of thousands of appointments. Only `services.py`
writes them (one upsert per change) and `rebuild.py` recomputes them from scratch. The weekly roster
(`OfficeWeekdayCapacity`, docs/adr/0034) is written by `capacity.py` when resources, shifts or hours
change, and recomputed by `rebuild.py` too.
"""

from django.db import models

from frontdesk.offices.models import Office
from frontdesk.scheduling.models import Service


class OfficeDayStats(models.Model):
    """What happened at one office on one local day for one service.

    `booked` counts appointments for that day that are not cancelled (a booking adds one, a cancellation
    or a move to another day takes it away again); the minutes are the staff and interpreter time those
    appointments hold, the numerator of utilisation.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    # The office's region, copied so that a regional dashboard reads one index (region, day) instead of
    # joining every counter to its office (docs/adr/0034); receivers.py keeps it when an office moves.
    region = models.PositiveSmallIntegerField()
    day = models.DateField()
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    booked = models.IntegerField(default=0)
    cancelled = models.IntegerField(default=0)
    checked_in = models.IntegerField(default=0)
    no_shows = models.IntegerField(default=0)
    walk_ins = models.IntegerField(default=0)
    staff_minutes = models.IntegerField(default=0)
    interpreter_minutes = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "day", "service"], name="stats_office_day_service")]
        indexes = [
            models.Index(fields=["day", "office"], name="stats_day_office"),
            models.Index(fields=["region", "day"], name="stats_region_day"),
        ]

    def __str__(self) -> str:
        return f"stats {self.office_id} {self.day} {self.service_id}"


class WaitKind(models.TextChoices):
    APPOINTMENT = "appointment", "Appointments"
    WALK_IN = "walk_in", "Walk-ins"


class OfficeDayWait(models.Model):
    """How many people waited a given time (a histogram bucket) at one office on one local day.

    A percentile cannot be summed across offices and days, a histogram can: p50 and p90 of a region
    over a month come from adding the buckets' counts (buckets.py names the bounds).
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    region = models.PositiveSmallIntegerField()  # the office's, as on OfficeDayStats
    day = models.DateField()
    kind = models.CharField(max_length=12, choices=WaitKind.choices)
    bucket = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["office", "day", "kind", "bucket"], name="stats_wait_office_day_bucket")
        ]
        indexes = [
            models.Index(fields=["day", "office"], name="stats_wait_day_office"),
            models.Index(fields=["region", "day"], name="stats_wait_region_day"),
        ]

    def __str__(self) -> str:
        return f"wait {self.office_id} {self.day} {self.kind} {self.bucket}"


class OfficeWeekdayCapacity(models.Model):
    """The staff and interpreter minutes an office has rostered on one weekday: utilisation's denominator.

    A resource works its shifts, or the office's hours when it has none. Kept per weekday, not per date:
    a roster is a weekly pattern, so a row changes only when shifts, resources or hours do (receivers.py
    refreshes the office's seven rows), and a period's capacity is these minutes times the number of
    each weekday the office is open in it (capacity.py takes holidays and closures off). Offices with
    nothing rostered on a weekday have no row for it.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    region = models.PositiveSmallIntegerField()  # the office's, as on OfficeDayStats
    weekday = models.PositiveSmallIntegerField()
    staff_minutes = models.IntegerField(default=0)
    interpreter_minutes = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "weekday"], name="stats_capacity_office_weekday")]
        indexes = [models.Index(fields=["region", "weekday"], name="stats_capacity_region")]

    def __str__(self) -> str:
        return f"capacity {self.office_id} {self.weekday}"


class NextAvailable(models.Model):
    """The first bookable in-person time for a service at an office, as last measured by the job.

    Searching availability for every office and service on each view would cost seconds; an hourly job
    measures it (services.next_available_refresh) and the dashboards read the last measurement.
    `first_start` empty: nothing open within the service's booking horizon.
    """

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    measured_at = models.DateTimeField()
    first_start = models.DateTimeField(null=True, blank=True)
    days = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "service"], name="stats_next_available_once")]

    def __str__(self) -> str:
        return f"next available {self.office_id} {self.service_id}"
