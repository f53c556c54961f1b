"""`frontdesk scheduler`: run the periodic jobs on their clocks, each run recorded (frontdesk.jobs)."""

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.core.runtime import resilient_loop
from frontdesk.jobs.schedule import JOBS, JOBS_BY_NAME, due_jobs_run, job_run


class Command(BaseCommand):
    help = "Run the periodic jobs (access alerts, reminder sweep, expiry, checkpoints, clean-ups) on schedule."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tick", type=float, default=5.0, help="Seconds between looks at the clock (default 5).")
        parser.add_argument("--once", action="store_true", help="Run what is due now, then exit.")
        parser.add_argument("--run", metavar="JOB", help="Run one job now, for its current slot, then exit.")
        parser.add_argument("--list", action="store_true", help="List the jobs and their intervals.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for listed in JOBS:
                self.stdout.write(f"{listed.name:<20} every {listed.every}  {listed.description}")
            return
        if options["run"]:
            job = JOBS_BY_NAME.get(options["run"])
            if job is None:
                raise CommandError(f"No job {options['run']!r}; `scheduler --list` names them.")
            run = job_run(job)
            self.stdout.write(self._describe(run) if run else f"{job.name}: this slot has run already.")
            return
        if options["once"]:
            for run in due_jobs_run():
                self.stdout.write(self._describe(run))
            return
        if options["tick"] <= 0:
            raise CommandError("--tick must be positive.")

        stop = threading.Event()

        def request_stop(signum: int, frame: Any) -> None:
            stop.set()  # finish the job in hand, then leave

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        self.stdout.write(f"Scheduler started: {len(JOBS)} jobs, looking every {options['tick']} s.")

        def tick() -> None:
            for run in due_jobs_run():
                self.stdout.write(self._describe(run))

        resilient_loop(tick, every=options["tick"], name="scheduler", stop=stop)
        self.stdout.write("Scheduler stopped.")

    @staticmethod
    def _describe(run: Any) -> str:
        counts = " ".join(f"{k}={v}" for k, v in run.counts.items())
        detail = run.error.splitlines()[-1] if run.error else counts
        return f"{run.job} {run.outcome} slot={run.slot.isoformat()} {detail}".rstrip()
