"""What staff are shown of the periodic jobs: each job with its latest run and whether it is late."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from .models import JobRun, Outcome
from .schedule import JOBS, Job


@dataclass(frozen=True)
class JobStatus:
    job: Job
    latest: JobRun | None
    last_success: JobRun | None
    late: bool  # no success within two of its intervals: the scheduler is down or the job keeps failing


def job_status_list(*, now: dt.datetime | None = None) -> list[JobStatus]:
    """Every scheduled job, in schedule order, with its latest run and latest successful run."""
    now = now or timezone.now()
    statuses = []
    for job in JOBS:
        runs = JobRun.objects.filter(job=job.name).order_by("-slot", "-id")
        latest = runs.first()
        last_success = latest if latest and latest.outcome == Outcome.SUCCEEDED else None
        if last_success is None:
            last_success = runs.filter(outcome=Outcome.SUCCEEDED).first()
        late = last_success is None or last_success.started_at < now - 2 * job.every
        statuses.append(JobStatus(job=job, latest=latest, last_success=last_success, late=late))
    return statuses
