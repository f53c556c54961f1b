"""`ledger monitor`: watch a log and its witnesses for a split view.

A split view is a log showing two histories: two validly signed checkpoints that cannot both be true,
i.e. two different roots for one size, or two sizes whose roots no consistency proof connects. The
monitor gathers signed checkpoints from the log (`<log>/checkpoint`) and from each witness's monitoring
endpoint (`<witness>/<sha256(origin) hex>/checkpoint`, C2SP tlog-witness), across rounds and runs
(its state file), and compares every new one with what it has seen. Two checkpoints of different
sizes are compared through the log's public tiles: the consistency proof between them is computed from
the tiles of the larger tree and checked against both signed roots (the tiles need no trust; a proof
that verifies against two signed roots is the log's own statement). The evidence it reports is the
pair of signed notes themselves, which anyone can check with the log's public key.
"""

import base64
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from frontdesk.ledger import merkle, notes
from frontdesk.ledger.audit import AuditFailed, Fetch, http_get
from frontdesk.ledger.cosignature import CosignerKey, cosignatures
from frontdesk.ledger.witness import origin_hash

MAX_REMEMBERED = 2000


@dataclass(frozen=True)
class Sighting:
    source: str
    size: int
    root: str  # base64
    note: str

    def as_dict(self) -> dict[str, object]:
        return {"source": self.source, "size": self.size, "root": self.root, "note": self.note}


@dataclass(frozen=True)
class SplitView(Exception):
    """Two signed checkpoints of one log that cannot both be true."""

    reason: str
    first: Sighting
    second: Sighting

    def evidence(self) -> dict[str, object]:
        return {
            "finding": "split view",
            "reason": self.reason,
            "first": self.first.as_dict(),
            "second": self.second.as_dict(),
        }

    def __str__(self) -> str:
        return f"SPLIT VIEW: {self.reason} ({self.first.source} vs {self.second.source})"


@dataclass(frozen=True)
class WitnessEndpoint:
    url: str  # its monitoring prefix
    key: CosignerKey


@dataclass
class Monitor:
    log_url: str
    verifier: notes.Verifier
    witnesses: Sequence[WitnessEndpoint] = ()
    fetch: Fetch = http_get
    seen: list[Sighting] = field(default_factory=list)

    def _sight(self, source: str, note: str, witness: CosignerKey | None = None) -> Sighting:
        try:
            checkpoint = notes.open_checkpoint(note, self.verifier)
        except notes.NoteError as error:
            raise AuditFailed(f"{source}: the checkpoint does not verify: {error}") from error
        if witness is not None:
            try:
                found = cosignatures(note, [witness])
            except notes.NoteError as error:
                raise AuditFailed(f"{source}: {error}") from error
            if not found:
                raise AuditFailed(f"{source}: the checkpoint carries no cosignature by {witness.name}.")
        return Sighting(source, checkpoint.size, base64.b64encode(checkpoint.root).decode(), note)

    def gather(self) -> list[Sighting]:
        """Signed checkpoints from the log and from every witness (a witness that has none yet is skipped)."""
        base = self.log_url.rstrip("/")
        data = self.fetch(f"{base}/checkpoint")
        if data is None:
            raise AuditFailed("The log has published no checkpoint yet.")
        log = self._sight(f"log {base}/checkpoint", data.decode("utf-8", "replace"))
        found = [log]
        origin = notes.parse_checkpoint(log.note[: log.note.rfind("\n\n") + 1]).origin
        for witness in self.witnesses:
            url = f"{witness.url.rstrip('/')}/{origin_hash(origin)}/checkpoint"
            try:
                data = self.fetch(url)
            except AuditFailed:
                continue  # a witness that is down hides nothing; the next round asks again
            if data is not None:
                found.append(
                    self._sight(f"witness {witness.key.name} {url}", data.decode("utf-8", "replace"), witness.key)
                )
        return found

    def _tile_reader(self, size: int) -> merkle.Subtrees:
        base = self.log_url.rstrip("/")

        def read(level: int, tile_index: int, width: int) -> bytes:
            url = f"{base}/{merkle.tile_path(level, tile_index, width)}"
            data = self.fetch(url)
            if data is None or len(data) != width * merkle.HASH_SIZE:
                raise AuditFailed(f"{url} is missing or the wrong length.")
            return data

        return merkle.tile_subtrees(size, read)

    def compare(self, a: Sighting, b: Sighting) -> None:
        if a.size == b.size:
            if a.root != b.root:
                raise SplitView(f"two different roots for size {a.size}", a, b)
            return
        small, large = (a, b) if a.size < b.size else (b, a)
        if small.size == 0:
            return
        try:
            proof = merkle.consistency_proof(small.size, large.size, self._tile_reader(large.size))
        except merkle.ProofError as error:
            raise AuditFailed(f"Cannot read the log's tiles for size {large.size}: {error}") from error
        if not merkle.verify_consistency(
            small.size, large.size, proof, base64.b64decode(small.root), base64.b64decode(large.root)
        ):
            raise SplitView(f"size {small.size} is not consistent with size {large.size}", small, large)

    def round(self) -> list[Sighting]:
        """One look at the log and its witnesses; SplitView if any two signed checkpoints disagree.

        Each new checkpoint is compared with every other one of this round, with what was seen before
        at the same size, and with the largest one seen before (consistency through the tiles)."""
        new = self.gather()
        largest = max(self.seen, key=lambda s: s.size) if self.seen else None
        for i, sighting in enumerate(new):
            earlier = [s for s in self.seen if s.size == sighting.size] + new[:i]
            if largest is not None:
                earlier.append(largest)
            for other in earlier:
                self.compare(other, sighting)
        for sighting in new:
            if not any(s.size == sighting.size for s in self.seen):
                self.seen.append(sighting)
        self.seen = sorted(self.seen, key=lambda s: s.size)[-MAX_REMEMBERED:]
        return new

    # --- state across runs ---------------------------------------------------------------------

    def load(self, path: Path) -> None:
        if path.is_file():
            self.seen = [Sighting(**item) for item in json.loads(path.read_text())["seen"]]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".ledger-monitor-")
        with os.fdopen(fd, "w") as handle:
            json.dump({"seen": [s.as_dict() for s in self.seen]}, handle, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)


def write_evidence(path: Path, split: SplitView) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(split.evidence(), indent=2) + "\n")
