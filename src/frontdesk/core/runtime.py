"""Long-running loops that outlive a lost database connection (docs/adr/0010-process-supervision.md).

The task worker, the checkpoint signer and the scheduler each hold one connection for hours. When the
database drops it (a terminated backend, a restart, a failover) the next query fails; Django marks the
connection unusable but only discards it when a request starts or ends, and these processes serve no
requests. `resilient_loop` closes the broken connection and tries again with a bounded back-off, so
the loop goes on once the database answers again, and the supervisor never has to restart it for that.
"""

import logging
import threading
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, close_old_connections, connections

logger = logging.getLogger("frontdesk.runtime")

MAX_BACKOFF_SECONDS = 5.0


def discard_connections() -> None:
    """Close every open connection of this thread, ignoring the errors a dead one raises on close."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except DatabaseError:
            connection.connection = None  # nothing left to close cleanly; let Django open a new one


def resilient_loop(
    step: Callable[[], object],
    *,
    every: float,
    name: str,
    stop: threading.Event | None = None,
) -> None:
    """Call `step` every `every` seconds until `stop` is set (forever without one).

    A database error in a step discards the connection and retries sooner, backing off from 0.5 s to
    MAX_BACKOFF_SECONDS; any other exception ends the loop (a bug the supervisor should surface).
    """
    stop = stop or threading.Event()
    backoff = 0.5
    while not stop.is_set():
        close_old_connections()
        try:
            step()
        except (DatabaseError, InterfaceError) as error:
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            logger.warning("%s: database unavailable (%s); reconnecting in %.1f s", name, first_line, backoff)
            discard_connections()
            stop.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            continue
        backoff = 0.5
        stop.wait(every)
