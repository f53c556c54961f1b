"""`ledger audit`: an independent monitor that trusts only the published checkpoint and tiles.

It verifies the checkpoint's signature with the log's verifier key and, given the witnesses' keys, the
witness quorum on it; reads every entry bundle and hash tile, checking each entry's leaf hash against
its level-0 tile and each upper tile and the root against the entries; and proves the new checkpoint
consistent (RFC 9162 2.1.4) with the last one it trusted, which it keeps in a local state file. It
names the first problem it finds. It needs no account and no database access.
"""

import base64
import datetime as dt
import json
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from frontdesk.core.progress import SILENT, Progress
from frontdesk.ledger import merkle, notes
from frontdesk.ledger.cosignature import CosignerKey, cosignatures
from frontdesk.ledger.policies import Quorum, QuorumState, witness_quorum

Fetch = Callable[[str], bytes | None]


class AuditFailed(Exception):
    """The log broke a promise: bad signature, tiles that do not match, or an inconsistent history."""


def http_get(url: str) -> bytes | None:
    """GET a URL; None on 404, AuditFailed on anything else unexpected."""
    if not url.startswith(("http://", "https://")):
        raise AuditFailed(f"Only http and https URLs are audited, not {url!r}.")
    request = urllib.request.Request(url, headers={"User-Agent": "frontdesk-ledger-audit/1"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - scheme checked above
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise AuditFailed(f"{url} answered HTTP {error.code}.") from error
    except OSError as error:
        raise AuditFailed(f"Could not fetch {url}: {error}.") from error


@dataclass(frozen=True)
class AuditResult:
    size: int
    root: bytes
    previous_size: int | None
    quorum: Quorum | None = None

    def summary(self) -> str:
        witnessed = f"; {self.quorum}" if self.quorum and self.quorum.state is not QuorumState.NOT_REQUIRED else ""
        if self.previous_size is None:
            return (
                f"OK: trusting the log at size {self.size} (first audit; every entry and tile matches the "
                f"checkpoint{witnessed})."
            )
        return f"OK: size {self.size} is consistent with the previously trusted size {self.previous_size}{witnessed}."


def load_verifier(key: str) -> notes.Verifier:
    """A verifier key given inline or as the path of a file that holds it."""
    path = Path(key)
    text = path.read_text().strip() if "+" not in key and path.is_file() else key
    return notes.Verifier.parse(text)


@dataclass(frozen=True)
class WitnessPolicy:
    """The witnesses an auditor trusts and how many of them must have cosigned (C2SP tlog-policy)."""

    keys: Sequence[CosignerKey] = ()
    quorum: int = 0
    max_age: dt.timedelta | None = None  # None: an old cosignature is as good as a new one


def check_quorum(note: str, policy: WitnessPolicy, *, now: dt.datetime | None = None) -> Quorum:
    """The quorum policy's answer for a published note (AuditFailed if a trusted cosignature is forged)."""
    try:
        found = cosignatures(note, list(policy.keys))
    except notes.NoteError as error:
        raise AuditFailed(f"A witness cosignature on the checkpoint is invalid: {error}") from error
    by_key = {key: dt.datetime.fromtimestamp(stamp, tz=dt.UTC) for key, stamp in found.items()}
    now = now or dt.datetime.now(tz=dt.UTC)
    return witness_quorum(
        by_key, required=policy.quorum, max_age=policy.max_age or dt.timedelta.max - dt.timedelta(days=1), now=now
    )


def audit(
    base_url: str,
    verifier: notes.Verifier,
    state_path: Path,
    fetch: Fetch = http_get,
    *,
    progress: Progress = SILENT,
    witnesses: WitnessPolicy = WitnessPolicy(),
) -> AuditResult:
    """Check the published log and name the first problem found (AuditFailed), in this order: the log's
    signature, the origin and size against the last trusted checkpoint, the witness quorum, every entry
    bundle against the level-0 tiles (in index order), every upper tile and the root against the
    entries, and the consistency proof from the last trusted checkpoint. Only then is the state saved."""
    base = base_url.rstrip("/")
    note_bytes = fetch(f"{base}/checkpoint")
    if note_bytes is None:
        raise AuditFailed("The log has published no checkpoint yet.")
    try:
        note = note_bytes.decode()
        checkpoint = notes.open_checkpoint(note, verifier)
    except (notes.NoteError, UnicodeDecodeError) as error:
        raise AuditFailed(f"The checkpoint does not verify: {error}") from error

    state = json.loads(state_path.read_text()) if state_path.is_file() else None
    if state is not None:
        if state["origin"] != checkpoint.origin:
            raise AuditFailed(f"The log's origin changed from {state['origin']!r} to {checkpoint.origin!r}.")
        if checkpoint.size < state["size"]:
            raise AuditFailed(f"The log shrank from {state['size']} to {checkpoint.size} entries.")

    quorum = check_quorum(note, witnesses)
    if quorum.state in (QuorumState.MISSING, QuorumState.EXPIRED):
        raise AuditFailed(f"The checkpoint at size {checkpoint.size} is not witnessed: {quorum}.")

    size = checkpoint.size
    levels = []
    level = 0
    while level == 0 or size >> (merkle.TILE_HEIGHT * level):
        levels.append(level)
        level += 1
    tile_counts = {level: -(-(size >> (merkle.TILE_HEIGHT * level)) // merkle.TILE_WIDTH) for level in levels}
    total = tile_counts[0] + sum(tile_counts.values())  # entry bundles, then every hash tile

    with progress.task("audit", total=total, unit="tiles") as task:
        tiles: dict[tuple[int, int], bytes] = {}
        # Level-0 tiles are 1/256 of the log: keep only those the consistency proof will read again.
        keep: set[tuple[int, int]] = set()
        if state is not None and 0 < state["size"] < size:
            keep = merkle.tiles_needed(lambda trees: merkle.consistency_proof(state["size"], size, trees))

        def read_tile(level: int, tile_index: int, width: int) -> bytes:
            key = (level, tile_index)
            data = tiles.get(key)
            if data is None:
                url = f"{base}/{merkle.tile_path(level, tile_index, width)}"
                data = fetch(url)
                task.advance(1)
                if data is None or len(data) != width * merkle.HASH_SIZE:
                    raise AuditFailed(f"{url} is missing or the wrong length.")
                if level > 0 or key in keep:
                    tiles[key] = data
            return data[: width * merkle.HASH_SIZE]

        def check_upper(level: int, index: int, node: bytes) -> None:
            tile_index, offset = divmod(index, merkle.TILE_WIDTH)
            data = read_tile(level, tile_index, merkle.tile_width(level, tile_index, size))
            if data[offset * merkle.HASH_SIZE : (offset + 1) * merkle.HASH_SIZE] != node:
                first = index << (merkle.TILE_HEIGHT * level)
                raise AuditFailed(
                    f"Hash tile {level}/{merkle.encode_tile_index(tile_index)} does not match the entries "
                    f"below it (the subtree from entry {first})."
                )

        tree = merkle.CompactTree()
        for bundle_index in range(tile_counts[0]):
            width = merkle.tile_width(0, bundle_index, size)
            url = f"{base}/{merkle.tile_path('entries', bundle_index, width)}"
            data = fetch(url)
            task.advance(1)
            if data is None:
                raise AuditFailed(f"{url} is missing.")
            try:
                entries = merkle.parse_entry_bundle(data)
            except ValueError as error:
                raise AuditFailed(f"{url} is malformed: {error}") from error
            if len(entries) != width:
                raise AuditFailed(f"{url} holds {len(entries)} entries, not {width}.")
            leaves = read_tile(0, bundle_index, width)
            for offset, entry in enumerate(entries):
                index = bundle_index * merkle.TILE_WIDTH + offset
                leaf = merkle.leaf_hash(entry)
                if leaves[offset * merkle.HASH_SIZE : (offset + 1) * merkle.HASH_SIZE] != leaf:
                    raise AuditFailed(
                        f"Entry {index}: the entry bundle {merkle.tile_path('entries', bundle_index, width)} "
                        f"does not match {merkle.tile_path(0, bundle_index, width)} (its leaf hash differs)."
                    )
                tree.append(leaf, check_upper, leaves=False)
        for level in levels[1:]:  # tiles whose hashes no complete subtree reached still get fetched
            for tile_index in range(tile_counts[level]):
                read_tile(level, tile_index, merkle.tile_width(level, tile_index, size))
        if tree.root() != checkpoint.root:
            raise AuditFailed(f"The published entries and tiles do not add up to the checkpoint's root (size {size}).")
        previous_size = None
        if state is not None:
            previous_size = state["size"]
            old_root = base64.b64decode(state["root"])
            trees = merkle.tile_subtrees(size, read_tile)
            proof = merkle.consistency_proof(previous_size, size, trees)
            if not merkle.verify_consistency(previous_size, size, proof, old_root, checkpoint.root):
                raise AuditFailed(
                    f"The checkpoint at size {size} is not consistent with the trusted one at size "
                    f"{previous_size}: the log's history was rewritten."
                )
    _save_state(state_path, checkpoint, note)
    return AuditResult(checkpoint.size, checkpoint.root, previous_size, quorum)


def _save_state(path: Path, checkpoint: notes.Checkpoint, note: str) -> None:
    data = {
        "origin": checkpoint.origin,
        "size": checkpoint.size,
        "root": base64.b64encode(checkpoint.root).decode(),
        "checkpoint": note,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".ledger-audit-")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
    os.replace(temporary, path)
