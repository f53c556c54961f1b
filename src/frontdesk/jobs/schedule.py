"""Periodic jobs: what runs on a clock, how often, and the record of each run.

The scheduler (`frontdesk scheduler`, under the supervisor beside the web server) wakes every few
seconds, and for each job whose current slot has no run yet, records a run and does the work in its
own process. A slot is the job's interval counted from the Unix epoch (every day at 00:00 UTC, every
hour on the hour ...), so every scheduler agrees on it: the unique (job, slot) row lets exactly one
of two schedulers started at once run a slot, the other skips it. After downtime a job runs once
for the current slot, not once per missed slot; a job whose work is per period (the access alerts,
per UTC day) catches up the periods it missed itself, from its last successful run.
"""

import datetime as dt
import logging
import os
import socket
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from frontdesk.accounts.actors import SystemActor

from .models import JobRun, Outcome

logger = logging.getLogger("frontdesk.jobs")

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# A run still "running" after this long lost its scheduler (killed, host gone): marked abandoned.
STALE_AFTER = dt.timedelta(hours=1)
# How far back a per-day job catches up after downtime.
MAX_CATCH_UP_DAYS = 31
JOB_RUN_RETENTION = dt.timedelta(days=90)
TASK_RESULT_RETENTION = dt.timedelta(days=30)
# Clients retry within minutes; the stored first response may name the person who booked.
IDEMPOTENCY_RETENTION = dt.timedelta(hours=24)

Counts = dict[str, int]


@dataclass(frozen=True)
class Job:
    name: str
    every: dt.timedelta
    description: str
    # Called with the time of the tick and the slot of the last successful run (None the first time).
    work: Callable[[dt.datetime, dt.datetime | None], Counts]


def slot_of(every: dt.timedelta, now: dt.datetime) -> dt.datetime:
    """The start of the interval `now` falls in, counted from the epoch."""
    return EPOCH + every * ((now - EPOCH) // every)


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


# --- The jobs --------------------------------------------------------------------------------------


def _system(name: str) -> SystemActor:
    return SystemActor(name)


def access_alerts(now: dt.datetime, last: dt.datetime | None) -> Counts:
    """Compute the access alerts for each whole UTC day since the last run (yesterday the first time)."""
    from frontdesk.disclosures.alerts import access_alerts_compute

    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    first = today - dt.timedelta(days=1) if last is None else last.replace(hour=0, minute=0, second=0, microsecond=0)
    first = max(first, today - dt.timedelta(days=MAX_CATCH_UP_DAYS))
    days = alerts = 0
    day = first
    while day < today:
        found = access_alerts_compute(
            actor=_system("scheduler"), window_start=day, window_end=day + dt.timedelta(days=1), now=now
        )
        days += 1
        alerts += len(found)
        day += dt.timedelta(days=1)
    return {"days": days, "alerts": alerts}


def reminders_sweep(now: dt.datetime, last: dt.datetime | None) -> Counts:
    from frontdesk.scheduling.reminders import reminders_sweep as sweep

    return sweep(now=now)


def waitlist_sweep(now: dt.datetime, last: dt.datetime | None) -> Counts:
    from frontdesk.scheduling.waitlist import waitlist_sweep as sweep

    return sweep(now=now)


def sign_offs_expire(now: dt.datetime, last: dt.datetime | None) -> Counts:
    from frontdesk.disclosures.expiry import sign_offs_expire as expire

    return {"requests": expire(actor=_system("scheduler"), now=now)}


def requests_expire(now: dt.datetime, last: dt.datetime | None) -> Counts:
    from frontdesk.disclosures.expiry import requests_expire as expire

    return {"expired": expire(actor=_system("scheduler"), now=now)}


def role_changes_expire(now: dt.datetime, last: dt.datetime | None) -> Counts:
    from frontdesk.accounts.services import role_changes_expire as expire

    return {"expired": expire(actor=_system("scheduler"), now=now)}


def requests_refuse_without_evidence(now: dt.datetime, last: dt.datetime | None) -> Counts:
    from frontdesk.disclosures.expiry import requests_refuse_without_evidence as refuse

    return {"refused": refuse(actor=_system("scheduler"), now=now)}


def ledger_checkpoint(now: dt.datetime, last: dt.datetime | None) -> Counts:
    """Sequence and sign if the tree grew: the signer process does this every few seconds; this run is the
    recorded proof, visible to auditors, that checkpoints keep being made."""
    from frontdesk.ledger.services import checkpoint_create

    checkpoint = checkpoint_create()
    return {"size": checkpoint.size, "checkpoint": checkpoint.id}


def sessions_clear(now: dt.datetime, last: dt.datetime | None) -> Counts:
    """Delete expired staff sessions (Django does not on its own)."""
    from django.contrib.sessions.models import Session

    deleted, _ = Session.objects.filter(expire_date__lt=now).delete()
    return {"deleted": deleted}


def next_available(now: dt.datetime, last: dt.datetime | None) -> Counts:
    """Measure the first open time of each service at each office, for the managers' dashboards."""
    from frontdesk.stats.rebuild import next_available_refresh

    return {"measured": next_available_refresh(now=now)}


def housekeeping(now: dt.datetime, last: dt.datetime | None) -> Counts:
    """Forget finished task results, job runs, idempotency records and look-up guards past their retention."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from frontdesk.scheduling.lookup_guard import lookup_guards_forget
    from frontdesk.scheduling.models import IdempotencyRecord

    tasks, _ = DBTaskResult.objects.filter(
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        finished_at__lt=now - TASK_RESULT_RETENTION,
    ).delete()
    runs, _ = JobRun.objects.filter(started_at__lt=now - JOB_RUN_RETENTION).exclude(outcome=Outcome.RUNNING).delete()
    keys, _ = IdempotencyRecord.objects.filter(created_at__lt=now - IDEMPOTENCY_RETENTION).delete()
    guards = lookup_guards_forget(now=now)
    return {"task_results": tasks, "job_runs": runs, "idempotency_keys": keys, "lookup_guards": guards}


def floor_contacts_purge(now: dt.datetime, last: dt.datetime | None) -> Counts:
    """Phone numbers left at an office's kiosk are kept for the day only."""
    from frontdesk.floor.services import ticket_contacts_purge

    return {"phone_numbers_forgotten": ticket_contacts_purge(now=now)}


MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)

JOBS: tuple[Job, ...] = (
    Job("ledger_checkpoint", MINUTE, "Sign a ledger checkpoint if the tree grew", ledger_checkpoint),
    Job("reminders_sweep", 5 * MINUTE, "Queue reminders that were due but never went out", reminders_sweep),
    Job("waitlist_sweep", MINUTE, "Expire waitlist offers, pass their times on, offer new times", waitlist_sweep),
    Job("sign_offs_expire", HOUR, "Void expired disclosure sign-offs and re-evaluate", sign_offs_expire),
    Job("requests_expire", HOUR, "Expire disclosure requests idle past the limit", requests_expire),
    Job("role_changes_expire", HOUR, "Expire privileged role grants nobody approved in time", role_changes_expire),
    Job(
        "requests_refuse_without_evidence",
        HOUR,
        "Refuse disclosure requests with no document past the evidence wait",
        requests_refuse_without_evidence,
    ),
    Job("next_available", HOUR, "Measure the wait for the next available appointment", next_available),
    Job("access_alerts", DAY, "Access alerts for each whole UTC day", access_alerts),
    Job("sessions_clear", DAY, "Delete expired sessions", sessions_clear),
    Job("floor_contacts_purge", HOUR, "Forget phone numbers left on tickets of earlier days", floor_contacts_purge),
    Job("housekeeping", DAY, "Forget old task results, job runs, idempotency keys and look-up guards", housekeeping),
)
JOBS_BY_NAME = {job.name: job for job in JOBS}


# --- Running them ----------------------------------------------------------------------------------


def _last_success(job: Job) -> dt.datetime | None:
    return (
        JobRun.objects.filter(job=job.name, outcome=Outcome.SUCCEEDED)
        .order_by("-slot")
        .values_list("slot", flat=True)
        .first()
    )


def job_run(job: Job, *, now: dt.datetime | None = None, runner: str | None = None) -> JobRun | None:
    """Run `job` for the slot `now` falls in, unless that slot has a run already (here or elsewhere).

    Returns the finished record, or None when the slot was taken. An exception in the work is recorded
    as a failed run; a lost database is raised to the caller's loop once the record cannot be written.
    """
    now = now or timezone.now()
    slot = slot_of(job.every, now)
    if JobRun.objects.filter(job=job.name, slot=slot).exists():
        return None
    last = _last_success(job)
    try:
        with transaction.atomic():
            run = JobRun.objects.create(
                job=job.name, slot=slot, started_at=timezone.now(), runner=runner or runner_name()
            )
    except IntegrityError:
        return None  # another scheduler took this slot a moment ago
    try:
        counts = job.work(now, last)
    except Exception as error:
        logger.exception("Job %s failed", job.name)
        run.outcome, run.counts = Outcome.FAILED, {}
        run.error = "".join(traceback.format_exception_only(error)).strip()[:4000]
        run.finished_at = timezone.now()
        try:
            run.save(update_fields=["outcome", "error", "counts", "finished_at"])
        except DatabaseError:
            # The database itself is gone: the caller's loop reconnects, and the run, left "running",
            # is marked abandoned later (stale_runs_abandon).
            raise error from None
        return run
    run.outcome, run.counts = Outcome.SUCCEEDED, counts
    run.finished_at = timezone.now()
    run.save(update_fields=["outcome", "error", "counts", "finished_at"])
    return run


def stale_runs_abandon(*, now: dt.datetime | None = None) -> int:
    """Mark runs whose scheduler died mid-run, so a run never looks in progress for ever."""
    now = now or timezone.now()
    return JobRun.objects.filter(outcome=Outcome.RUNNING, started_at__lt=now - STALE_AFTER).update(
        outcome=Outcome.ABANDONED, finished_at=now, error="The scheduler stopped before the run finished."
    )


def due_jobs_run(*, now: dt.datetime | None = None, jobs: tuple[Job, ...] = JOBS) -> list[JobRun]:
    """One scheduler tick: run every job whose current slot has not run yet."""
    stale_runs_abandon(now=now)
    finished = []
    for job in jobs:
        run = job_run(job, now=now)
        if run is not None:
            finished.append(run)
    return finished
