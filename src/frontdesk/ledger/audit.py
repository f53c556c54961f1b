"""`ledger audit`: an independent monitor that trusts only the published checkpoint and tiles.

It verifies the checkpoint's signature with the log's verifier key, recomputes the checkpoint's root
from the public hash tiles, and proves the new checkpoint consistent (RFC 9162 2.1.4) with the last
one it trusted, which it keeps in a local state file. It needs no account and no database access.
"""

import base64
import json
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from frontdesk.core.progress import SILENT, Progress
from frontdesk.ledger import merkle, notes

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
            return response.read()
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

    def summary(self) -> str:
        if self.previous_size is None:
            return f"OK: trusting the log at size {self.size} (first audit; tiles match the checkpoint)."
        return f"OK: size {self.size} is consistent with the previously trusted size {self.previous_size}."


def load_verifier(key: str) -> notes.Verifier:
    """A verifier key given inline or as the path of a file that holds it."""
    path = Path(key)
    text = path.read_text().strip() if "+" not in key and path.is_file() else key
    return notes.Verifier.parse(text)


def audit(
    base_url: str, verifier: notes.Verifier, state_path: Path, fetch: Fetch = http_get, *, progress: Progress = SILENT
) -> AuditResult:
    base = base_url.rstrip("/")
    note_bytes = fetch(f"{base}/checkpoint")
    if note_bytes is None:
        raise AuditFailed("The log has published no checkpoint yet.")
    try:
        checkpoint = notes.open_checkpoint(note_bytes.decode(), verifier)
    except (notes.NoteError, UnicodeDecodeError) as error:
        raise AuditFailed(f"The checkpoint does not verify: {error}") from error

    state = json.loads(state_path.read_text()) if state_path.is_file() else None
    if state is not None:
        if state["origin"] != checkpoint.origin:
            raise AuditFailed(f"The log's origin changed from {state['origin']!r} to {checkpoint.origin!r}.")
        if checkpoint.size < state["size"]:
            raise AuditFailed(f"The log shrank from {state['size']} to {checkpoint.size} entries.")

    def work(trees: merkle.Subtrees) -> None:
        merkle.tree_root(checkpoint.size, trees)
        if state is not None:
            merkle.consistency_proof(state["size"], checkpoint.size, trees)

    # A dry run names the tiles to fetch, so the count to go is known before the first request.
    with progress.task("audit", total=len(merkle.tiles_needed(work)), unit="tiles") as task:

        def read_tile(level: int, tile_index: int, width: int) -> bytes:
            url = f"{base}/{merkle.tile_path(level, tile_index, width)}"
            data = fetch(url)
            task.advance(1)
            if data is None or len(data) != width * merkle.HASH_SIZE:
                raise AuditFailed(f"{url} is missing or the wrong length.")
            return data

        trees = merkle.tile_subtrees(checkpoint.size, read_tile)
        if merkle.tree_root(checkpoint.size, trees) != checkpoint.root:
            raise AuditFailed(f"The published tiles do not add up to the checkpoint's root (size {checkpoint.size}).")
        previous_size = None
        if state is not None:
            previous_size = state["size"]
            old_root = base64.b64decode(state["root"])
            proof = merkle.consistency_proof(previous_size, checkpoint.size, trees)
            if not merkle.verify_consistency(previous_size, checkpoint.size, proof, old_root, checkpoint.root):
                raise AuditFailed(
                    f"The checkpoint at size {checkpoint.size} is not consistent with the trusted one at size "
                    f"{previous_size}: the log's history was rewritten."
                )
    _save_state(state_path, checkpoint, note_bytes.decode())
    return AuditResult(checkpoint.size, checkpoint.root, previous_size)


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
