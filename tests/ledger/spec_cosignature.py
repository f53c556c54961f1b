"""An independent C2SP signed-note / tlog-cosignature verifier, written from the specs for the tests.

It shares no code with frontdesk.ledger (notes.py, cosignature.py): it splits a note at its last
blank line, matches signature lines by key name and key ID, and checks Ed25519 signatures over the
note text (log, type 0x01) or over "cosignature/v1\\ntime <t>\\n" + text (witness, type 0x04, with an
8-byte big-endian timestamp after the key ID).
"""

import base64
import hashlib
import struct

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EM_DASH = "\u2014 "


def parse_vkey(vkey: str) -> tuple[str, bytes, int, bytes]:
    """name, key ID, signature type, public key from `name+hexid+base64(type || key)`."""
    name, key_hash, blob = vkey.strip().split("+", 2)
    raw = base64.b64decode(blob)
    key_id = bytes.fromhex(key_hash)
    assert hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4] == key_id, "vkey hash"
    return name, key_id, raw[0], raw[1:]


def split(note: str) -> tuple[str, list[tuple[str, bytes]]]:
    cut = note.rindex("\n\n")
    text, block = note[: cut + 1], note[cut + 2 :]
    assert block.endswith("\n")
    lines = []
    for line in block[:-1].split("\n"):
        assert line.startswith(EM_DASH), line
        name, blob = line[len(EM_DASH) :].rsplit(" ", 1)
        lines.append((name, base64.b64decode(blob)))
    return text, lines


def log_signed(note: str, vkey: str) -> bool:
    name, key_id, kind, public = parse_vkey(vkey)
    assert kind == 0x01
    text, lines = split(note)
    for line_name, raw in lines:
        if line_name == name and raw[:4] == key_id:
            try:
                Ed25519PublicKey.from_public_bytes(public).verify(raw[4:], text.encode())
            except InvalidSignature:
                return False
            return True
    return False


def cosignature_time(note: str, vkey: str) -> int | None:
    """The timestamp of the witness's valid cosignature on the note, or None if it has none."""
    name, key_id, kind, public = parse_vkey(vkey)
    assert kind == 0x04
    text, lines = split(note)
    for line_name, raw in lines:
        if line_name == name and raw[:4] == key_id:
            assert len(raw) == 4 + 8 + 64
            (timestamp,) = struct.unpack(">Q", raw[4:12])
            message = b"cosignature/v1\ntime " + str(timestamp).encode() + b"\n" + text.encode()
            Ed25519PublicKey.from_public_bytes(public).verify(raw[12:], message)
            return timestamp
    return None
