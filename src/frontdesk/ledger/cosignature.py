"""C2SP tlog-cosignature (Ed25519, `cosignature/v1`): witness keys, cosignature lines. Pure, no Django.

A cosignature is a signed-note signature line by a witness over

    cosignature/v1
    time <POSIX seconds>
    <the checkpoint's note text>

Its bytes are key ID (4) || big-endian u64 timestamp (8) || Ed25519 signature (64). The key ID is
SHA-256(name || "\\n" || 0x04 || public key)[:4]: type 0x04 keeps a witness key apart from a log key
(type 0x01) even under the same name.
"""

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from frontdesk.ledger.notes import SIGNATURE_PREFIX, NoteError, raw_public_key

COSIGNATURE_V1 = 0x04
MAX_SIGNATURES = 32  # signed-note: accept at least 16


def cosigner_key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([COSIGNATURE_V1]) + public_key).digest()[:4]


def signed_message(text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


@dataclass(frozen=True)
class SignatureLine:
    name: str
    raw: bytes  # key ID || signature bytes

    @property
    def key_id(self) -> bytes:
        return self.raw[:4]

    def text(self) -> str:
        return f"{SIGNATURE_PREFIX}{self.name} {base64.b64encode(self.raw).decode()}\n"


def parse_signature_line(line: str) -> SignatureLine:
    if not line.startswith(SIGNATURE_PREFIX):
        raise NoteError("A signature line starts with an em dash and a space.")
    name, _, blob = line[len(SIGNATURE_PREFIX) :].rstrip("\n").rpartition(" ")
    if not name or "+" in name or any(c.isspace() for c in name):
        raise NoteError("A signature line names its key without spaces or '+'.")
    try:
        raw = base64.b64decode(blob, validate=True)
    except binascii.Error as error:
        raise NoteError("A signature line's signature is not base64.") from error
    if len(raw) < 5:
        raise NoteError("A signature line's signature is too short.")
    return SignatureLine(name, raw)


def split_note(note: str) -> tuple[str, list[SignatureLine]]:
    """The note's text (with its final newline) and its signature lines, per C2SP signed-note."""
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("A signed note has text, a blank line and signature lines.")
    text, block = note[: cut + 1], note[cut + 2 :]
    lines = block.splitlines()
    if not lines or len(lines) > MAX_SIGNATURES:
        raise NoteError("A signed note carries between 1 and 32 signature lines.")
    return text, [parse_signature_line(line) for line in lines]


@dataclass(frozen=True)
class CosignerKey:
    """A witness's public key: `<name>+<key id hex>+<base64(0x04 || public key)>` (a C2SP vkey)."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return cosigner_key_id(self.name, self.public_key)

    def text(self) -> str:
        material = base64.b64encode(bytes([COSIGNATURE_V1]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"

    @classmethod
    def parse(cls, text: str) -> "CosignerKey":
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not parts[0] or any(c.isspace() for c in parts[0]) or len(parts[1]) != 8:
            raise NoteError("A witness key looks like name+1234abcd+base64.")
        try:
            raw = base64.b64decode(parts[2], validate=True)
            expected = bytes.fromhex(parts[1])
        except (binascii.Error, ValueError) as error:
            raise NoteError("The witness key is not valid hex and base64.") from error
        if len(raw) != 33 or raw[0] != COSIGNATURE_V1:
            raise NoteError("Only Ed25519 cosignature/v1 witness keys (type 0x04) are supported.")
        key = cls(parts[0], raw[1:])
        if key.key_id != expected:
            raise NoteError("The witness key's hash does not match its name and key.")
        return key

    def matches(self, line: SignatureLine) -> bool:
        return line.name == self.name and line.key_id == self.key_id

    def verify(self, text: str, line: SignatureLine) -> int:
        """The cosignature's timestamp if `line` is this witness's valid cosignature on `text`."""
        if not self.matches(line) or len(line.raw) != 4 + 8 + 64:
            raise NoteError(f"The line is not a cosignature by {self.name}.")
        (timestamp,) = struct.unpack(">Q", line.raw[4:12])
        if timestamp == 0 or timestamp >= 2**63:
            raise NoteError(f"The cosignature by {self.name} has no valid timestamp.")
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(line.raw[12:], signed_message(text, timestamp))
        except (InvalidSignature, ValueError) as error:
            raise NoteError(f"The cosignature by {self.name} does not verify.") from error
        return int(timestamp)


@dataclass(frozen=True)
class Cosigner:
    name: str
    private_key: Ed25519PrivateKey

    @property
    def key(self) -> CosignerKey:
        return CosignerKey(self.name, raw_public_key(self.private_key.public_key()))

    def cosign(self, text: str, timestamp: int) -> SignatureLine:
        if timestamp <= 0:
            raise ValueError("A cosignature/v1 timestamp is never zero.")
        signature = self.private_key.sign(signed_message(text, timestamp))
        return SignatureLine(self.name, self.key.key_id + struct.pack(">Q", timestamp) + signature)


def cosignatures(note: str, keys: list[CosignerKey]) -> dict[str, int]:
    """{witness key text: timestamp} for each trusted witness that validly cosigned the note.

    Lines from unknown keys are ignored (signed-note); a line that claims a trusted key and fails to
    verify makes the whole note invalid (NoteError).
    """
    text, lines = split_note(note)
    found: dict[str, int] = {}
    for line in lines:
        for key in keys:
            if key.matches(line):
                found[key.text()] = max(found.get(key.text(), 0), key.verify(text, line))
    return found
