"""A task for the worker tests: the first run loses its database connection, the second succeeds."""

from django.db import OperationalError, connection
from django_tasks import task

attempts: list[str] = []


@task()
def cut_off_once(marker: str) -> str:
    attempts.append(marker)
    if len(attempts) == 1:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the server ends this very connection
                cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        raise OperationalError("server closed the connection unexpectedly")
    return f"done {marker}"
