"""Periodic jobs: each slot runs once, every run is recorded, failures are recorded, missed days catch up."""

import datetime as dt
import threading

import pytest
from django.core.management import call_command

from frontdesk.jobs import schedule
from frontdesk.jobs.models import JobRun, Outcome
from frontdesk.jobs.schedule import JOBS, Job, due_jobs_run, job_run, slot_of, stale_runs_abandon
from tests.threads import run_together

NOW = dt.datetime(2027, 3, 10, 14, 37, 12, tzinfo=dt.UTC)


def counting_job(name="counting", every=dt.timedelta(hours=1)):
    calls = []

    def work(now, last):
        calls.append((now, last))
        return {"seen": len(calls)}

    return Job(name, every, "counts its calls", work), calls


def test_slots_are_the_same_for_every_scheduler():
    assert slot_of(dt.timedelta(hours=1), NOW) == dt.datetime(2027, 3, 10, 14, tzinfo=dt.UTC)
    assert slot_of(dt.timedelta(days=1), NOW) == dt.datetime(2027, 3, 10, tzinfo=dt.UTC)
    assert slot_of(dt.timedelta(minutes=5), NOW) == dt.datetime(2027, 3, 10, 14, 35, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_a_slot_runs_once_and_its_run_is_recorded():
    job, calls = counting_job()
    run = job_run(job, now=NOW)
    assert run.outcome == Outcome.SUCCEEDED and run.counts == {"seen": 1}
    assert run.slot == dt.datetime(2027, 3, 10, 14, tzinfo=dt.UTC)
    assert run.started_at <= run.finished_at and run.runner
    assert job_run(job, now=NOW + dt.timedelta(minutes=20)) is None  # same hour: nothing runs
    assert len(calls) == 1
    later = job_run(job, now=NOW + dt.timedelta(hours=1))
    assert later.outcome == Outcome.SUCCEEDED
    assert calls[1] == (NOW + dt.timedelta(hours=1), run.slot)  # told when it last succeeded
    assert JobRun.objects.filter(job="counting").count() == 2


@pytest.mark.django_db
def test_after_downtime_a_job_runs_once_for_now_not_once_per_missed_slot():
    job, calls = counting_job()
    job_run(job, now=NOW)
    job_run(job, now=NOW + dt.timedelta(hours=9))
    assert len(calls) == 2
    assert JobRun.objects.filter(job="counting").count() == 2


@pytest.mark.django_db
def test_a_failing_job_is_recorded_and_the_others_still_run():
    def broken(now, last):
        raise ValueError("the directory feed is unreachable")

    job, _calls = counting_job()
    runs = due_jobs_run(now=NOW, jobs=(Job("broken", dt.timedelta(hours=1), "fails", broken), job))
    assert [(r.job, r.outcome) for r in runs] == [("broken", Outcome.FAILED), ("counting", Outcome.SUCCEEDED)]
    failed = JobRun.objects.get(job="broken")
    assert "ValueError: the directory feed is unreachable" in failed.error
    assert failed.finished_at is not None
    # A failed slot is not retried within the slot (no hot loop), but the next slot runs again.
    assert due_jobs_run(now=NOW, jobs=(Job("broken", dt.timedelta(hours=1), "fails", broken),)) == []


@pytest.mark.django_db
def test_a_run_left_running_by_a_dead_scheduler_is_marked_abandoned():
    slot = slot_of(dt.timedelta(hours=1), NOW)
    JobRun.objects.create(job="counting", slot=slot, started_at=NOW - dt.timedelta(hours=2), runner="gone:1")
    fresh = JobRun.objects.create(job="other", slot=slot, started_at=NOW - dt.timedelta(minutes=5), runner="busy:2")
    assert stale_runs_abandon(now=NOW) == 1
    stale = JobRun.objects.get(job="counting")
    assert stale.outcome == Outcome.ABANDONED and "stopped before" in stale.error
    fresh.refresh_from_db()
    assert fresh.outcome == Outcome.RUNNING


@pytest.mark.django_db
def test_access_alerts_catch_up_each_missed_day(monkeypatch):
    windows = []

    def compute(*, actor, window_start, window_end, now):
        windows.append((window_start, window_end))
        return []

    monkeypatch.setattr("frontdesk.disclosures.alerts.access_alerts_compute", compute)
    assert schedule.access_alerts(NOW, None) == {"days": 1, "alerts": 0}  # first run: yesterday
    assert windows == [(dt.datetime(2027, 3, 9, tzinfo=dt.UTC), dt.datetime(2027, 3, 10, tzinfo=dt.UTC))]
    windows.clear()
    last = dt.datetime(2027, 3, 7, tzinfo=dt.UTC)  # ran on the 7th (covering the 6th); down since
    assert schedule.access_alerts(NOW, last) == {"days": 3, "alerts": 0}
    assert [w[0].day for w in windows] == [7, 8, 9]
    windows.clear()
    assert schedule.access_alerts(NOW, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))["days"] == schedule.MAX_CATCH_UP_DAYS


@pytest.mark.django_db
def test_every_real_job_runs_and_is_listed(signing_key, capsys):
    runs = due_jobs_run()
    assert sorted(r.job for r in runs) == sorted(job.name for job in JOBS)
    assert {r.outcome for r in runs} == {Outcome.SUCCEEDED}, [(r.job, r.error) for r in runs]
    call_command("job_runs")
    out = capsys.readouterr().out
    for job in JOBS:
        assert job.name in out
    assert "succeeded" in out
    call_command("job_runs", "--summary")
    assert capsys.readouterr().out.count("succeeded") == len(JOBS)
    call_command("job_runs", "--failed")
    assert "No runs recorded." in capsys.readouterr().out


@pytest.mark.django_db
def test_scheduler_command_runs_one_job_and_refuses_an_unknown_one(signing_key, capsys):
    call_command("scheduler", "--run", "sessions_clear")
    assert "sessions_clear succeeded" in capsys.readouterr().out
    call_command("scheduler", "--run", "sessions_clear")
    assert "has run already" in capsys.readouterr().out
    with pytest.raises(Exception, match="No job"):
        call_command("scheduler", "--run", "nonsense")
    assert JobRun.objects.filter(job="sessions_clear").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_schedulers_starting_at_once_run_a_slot_once():
    calls = []
    lock = threading.Lock()

    def work(now, last):
        with lock:
            calls.append(threading.current_thread().name)
        return {}

    job = Job("contended", dt.timedelta(hours=1), "runs once per slot", work)
    outcomes = run_together(4, lambda i: job_run(job, now=NOW, runner=f"scheduler-{i}"))
    assert len(calls) == 1
    assert len([o for o in outcomes if o is not None]) == 1
    assert JobRun.objects.filter(job="contended").count() == 1


@pytest.mark.django_db
def test_housekeeping_forgets_look_up_guards_past_their_retention_and_no_lock_still_in_force():
    from frontdesk.scheduling.lookup_guard import LOCKED_RETENTION, UNLOCKED_RETENTION
    from frontdesk.scheduling.models import LookupGuard

    now = dt.datetime.now(dt.UTC)
    ages = {
        "quiet-old": (None, UNLOCKED_RETENTION + dt.timedelta(hours=1)),
        "quiet-recent": (None, UNLOCKED_RETENTION - dt.timedelta(hours=1)),
        "locked-past-a-month": (now, UNLOCKED_RETENTION + dt.timedelta(days=1)),
        "locked-past-a-year": (now, LOCKED_RETENTION + dt.timedelta(hours=1)),
    }
    for key, (locked_at, age) in ages.items():
        guard = LookupGuard.objects.create(code_key=key, failures=2, locked_at=locked_at)
        # updated_at is auto_now: set the age with an UPDATE that bypasses it
        LookupGuard.objects.filter(pk=guard.pk).update(updated_at=now - age)
    assert schedule.housekeeping(now, None)["lookup_guards"] == 2
    assert set(LookupGuard.objects.values_list("code_key", flat=True)) == {"quiet-recent", "locked-past-a-month"}


@pytest.mark.django_db
def test_housekeeping_forgets_only_what_is_past_its_retention():
    from frontdesk.scheduling.models import IdempotencyRecord

    now = dt.datetime.now(dt.UTC)
    old_key = IdempotencyRecord.objects.create(
        scope="book", key="a", request_hash="0" * 64, status_code=201, response={}
    )
    IdempotencyRecord.objects.filter(pk=old_key.pk).update(created_at=now - dt.timedelta(hours=25))
    IdempotencyRecord.objects.create(scope="book", key="b", request_hash="0" * 64, status_code=201, response={})
    slot = slot_of(dt.timedelta(days=1), now)
    JobRun.objects.create(
        job="old",
        slot=slot - dt.timedelta(days=100),
        started_at=now - dt.timedelta(days=100),
        outcome=Outcome.SUCCEEDED,
    )
    JobRun.objects.create(job="recent", slot=slot, started_at=now, outcome=Outcome.SUCCEEDED)
    assert schedule.housekeeping(now, None) == {
        "task_results": 0,
        "job_runs": 1,
        "idempotency_keys": 1,
        "lookup_guards": 0,
    }
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["b"]
    assert list(JobRun.objects.values_list("job", flat=True)) == ["recent"]


@pytest.mark.django_db
def test_the_auditor_and_the_command_see_each_job_its_latest_run_and_whether_it_is_late(signing_key, capsys):
    from django.test import Client

    from frontdesk.accounts.roles import Role
    from frontdesk.jobs.selectors import job_status_list
    from tests.factories import OfficeFactory, staff_user
    from tests.web.auth import verified_login

    before = job_status_list()
    assert [s.job.name for s in before] == [job.name for job in JOBS]
    assert all(s.latest is None and s.late for s in before)
    auditor = verified_login(Client(), staff_user("auditor", Role.AUDITOR))
    page = auditor.get("/console/audit/").content.decode()
    assert "Scheduled work" in page and page.count("never") >= 2 * len(JOBS)

    due_jobs_run()
    after = job_status_list()
    assert all(s.latest and s.last_success == s.latest and not s.late for s in after)
    page = auditor.get("/console/audit/").content.decode()
    assert page.count("Succeeded") == len(JOBS) and "(late)" not in page
    # A day later the minute-by-minute checkpoint job is late until the scheduler runs again.
    later = job_status_list(now=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))
    assert {s.job.name for s in later if s.late} >= {"ledger_checkpoint", "reminders_sweep"}
    # The same answer in the command, and nobody but auditors gets the page.
    call_command("job_runs", "--summary")
    assert capsys.readouterr().out.count("succeeded") == len(JOBS)
    clerk = verified_login(Client(), staff_user("clerk", Role.COUNTER_CLERK, OfficeFactory()))
    assert clerk.get("/console/audit/").status_code == 403
