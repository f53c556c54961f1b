"""How long work reports how far it has got, without knowing who is watching.

Domain code (the seed, the office import, ledger verification and export) takes a `Progress` and
calls `task(...)` once per piece of work, then `advance(n)` as items are done: in batches on hot
loops, never per item where an item costs microseconds. The default, `SILENT`, reports nowhere, so
callers that pass nothing (tests, `frontdesk demo`, services) pay one no-op call per batch.

What is shown is the caller's choice: the management commands pass a bar on a terminal or plain
periodic lines in a log (`frontdesk.core.progress_output`). This module imports no UI library.
"""

from types import TracebackType
from typing import Self


class Task:
    """One piece of long work. This one reports nowhere."""

    def advance(self, n: int = 1) -> None:
        """`n` more items are done."""

    def close(self) -> None:
        """The work is over (finished or abandoned)."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


class Progress:
    """Where tasks report. This one is silent."""

    def task(self, description: str, *, total: int | None = None, unit: str = "items") -> Task:
        """A new task: `total` items if known, counted in `unit` (plural, e.g. "entries")."""
        return SILENT_TASK


SILENT_TASK = Task()
SILENT = Progress()
