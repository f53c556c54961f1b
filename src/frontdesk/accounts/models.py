"""Staff profiles: where a staff member works, which decides what they may see."""

from django.conf import settings
from django.db import models


class StaffProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    office = models.ForeignKey("offices.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # A regional role's region; for office roles it is the office's region.
    region = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user.get_username()} @ {self.office_id or self.region or 'national'}"
