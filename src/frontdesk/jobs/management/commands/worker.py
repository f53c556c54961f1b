"""`frontdesk worker`: the task worker (django-tasks' database worker) that survives a lost database."""

import threading
from typing import Any

from django.core.management.base import CommandError
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.management.commands.db_worker import Worker

from frontdesk.core.runtime import resilient_loop


class ResilientWorker(Worker):
    """django-tasks-db's worker loop, resumed in-process after a database error.

    The stock loop lets a lost connection escape `run`; here the broken connection is discarded and the
    loop resumes once the database answers, so queued reminders keep going out.
    """

    def run(self) -> None:
        done = threading.Event()

        def step() -> None:
            super(ResilientWorker, self).run()
            done.set()  # the stock loop returns only on shutdown, --batch or --max-tasks

        resilient_loop(step, every=0, name="worker", stop=done)


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
