"""Writes to the ledger: append an event, sequence committed events into the tree, sign checkpoints.

The public API for other apps is `event_append` (AU-2/AU-3 audit records, NIST SP 800-53; docs/architecture.md
invariant 4, "every read leaves a trace"). Everything else here is run by the ledger itself.
"""

import datetime as dt
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import Q
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from frontdesk.accounts.roles import actor_descriptor
from frontdesk.ledger import merkle, notes, signing
from frontdesk.ledger.models import (
    LedgerCheckpoint,
    LedgerCosignature,
    LedgerEvent,
    LedgerTile,
    LedgerTree,
    LedgerWitness,
)

logger = logging.getLogger(__name__)

EVENT_TYPE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
PSEUDONYM = re.compile(r"^[a-z][a-z0-9_]*:[0-9a-f]{32}$")
REF_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
# Refs name records (confirmation codes, UUIDs, numbers); an SSN-shaped value is a bug upstream.
SSN_SHAPED = re.compile(r"\d{3}-\d{2}-\d{4}")
MAX_PURPOSE = 500
MAX_REF_TEXT = 200
MAX_SAFE_INTEGER = 2**53 - 1
SEQUENCE_BATCH = 5000


def _check_text(value: str, what: str, limit: int) -> None:
    if len(value) > limit:
        raise ValueError(f"{what} is longer than {limit} characters.")
    if "\x00" in value:
        raise ValueError(f"{what} contains a NUL character.")


def _validated(
    type: str, purpose: str, subjects: Sequence[str], refs: Mapping[str, str | int | bool | None] | None
) -> tuple[list[str], dict[str, Any]]:
    if not isinstance(type, str) or len(type) > 100 or not EVENT_TYPE.match(type):
        raise ValueError(f"Event type {type!r} is not dotted lower case, e.g. 'records.person.viewed'.")
    if not isinstance(purpose, str):
        raise ValueError("The purpose is text.")
    _check_text(purpose, "The purpose", MAX_PURPOSE)
    if isinstance(subjects, str | bytes):
        raise ValueError("Subjects are a sequence of pseudonyms, not one string.")
    subject_list = list(subjects)
    for subject in subject_list:
        if not isinstance(subject, str) or not PSEUDONYM.match(subject):
            # Never echo the value: a caller that got this wrong may have passed a name or an SSN.
            raise ValueError("Each subject must be a pseudonym such as 'person:<32 hex digits>'.")
    ref_dict: dict[str, Any] = {}
    for key, value in (refs or {}).items():
        if not isinstance(key, str) or not REF_KEY.match(key) or len(key) > 64:
            raise ValueError(f"Ref name {key!r} is not a lower-case identifier.")
        if value is None or isinstance(value, bool):
            pass
        elif isinstance(value, int):
            if abs(value) > MAX_SAFE_INTEGER:
                raise ValueError(f"Ref {key!r} is outside the range JSON numbers keep exactly.")
            value = int(value)  # a plain int: an IntEnum or other subclass is written as its number
        elif isinstance(value, str):
            _check_text(value, f"Ref {key!r}", MAX_REF_TEXT)
            if SSN_SHAPED.search(value):
                raise ValueError(f"Ref {key!r} looks like an SSN; the ledger never holds one.")
        else:
            raise ValueError(f"Ref {key!r} must be text, a whole number, true/false or null.")
        ref_dict[key] = value
    return subject_list, ref_dict


def _utc_text(moment: dt.datetime) -> str:
    """ISO 8601 UTC with microseconds and a Z, e.g. 2026-01-02T03:04:05.000000Z (isoformat: C, no strftime)."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


# RFC 8785 for the values event_append builds, by the standard library's C encoder. For them the two
# are the same bytes (docs/adr/0043-ledger-append-and-verify-per-event.md; a property test holds it
# against the `rfc8785` package): object keys are lower-case ASCII identifiers (UTF-16 and code point
# order agree), numbers are integers within 2**53 (written as their digits), and strings are escaped
# alike (`"`, `\`, \b \f \n \r \t, other controls as lower-case \u00xx, everything else
# as UTF-8, U+2028/U+2029 and DEL included). Floats never reach it (_validated refuses them).
_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def canonical_text(event: Mapping[str, Any]) -> tuple[str, bytes]:
    """The RFC 8785 form of an event built by event_append, as text and as UTF-8 bytes."""
    text = _CANONICAL.encode(event)
    try:
        return text, text.encode()
    except UnicodeEncodeError:
        raise ValueError("The event holds text that is not valid Unicode (a lone surrogate).") from None


def commitment_of(salt: bytes, canonical: bytes) -> bytes:
    """The log entry for an event: a salted SHA-256 commitment, so published data reveals nothing."""
    return hashlib.sha256(salt + canonical).digest()


def event_append(
    *,
    type: str,
    actor: Any,
    purpose: str = "",
    subjects: Sequence[str] = (),
    refs: Mapping[str, str | int | bool | None] | None = None,
) -> LedgerEvent:
    """Append one event in the caller's transaction (must be inside transaction.atomic; raise if not).

    The event commits or rolls back with the action it records (invariant 4 in docs/architecture.md). It gets its
    leaf index after commit, from the sequencer, so that indices have no gaps and concurrent writers
    never wait on one another for the whole of their transactions (docs/adr/0002-ledger-merkle-log.md).
    Subjects are pseudonyms (`frontdesk.core.crypto.pseudonym`); the ledger never sees names or SSNs.
    """
    # The wrapper itself, looked up once: each attribute of the `connection` proxy is a context-local lookup.
    conn = connections[DEFAULT_DB_ALIAS]
    if not conn.in_atomic_block:
        raise TransactionManagementError(
            "event_append must run inside transaction.atomic, in the same transaction as the action."
        )
    subject_list, ref_dict = _validated(type, purpose, subjects, refs)
    actor_id, role = actor_descriptor(actor)
    now = timezone.now()
    event: dict[str, Any] = {
        "type": type,
        "time": _utc_text(now),
        "actor": actor_id,
        "role": role,
        "subjects": subject_list,
        "purpose": purpose,
        "refs": ref_dict,
    }
    text, canonical = canonical_text(event)
    salt = os.urandom(32)
    commitment = commitment_of(salt, canonical)
    if conn.vendor == "postgresql":
        conn.validate_no_broken_transaction()  # as a statement sent now would
        # Held until the transaction's next statement or its commit, then written with the other
        # events of the transaction in one multi-row INSERT (docs/adr/0037-ledger-at-ten-million.md).
        pk = _AppendBuffer.of(conn).add(type, now, text, salt, commitment)
    else:
        with conn.cursor() as cursor:
            # The values the model's fields would store: naive UTC time text, the canonical text as
            # the JSON copy (CanonicalJSONEncoder writes exactly that).
            stored_time = conn.ops.adapt_datetimefield_value(now)
            cursor.execute(_INSERT_EVENT_SQLITE, [type, stored_time, text, text, salt, commitment])
            pk = cursor.lastrowid
            cursor.execute(_INSERT_PENDING_SQLITE, [pk, commitment])
    # As a row read from the database is built (positional values, no keyword matching): saved, on this alias.
    row = LedgerEvent.from_db(conn.alias, _EVENT_FIELDS, [pk, type, now, event, text, salt, commitment])
    _sequence_after_commit(conn)
    return row


# LedgerEvent's columns in order: from_db then builds the row from positional values.
_EVENT_FIELDS = ("id", "type", "time", "event", "canonical", "salt", "commitment")

# A transaction's first event and its place in the queue: one statement, one round trip.
_INSERT_EVENT_POSTGRESQL = (
    "WITH event AS (INSERT INTO ledger_event (type, time, event, canonical, salt, commitment) "
    "VALUES (%s, %s, %s::jsonb, %s, %s, %s) RETURNING id, commitment) "
    "INSERT INTO ledger_pending (event_id, commitment) SELECT id, commitment FROM event RETURNING event_id"
)
# The events appended after it, and their places in the queue, all at once. The arrays go in
# psycopg's binary format (%b): no hex text for the salts and commitments, no quoting of the texts.
_INSERT_EVENTS_POSTGRESQL = (
    "WITH event AS (INSERT INTO ledger_event (id, type, time, event, canonical, salt, commitment) "
    "SELECT id, type, time, canonical::jsonb, canonical, salt, commitment "
    "FROM unnest(%b::bigint[], %b::text[], %b::timestamptz[], %b::text[], %b::bytea[], %b::bytea[]) "
    "AS e (id, type, time, canonical, salt, commitment) RETURNING id, commitment) "
    "INSERT INTO ledger_pending (event_id, commitment) SELECT id, commitment FROM event"
)
ID_BLOCK = 64


class _AppendBuffer:
    """PostgreSQL: the events a connection's current transaction appended and has not sent yet.

    A transaction's first event is inserted at once, as before (most transactions append one). Each
    later one takes its id from a block reserved from the table's sequence for this transaction (one
    round trip per ID_BLOCK events; ids left over are gaps, as a rollback leaves) and waits here. What
    waits is written, as one INSERT of the events and their queue rows, before anything else is sent
    on the connection (an execute wrapper: every query, savepoint and release sees the events) and
    before COMMIT (the connection's `commit` is wrapped: Django has no pre-commit hook). So an event is
    durable when its transaction's commit returns, exactly as if it had been inserted at once, and a
    failed write fails the commit. `ROLLBACK TO SAVEPOINT` and a rollback drop what waits: all of it
    was appended after the last statement sent, so inside the savepoint being rolled back.
    """

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.rows: list[tuple[int, str, dt.datetime, str, bytes, bytes]] = []
        self.ids: list[int] = []  # reserved for this transaction
        self.appended = False  # whether this transaction has appended

    @classmethod
    def of(cls, connection: Any) -> "_AppendBuffer":
        buffer: _AppendBuffer | None = getattr(connection, "_frontdesk_ledger_buffer", None)
        if buffer is None:
            buffer = cls(connection)
            buffer._install()
        return buffer

    def _install(self) -> None:
        connection = self.connection
        commit, rollback, close = connection.commit, connection.rollback, connection.close

        def commit_after_flush() -> None:
            self.flush()
            self._end()
            commit()

        def rollback_discarding() -> None:
            self._end()
            rollback()

        def close_discarding() -> None:
            self._end()
            close()

        # Bound methods replaced on this connection object only (as guards.py does for flush).
        connection.commit = commit_after_flush
        connection.rollback = rollback_discarding
        connection.close = close_discarding
        # First in the list: Django's execute_wrapper() context manager pops the last one on exit.
        connection.execute_wrappers.insert(0, self._before_statement)
        connection._frontdesk_ledger_buffer = self

    def _end(self) -> None:
        self.rows.clear()
        self.ids.clear()
        self.appended = False

    def _before_statement(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if self.rows:
            if sql.startswith("ROLLBACK TO SAVEPOINT"):
                self.rows.clear()
            else:
                self.flush()
        return execute(sql, params, many, context)

    def add(self, type: str, now: dt.datetime, text: str, salt: bytes, commitment: bytes) -> int:
        if not self.appended:
            self.appended = True
            with self.connection.cursor() as cursor:
                cursor.execute(_INSERT_EVENT_POSTGRESQL, [type, now, text, text, salt, commitment])
                (pk,) = cursor.fetchone()
            return int(pk)
        if not self.ids:
            # The raw cursor: through Django's it would come back to _before_statement and flush.
            with self.connection.wrap_database_errors, self.connection.connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence('ledger_event', 'id')) FROM generate_series(1, %s)",
                    [ID_BLOCK],
                )
                self.ids = [row[0] for row in reversed(cursor.fetchall())]
        pk = self.ids.pop()
        self.rows.append((pk, type, now, text, salt, commitment))
        return pk

    def flush(self) -> None:
        if not self.rows:
            return
        rows, self.rows = self.rows, []
        columns = [list(column) for column in zip(*rows, strict=True)]
        with self.connection.wrap_database_errors, self.connection.connection.cursor() as cursor:
            cursor.execute(_INSERT_EVENTS_POSTGRESQL, columns)
            if cursor.rowcount != len(rows):
                raise DatabaseError("The ledger wrote fewer events than were appended.")


_INSERT_EVENT_SQLITE = (
    "INSERT INTO ledger_event (type, time, event, canonical, salt, commitment) VALUES (%s, %s, %s, %s, %s, %s)"
)
_INSERT_PENDING_SQLITE = "INSERT INTO ledger_pending (event_id, commitment) VALUES (%s, %s)"


def _sequence_after_commit(conn: Any) -> None:
    """Ask for one sequencer run after the outermost transaction commits (once, however many events)."""
    if any(entry[1] is _run_sequencer_quietly for entry in conn.run_on_commit):
        return
    conn.on_commit(_run_sequencer_quietly, robust=True)


_last_after_commit_run = float("-inf")


def _run_sequencer_quietly() -> None:
    """Sequence (and maybe checkpoint) after a commit, at most every FRONTDESK_LEDGER_SEQUENCE_SECONDS
    (default 0.2 s) per process: under load one run integrates many commits, instead of every commit
    paying for its own. Events left waiting are picked up by the next commit's run, by
    `ledger checkpoint --every N`, and by every checkpoint, proof, export and verification."""
    global _last_after_commit_run
    every = getattr(settings, "FRONTDESK_LEDGER_SEQUENCE_SECONDS", 0.2)
    now = time.monotonic()
    if every and now - _last_after_commit_run < every:
        return
    _last_after_commit_run = now
    # If another process holds the sequencer, it (or the next run) picks these events up.
    size = ledger_sequence(wait=False)
    if size > 0:
        checkpoint_if_due(size)


# --- The sequencer -----------------------------------------------------------------------------


def _lock_tree(*, wait: bool) -> LedgerTree | None:
    """The tree's state row, locked for this transaction (PostgreSQL row lock; SQLite's write lock)."""
    rows = LedgerTree.objects.select_for_update(skip_locked=not wait).filter(pk=1)
    tree = rows.first()
    if tree is None:
        LedgerTree.objects.bulk_create([LedgerTree(id=1, size=0, frontier=b"")], ignore_conflicts=True)
        tree = rows.first()
    return tree


def ledger_sequence(*, wait: bool = True, batch: int = SEQUENCE_BATCH) -> int:
    """Give committed events gapless leaf indices in commit order, fold them into the tiles.

    Takes events off the pending queue (id order among those committed), inserts their rows in the
    leaf table and deletes their queue rows: inserts and deletes only, no event row is rewritten.
    Runs after each commit that appended events, before every checkpoint, proof and verification,
    and from the periodic checkpoint task. With `wait=False` it returns at once when another
    sequencer holds the lock. Returns the tree size afterwards (-1 when it did not run).
    """
    after: int | None = None  # PostgreSQL: the last event id taken by this run's previous full batch
    while True:
        with transaction.atomic():
            tree = _lock_tree(wait=wait)
            if tree is None:
                return -1
            if connection.vendor == "postgresql":
                commitments, last_id = _take_batch_postgresql(tree.size, batch, after)
            else:
                commitments, last_id = _take_batch_sqlite(tree.size, batch), None
            if commitments:
                _integrate(tree, commitments)
        if len(commitments) == batch:
            after = last_id  # PostgreSQL's next batch starts after it (see _TAKE_BATCH_POSTGRESQL)
        elif after is not None:
            after = None  # one more look from the start of the queue, for events that committed late
        else:
            return tree.size


# One statement, one snapshot: the queue rows it deletes are exactly the ones it numbers and turns
# into leaves (a second statement could see a row that committed in between and drop it unsequenced).
# `event_id > after`: a deleted queue row stays in the primary key's index until VACUUM, and a scan
# from the start of the queue steps over every one of them; within one run each batch starts after
# the last id the previous one took (docs/adr/0043: without it a 10 M backlog ran at 19,000/s). The
# rows taken are deleted as one id range, (after, the batch's last id]: in this statement's snapshot
# that range holds exactly the batch (a row not yet committed is invisible to both), and a range scan
# of the index costs a fifth of probing it once per id.
_TAKE_BATCH_POSTGRESQL = (
    "WITH upto AS (SELECT max(event_id) AS last_id FROM (SELECT event_id FROM ledger_pending "
    "WHERE event_id > %(after)s ORDER BY event_id LIMIT %(batch)s) AS first_rows), "
    "taken AS (DELETE FROM ledger_pending WHERE event_id > %(after)s AND event_id <= (SELECT last_id FROM upto) "
    "RETURNING event_id, commitment), "
    "numbered AS (SELECT event_id, commitment, %(first)s + row_number() OVER (ORDER BY event_id) - 1 AS leaf_index "
    "FROM taken), "
    "leaves AS (INSERT INTO ledger_leaf (leaf_index, event_id) SELECT leaf_index, event_id FROM numbered) "
    "SELECT leaf_index, commitment, event_id FROM numbered ORDER BY leaf_index"
)
_BEFORE_ANY_ID = -(2**63)


def _take_batch_postgresql(first_index: int, batch: int, after: int | None = None) -> tuple[list[bytes], int | None]:
    """Number the next `batch` queued events (id order, ids above `after` if given) and insert their
    leaves in one statement; return their commitments in index order and the last event id taken. One
    round trip, no id arrays sent back and forth."""
    with connection.cursor() as cursor:
        start = _BEFORE_ANY_ID if after is None else after
        cursor.execute(_TAKE_BATCH_POSTGRESQL, {"after": start, "batch": batch, "first": first_index})
        rows = cursor.fetchall()
    if rows and (rows[0][0] != first_index or rows[-1][0] != first_index + len(rows) - 1):
        raise RuntimeError("The sequencer's indices are not contiguous; nothing was committed.")
    return [bytes(commitment) for _index, commitment, _id in rows], (rows[-1][2] if rows else None)


def _take_batch_sqlite(first_index: int, batch: int) -> list[bytes]:
    """SQLite: the sequencer holds the database's one write lock, so every queued row is committed and
    nothing can join the queue below the last id taken until this transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT event_id, commitment FROM ledger_pending ORDER BY event_id LIMIT %s",
            [batch],
        )
        rows = cursor.fetchall()
        if not rows:
            return []
        cursor.executemany(
            "INSERT INTO ledger_leaf (leaf_index, event_id) VALUES (%s, %s)",
            [(first_index + offset, event_id) for offset, (event_id, _c) in enumerate(rows)],
        )
        cursor.execute("DELETE FROM ledger_pending WHERE event_id <= %s", [rows[-1][0]])
        if cursor.rowcount != len(rows):
            raise RuntimeError("The pending queue changed under the sequencer; nothing was committed.")
    return [bytes(commitment) for _id, commitment in rows]


def _integrate(tree: LedgerTree, commitments: list[bytes]) -> None:
    """Fold the commitments of the rows just given indices tree.size, tree.size + 1, ... into the tiles."""
    compact = merkle.CompactTree.from_bytes(tree.size, bytes(tree.frontier))
    additions: dict[tuple[int, int], list[bytes]] = {}

    def emit(level: int, index: int, node: bytes) -> None:
        additions.setdefault((level, index >> merkle.TILE_HEIGHT), []).append(node)

    leaf_hash = merkle.leaf_hash
    append = compact.append
    for commitment in commitments:
        append(leaf_hash(bytes(commitment)), emit)

    _extend_tiles(additions)
    LedgerTree.objects.filter(pk=1).update(size=compact.size, frontier=compact.to_bytes())
    tree.size, tree.frontier = compact.size, compact.to_bytes()


def _extend_tiles(additions: dict[tuple[int, int], list[bytes]]) -> None:
    if not additions:
        return
    # Only the leftmost tile touched on each level can exist already (the partial right edge).
    edge: dict[int, int] = {}
    for level, tile_index in additions:
        edge[level] = min(tile_index, edge.get(level, tile_index))
    wanted = Q()
    for level, tile_index in edge.items():
        wanted |= Q(level=level, tile_index=tile_index)
    existing = {(t.level, t.tile_index): t for t in LedgerTile.objects.filter(wanted)}
    new_tiles = []
    for key, hashes in additions.items():
        data = b"".join(hashes)
        tile = existing.get(key)
        if tile is None:
            new_tiles.append(LedgerTile(level=key[0], tile_index=key[1], hashes=data))
        else:
            LedgerTile.objects.filter(pk=tile.pk).update(hashes=bytes(tile.hashes) + data)
    LedgerTile.objects.bulk_create(new_tiles, batch_size=500)


# --- Checkpoints ---------------------------------------------------------------------------------


def checkpoint_latest() -> LedgerCheckpoint | None:
    return LedgerCheckpoint.objects.order_by("-size", "-id").first()


_warned_no_key = False


def checkpoint_if_due(size: int) -> LedgerCheckpoint | None:
    """Sign a checkpoint when the tree has grown and the latest is older than the checkpoint interval.

    Called after each commit that appended events, so checkpoints follow the events every few
    seconds (FRONTDESK_LEDGER_CHECKPOINT_SECONDS, default 5) without a scheduler.
    """
    global _warned_no_key
    interval = dt.timedelta(seconds=getattr(settings, "FRONTDESK_LEDGER_CHECKPOINT_SECONDS", 5))
    latest = checkpoint_latest()
    if latest is not None and (latest.size >= size or timezone.now() - latest.created_at < interval):
        return None
    try:
        return checkpoint_create()
    except ImproperlyConfigured as error:
        if not _warned_no_key:
            logger.warning("Ledger checkpoints are not being signed: %s", error)
            _warned_no_key = True
        return None


def checkpoint_create(*, force: bool = False) -> LedgerCheckpoint:
    """Sequence what has committed and sign a checkpoint of the tree (C2SP tlog-checkpoint, AU-9(3)).

    Kept forever. A checkpoint of an unchanged tree is not repeated unless `force` is set.
    """
    signer = signing.load_signer()
    ledger_sequence()
    with transaction.atomic():
        tree = _lock_tree(wait=True)
        assert tree is not None
        latest = checkpoint_latest()
        if latest is not None and latest.size == tree.size and not force:
            return latest
        root = merkle.CompactTree.from_bytes(tree.size, bytes(tree.frontier)).root()
        body = notes.checkpoint_body(signer.name, tree.size, root)
        return LedgerCheckpoint.objects.create(
            size=tree.size, root=root, note=signer.sign(body), created_at=timezone.now()
        )


# --- Cosignatures (C2SP tlog-witness; docs/adr/0020-witnessed-checkpoints.md) --------------------


def checkpoint_sign_and_cosign(*, force: bool = False) -> tuple[LedgerCheckpoint, dict[str, str]]:
    """Sign a checkpoint, then ask the witnesses to cosign it: the one path of every checkpoint signer
    (`ledger checkpoint`, its `--every` loop and the scheduler's `checkpoint_task`; ADR 0022).

    Witnessing can only delay itself: a witness problem is reported in the outcomes, never raised, so
    the checkpoint is signed whatever the witnesses do. A missing key or a bad witness setting
    (ImproperlyConfigured) and database errors (the caller's loop reconnects) still raise.
    """
    from django.db import DatabaseError

    checkpoint = checkpoint_create(force=force)
    try:
        outcomes = checkpoint_cosign()
    except (ImproperlyConfigured, DatabaseError):
        raise
    except Exception as error:
        logger.exception("Collecting cosignatures failed")
        outcomes = {"(all)": f"failed: {error}"}
    return checkpoint, outcomes


def _witness_request(row: LedgerWitness, checkpoint: LedgerCheckpoint) -> bytes | str:
    """The add-checkpoint body from the size the witness last told us it holds, or why there is none."""
    from frontdesk.ledger import selectors, witness_client

    old = row.known_size
    if old > checkpoint.size:
        return (
            f"the witness has cosigned size {old}, more than this log's latest checkpoint ({checkpoint.size}): "
            "it saw a history this database does not hold"
        )
    proof = (
        merkle.consistency_proof(old, checkpoint.size, selectors.subtrees(checkpoint.size))
        if 0 < old < checkpoint.size
        else []
    )
    return witness_client.request_body(old, proof, checkpoint.note)


def checkpoint_cosign(*, now: dt.datetime | None = None) -> dict[str, str]:
    """Ask every configured witness to cosign the latest checkpoint; store the cosignatures they give.

    Runs in the checkpoint signer after each signing, never in a request: a witness that is down or
    slow (each request times out after FRONTDESK_LEDGER_WITNESS_TIMEOUT seconds, all of them in
    parallel) only delays witnessing. A witness is asked again while it has not cosigned the latest
    checkpoint, and once its cosignature is older than half the maximum age, so that an idle log
    keeps a fresh quorum. Returns each witness's outcome by name.
    """
    from concurrent.futures import ThreadPoolExecutor

    from frontdesk.ledger import selectors, witness_client
    from frontdesk.ledger.cosignature import parse_signature_line, split_note

    configs = selectors.witness_configs()
    checkpoint = checkpoint_latest()
    if not configs or checkpoint is None:
        return {}
    now = now or timezone.now()
    refresh = dt.timedelta(seconds=settings.FRONTDESK_LEDGER_WITNESS_MAX_AGE / 2)
    timeout = settings.FRONTDESK_LEDGER_WITNESS_TIMEOUT
    text, _ = split_note(checkpoint.note)
    outcomes: dict[str, str] = {}
    due: list[tuple[witness_client.WitnessConfig, LedgerWitness]] = []
    for config in configs:
        row, _ = LedgerWitness.objects.get_or_create(
            key=config.key.text(), defaults={"name": config.key.name, "url": config.url}
        )
        if row.url != config.url:
            LedgerWitness.objects.filter(pk=row.pk).update(url=config.url)
            row.url = config.url
        held = LedgerCosignature.objects.filter(checkpoint=checkpoint, witness=row).first()
        if held is not None and now - held.signed_at < refresh:
            outcomes[config.key.name] = f"cosigned size {checkpoint.size}"
        else:
            due.append((config, row))

    def ask(config: witness_client.WitnessConfig, body: bytes) -> witness_client.Reply:
        return witness_client.add_checkpoint(config.url, body, timeout=timeout)

    # Two rounds: a witness that answers 409 Conflict tells us its size, and the second request
    # brings the consistency proof from there (tlog-witness: a client may start from old 0).
    for _round in range(2):
        requests: list[tuple[witness_client.WitnessConfig, LedgerWitness, bytes]] = []
        for config, row in due:
            body = _witness_request(row, checkpoint)
            if isinstance(body, str):
                outcomes[config.key.name] = body
                LedgerWitness.objects.filter(pk=row.pk).update(last_attempt_at=now, last_error=body)
            else:
                requests.append((config, row, body))
        if not requests:
            break
        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            replies = list(pool.map(lambda item: ask(item[0], item[2]), requests))
        due = []
        for (config, row, _body), reply in zip(requests, replies, strict=True):
            name = config.key.name
            error = ""
            if reply.status == 200:
                try:
                    lines = [parse_signature_line(line) for line in reply.body.splitlines() if line]
                    mine = [line for line in lines if config.key.matches(line)]
                    if not mine:
                        raise notes.NoteError("the answer carries no cosignature by its key")
                    timestamp = config.key.verify(text, mine[0])
                except notes.NoteError as problem:
                    error = f"answered with no valid cosignature: {problem}"
                else:
                    signed_at = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
                    LedgerCosignature.objects.update_or_create(
                        checkpoint=checkpoint,
                        witness=row,
                        defaults={"signed_at": signed_at, "line": mine[0].text(), "received_at": now},
                    )
                    row.known_size = checkpoint.size
                    outcomes[name] = f"cosigned size {checkpoint.size}"
            elif reply.status == 409 and reply.body.strip().isdigit() and _round == 0:
                row.known_size = int(reply.body.strip())
                due.append((config, row))
                error = f"holds size {row.known_size}"
            elif reply.status == 0:
                error = f"unreachable: {reply.body}"
            else:
                error = f"refused with HTTP {reply.status}: {reply.body.strip()[:300]}"
            if error:
                outcomes[name] = error
                if reply.status != 409 and error != row.last_error:  # once per new problem, not every loop
                    logger.warning("Witness %s did not cosign checkpoint %s: %s", name, checkpoint.size, error)
            LedgerWitness.objects.filter(pk=row.pk).update(
                known_size=row.known_size, last_attempt_at=now, last_error=error
            )
    return outcomes
