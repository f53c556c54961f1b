"""The record of each periodic job run, so staff can see that the clock-driven work happened."""

from django.db import models


class Outcome(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    # The scheduler that started it stopped (killed, host lost) before it could record an end.
    ABANDONED = "abandoned", "Abandoned"


class JobRun(models.Model):
    """One run of a periodic job for one slot of its schedule.

    (job, slot) is unique: when two schedulers reach the same slot, the database lets one of them
    record the run and the other skips it, so no job runs twice for one slot.
    """

    job = models.CharField(max_length=64)
    slot = models.DateTimeField(help_text="The scheduled time this run is for (the start of its interval).")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.RUNNING)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    runner = models.CharField(max_length=200, help_text="host and process id of the scheduler that ran it")

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="job_run_once_per_slot")]
        indexes = [
            models.Index(fields=["job", "-slot"], name="job_run_latest"),
            models.Index(fields=["outcome", "started_at"], name="job_run_outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot.isoformat()} ({self.outcome})"
