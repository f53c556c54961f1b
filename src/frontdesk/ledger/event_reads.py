"""An auditor reading one ledger event: the read is itself recorded on the ledger, with its purpose.

Its own module because it both reads (selectors) and writes (services); selectors stays read-only.
"""

from typing import Any

from django.db import transaction

from frontdesk.core.purposes import purpose_stated
from frontdesk.ledger.models import LedgerEvent
from frontdesk.ledger.selectors import event_get
from frontdesk.ledger.services import event_append


def event_read(*, actor: Any, index: int, purpose: str | None) -> LedgerEvent:
    """`event_get` for an auditor who states why (missing: 'audit'; see `purpose_stated`). The read goes
    on the ledger as `ledger.event.viewed` in the same transaction: both happen, or neither."""
    stated = purpose_stated(purpose, default="audit")
    with transaction.atomic():
        event = event_get(actor=actor, index=index)
        event_append(type="ledger.event.viewed", actor=actor, purpose=stated, refs={"index": event.index})
    return event
