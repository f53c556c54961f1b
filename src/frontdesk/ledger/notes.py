"""C2SP signed-note (Ed25519) and tlog-checkpoint text formats. Pure functions, no Django."""

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space


class NoteError(ValueError):
    """A note, key or checkpoint that is malformed or does not verify."""


def _valid_name(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    def text(self) -> str:
        """The verifier key: `<name>+<key id hex>+<base64(0x01 || public key)>`."""
        material = base64.b64encode(bytes([ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"

    @classmethod
    def parse(cls, text: str) -> "Verifier":
        parts = text.strip().split("+", 2)
        if len(parts) != 3 or not _valid_name(parts[0]) or len(parts[1]) != 8:
            raise NoteError("A verifier key looks like name+1234abcd+base64.")
        name, hash_hex, material = parts
        try:
            raw = base64.b64decode(material, validate=True)
            expected = bytes.fromhex(hash_hex)
        except (binascii.Error, ValueError) as error:
            raise NoteError("The verifier key is not valid hex and base64.") from error
        if len(raw) != 33 or raw[0] != ED25519:
            raise NoteError("Only Ed25519 verifier keys (type 0x01) are supported.")
        verifier = cls(name, raw[1:])
        if verifier.key_id != expected:
            raise NoteError("The verifier key's hash does not match its name and key.")
        return verifier

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except (InvalidSignature, ValueError):
            return False
        return True


@dataclass(frozen=True)
class Signer:
    name: str
    private_key: Ed25519PrivateKey

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, raw_public_key(self.private_key.public_key()))

    def sign(self, text: str) -> str:
        """The signed note: text, a blank line, and one signature line."""
        if not text.endswith("\n") or "\n\n" in text:
            raise NoteError("A note's text ends with one newline and has no blank lines.")
        signature = self.private_key.sign(text.encode())
        blob = base64.b64encode(self.verifier.key_id + signature).decode()
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {blob}\n"

    @classmethod
    def parse_go(cls, text: str) -> "Signer":
        """A Go `sumdb/note` signer key: PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 || seed)>."""
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("A signer key looks like PRIVATE+KEY+name+1234abcd+base64.")
        raw = base64.b64decode(parts[4])
        if len(raw) != 33 or raw[0] != ED25519:
            raise NoteError("Only Ed25519 signer keys are supported.")
        signer = cls(parts[2], Ed25519PrivateKey.from_private_bytes(raw[1:]))
        if signer.verifier.key_id.hex() != parts[3]:
            raise NoteError("The signer key's hash does not match its name and key.")
        return signer


def open_note(note: str, verifier: Verifier) -> str:
    """The note's text if `verifier` signed it; NoteError otherwise (unknown signers are ignored)."""
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("A signed note has text, a blank line and signature lines.")
    text, signatures = note[: cut + 1], note[cut + 2 :]
    for line in signatures.splitlines():
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError("Malformed signature line.")
        name, _, blob = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        try:
            raw = base64.b64decode(blob, validate=True)
        except binascii.Error as error:
            raise NoteError("Malformed signature line.") from error
        if len(raw) < 5:
            raise NoteError("Malformed signature line.")
        if name != verifier.name or raw[:4] != verifier.key_id:
            continue
        if not verifier.verify(text.encode(), raw[4:]):
            raise NoteError(f"The signature by {name} does not verify.")
        return text
    raise NoteError(f"The note carries no signature by {verifier.name}.")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("A checkpoint has an origin, a size and a root hash, one a line.")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not origin or not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise NoteError("The checkpoint's origin or size is malformed.")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error as error:
        raise NoteError("The checkpoint's root hash is not base64.") from error
    if len(root) != 32:
        raise NoteError("The checkpoint's root hash is not 32 bytes.")
    return Checkpoint(origin, int(size_text), root)


def open_checkpoint(note: str, verifier: Verifier, origin: str | None = None) -> Checkpoint:
    checkpoint = parse_checkpoint(open_note(note, verifier))
    if origin is not None and checkpoint.origin != origin:
        raise NoteError(f"The checkpoint is for {checkpoint.origin!r}, not {origin!r}.")
    return checkpoint
