"""An independent verifier of a person's proof bundle, written from docs/ledger-proof-bundle.md and the specs
(RFC 9162 section 2.1, C2SP tlog-checkpoint, signed-note, tlog-cosignature), for the tests.

It shares no code with frontdesk.ledger (proof.py, merkle.py, notes.py, cosignature.py): the inclusion proof
is unwound with the RFC's PATH recursion (rfc9162.py) and the signatures are checked by spec_cosignature.py.
It answers with the first problem found, or None when the bundle proves what it says.
"""

import base64
import hashlib
import json

from cryptography.exceptions import InvalidSignature

from . import rfc9162, spec_cosignature

FORMAT = "frontdesk-ledger-proof/v1"


def problem(document: str | bytes, *, log_key: str, witness_keys: list[str], quorum: int) -> str | None:
    """Check a downloaded bundle against keys obtained elsewhere (never the bundle's own)."""
    bundle = json.loads(document)
    if bundle.get("format") != FORMAT:
        return "format"
    event = bundle["event"].encode("utf-8")
    # RFC 8785 for the event's value types (strings, integers, booleans, null, lists, objects): sorted
    # keys, no insignificant white space, UTF-8 as is.
    parsed = json.loads(event)
    if json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode() != event:
        return "event is not canonical JSON"
    salt = base64.b64decode(bundle["salt"], validate=True)
    commitment = base64.b64decode(bundle["commitment"], validate=True)
    if len(salt) != 32 or hashlib.sha256(salt + event).digest() != commitment:
        return "commitment"

    note = bundle["checkpoint"]
    try:
        if not spec_cosignature.log_signed(note, log_key):
            return "log signature"
    except (AssertionError, ValueError):
        return "checkpoint note"
    text, _lines = spec_cosignature.split(note)
    origin, size, root_b64, *_extensions = text.split("\n")
    if origin != bundle["origin"] or origin != log_key.split("+", 1)[0]:
        return "origin"
    if str(bundle["tree_size"]) != size:
        return "tree size"
    leaf = hashlib.sha256(b"\x00" + commitment).digest()
    path = [base64.b64decode(node, validate=True) for node in bundle["inclusion_proof"]]
    if not rfc9162.inclusion_ok(bundle["leaf_index"], int(size), leaf, path, base64.b64decode(root_b64)):
        return "inclusion proof"

    cosigned = 0
    for key in witness_keys:
        try:
            if spec_cosignature.cosignature_time(note, key) is not None:
                cosigned += 1
        except (InvalidSignature, AssertionError):
            return "cosignature"
    if cosigned < quorum:
        return "quorum"
    return None


def event_of(document: str | bytes) -> dict:
    return json.loads(json.loads(document)["event"])
