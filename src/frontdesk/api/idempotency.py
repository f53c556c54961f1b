"""Idempotency-Key for POSTs: a retried request returns the first result instead of acting twice.

The key is claimed first and the response stored in the same transaction as the action, so either both
exist or neither does, and concurrent retries wait for the first instead of racing it. A key reused
with a different body is refused (422) rather than silently replayed.
"""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from frontdesk.core.errors import ValidationFailed
from frontdesk.scheduling.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY = 200


def idempotent(request: HttpRequest, *, scope: str, payload: dict, action: Callable[[], dict]) -> tuple[int, dict]:
    key = request.headers.get(HEADER, "")
    if not key:
        return 201, action()
    if len(key) > MAX_KEY or not key.isprintable():
        raise ValidationFailed(f"The {HEADER} header must be 1 to {MAX_KEY} printable characters.", field=HEADER)
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()

    def replay(record: IdempotencyRecord) -> tuple[int, dict]:
        if record.request_hash != digest:
            raise ValidationFailed(
                f"This {HEADER} was already used for a different request. Use a new key for a new request.",
                code="idempotency_key_reused",
                field=HEADER,
            )
        return record.status_code, record.response

    try:
        with transaction.atomic():
            # Claim the key before acting: a concurrent request with the same key waits here, on the
            # unique index, instead of racing for the same resources (which could deadlock).
            record = IdempotencyRecord.objects.create(
                scope=scope, key=key, request_hash=digest, status_code=0, response={}
            )
            body = action()
            record.status_code, record.response = 201, body
            record.save(update_fields=["status_code", "response"])
    except IntegrityError:
        # The key was used before (a retry) or by a concurrent request that committed first; this
        # attempt rolled back whole and answers with the first result.
        existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if existing is None:
            raise
        return replay(existing)
    return 201, body
