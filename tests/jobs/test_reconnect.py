"""The task worker, the checkpoint signer and the scheduler outlive a dropped database connection.

Each loop runs in its own thread with its own connection to the test database, exactly as the
processes under the supervisor run it. The test then kills those connections underneath them:
on PostgreSQL with pg_terminate_backend (their backends only); on SQLite, which has no server, by
interrupting the statement running on each (closing the handle from another thread can crash).
A reminder that falls due afterwards must still be sent, and a checkpoint covering events appended
afterwards must appear, within 10 seconds.
"""

import datetime as dt
import threading
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections
from django.db import transaction as db_transaction
from django_tasks_db.backend import DatabaseBackend

from frontdesk.core.runtime import resilient_loop
from frontdesk.jobs.management.commands.worker import ResilientWorker
from frontdesk.jobs.models import JobRun
from frontdesk.jobs.schedule import Job, due_jobs_run
from frontdesk.ledger.services import checkpoint_create, checkpoint_latest, event_append, ledger_sequence
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Reminder, Service
from frontdesk.scheduling.reminders import send_appointment_reminder
from tests.factories import OfficeFactory, person, staff_resource

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
DEADLINE = 10.0


def wait_for(condition, seconds: float = DEADLINE) -> bool:
    """Poll `condition` until it holds or `seconds` pass (a bounded wait, never a fixed sleep)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.1)
    return bool(condition())


class Loop(threading.Thread):
    """A loop in a thread that shows its connection to the test, and closes it when it ends."""

    def __init__(self, name: str, body) -> None:
        super().__init__(name=name, daemon=True)
        self.body = body
        self.wrapper = None
        self.error: BaseException | None = None

    def remember_connection(self) -> None:
        self.wrapper = connections["default"]  # this thread's own DatabaseWrapper (not the proxy)

    def run(self) -> None:
        try:
            self.body(self)
        except BaseException as error:  # surfaced by the test
            self.error = error
        finally:
            connections.close_all()

    def connected(self) -> bool:
        return self.wrapper is not None and self.wrapper.connection is not None


def drop_connection(loop: Loop) -> None:
    """Kill the loop's database connection from outside, as a failover or an administrator would."""
    raw = loop.wrapper.connection
    if raw is None:
        return  # between two steps on SQLite (no persistent connection): nothing to kill
    if connection.vendor == "postgresql":
        pid = raw.info.backend_pid
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE pid = %s AND datname = current_database()",
                [pid],
            )
            assert cursor.fetchone() == (True,), "the loop's backend was not terminated"
    else:
        # A SQLite file has no server to drop it, and closing the handle from this thread while the loop's
        # thread is inside a statement on it crashes the interpreter (sqlite3 is not safe for that). The
        # nearest safe thing: interrupt whatever statement runs now (the one call sqlite3 allows from
        # another thread); it fails with "interrupted" and the loop must carry on.
        raw.interrupt()


def _book():
    office = OfficeFactory()
    staff_resource(office)
    return services.appointment_book(
        actor=None,
        office=office,
        service=Service.objects.get(code="noncitizen_eligibility_review"),
        mode="in_person",
        starts_at=datetime(2027, 3, 15, 10, tzinfo=ZoneInfo("America/New_York")),
        person=person(),
        now=datetime(2027, 3, 1, tzinfo=UTC),
    )


def _append(n: int) -> None:
    with db_transaction.atomic():
        for i in range(n):
            event_append(type="tests.runtime.appended", actor=None, refs={"i": i})


def test_worker_signer_and_scheduler_carry_on_after_their_connections_are_killed(signing_key, settings):
    # Only the signer under test may sign: no checkpoints from the test's own commits.
    settings.FRONTDESK_LEDGER_CHECKPOINT_SECONDS = 10_000
    stop = threading.Event()
    worker = ResilientWorker(
        queue_names=["default"],
        interval=0.2,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="reconnect-test",
        excluded_queue_names=[],
    )
    heartbeat = Job("test_heartbeat", dt.timedelta(seconds=1), "a job that only records its runs", lambda now, last: {})

    def run_worker(loop: Loop) -> None:
        loop.remember_connection()
        worker.run()

    def run_signer(loop: Loop) -> None:
        loop.remember_connection()
        resilient_loop(checkpoint_create, every=0.3, name="signer", stop=stop)

    def run_scheduler(loop: Loop) -> None:
        loop.remember_connection()
        resilient_loop(lambda: due_jobs_run(jobs=(heartbeat,)), every=0.3, name="scheduler", stop=stop)

    loops = [Loop("worker", run_worker), Loop("signer", run_signer), Loop("scheduler", run_scheduler)]
    for loop in loops:
        loop.start()
    try:
        # Each loop has done real work on its own connection before that connection is killed.
        _append(3)
        assert wait_for(lambda: _checkpointed() >= 3)
        assert wait_for(lambda: JobRun.objects.filter(job="test_heartbeat").exists())
        if connection.vendor == "postgresql":  # SQLite's test settings reconnect on every loop anyway
            assert wait_for(lambda: all(loop.connected() for loop in loops))

        for loop in loops:
            drop_connection(loop)

        # A reminder falls due after the drop: the worker must still send it.
        appointment = _book()
        DatabaseBackend("default", {}).enqueue(
            send_appointment_reminder, [str(appointment.public_id), appointment.starts_at.isoformat()], {}
        )
        # Events appended after the drop: a checkpoint covering them must appear within 10 s.
        _append(4)
        size = ledger_sequence()
        assert size >= 7
        assert wait_for(lambda: _checkpointed() >= size), "no checkpoint covering the new events within 10 s"
        assert wait_for(lambda: Reminder.objects.filter(appointment=appointment).count() == 2), "reminder not sent"
        runs = JobRun.objects.filter(job="test_heartbeat").count()
        # Only "still alive" is asked of the scheduler; its retries back off up to 5 s while SQLite's one
        # writer lock is busy with the other two loops on a loaded machine, so it gets a longer bound.
        alive = wait_for(lambda: JobRun.objects.filter(job="test_heartbeat").count() > runs, seconds=3 * DEADLINE)
        assert alive, "scheduler stopped"
        assert all(loop.is_alive() for loop in loops), [loop.name for loop in loops if not loop.is_alive()]
    finally:
        stop.set()
        worker.running = False
        for loop in loops:
            loop.join(timeout=DEADLINE)
    assert not any(loop.is_alive() for loop in loops)
    assert [loop.error for loop in loops] == [None, None, None]


def _checkpointed() -> int:
    latest = checkpoint_latest()
    return latest.size if latest else 0


def test_a_task_cut_off_by_the_database_runs_again():
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from tests.jobs import tasks

    tasks.attempts.clear()
    worker = ResilientWorker(
        queue_names=["default"],
        interval=0.1,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="requeue-test",
        excluded_queue_names=[],
    )
    loop = Loop("worker", lambda loop: worker.run())
    loop.start()
    try:
        result = DatabaseBackend("default", {}).enqueue(tasks.cut_off_once, ["reminder-1"], {})
        done = DBTaskResult.objects.filter(pk=result.id, status=TaskResultStatus.SUCCESSFUL)
        assert wait_for(done.exists), DBTaskResult.objects.filter(pk=result.id).values("status", "traceback").get()
        assert done.get().return_value == "done reminder-1"
        assert tasks.attempts == ["reminder-1", "reminder-1"]
    finally:
        worker.running = False
        loop.join(timeout=DEADLINE)
    assert not loop.is_alive() and loop.error is None
