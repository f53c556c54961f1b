"""Keyed hashes, pseudonyms and field encryption for personal identifiers.

An SSN is never stored in clear: a keyed hash (HMAC-SHA256) finds a person by SSN without revealing
it, and AES-GCM keeps the value for need-to-know display. Pseudonyms name a person in the ledger and in
logs without being reversible by anyone who lacks the pseudonym key.
"""

import base64
import hashlib
import hmac
import os
import re

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_SSN_DIGITS = re.compile(r"^\d{9}$")


class InvalidSsn(ValueError):
    pass


def normalize_ssn(raw: str) -> str:
    """Digits only; rejects anything that is not a possible SSN (SSA never issues area 000, 666, 9xx)."""
    digits = re.sub(r"[\s-]", "", raw or "")
    if not _SSN_DIGITS.match(digits):
        raise InvalidSsn("An SSN has nine digits, for example 123-45-6789.")
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in {"000", "666"} or area.startswith("9") or group == "00" or serial == "0000":
        raise InvalidSsn("That is not a valid SSN; check the number on the card.")
    return digits


def _key(value: str) -> bytes:
    return bytes.fromhex(value) if re.fullmatch(r"[0-9a-fA-F]{64}", value) else value.encode()


def ssn_lookup_hash(ssn: str) -> str:
    return hmac.new(_key(settings.FRONTDESK_PII_HASH_KEY), normalize_ssn(ssn).encode(), hashlib.sha256).hexdigest()


def keyed_digest(context: str, value: str) -> str:
    """HMAC-SHA256 of a short secret (a one-time code) under the PII hash key, bound to its context."""
    return hmac.new(_key(settings.FRONTDESK_PII_HASH_KEY), f"{context}:{value}".encode(), hashlib.sha256).hexdigest()


def pseudonym(kind: str, identifier: str) -> str:
    """A stable, keyed pseudonym such as `person:3f9a...`: joins events about one person, names no one."""
    digest = hmac.new(_key(settings.FRONTDESK_PSEUDONYM_KEY), f"{kind}:{identifier}".encode(), hashlib.sha256)
    return f"{kind}:{digest.hexdigest()[:32]}"


def _aead(key_text: str) -> AESGCM:
    key = _key(key_text)
    if len(key) != 32:
        raise ValueError("An encryption key must be 32 bytes, written as 64 hex digits.")
    return AESGCM(key)


def _key_id(key_text: str) -> str:
    return hashlib.sha256(_key(key_text)).hexdigest()[:8]


class FieldSealer:
    """`encrypt_field` for many values of one column: the newest key is read and prepared once.

    Bulk writers (the seed, data migrations) seal thousands of values; preparing the key per value
    would cost more than the encryption itself. Each value still gets its own random nonce."""

    def __init__(self, *, context: str) -> None:
        key_text = settings.FRONTDESK_PII_ENCRYPTION_KEYS[0]
        self._aead = _aead(key_text)
        self._prefix = f"v1.{_key_id(key_text)}."
        self._context = context.encode()

    def seal(self, plaintext: str) -> str:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), self._context)
        return self._prefix + base64.urlsafe_b64encode(nonce + sealed).decode()


def encrypt_field(plaintext: str, *, context: str) -> str:
    """AES-256-GCM with a random nonce; `context` binds the ciphertext to its column (no swapping)."""
    return FieldSealer(context=context).seal(plaintext)


def decrypt_field(token: str, *, context: str) -> str:
    _version, key_id, payload = token.split(".", 2)
    raw = base64.urlsafe_b64decode(payload)
    for key_text in settings.FRONTDESK_PII_ENCRYPTION_KEYS:
        if _key_id(key_text) == key_id:
            return _aead(key_text).decrypt(raw[:12], raw[12:], context.encode()).decode()
    raise ValueError("No configured key can decrypt this value (was a key retired too early?).")


def ssn_last_four(ssn_encrypted: str, *, context: str) -> str | None:
    """The last four digits of an encrypted SSN, the most of it any screen shows (the full number is never
    sent to one); None when no SSN is held. `context` is the column's encryption context."""
    return decrypt_field(ssn_encrypted, context=context)[-4:] if ssn_encrypted else None


def mask_ssn(ssn: str) -> str:
    return f"***-**-{normalize_ssn(ssn)[-4:]}"
