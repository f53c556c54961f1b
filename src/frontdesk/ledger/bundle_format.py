"""The export bundle's file format, shared by `ledger export` (bundle.py) and `ledger verify --bundle`
(verify.py): JSON Lines, gzip when the name ends in .gz. Its own module so that neither of the two
imports the other for it (docs/adr/0025-layers.md).
"""

import base64
import gzip
import json
from pathlib import Path
from typing import Any, Literal, TextIO

BUNDLE_FORMAT = "frontdesk-ledger-bundle/1"

# One event as the bundle holds it: (index, canonical bytes, salt, None, published entry); the same
# shape as verify.Record, with no queryable JSON copy to compare.
BundleRecord = tuple[int, bytes, bytes, Any, bytes | None]


def open_bundle(path: str | Path, mode: Literal["r", "w"]) -> TextIO:
    """The bundle as text, to read ("r") or write ("w")."""
    if str(path).endswith(".gz"):
        return gzip.open(path, "rt" if mode == "r" else "wt", encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def read_bundle(path: str) -> tuple[dict[str, Any], list[str], list[BundleRecord], dict[int, bytes]]:
    checkpoints: list[str] = []
    records: list[BundleRecord] = []
    entries: dict[int, bytes] = {}
    with open_bundle(path, "r") as handle:
        header = json.loads(handle.readline())
        if header.get("format") != BUNDLE_FORMAT:
            raise ValueError(f"{path} is not a {BUNDLE_FORMAT} bundle.")
        for line in handle:
            item = json.loads(line)
            if "checkpoint" in item:
                checkpoints.append(item["checkpoint"])
                continue
            entry = base64.b64decode(item["entry"])
            records.append((item["index"], item["event"].encode(), base64.b64decode(item["salt"]), None, entry))
            entries.setdefault(item["index"], entry)
    return header, checkpoints, records, entries
