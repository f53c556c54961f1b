"""Background work: a signed, witnessed checkpoint (the periodic scheduler or any caller enqueues it)."""

from django_tasks import task

from frontdesk.ledger.services import checkpoint_sign_and_cosign


@task()
def checkpoint_task() -> int:
    """Sequence pending events, sign a checkpoint if the tree grew and ask the witnesses to cosign it,
    by the same path as `ledger checkpoint` (docs/adr/0022-proofs-a-person-can-hold.md); returns the size."""
    checkpoint, _outcomes = checkpoint_sign_and_cosign()
    return checkpoint.size
