"""Proof bundles a person can hold (docs/ledger-proof-bundle.md): one event's canonical text, salt and
commitment, its inclusion proof and the witnessed checkpoint, checked by a verifier written from the specs
(spec_proof.py) that shares no code with the one that built them. Any change to the salt, the event, the
proof, the checkpoint or a cosignature is caught by it and by `ledger check-proof`; an event not yet in a
witnessed checkpoint gets no bundle but a reason."""

import base64
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client

from frontdesk.core.crypto import pseudonym
from frontdesk.ledger import signing
from frontdesk.ledger.models import LedgerCosignature, LedgerEvent
from frontdesk.ledger.proof import PROOF_FORMAT, ProofPending, check_proof, event_proof, proof_json
from frontdesk.ledger.services import checkpoint_create, checkpoint_sign_and_cosign, event_append
from frontdesk.ledger.tasks import checkpoint_task

from . import spec_proof

PERSON = pseudonym("person", "proof-bundle-subject")


def append(count: int) -> list[LedgerEvent]:
    with transaction.atomic():
        return [
            event_append(type="records.person.viewed", actor=None, purpose="check-in", subjects=[PERSON], refs={"n": n})
            for n in range(count)
        ]


def keys(witnesses) -> dict:
    return {
        "log_key": signing.load_verifier().text(),
        "witness_keys": [w.key.text() for w, _url in witnesses],
        "quorum": 2,
    }


@pytest.fixture
def witnessed(witnesses):
    """Thirteen events in a checkpoint both witnesses cosigned (by the scheduler's task: the signer's path)."""
    events = append(13)
    assert checkpoint_task.call() == 13
    assert LedgerCosignature.objects.count() == 2
    return events


def test_every_event_of_a_witnessed_checkpoint_has_a_bundle_the_spec_verifier_accepts(witnesses, witnessed):
    served = Client().get("/ledger/checkpoint").content.decode()
    for event in witnessed:
        bundle = event_proof(event)
        assert isinstance(bundle, dict)
        document = proof_json(bundle)
        assert spec_proof.problem(document, **keys(witnesses)) is None
        assert bundle["format"] == PROOF_FORMAT and bundle["tree_size"] == 13
        # The checkpoint is exactly the one the log publishes, cosignatures and all.
        assert bundle["checkpoint"] == served
        assert spec_proof.event_of(document)["refs"]["n"] == witnessed.index(event)
        assert check_proof(json.loads(document)).ok


def _flip(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[0] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def _cosignature_lines(note: str) -> list[str]:
    return [line for line in note.split("\n\n")[-1].splitlines() if not line.startswith("\u2014 frontdesk.test/")]


def _tamper_cosignature(bundle: dict) -> None:
    line = _cosignature_lines(bundle["checkpoint"])[0]
    name, blob = line.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(blob))
    raw[-1] ^= 1  # the signature, not the key ID or the time
    bundle["checkpoint"] = bundle["checkpoint"].replace(line, f"{name} {base64.b64encode(bytes(raw)).decode()}")


def _drop_cosignature(bundle: dict) -> None:
    bundle["checkpoint"] = bundle["checkpoint"].replace(_cosignature_lines(bundle["checkpoint"])[1] + "\n", "")


def _rewrite_checkpoint(bundle: dict) -> None:
    origin, size, rest = bundle["checkpoint"].split("\n", 2)
    bundle["checkpoint"] = f"{origin}\n{int(size) + 1}\n{rest}"
    bundle["tree_size"] += 1


TAMPERINGS = {
    "salt": lambda b: b.update(salt=_flip(b["salt"])),
    "event": lambda b: b.update(event=b["event"].replace("check-in", "check-in ")),
    "commitment": lambda b: b.update(commitment=_flip(b["commitment"])),
    "proof": lambda b: b["inclusion_proof"].__setitem__(0, _flip(b["inclusion_proof"][0])),
    "proof cut short": lambda b: b["inclusion_proof"].pop(),
    "leaf index": lambda b: b.update(leaf_index=b["leaf_index"] ^ 1),
    "checkpoint": _rewrite_checkpoint,
    "cosignature": _tamper_cosignature,
    "cosignature removed": _drop_cosignature,
}


@pytest.mark.parametrize("change", sorted(TAMPERINGS))
def test_a_tampered_bundle_is_rejected_by_both_verifiers(witnesses, witnessed, change):
    bundle = event_proof(witnessed[6])
    assert spec_proof.problem(proof_json(bundle), **keys(witnesses)) is None
    TAMPERINGS[change](bundle)
    assert spec_proof.problem(proof_json(bundle), **keys(witnesses)) is not None
    assert not check_proof(bundle).ok


def test_a_bundle_signed_by_another_log_key_is_rejected(witnesses, witnessed, tmp_path, settings):
    bundle = event_proof(witnessed[0])
    other = tmp_path / "other.pem"
    signing.generate_key_file(other)
    settings.FRONTDESK_LEDGER_SIGNING_KEY_FILE = str(other)
    assert spec_proof.problem(proof_json(bundle), **keys(witnesses)) == "log signature"
    assert not check_proof(bundle, log_key=signing.load_verifier().text()).ok


def test_check_proof_command(witnesses, witnessed, tmp_path, capsys):
    path = tmp_path / "proof.json"
    path.write_text(proof_json(event_proof(witnessed[3])), encoding="utf-8")
    log_key = tmp_path / "log.key"
    log_key.write_text(signing.load_verifier().text())
    witness_args = [arg for w, _ in witnesses for arg in ("--witness", w.key.text())]
    call_command("ledger", "check-proof", str(path), "--key", str(log_key), *witness_args)
    out = capsys.readouterr().out
    assert "Entry 3 is in the log frontdesk.test/ledger of size 13." in out
    assert "Cosigned by witness.test/w1" in out and "OK: the proof holds." in out

    bundle = json.loads(path.read_text())
    bundle["salt"] = _flip(bundle["salt"])
    path.write_text(json.dumps(bundle))
    with pytest.raises(CommandError) as failed:
        call_command("ledger", "check-proof", str(path), "--key", str(log_key), *witness_args)
    assert failed.value.returncode == 1
    assert "The commitment is not SHA-256(salt || event)." in capsys.readouterr().err

    path.write_text("not json")
    with pytest.raises(CommandError) as unreadable:
        call_command("ledger", "check-proof", str(path))
    assert unreadable.value.returncode == 2


def test_no_bundle_until_a_witnessed_checkpoint_holds_the_event(witnesses, signing_key):
    [first] = append(1)
    assert event_proof(first) == ProofPending("not_checkpointed")
    checkpoint_create()  # signed, not yet cosigned: not published as witnessed
    assert event_proof(first) == ProofPending("not_witnessed")
    checkpoint_sign_and_cosign()
    assert isinstance(event_proof(first), dict)

    [later] = append(1)
    checkpoint_create()  # the newest checkpoint waits for its witnesses; the published one is older
    assert event_proof(later) == ProofPending("not_checkpointed")
    assert isinstance(event_proof(first), dict)
    _checkpoint, outcomes = checkpoint_sign_and_cosign()
    assert set(outcomes.values()) == {"cosigned size 2"}
    assert spec_proof.problem(proof_json(event_proof(later)), **keys(witnesses)) is None


def test_without_witnesses_the_log_signature_is_the_proof(db, signing_key, settings):
    settings.FRONTDESK_LEDGER_WITNESSES = []
    events = append(3)
    checkpoint_task.call()
    bundle = event_proof(events[2])
    assert bundle["witness_keys"] == [] and bundle["witness_quorum"] == 0
    log_key = signing.load_verifier().text()
    assert spec_proof.problem(proof_json(bundle), log_key=log_key, witness_keys=[], quorum=0) is None
