"""The witness (C2SP tlog-witness add-checkpoint): it cosigns only a history that extends the one it
cosigned before, answers with cosignature/v1 lines that a verifier written from the spec accepts, and
keeps its state across restarts. Every test talks to a live server on a free loopback port."""

import base64
import os
import stat

import pytest
from cryptography.exceptions import InvalidSignature
from django.core.management import call_command
from django.core.management.base import CommandError

from frontdesk.ledger.witness import Witness, WitnessError
from tests.threads import run_together

from . import spec_cosignature as spec
from .witnesses import ORIGIN, ToyLog, get, new_witness, origin_path, post, serving


@pytest.fixture
def log():
    toy = ToyLog()
    toy.grow(10)
    return toy


def cosigned_note(log: ToyLog, body: str, size: int | None = None) -> str:
    return log.checkpoint(size) + body


def test_cosigns_a_growing_log_with_lines_the_spec_verifier_accepts(tmp_path, log):
    witness = new_witness(tmp_path / "w", log)
    vkey = witness.key.text()
    with serving(witness) as url:
        status, content_type, body = post(url, log.request(0))
        assert status == 200 and content_type.startswith("text/plain")
        assert body.startswith("\u2014 witness.test/w1 ") and body.endswith("\n")
        note = cosigned_note(log, body)
        assert spec.log_signed(note, log.key)
        assert spec.cosignature_time(note, vkey) > 1_700_000_000

        log.grow(27)
        status, _, body = post(url, log.request(10))
        assert status == 200
        assert spec.cosignature_time(cosigned_note(log, body), vkey) is not None
        # The cosignature covers this checkpoint only: on another size's text it does not verify.
        with pytest.raises(InvalidSignature):
            spec.cosignature_time(cosigned_note(log, body, size=10), vkey)

        status, served = get(f"{url}/{origin_path()}/checkpoint")
        assert status == 200 and served == cosigned_note(log, body)
    state = witness.log_state(ORIGIN)
    assert (state.size, state.root) == (37, log.root(37))


def test_refuses_a_checkpoint_that_rewrites_history(tmp_path, log):
    witness = new_witness(tmp_path / "w", log)
    with serving(witness) as url:
        assert post(url, log.request(0))[0] == 200
        honest_root = log.root(10)

        # The log signs another tree of the same size: a different root for size 10.
        forked = ToyLog.__new__(ToyLog)
        forked.signer, forked.leaves = log.signer, list(log.leaves)
        forked.leaves[3] = b"\x00" * 32
        status, _, body = post(url, forked.request(10, note=forked.checkpoint(10)))
        assert status == 422 and "different root for size 10" in body

        # It grows the rewritten tree and sends a proof from size 10: the proof cannot verify.
        forked.grow(5, tag=b"fork")
        status, _, body = post(url, forked.request(10))
        assert status == 422 and "consistency proof from size 10 to 15 does not verify" in body

        # A garbled proof for an honest growth is refused the same way.
        log.grow(5)
        request = log.request(10).replace(base64.b64encode(log.proof(10, 15)[0]), base64.b64encode(b"\x07" * 32))
        assert post(url, request)[0] == 422

    state = witness.log_state(ORIGIN)
    assert (state.size, state.root) == (10, honest_root)
    assert [status for _origin, status, _reason in witness.refusals()] == [422, 422, 422]


def test_rollback_is_a_conflict_that_names_the_cosigned_size(tmp_path, log):
    witness = new_witness(tmp_path / "w", log)
    with serving(witness) as url:
        assert post(url, log.request(0))[0] == 200
        # An older checkpoint, claiming the witness knows nothing yet.
        status, content_type, body = post(url, log.request(0, size=6))
        assert (status, content_type, body) == (409, "text/x.tlog.size", "10\n")
        # An older checkpoint with the right old size: old > size.
        status, _, _ = post(url, f"old 10\n\n{log.checkpoint(6)}".encode())
        assert status == 400
    assert witness.log_state(ORIGIN).size == 10


def test_signature_origin_and_shape_are_checked_first(tmp_path, log):
    witness = new_witness(tmp_path / "w", log)
    stranger = ToyLog("other.example/log")
    stranger.grow(3)
    impostor = ToyLog()  # the same origin, another key
    impostor.grow(3)
    with serving(witness) as url:
        assert post(url, stranger.request(0))[0] == 404
        assert post(url, impostor.request(0))[0] == 403
        note = log.checkpoint()
        forged = note.replace(
            note.split(" ")[-1], base64.b64encode(log.signer.verifier.key_id + b"\x01" * 64).decode() + "\n"
        )
        assert post(url, f"old 0\n\n{forged}".encode())[0] == 403
        assert post(url, b"old 01\n\n" + note.encode())[0] == 400
        assert post(url, b"new 0\n\n" + note.encode())[0] == 400
        assert post(url, b"old 0\n" + note.encode())[0] == 400
        assert post(url, b"old 0\nnot-base64!\n\n" + note.encode())[0] == 400
        # An empty tree must have the empty root; a proof from size 0 must be empty.
        assert post(url, f"old 0\n\n{log.checkpoint(0, root=b'1' * 32)}".encode())[0] == 422
        proof_line = base64.b64encode(b"\x02" * 32).decode()
        assert post(url, f"old 0\n{proof_line}\n\n{note}".encode())[0] == 422
        assert get(f"{url}/{origin_path()}/checkpoint")[0] == 404  # nothing cosigned yet
    assert witness.log_state(ORIGIN).size == 0


def test_restarted_mid_stream_it_keeps_its_key_and_state(tmp_path, log):
    state_dir = tmp_path / "w"
    first = new_witness(state_dir, log)
    with serving(first) as url:
        assert post(url, log.request(0))[0] == 200
        log.grow(20)
        assert post(url, log.request(10))[0] == 200
    vkey = first.key.text()
    assert stat.S_IMODE(os.stat(state_dir / "witness-key.pem").st_mode) == 0o600

    again = Witness(state_dir)  # a new process: name, key and state from the directory
    assert again.key.text() == vkey and again.name == "witness.test/w1"
    with serving(again) as url:
        # A log that lost its last 20 entries and starts over from 10 is refused.
        assert post(url, log.request(0, size=10)) == (409, "text/x.tlog.size", "30\n")
        rolled_back = f"old 30\n\n{log.checkpoint(10)}".encode()
        assert post(url, rolled_back)[0] == 400
        assert post(url, log.request(30, note=log.checkpoint(30, root=log.root(29))))[0] == 422
        # The honest log carries on from 30.
        log.grow(5)
        status, _, body = post(url, log.request(30))
        assert status == 200 and spec.cosignature_time(log.checkpoint() + body, vkey)
    assert Witness(state_dir).log_state(ORIGIN).size == 35


def test_a_state_directory_belongs_to_one_witness_and_one_key_per_log(tmp_path, log):
    new_witness(tmp_path / "w", log)
    with pytest.raises(WitnessError, match="is the witness"):
        Witness(tmp_path / "w", name="witness.test/other")
    with pytest.raises(WitnessError, match="another key"):
        Witness(tmp_path / "w").trust_log(ToyLog().key)
    with pytest.raises(WitnessError, match="give it a name"):
        Witness(tmp_path / "empty")


def test_witness_command_init_prints_its_key_and_serve_needs_a_log(tmp_path, log, capsys):
    state = tmp_path / "w"
    call_command("witness", "init", "--state", str(state), "--name", "witness.test/cmd", "--log", log.key)
    printed = capsys.readouterr().out.strip()
    assert printed == Witness(state).key.text()
    assert spec.parse_vkey(printed)[2] == 0x04
    with pytest.raises(CommandError, match="trusts no log"):
        call_command("witness", "serve", "--state", str(tmp_path / "w2"), "--name", "witness.test/x", "--port", "0")


def test_two_requests_from_the_same_old_size_cannot_roll_each_other_back(tmp_path, log):
    """tlog-witness: checking the old size and storing the new checkpoint are one atomic step."""
    witness = new_witness(tmp_path / "w", log)
    with serving(witness) as url:
        assert post(url, log.request(0))[0] == 200
        log.grow(10)
        bodies = [log.request(10, size=15), log.request(10, size=20)]
        results = run_together(2, lambda i: post(url, bodies[i]))
    statuses = sorted(status for status, _type, _body in results)
    assert statuses == [200, 409]
    winner = 15 if results[0][0] == 200 else 20
    loser = next(r for r in results if r[0] == 409)
    assert loser[2] == f"{winner}\n"
    assert witness.log_state(ORIGIN).size == winner
