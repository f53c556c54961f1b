"""The log's side of C2SP tlog-witness: the configured witnesses and one add-checkpoint request. No Django."""

import base64
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from frontdesk.ledger.cosignature import CosignerKey
from frontdesk.ledger.notes import NoteError


@dataclass(frozen=True)
class WitnessConfig:
    url: str  # the submission prefix: add-checkpoint is <url>/add-checkpoint
    key: CosignerKey


def parse_witnesses(entries: Iterable[str]) -> list[WitnessConfig]:
    """Entries `<url> <witness key>`; a malformed entry or a repeated key is a configuration error."""
    found: list[WitnessConfig] = []
    for entry in entries:
        parts = entry.split()
        if len(parts) != 2 or not parts[0].startswith(("http://", "https://")):
            raise NoteError(f"A witness is configured as '<http(s) url> <witness key>', not {entry!r}.")
        key = CosignerKey.parse(parts[1])
        if any(w.key == key for w in found):
            raise NoteError(f"The witness {key.name} is configured twice.")
        found.append(WitnessConfig(parts[0].rstrip("/"), key))
    return found


def request_body(old: int, proof: Sequence[bytes], note: str) -> bytes:
    lines = [f"old {old}\n"] + [base64.b64encode(node).decode() + "\n" for node in proof]
    return ("".join(lines) + "\n" + note).encode()


@dataclass(frozen=True)
class Reply:
    status: int  # 0: no answer (refused, timed out, unreachable)
    body: str


def add_checkpoint(url: str, body: bytes, *, timeout: float) -> Reply:
    """POST <url>/add-checkpoint; never raises for a witness that is down or answers an error."""
    if not url.startswith(("http://", "https://")):
        return Reply(0, f"not an http(s) URL: {url!r}")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        f"{url}/add-checkpoint",
        data=body,
        method="POST",
        headers={"Content-Type": "text/plain; charset=utf-8", "User-Agent": "frontdesk-ledger/1"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return Reply(response.status, response.read(64 * 1024).decode("utf-8", "replace"))
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read(4096).decode("utf-8", "replace"))
    except (OSError, ValueError) as error:
        return Reply(0, str(getattr(error, "reason", error)))
