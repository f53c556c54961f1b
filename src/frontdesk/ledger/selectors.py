"""Reads of the ledger: public tiles and checkpoints, and the auditor's events and proofs.

Proofs are assembled from stored tiles (merkle.tile_subtrees): the tree is never recomputed.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from frontdesk.core.errors import NotFound, PermissionDenied, ValidationFailed
from frontdesk.ledger import merkle, notes
from frontdesk.ledger.models import (
    LedgerCheckpoint,
    LedgerCosignature,
    LedgerEvent,
    LedgerLeaf,
    LedgerPending,
    LedgerTile,
    LedgerTree,
)
from frontdesk.ledger.policies import Quorum, can_read_ledger_events, witness_quorum
from frontdesk.ledger.witness_client import WitnessConfig, parse_witnesses


def tree_size() -> int:
    """How many events have been sequenced into the tree."""
    return LedgerTree.objects.filter(pk=1).values_list("size", flat=True).first() or 0


def pending_count() -> int:
    """How many committed events wait for the sequencer to give them an index."""
    return LedgerPending.objects.count()


def checkpoint_list() -> list[LedgerCheckpoint]:
    return list(LedgerCheckpoint.objects.order_by("id"))


def tile_read(level: int, tile_index: int, width: int) -> bytes | None:
    """The first `width` hashes of a hash tile, or None while the tree does not have them."""
    if not 1 <= width <= merkle.TILE_WIDTH:
        return None
    data = LedgerTile.objects.filter(level=level, tile_index=tile_index).values_list("hashes", flat=True).first()
    if data is None or len(data) < width * merkle.HASH_SIZE:
        return None
    return bytes(data[: width * merkle.HASH_SIZE])


def entries_read(tile_index: int, width: int) -> bytes | None:
    """The entry bundle (commitments, uint16-length-prefixed) for one tile of leaves, or None."""
    if not 1 <= width <= merkle.TILE_WIDTH:
        return None
    first = tile_index * merkle.TILE_WIDTH
    commitments = list(
        LedgerLeaf.objects.filter(index__gte=first, index__lt=first + width)
        .order_by("index")
        .values_list("event__commitment", flat=True)
    )
    if len(commitments) != width:
        return None
    return merkle.entry_bundle(bytes(c) for c in commitments)


def binary_cursor(raw: Any) -> Any:
    """A psycopg cursor on the raw connection `raw` that receives rows in the binary format, whatever
    cursor class Django set for its own (a client-side binding cursor, with FRONTDESK_DB_PREPARE=0,
    cannot receive binary rows)."""
    import psycopg

    cursor = psycopg.Cursor(raw)
    cursor.format = psycopg.pq.Format.BINARY
    return cursor


def _tiles_read_many(keys: set[tuple[int, int]]) -> tuple[dict[tuple[int, int], bytes], int]:
    """The tiles named and the current tree size, in one query (one round trip for a proof)."""
    where = " OR ".join(["(level = %s AND tile_index = %s)"] * len(keys)) or "1 = 0"
    params = [value for key in sorted(keys) for value in key]
    tree = "SELECT -1, -1, NULL, size FROM ledger_tree WHERE id = 1"
    query = f"{tree} UNION ALL SELECT level, tile_index, hashes, NULL FROM ledger_tile WHERE {where}"  # noqa: S608
    if connection.vendor == "postgresql":
        # The tiles as their bytes (psycopg's binary format), not hex text to decode: about 0.15 ms of
        # a proof's 1 ms (docs/adr/0043). A psycopg cursor of its own (Django's cannot ask for binary
        # rows); nothing a transaction's buffered appends could change is read here.
        connection.ensure_connection()
        with connection.wrap_database_errors, binary_cursor(connection.connection) as cursor:
            cursor.execute(query, params)
            rows = cursor.fetchall()
    else:
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            rows = cursor.fetchall()
    size = next((int(row[3]) for row in rows if row[0] == -1), 0)
    return {(level, index): bytes(hashes) for level, index, hashes, _size in rows if level != -1}, size


def subtrees(size: int, work: Callable[[merkle.Subtrees], object] | None = None) -> merkle.Subtrees:
    """Complete-subtree hashes of the tree of `size` entries, from the stored tiles.

    Given the `work` to be done, every tile it needs is read in one query first (with the tree's size:
    a size the tree does not have yet runs the sequencer, or is refused); otherwise tiles are read one
    at a time as they are needed.
    """
    tiles: dict[tuple[int, int], bytes] = {}
    if work is not None:
        keys = merkle.tiles_needed(work)
        tiles, current = _tiles_read_many(keys)
        if size > current:
            _require_size(size)
            tiles, _current = _tiles_read_many(keys)

    def read(level: int, tile_index: int, width: int) -> bytes:
        data = tiles.get((level, tile_index))
        if data is None and work is None:
            data = tile_read(level, tile_index, width)
        if data is None or len(data) < width * merkle.HASH_SIZE:
            raise merkle.ProofError(f"Tile {level}/{tile_index} has fewer than {width} hashes.")
        return data[: width * merkle.HASH_SIZE]

    return merkle.tile_subtrees(size, read)


def root_at(size: int) -> bytes:
    return merkle.tree_root(size, subtrees(size))


def _require_size(size: int) -> None:
    current = tree_size()
    if size > current:
        from frontdesk.ledger.services import ledger_sequence

        current = ledger_sequence(wait=True)
    if size > current:
        raise ValidationFailed(f"The log has {current} entries; tree size {size} does not exist yet.")


def _require_auditor(actor: Any) -> None:
    if not can_read_ledger_events(actor):
        raise PermissionDenied("Only auditors read ledger events and proofs.")


def default_tree_size() -> int:
    """The size auditors compare against: the latest signed checkpoint's, else the current tree's."""
    latest = LedgerCheckpoint.objects.order_by("-size").values_list("size", flat=True).first()
    return tree_size() if latest is None else latest


def event_list(*, actor: Any, type_prefix: str = "") -> QuerySet[LedgerEvent]:
    """Sequenced events, newest first, optionally of types starting with `type_prefix` (auditors only)."""
    _require_auditor(actor)
    events = LedgerEvent.objects.filter(leaf__isnull=False).order_by("-leaf__index")
    return events.filter(type__startswith=type_prefix) if type_prefix else events


def event_get(*, actor: Any, index: int) -> LedgerEvent:
    """The event behind a leaf index, with its salt (auditors only)."""
    _require_auditor(actor)
    event = LedgerEvent.objects.filter(leaf__index=index).first()
    if event is None:
        raise NotFound(f"No ledger entry has index {index}.", code="no_such_entry")
    return event


@dataclass(frozen=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: bytes
    proof: list[bytes]
    root: bytes


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    proof: list[bytes]
    first_root: bytes
    second_root: bytes


def inclusion_proof_get(*, actor: Any, index: int, tree_size: int) -> InclusionProof:
    """RFC 9162 inclusion proof for leaf `index` in the tree of `tree_size` entries (auditors only)."""
    _require_auditor(actor)
    if index < 0 or tree_size < 1 or index >= tree_size:
        raise ValidationFailed("The index must be at least 0 and smaller than the tree size.", code="bad_range")

    def work(trees: merkle.Subtrees) -> None:
        trees.node(0, index)
        merkle.inclusion_proof(index, tree_size, trees)
        merkle.tree_root(tree_size, trees)

    trees = subtrees(tree_size, work)
    return InclusionProof(
        index=index,
        tree_size=tree_size,
        leaf_hash=trees.node(0, index),
        proof=merkle.inclusion_proof(index, tree_size, trees),
        root=merkle.tree_root(tree_size, trees),
    )


def consistency_proof_get(*, actor: Any, first: int, second: int) -> ConsistencyProof:
    """RFC 9162 consistency proof between two tree sizes (auditors only)."""
    _require_auditor(actor)
    if first < 0 or second < first:
        raise ValidationFailed("The sizes must satisfy 0 <= first <= second.", code="bad_range")

    def work(trees: merkle.Subtrees) -> None:
        merkle.consistency_proof(first, second, trees)
        merkle.tree_root(first, trees)
        merkle.tree_root(second, trees)

    trees = subtrees(second, work)
    return ConsistencyProof(
        first=first,
        second=second,
        proof=merkle.consistency_proof(first, second, trees),
        first_root=merkle.tree_root(first, trees),
        second_root=merkle.tree_root(second, trees),
    )


# --- Witnesses and the published checkpoint (docs/adr/0020-witnessed-checkpoints.md) -----------


def witness_configs() -> list[WitnessConfig]:
    """The witnesses the log asks to cosign (FRONTDESK_LEDGER_WITNESSES)."""
    try:
        return parse_witnesses(settings.FRONTDESK_LEDGER_WITNESSES)
    except notes.NoteError as error:
        raise ImproperlyConfigured(f"FRONTDESK_LEDGER_WITNESSES: {error}") from error


def _trusted_cosignatures(checkpoint: LedgerCheckpoint, keys: set[str]) -> list[LedgerCosignature]:
    rows = checkpoint.cosignatures.select_related("witness").order_by("witness__name", "witness__key")
    return [row for row in rows if row.witness.key in keys]


def checkpoint_quorum(checkpoint: LedgerCheckpoint, *, now: dt.datetime | None = None) -> Quorum:
    """The witness quorum policy's answer for one checkpoint, from the cosignatures of configured witnesses."""
    keys = {config.key.text() for config in witness_configs()}
    cosigned = {row.witness.key: row.signed_at for row in _trusted_cosignatures(checkpoint, keys)}
    return witness_quorum(
        cosigned,
        required=settings.FRONTDESK_LEDGER_WITNESS_QUORUM,
        max_age=dt.timedelta(seconds=settings.FRONTDESK_LEDGER_WITNESS_MAX_AGE),
        now=now or timezone.now(),
    )


@dataclass(frozen=True)
class PublishedCheckpoint:
    checkpoint: LedgerCheckpoint
    note: str  # the log's signed note with the witnesses' cosignature lines appended
    quorum: Quorum


def _published(checkpoint: LedgerCheckpoint, keys: set[str], now: dt.datetime | None) -> PublishedCheckpoint:
    lines = "".join(row.line for row in _trusted_cosignatures(checkpoint, keys))
    return PublishedCheckpoint(checkpoint, checkpoint.note + lines, checkpoint_quorum(checkpoint, now=now))


def checkpoint_published(*, now: dt.datetime | None = None) -> PublishedCheckpoint | None:
    """The checkpoint served at /ledger/checkpoint: the newest one that counts as witnessed, with its
    cosignatures; the newest signed one while none does (or no quorum is required). A checkpoint
    waiting for its witnesses is not published yet, so every reader of a witnessed log sees a
    witnessed checkpoint, and a proof bundle can carry exactly what is published."""
    keys = {config.key.text() for config in witness_configs()}
    required = settings.FRONTDESK_LEDGER_WITNESS_QUORUM
    newest_first = LedgerCheckpoint.objects.order_by("-size", "-id")
    if required > 0 and keys:
        counted = newest_first.annotate(
            trusted=Count("cosignatures", filter=Q(cosignatures__witness__key__in=keys))
        ).filter(trusted__gte=required)
        for checkpoint in counted[:20]:  # the SQL count finds candidates; the policy decides
            published = _published(checkpoint, keys, now)
            if published.quorum.witnessed:
                return published
    latest = newest_first.first()
    return None if latest is None else _published(latest, keys, now)


@dataclass(frozen=True)
class WitnessStatus:
    name: str
    key: str
    url: str
    last_size: int | None  # the largest checkpoint it cosigned for this log
    last_cosigned_at: dt.datetime | None  # its newest cosignature's own time
    age: dt.timedelta | None
    stale: bool  # no cosignature within the maximum age
    last_attempt_at: dt.datetime | None
    last_error: str


def witness_status_list(*, now: dt.datetime | None = None) -> list[WitnessStatus]:
    """Each configured witness: what it last cosigned and when, and how the last request went."""
    from frontdesk.ledger.models import LedgerWitness

    now = now or timezone.now()
    max_age = dt.timedelta(seconds=settings.FRONTDESK_LEDGER_WITNESS_MAX_AGE)
    rows = {row.key: row for row in LedgerWitness.objects.all()}
    result = []
    for config in witness_configs():
        row = rows.get(config.key.text())
        summary = (
            LedgerCosignature.objects.filter(witness=row).aggregate(size=Max("checkpoint__size"), at=Max("signed_at"))
            if row is not None
            else {"size": None, "at": None}
        )
        age = None if summary["at"] is None else max(now - summary["at"], dt.timedelta(0))
        result.append(
            WitnessStatus(
                name=config.key.name,
                key=config.key.text(),
                url=config.url,
                last_size=summary["size"],
                last_cosigned_at=summary["at"],
                age=age,
                stale=age is None or age > max_age,
                last_attempt_at=row.last_attempt_at if row else None,
                last_error=row.last_error if row else "",
            )
        )
    return result
