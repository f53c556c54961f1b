"""The demo's outbox: the email and text messages the printing backends "send", from every process.

The web server sends one-time codes and the waitlist offers it makes at once; the worker sends reminders;
the scheduler's sweep sends the offers it makes. Printed to each process's own output, a person trying the
demo would have to know which process sent what. With `FRONTDESK_OUTBOX` set to a file (`make run` sets
var/log/outbox.log) every message is appended there instead, whole, under a lock the processes share.
"""

import fcntl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.console import EmailBackend as PrintingEmailBackend

RULE = "-" * 79


@contextmanager
def outbox() -> Iterator[TextIO | None]:
    """The outbox file open for appending and locked against the other processes, or None when the
    setting is empty (each process prints to its own output, as Django's console backend does)."""
    path = getattr(settings, "FRONTDESK_OUTBOX", "")
    if not path:
        yield None
        return
    with open(path, "a", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        try:
            yield file
            file.flush()
        finally:
            fcntl.flock(file, fcntl.LOCK_UN)


class EmailBackend(PrintingEmailBackend):
    """Django's console backend, writing to the outbox when there is one."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        with outbox() as file:
            if file is not None:
                self.stream = file
            return super().send_messages(email_messages)
