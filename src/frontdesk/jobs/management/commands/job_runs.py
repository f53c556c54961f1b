"""`frontdesk job_runs`: the recent runs of the periodic jobs (for auditors and administrators)."""

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.jobs.models import JobRun, Outcome
from frontdesk.jobs.schedule import JOBS_BY_NAME
from frontdesk.jobs.selectors import job_status_list


class Command(BaseCommand):
    help = "List recent runs of the periodic jobs: job, start, end, outcome, counts or error."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--job", help="Only this job.")
        parser.add_argument("--failed", action="store_true", help="Only runs that failed or were abandoned.")
        parser.add_argument("--limit", type=int, default=30, help="How many runs (default 30).")
        parser.add_argument("--summary", action="store_true", help="One line per job: its latest run.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["job"] and options["job"] not in JOBS_BY_NAME:
            raise CommandError(f"No job {options['job']!r}. Jobs: {', '.join(JOBS_BY_NAME)}.")
        if not 1 <= options["limit"] <= 10_000:
            raise CommandError("--limit must be between 1 and 10000.")
        if options["summary"]:
            for status in job_status_list():
                line = self._line(status.latest) if status.latest else f"{status.job.name:<18} never run"
                self.stdout.write(line + ("  (late)" if status.late and status.latest else ""))
            return
        query = JobRun.objects.all()
        if options["job"]:
            query = query.filter(job=options["job"])
        if options["failed"]:
            query = query.filter(outcome__in=[Outcome.FAILED, Outcome.ABANDONED])
        runs = list(query.order_by("-started_at", "-id")[: options["limit"]])
        if not runs:
            self.stdout.write("No runs recorded.")
            return
        for run in runs:
            self.stdout.write(self._line(run))

    @staticmethod
    def _line(run: JobRun) -> str:
        started = run.started_at.astimezone(dt.UTC)
        ended = f"{(run.finished_at - run.started_at).total_seconds():.2f}s" if run.finished_at else "-"
        if run.error:
            detail = "error: " + run.error.splitlines()[-1][:200]
        else:
            detail = " ".join(f"{k}={v}" for k, v in run.counts.items())
        return f"{run.job:<18} {started:%Y-%m-%d %H:%M:%S}Z {ended:>8} {run.outcome:<9} {detail}".rstrip()
