"""The console script, demo secrets, and the identifier helpers every app leans on."""

import stat

import pytest
from django.test import override_settings

from frontdesk.cli import main
from frontdesk.core.crypto import (
    InvalidSsn,
    decrypt_field,
    encrypt_field,
    mask_ssn,
    normalize_ssn,
    pseudonym,
    ssn_lookup_hash,
)


def test_init_secrets_writes_private_random_keys_once(tmp_path):
    target = tmp_path / "secrets.env"
    main(["frontdesk", "init-secrets", str(target)])
    first = target.read_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    for name in (
        "DJANGO_SECRET_KEY",
        "FRONTDESK_PII_HASH_KEY",
        "FRONTDESK_PSEUDONYM_KEY",
        "FRONTDESK_PII_ENCRYPTION_KEYS",
    ):
        assert f"{name}=" in first
    main(["frontdesk", "init-secrets", str(target)])
    assert target.read_text() == first  # never overwrites keys already in use


def test_ssn_rules_and_masks():
    assert normalize_ssn(" 123-45-6789 ") == "123456789"
    assert mask_ssn("123456789") == "***-**-6789"
    for bad in ("12345678", "000-12-3456", "666-12-3456", "912-12-3456", "123-00-4567", "123-45-0000", "abc"):
        with pytest.raises(InvalidSsn):
            normalize_ssn(bad)
    assert ssn_lookup_hash("123-45-6789") == ssn_lookup_hash("123456789")
    assert "123456789" not in ssn_lookup_hash("123456789")


def test_encryption_is_bound_to_its_column_and_survives_key_rotation(settings):
    token = encrypt_field("123456789", context="person.ssn")
    assert "123456789" not in token
    assert decrypt_field(token, context="person.ssn") == "123456789"
    with pytest.raises(Exception):  # noqa: B017 - AES-GCM refuses a ciphertext moved to another column
        decrypt_field(token, context="person.phone")
    newer = "ab" * 32
    with override_settings(FRONTDESK_PII_ENCRYPTION_KEYS=[newer, *settings.FRONTDESK_PII_ENCRYPTION_KEYS]):
        assert decrypt_field(token, context="person.ssn") == "123456789"
        assert encrypt_field("x", context="c").split(".")[1] != token.split(".")[1]


def test_pseudonyms_are_stable_keyed_and_per_kind():
    assert pseudonym("person", "a") == pseudonym("person", "a")
    assert pseudonym("person", "a") != pseudonym("person", "b")
    assert pseudonym("person", "a").startswith("person:") and pseudonym("staff", "a").startswith("staff:")
    before = pseudonym("person", "a")
    with override_settings(FRONTDESK_PSEUDONYM_KEY="cd" * 32):
        assert pseudonym("person", "a") != before  # without the key nobody can recompute it
