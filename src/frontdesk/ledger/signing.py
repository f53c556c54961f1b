"""The ledger's Ed25519 signing key: from FRONTDESK_LEDGER_SIGNING_KEY, else from the key file."""

import base64
import os
import re
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from frontdesk.ledger.notes import Signer, Verifier


def _private_key(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("The ledger signing key must be an Ed25519 key.")
        return key
    if text.startswith("PRIVATE+KEY+"):
        return Signer.parse_go(text).private_key
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(text))
    seed = base64.b64decode(text)
    if len(seed) != 32:
        raise ImproperlyConfigured("FRONTDESK_LEDGER_SIGNING_KEY is PEM, a Go note key or a 32-byte seed.")
    return Ed25519PrivateKey.from_private_bytes(seed)


def load_signer() -> Signer:
    """The checkpoint signer, named by FRONTDESK_LEDGER_ORIGIN (the checkpoint's origin line)."""
    text = settings.FRONTDESK_LEDGER_SIGNING_KEY
    if not text:
        path = Path(settings.FRONTDESK_LEDGER_SIGNING_KEY_FILE)
        if not path.is_file():
            raise ImproperlyConfigured(
                f"No ledger signing key: set FRONTDESK_LEDGER_SIGNING_KEY or run `frontdesk init_ledger_key` "
                f"to create {path}."
            )
        text = path.read_text()
    return Signer(settings.FRONTDESK_LEDGER_ORIGIN, _private_key(text))


def load_verifier() -> Verifier:
    return load_signer().verifier


def generate_key_file(path: Path) -> bool:
    """Write a new Ed25519 key (PEM, mode 0600) unless one is there. True if it made one."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    return True
