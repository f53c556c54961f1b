"""C2SP signed-note and tlog-checkpoint formats, against Go's golang.org/x/mod/sumdb/note example."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from frontdesk.ledger import notes

GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = (
    GO_TEXT
    + "\n\u2014 PeterNeumann "
    + "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_signing_reproduces_the_go_example_byte_for_byte():
    signer = notes.Signer.parse_go(GO_SIGNER)
    assert signer.verifier.text() == GO_VERIFIER
    assert signer.sign(GO_TEXT) == GO_NOTE


def test_opening_the_go_example():
    verifier = notes.Verifier.parse(GO_VERIFIER)
    assert notes.open_note(GO_NOTE, verifier) == GO_TEXT
    with pytest.raises(notes.NoteError):
        notes.open_note(GO_NOTE.replace("cryptography", "cryptographY"), verifier)


def test_a_note_from_another_key_is_refused():
    other = notes.Signer("PeterNeumann", Ed25519PrivateKey.generate())
    with pytest.raises(notes.NoteError, match="no signature"):
        notes.open_note(other.sign(GO_TEXT), notes.Verifier.parse(GO_VERIFIER))


@pytest.mark.parametrize(
    "key",
    [
        "",
        "PeterNeumann",
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3+ApRc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_malformed_verifier_keys(key):
    with pytest.raises(notes.NoteError):
        notes.Verifier.parse(key)


def test_checkpoint_round_trip_and_origin():
    signer = notes.Signer("example.gov/ledger", Ed25519PrivateKey.generate())
    root = bytes(range(32))
    body = notes.checkpoint_body("example.gov/ledger", 12, root)
    assert body == f"example.gov/ledger\n12\n{base64.b64encode(root).decode()}\n"
    checkpoint = notes.open_checkpoint(signer.sign(body), signer.verifier, "example.gov/ledger")
    assert (checkpoint.size, checkpoint.root) == (12, root)
    with pytest.raises(notes.NoteError, match="not"):
        notes.open_checkpoint(signer.sign(body), signer.verifier, "elsewhere.gov/ledger")


@pytest.mark.parametrize("body", ["o\n012\nAAAA\n", "o\n-1\n" + "A" * 44 + "\n", "o\n1\nAAAA\n", "o\n1\n"])
def test_malformed_checkpoints(body):
    with pytest.raises(notes.NoteError):
        notes.parse_checkpoint(body)
