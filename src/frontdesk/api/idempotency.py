"""Idempotency-Key for POSTs: a retried request returns the first result instead of acting twice.

The key is claimed first and the response stored in the same transaction as the action, so either both
exist or neither does, and concurrent retries wait for the first instead of racing it. A key reused
with a different body is refused (422) rather than silently replayed.
"""

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone

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
            record_id = _claim(scope=scope, key=key, digest=digest)
            body = action()
            _answer(record_id, 201, body)
    except IntegrityError:
        # The key was used before (a retry) or by a concurrent request that committed first; this
        # attempt rolled back whole and answers with the first result.
        existing = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
        if existing is None:
            raise
        return replay(existing)
    return 201, body


# Every booking writes these two statements: hand-written (the values adapted by the model's own fields)
# instead of the ORM's query building for a create and a save (docs/adr/0045-booking-cpu-per-booking.md).
_TABLE = IdempotencyRecord._meta.db_table
_CLAIM = (
    f"INSERT INTO {_TABLE} (scope, key, request_hash, status_code, response, created_at) "  # noqa: S608
    "VALUES (%s, %s, %s, 0, %s, %s)"
)
_ANSWER = f"UPDATE {_TABLE} SET status_code = %s, response = %s WHERE id = %s"  # noqa: S608
_RESPONSE = IdempotencyRecord._meta.get_field("response")


def _claim(*, scope: str, key: str, digest: str) -> int:
    """Insert the key's record (status 0: in progress); IntegrityError when the key was claimed before."""
    params = [scope, key, digest, _RESPONSE.get_db_prep_save({}, connection)]
    params.append(connection.ops.adapt_datetimefield_value(timezone.now()))
    with connection.cursor() as cursor:
        if connection.features.can_return_columns_from_insert:
            cursor.execute(_CLAIM + " RETURNING id", params)
            return int(cursor.fetchone()[0])
        cursor.execute(_CLAIM, params)
        return int(cursor.lastrowid)


def _answer(record_id: int, status_code: int, body: dict) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_ANSWER, [status_code, _RESPONSE.get_db_prep_save(body, connection), record_id])
