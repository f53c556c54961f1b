"""The ledger's tables. Rows are appended, never changed: see guards.py and docs/adr/0002-ledger-*.md.

An event row is inserted by `event_append` in the caller's transaction, together with a row in the
pending queue; the sequencer later takes committed rows off the queue, gives them gapless indices as
rows of the insert-only leaf table, and folds their commitments into the stored tiles. The event row
itself is never touched again (docs/adr/0028-ledger-insert-only-leaves.md).
"""

import json
from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import F


class CanonicalJSONEncoder(json.JSONEncoder):
    """Sorted keys, no spaces, UTF-8: for the event's value types this is the RFC 8785 text itself, so
    on SQLite the stored JSON equals the committed bytes and verification compares text, not trees."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.update(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        super().__init__(*args, **kwargs)


class LedgerEventManager(models.Manager["LedgerEvent"]):
    """Events with their leaf index (`index`, None until sequenced) read from the leaf table in the same
    query, so `filter(index=...)`, `order_by("index")` and `values_list("index")` keep working."""

    def get_queryset(self) -> models.QuerySet["LedgerEvent"]:
        # django-stubs sees the annotation collide with the `index` property that it fills.
        return super().get_queryset().annotate(index=F("leaf__index"))  # type: ignore[no-redef]


class LedgerEvent(models.Model):
    """One audited action: the canonical event (RFC 8785), its salt, and the commitment the log holds."""

    type = models.CharField(max_length=100, db_index=True)
    time = models.DateTimeField(db_index=True)
    event = models.JSONField(encoder=CanonicalJSONEncoder)
    # The exact bytes the commitment covers (UTF-8 RFC 8785 JSON); `event` is the queryable copy.
    canonical = models.TextField()
    salt = models.BinaryField(max_length=32)
    # SHA-256(salt || canonical): the log entry; published, reveals nothing about the event.
    commitment = models.BinaryField(max_length=32)

    objects = LedgerEventManager()

    class Meta:
        db_table = "ledger_event"
        base_manager_name = "objects"

    _index: int | None = None

    def __str__(self) -> str:
        where = "unsequenced" if self.index is None else f"#{self.index}"
        return f"{self.type} {where}"

    @property
    def index(self) -> int | None:
        """The leaf index the sequencer gave this event, or None while it waits in the queue."""
        if self._index is None and self.pk is not None:
            self._index = LedgerLeaf.objects.filter(event_id=self.pk).values_list("index", flat=True).first()
        return self._index

    @index.setter
    def index(self, value: int | None) -> None:
        self._index = value

    def refresh_from_db(
        self, using: str | None = None, fields: Iterable[str] | None = None, from_queryset: Any = None
    ) -> None:
        """`refresh_from_db(fields=["index"])` re-reads the leaf index (it lives in the leaf table)."""
        if fields is not None:
            fields = list(fields)
            if "index" in fields:
                self._index = None
                fields.remove("index")
                if not fields:
                    return
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)


class LedgerPending(models.Model):
    """The queue of appended events waiting for an index: inserted with the event, deleted by the
    sequencer in the transaction that inserts the event's leaf. Holds the commitment, so the sequencer
    never reads the (wide) event rows."""

    # No foreign-key constraint: events are never deleted (guards.py), and a constraint check per row
    # would cost the append path; `ledger verify` counts events against leaves plus pending rows.
    event = models.OneToOneField(
        LedgerEvent, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    commitment = models.BinaryField(max_length=32)

    class Meta:
        db_table = "ledger_pending"

    def __str__(self) -> str:
        return f"event {self.event_id} waiting for an index"


class LedgerLeaf(models.Model):
    """Leaf `index` of the log is event `event`: written once by the sequencer, never changed."""

    index = models.BigIntegerField(primary_key=True, db_column="leaf_index")
    # No foreign-key constraint either (see LedgerPending); the unique index finds an event's leaf.
    event = models.OneToOneField(LedgerEvent, on_delete=models.DO_NOTHING, db_constraint=False, related_name="leaf")

    class Meta:
        db_table = "ledger_leaf"

    def __str__(self) -> str:
        return f"leaf {self.index}: event {self.event_id}"


class LedgerTile(models.Model):
    """A C2SP tlog-tiles hash tile: up to 256 hashes of level-8L subtrees, extended in place until full."""

    level = models.PositiveSmallIntegerField()
    tile_index = models.BigIntegerField()
    hashes = models.BinaryField()

    class Meta:
        db_table = "ledger_tile"
        constraints = [
            models.UniqueConstraint(fields=["level", "tile_index"], name="ledger_tile_unique_position"),
        ]

    def __str__(self) -> str:
        return f"tile {self.level}/{self.tile_index} ({len(self.hashes) // 32} hashes)"


class LedgerTree(models.Model):
    """The sequencer's working state (one row): size and the right edge of the tree. A cache, not evidence."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    # Hashes of the complete subtrees that make up the tree, largest first (a "compact range").
    frontier = models.BinaryField(default=b"")

    class Meta:
        db_table = "ledger_tree"

    def __str__(self) -> str:
        return f"ledger tree of size {self.size}"


class LedgerCheckpoint(models.Model):
    """A signed checkpoint (C2SP tlog-checkpoint in a signed-note), kept forever."""

    size = models.BigIntegerField()
    root = models.BinaryField(max_length=32)
    note = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        db_table = "ledger_checkpoint"
        indexes = [models.Index(fields=["size"], name="ledger_checkpoint_size")]

    def __str__(self) -> str:
        return f"checkpoint at size {self.size}"


class LedgerWitness(models.Model):
    """A witness the log asks to cosign its checkpoints (FRONTDESK_LEDGER_WITNESSES), and how it answered.

    `known_size` is the size of the latest checkpoint the witness told us it cosigned (from a
    cosignature or a 409 Conflict), the `old` size of the next add-checkpoint request.
    """

    key = models.CharField(max_length=300, unique=True)  # the C2SP vkey: name+id+base64(0x04 || key)
    name = models.CharField(max_length=200)
    url = models.CharField(max_length=500)
    known_size = models.BigIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        db_table = "ledger_witness"

    def __str__(self) -> str:
        return f"witness {self.name}"


class LedgerCosignature(models.Model):
    """A witness's cosignature/v1 line on one checkpoint; a refreshed cosignature replaces the older one."""

    checkpoint = models.ForeignKey(LedgerCheckpoint, on_delete=models.PROTECT, related_name="cosignatures")
    witness = models.ForeignKey(LedgerWitness, on_delete=models.PROTECT, related_name="cosignatures")
    signed_at = models.DateTimeField()  # the cosignature's own timestamp
    line = models.TextField()
    received_at = models.DateTimeField()

    class Meta:
        db_table = "ledger_cosignature"
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="ledger_cosignature_one_per_witness"),
        ]

    def __str__(self) -> str:
        return f"cosignature by {self.witness.name} on checkpoint {self.checkpoint_id}"
