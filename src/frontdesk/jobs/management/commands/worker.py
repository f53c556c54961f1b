"""`frontdesk worker`: the task worker (django-tasks' database worker) that survives a lost database."""

import threading
from typing import Any

from django.core.management.base import CommandError
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker, logger
from django_tasks_db.models import DBTaskResult

from frontdesk.core.runtime import resilient_loop

# A task that failed with one of these was cut off by the database, not by its own logic.
TRANSIENT_ERRORS = frozenset(
    {"django.db.utils.OperationalError", "django.db.utils.InterfaceError", "psycopg.OperationalError"}
)
MAX_REQUEUES = 3


class ResilientWorker(Worker):
    """django-tasks-db's worker loop, resumed in-process after a database error.

    The stock loop lets a lost connection escape `run`; here the broken connection is discarded and the
    loop resumes once the database answers, so queued reminders keep going out. A task cut off by the
    lost connection (failed with a database error, or left "running" when the error escaped) is put
    back in the queue, at most MAX_REQUEUES times: the tasks here are safe to run again (a reminder
    sends at most once per channel; a checkpoint of an unchanged tree is not repeated).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.in_hand: str | None = None
        self.requeued: dict[str, int] = {}

    def run(self) -> None:
        done = threading.Event()

        def step() -> None:
            if self.in_hand is not None:  # the error escaped while this task was running
                self._requeue(self.in_hand, TaskResultStatus.RUNNING)
                self.in_hand = None
            super(ResilientWorker, self).run()
            done.set()  # the stock loop returns only on shutdown, --batch or --max-tasks

        resilient_loop(step, every=0, name="worker", stop=done)

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.in_hand = str(db_task_result.id)
        super().run_task(db_task_result)
        self.in_hand = None
        if db_task_result.status == TaskResultStatus.FAILED and db_task_result.exception_class_path in TRANSIENT_ERRORS:
            self._requeue(str(db_task_result.id), TaskResultStatus.FAILED)

    def _requeue(self, task_id: str, status: str) -> None:
        if self.requeued.get(task_id, 0) >= MAX_REQUEUES:
            return
        self.requeued[task_id] = self.requeued.get(task_id, 0) + 1
        again = DBTaskResult.objects.filter(pk=task_id, status=status).update(
            status=TaskResultStatus.READY, started_at=None, finished_at=None, exception_class_path="", traceback=""
        )
        if again:
            logger.warning("Task id=%s was cut off by the database; queued to run again.", task_id)


class Command(DbWorkerCommand):
    help = "Run the background task worker (reminders); it reconnects after a lost database connection."

    def handle(self, *args: Any, **options: Any) -> None:
        # --reload (on by default under DEBUG) is ignored: the supervisor restarts this process instead.
        self.configure_logging(options["verbosity"])
        queue_names = options["queue_name"].split(",")
        excluded = options["exclude_queues"].split(",") if options["exclude_queues"] else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ResilientWorker(
            queue_names=queue_names,
            interval=options["interval"],
            batch=options["batch"],
            backend_name=options["backend_name"],
            startup_delay=options["startup_delay"],
            max_tasks=options["max_tasks"],
            worker_id=options["worker_id"],
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        worker.run()
