"""Offices and the resources an appointment occupies.

Times of day (hours, shifts) are in the office's local time; instants (absences, closures by the
hour) are stored in UTC. The office's IANA zone turns one into the other.
"""

import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Office(models.Model):
    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=120)
    address_lines = models.JSONField(default=list)
    # As the published directory has them (offices/presentation.py derives the two above).
    source_name = models.CharField(max_length=120, blank=True)
    source_address_lines = models.JSONField(default=list, blank=True)
    city = models.CharField(max_length=80)
    state = models.CharField(max_length=2)
    zip_code = models.CharField(max_length=5, db_index=True)
    phone = models.CharField(max_length=15, blank=True)
    fax = models.CharField(max_length=15, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    timezone = models.CharField(max_length=64)
    region = models.PositiveSmallIntegerField(db_index=True)
    # Minutes between slot starts; a service of 45 minutes still starts on this grid.
    slot_minutes = models.PositiveSmallIntegerField(default=15)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class OfficeHours(models.Model):
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["office", "weekday"]
        constraints = [
            models.UniqueConstraint(fields=["office", "weekday"], name="office_hours_one_per_day"),
            models.CheckConstraint(condition=models.Q(opens__lt=models.F("closes")), name="office_hours_ordered"),
        ]


class Closure(models.Model):
    """A day an office is closed beyond federal holidays (weather, training, an emergency).

    `office` empty means every office (a national closure, such as a day the President closes agencies).
    """

    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["office", "date"], name="closure_once_per_day")]


class ResourceKind(models.TextChoices):
    STAFF = "staff", "Staff member"
    INTERPRETER = "interpreter", "Interpreter"
    ROOM = "room", "Room or window"


class Resource(models.Model):
    """Anything an appointment holds for its whole duration: a staff member, an interpreter, a room.

    `skills` are service skill codes a staff member can perform; `languages` are language tags the
    resource works in ("en", "es", "ase" for American Sign Language, ...).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="resources")
    kind = models.CharField(max_length=12, choices=ResourceKind.choices)
    name = models.CharField(max_length=120)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="resource"
    )
    skills = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    remote = models.BooleanField(default=False, help_text="An interpreter who joins by video or phone.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["office", "kind", "name"]
        indexes = [models.Index(fields=["office", "kind", "active"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name}"


class Shift(models.Model):
    """A resource's working hours on a weekday (local time). Without shifts, office hours apply."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="shifts")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["resource", "weekday", "starts"]
        constraints = [
            models.CheckConstraint(condition=models.Q(starts__lt=models.F("ends")), name="shift_ordered"),
        ]


class Absence(models.Model):
    """Leave, training or sickness: the resource is unavailable between two instants."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="absences")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["resource", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(starts_at__lt=models.F("ends_at")), name="absence_ordered"),
        ]
