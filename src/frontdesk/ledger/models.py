"""The ledger's tables. Rows are appended, never changed: see guards.py and docs/adr/0002-ledger-*.md.

An event row is inserted by `event_append` in the caller's transaction with no leaf index; the
sequencer later gives committed rows gapless indices and folds their commitments into the stored tiles.
"""

import json
from typing import Any

from django.db import models
from django.db.models import Q


class CanonicalJSONEncoder(json.JSONEncoder):
    """Sorted keys, no spaces, UTF-8: for the event's value types this is the RFC 8785 text itself, so
    on SQLite the stored JSON equals the committed bytes and verification compares text, not trees."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.update(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        super().__init__(*args, **kwargs)


class LedgerEvent(models.Model):
    """One audited action: the canonical event (RFC 8785), its salt, and the commitment the log holds."""

    index = models.BigIntegerField(null=True, blank=True, unique=True, editable=False, db_column="leaf_index")
    type = models.CharField(max_length=100, db_index=True)
    time = models.DateTimeField(db_index=True)
    event = models.JSONField(encoder=CanonicalJSONEncoder)
    # The exact bytes the commitment covers (UTF-8 RFC 8785 JSON); `event` is the queryable copy.
    canonical = models.TextField()
    salt = models.BinaryField(max_length=32)
    # SHA-256(salt || canonical): the log entry; published, reveals nothing about the event.
    commitment = models.BinaryField(max_length=32)

    class Meta:
        db_table = "ledger_event"
        indexes = [
            models.Index(fields=["id"], condition=Q(index__isnull=True), name="ledger_event_unsequenced"),
        ]

    def __str__(self) -> str:
        where = "unsequenced" if self.index is None else f"#{self.index}"
        return f"{self.type} {where}"


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
