"""Background work: a signed checkpoint (the periodic scheduler or any caller enqueues it)."""

from django_tasks import task

from frontdesk.ledger.services import checkpoint_create


@task()
def checkpoint_task() -> int:
    """Sequence pending events and sign a checkpoint if the tree grew; returns the tree size."""
    return checkpoint_create().size
