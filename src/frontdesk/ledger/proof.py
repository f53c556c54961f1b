"""Proof bundles a person can hold: one event's commitment, salt and canonical text, its RFC 9162
inclusion proof and the witnessed checkpoint it is proven against (issue 13 part 4; the format is
docs/ledger-proof-bundle.md, the decisions docs/adr/0022-proofs-a-person-can-hold.md).

`event_proof` builds a bundle from the stored tiles; `check_proof` verifies one offline (the
`ledger check-proof` command). The tests verify bundles with their own verifier written from the
specs, not with `check_proof`.
"""

import base64
import binascii
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from frontdesk.ledger import merkle, notes, selectors, signing
from frontdesk.ledger.cosignature import CosignerKey, cosignatures
from frontdesk.ledger.models import LedgerEvent

PROOF_FORMAT = "frontdesk-ledger-proof/v1"


@dataclass(frozen=True)
class ProofPending:
    """Why no bundle can be given yet; asking again later gives one."""

    reason: str  # "not_sequenced" | "not_checkpointed" | "not_witnessed"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def event_proof(event: LedgerEvent, *, about: dict[str, Any] | None = None) -> dict[str, Any] | ProofPending:
    """The proof bundle for one ledger event, against the checkpoint the log publishes today.

    Only a checkpoint that counts as witnessed is used when a quorum is configured (the one
    `/ledger/checkpoint` serves); until the event is in one, the answer is ProofPending.
    `about` is informational (what the event means to the person); no signature covers it.
    """
    if event.index is None:
        from frontdesk.ledger.services import ledger_sequence

        ledger_sequence(wait=True)
        event.refresh_from_db(fields=["index"])
    if event.index is None:
        return ProofPending("not_sequenced")
    published = selectors.checkpoint_published()
    if published is None or published.checkpoint.size <= event.index:
        return ProofPending("not_checkpointed")
    if not published.quorum.witnessed:
        return ProofPending("not_witnessed")
    checkpoint = published.checkpoint
    index, size = event.index, checkpoint.size

    def work(trees: merkle.Subtrees) -> None:
        merkle.inclusion_proof(index, size, trees)
        merkle.tree_root(size, trees)

    trees = selectors.subtrees(size, work)
    path = merkle.inclusion_proof(index, size, trees)
    if merkle.tree_root(size, trees) != bytes(checkpoint.root):
        raise merkle.ProofError(f"The stored tiles do not give checkpoint {size}'s root.")
    witness_keys = [config.key.text() for config in selectors.witness_configs()]
    return {
        "format": PROOF_FORMAT,
        "origin": settings.FRONTDESK_LEDGER_ORIGIN,
        "log_key": signing.load_verifier().text(),
        "witness_keys": witness_keys,
        "witness_quorum": settings.FRONTDESK_LEDGER_WITNESS_QUORUM if witness_keys else 0,
        "event": event.canonical,
        "salt": _b64(bytes(event.salt)),
        "commitment": _b64(bytes(event.commitment)),
        "leaf_index": index,
        "tree_size": size,
        "inclusion_proof": [_b64(node) for node in path],
        "checkpoint": published.note,
        "about": about or {},
    }


def proof_json(bundle: dict[str, Any]) -> str:
    """The bundle as the file a person downloads (UTF-8 JSON, keys sorted, one trailing newline)."""
    return json.dumps(bundle, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# --- Offline check (`frontdesk ledger check-proof`) ----------------------------------------------


@dataclass
class ProofCheck:
    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _decode(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"{what} is not base64 text.")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as error:
        raise ValueError(f"{what} is not base64.") from error


def check_proof(
    bundle: Any,
    *,
    log_key: str | None = None,
    witness_keys: list[str] | None = None,
    quorum: int | None = None,
) -> ProofCheck:
    """Check a bundle with no database: commitment, leaf, inclusion proof, log signature, cosignatures.

    Keys given here are trusted instead of the ones the bundle names (a bundle's own keys only prove
    that someone signed it; the point is to check against keys obtained independently).
    """
    result = ProofCheck()
    try:
        if not isinstance(bundle, dict) or bundle.get("format") != PROOF_FORMAT:
            raise ValueError(f"This is not a {PROOF_FORMAT} bundle.")
        verifier = notes.Verifier.parse(log_key or bundle["log_key"])
        keys = [CosignerKey.parse(k) for k in (witness_keys if witness_keys is not None else bundle["witness_keys"])]
        required = quorum if quorum is not None else int(bundle["witness_quorum"])
        canonical = bundle["event"]
        if not isinstance(canonical, str):
            raise ValueError("The event is not text.")
        salt = _decode(bundle["salt"], "The salt")
        commitment = _decode(bundle["commitment"], "The commitment")
        index, size = bundle["leaf_index"], bundle["tree_size"]
        if not isinstance(index, int) or not isinstance(size, int) or isinstance(index, bool):
            raise ValueError("The leaf index and tree size are whole numbers.")
        path = [_decode(node, "A proof hash") for node in bundle["inclusion_proof"]]
        note = bundle["checkpoint"]
        if not isinstance(note, str):
            raise ValueError("The checkpoint is not text.")
    except (KeyError, TypeError, ValueError, notes.NoteError) as error:
        result.problems.append(f"Malformed bundle: {error}")
        return result

    if hashlib.sha256(salt + canonical.encode()).digest() != commitment:
        result.problems.append("The commitment is not SHA-256(salt || event).")
    try:
        checkpoint = notes.open_checkpoint(note, verifier, origin=bundle.get("origin") or verifier.name)
    except notes.NoteError as error:
        result.problems.append(f"The checkpoint: {error}")
        return result
    if checkpoint.size != size:
        result.problems.append(f"The checkpoint is of size {checkpoint.size}, the proof of size {size}.")
    elif not merkle.verify_inclusion(merkle.leaf_hash(commitment), index, size, path, checkpoint.root):
        result.problems.append(f"The inclusion proof of entry {index} does not lead to the checkpoint's root.")
    try:
        cosigned = cosignatures(note, keys)
    except notes.NoteError as error:
        result.problems.append(f"The cosignatures: {error}")
        return result
    if len(cosigned) < required:
        result.problems.append(f"{len(cosigned)} witness cosignatures, {required} required.")
    if result.ok:
        result.facts.append(f"Entry {index} is in the log {checkpoint.origin} of size {size}.")
        for key, timestamp in sorted(cosigned.items()):
            when = dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).isoformat()
            result.facts.append(f"Cosigned by {key.split('+', 1)[0]} at {when}.")
    return result
