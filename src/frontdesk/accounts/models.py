"""Staff profiles: where a staff member works, which decides what they may see."""

import uuid

from django.conf import settings
from django.db import models


class StaffProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    office = models.ForeignKey("offices.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # A regional role's region; for office roles it is the office's region.
    region = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user.get_username()} @ {self.office_id or self.region or 'national'}"


class RoleChangeKind(models.TextChoices):
    GRANT = "grant", "Grant"
    REVOKE = "revoke", "Revoke"


class RoleChangeStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a second administrator"
    APPLIED = "applied", "Applied"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired unapproved"


class RoleChange(models.Model):
    """One grant or revocation of a staff role: the history, and the queue of grants awaiting approval.

    The role itself is the Django group and its scope the holder's StaffProfile; this row records who
    asked, why, who approved, and when it took effect. Only `accounts.services` writes it.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=RoleChangeKind.choices)
    status = models.CharField(max_length=10, choices=RoleChangeStatus.choices)
    target = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_changes")
    role = models.CharField(max_length=40)
    office = models.ForeignKey("offices.Office", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    region = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.TextField()
    # None: the shell's first-administrator bootstrap, which has no signed-in actor.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            # A second request for the same role while one waits would let two approvals race.
            models.UniqueConstraint(
                fields=["target", "role"],
                condition=models.Q(status="pending"),
                name="accounts_one_pending_change_per_role",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="accounts_rolechange_pending"),
            models.Index(fields=["target", "requested_at"], name="accounts_rolechange_target"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.role} for {self.target_id} ({self.status})"


class ApiToken(models.Model):
    """A staff member's API token for an integration: scoped, expiring, revocable (docs/adr/0019-api-tokens.md).

    The secret is never stored: `digest` is its keyed hash and `prefix` the first characters, shown to
    tell tokens apart. Only `accounts.services` writes it; `last_used_at` is refreshed at most once a
    minute, so a busy integration does not write this row on every call.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=80)
    scopes = models.JSONField(default=list)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="accounts_apitoken_expires_after_creation",
            ),
        ]
        indexes = [models.Index(fields=["owner", "created_at"], name="accounts_apitoken_owner")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
