"""gunicorn for frontdesk (docs/adr/0010-process-supervision.md).

Sized for a small host: a few processes, each with a few threads. Requests spend most of their time
waiting on the database, so threads overlap that wait while processes use the cores. The listen backlog
holds a burst of new connections until a thread is free instead of refusing them.
Every number can be changed from the environment without editing this file.
"""

import multiprocessing
import os
from typing import Any

_cores = multiprocessing.cpu_count()

bind = os.environ.get("FRONTDESK_BIND", "127.0.0.1:8000")
wsgi_app = "config.wsgi:application"

# Processes for the cores, threads for the waits on the database.
# One process per core plus one; the task worker, signer and scheduler share the same cores.
workers = int(os.environ.get("FRONTDESK_WEB_WORKERS", str(_cores + 1)))
worker_class = "gthread"
threads = int(os.environ.get("FRONTDESK_WEB_THREADS", "4"))

# A burst of new connections waits in the kernel's accept queue (capped by net.core.somaxconn).
backlog = int(os.environ.get("FRONTDESK_WEB_BACKLOG", "2048"))
# Each gthread worker accepts at most this many connections at once; the rest wait in the backlog.
worker_connections = 1000

# A request that runs longer than this is stuck: the master replaces the worker.
timeout = int(os.environ.get("FRONTDESK_WEB_TIMEOUT", "30"))
# On SIGTERM, requests in flight get this long to finish before the worker is killed.
graceful_timeout = 20
keepalive = 5
# Replace each worker after a while, staggered, so that slow leaks cannot accumulate.
max_requests = 5000
max_requests_jitter = 500

# Load the application once in the master: an import or settings error stops start-up at once
# (instead of every worker dying in a loop), and workers share the loaded code's memory.
preload_app = True

# The access log never carries the query string (%(U)s is the path alone; %(r)s and %(q)s would add
# it) nor the referrer: either may hold a name, a date of birth or a confirmation code typed into a
# search form. Path, status, size and duration in microseconds are enough to operate the service.
accesslog = os.environ.get("FRONTDESK_ACCESS_LOG", "-")
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(D)sus'
errorlog = "-"
loglevel = os.environ.get("FRONTDESK_WEB_LOG_LEVEL", "info")
proc_name = "frontdesk-web"

# The supervisor is the control interface; gunicorn's own control socket (in the home directory by
# default) would be shared, and fought over, by every instance started by the same user.
control_socket_disable = True

# Headers from the reverse proxy are trusted only from loopback (production puts one in front).
forwarded_allow_ips = "127.0.0.1,::1"


def pre_fork(server: Any, worker: Any) -> None:
    """Close any database connection the master opened while loading, before a worker inherits it:
    two processes talking over one connection would corrupt it."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()
