"""The complete auditor (`ledger audit`) and the split-view monitor (`ledger monitor`).

The auditor reads only what the log publishes and names the first problem: a changed entry that the
hash tiles do not back, tiles that do not match the entries under them, a checkpoint without its
witness quorum or with a forged cosignature. The monitor compares the signed checkpoints the log and
its witnesses hand out and reports two histories with both signed notes as evidence."""

import base64
import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client

from frontdesk.core.crypto import pseudonym
from frontdesk.ledger import audit, merkle, monitor, notes, signing
from frontdesk.ledger.cosignature import CosignerKey
from frontdesk.ledger.policies import QuorumState
from frontdesk.ledger.services import checkpoint_cosign, checkpoint_create, event_append

from . import spec_cosignature as spec
from .witnesses import closed_port

PERSON = pseudonym("person", "audit-subject")
URL = "http://testserver/ledger"


def append(count: int) -> None:
    with transaction.atomic():
        for i in range(count):
            event_append(type="records.person.viewed", actor=None, purpose=f"visit {i}", subjects=[PERSON])


@pytest.fixture
def fetch():
    """The log through the Django test client; anything else (the witnesses) over real HTTP."""
    client = Client()
    network = audit.http_get

    def get(url: str) -> bytes | None:
        if not url.startswith("http://testserver"):
            return network(url)
        response = client.get(url.removeprefix("http://testserver"))
        if response.status_code == 404:
            return None
        assert response.status_code == 200, (url, response.status_code)
        return response.content

    return get


def sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def run(fetch, tmp_path, policy: audit.WitnessPolicy = audit.WitnessPolicy()) -> audit.AuditResult:  # noqa: B008
    return audit.audit(URL, signing.load_verifier(), tmp_path / "audit.json", fetch, witnesses=policy)


# --- ledger audit ------------------------------------------------------------------------------


def test_audit_names_an_entry_changed_by_one_byte(db, signing_key, tmp_path, fetch, without_guards, monkeypatch):
    append(300)
    checkpoint_create()
    assert run(fetch, tmp_path / "first").size == 300
    sql(
        "UPDATE ledger_event SET commitment = %s WHERE id = (SELECT event_id FROM ledger_leaf WHERE leaf_index = 100)",
        [bytes([7]) + bytes(31)],
    )
    with pytest.raises(audit.AuditFailed) as failure:
        run(fetch, tmp_path)
    assert str(failure.value).startswith(
        "Entry 100: the entry bundle tile/entries/000 does not match tile/0/000 (its leaf hash differs)."
    )

    monkeypatch.setattr(audit.audit, "__defaults__", (fetch,))
    with pytest.raises(CommandError) as command:
        key = signing.load_verifier().text()
        call_command("ledger", "audit", "--url", URL, "--key", key, "--state", str(tmp_path / "s.json"))
    assert command.value.returncode == 1 and "AUDIT FAILED: Entry 100:" in str(command.value)


def test_audit_catches_an_entry_and_its_leaf_rewritten_together(db, signing_key, tmp_path, fetch, without_guards):
    append(300)
    checkpoint_create()
    forged = bytes([9]) * 32
    sql(
        "UPDATE ledger_event SET commitment = %s WHERE id = (SELECT event_id FROM ledger_leaf WHERE leaf_index = 100)",
        [forged],
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT hashes FROM ledger_tile WHERE level = 0 AND tile_index = 0")
        tile = bytearray(cursor.fetchone()[0])
    tile[100 * 32 : 101 * 32] = merkle.leaf_hash(forged)
    sql("UPDATE ledger_tile SET hashes = %s WHERE level = 0 AND tile_index = 0", [bytes(tile)])
    with pytest.raises(audit.AuditFailed, match=r"^Hash tile 1/000 does not match the entries below it"):
        run(fetch, tmp_path)


def test_audit_checks_the_witness_quorum(witnesses, tmp_path, fetch, settings):
    keys = [CosignerKey.parse(w.key.text()) for w, _ in witnesses]
    append(20)
    checkpoint_create()
    checkpoint_cosign()
    result = run(fetch, tmp_path / "a", audit.WitnessPolicy(keys, 2, dt.timedelta(hours=1)))
    assert result.quorum.state is QuorumState.MET and "quorum met" in result.summary()

    # The log settles for one witness; an auditor who asks for two says the checkpoint is not witnessed.
    settings.FRONTDESK_LEDGER_WITNESS_QUORUM = 1
    (first, first_url), (second, _) = witnesses
    settings.FRONTDESK_LEDGER_WITNESSES = [
        f"{first_url} {first.key.text()}",
        f"http://127.0.0.1:{closed_port()} {second.key.text()}",
    ]
    append(5)
    checkpoint_create()
    checkpoint_cosign()
    missing = r"size 25 is not witnessed: witness quorum missing: 1 cosigned \(1 recently\), 2 required"
    with pytest.raises(audit.AuditFailed, match=missing):
        run(fetch, tmp_path / "a", audit.WitnessPolicy(keys, 2))
    assert run(fetch, tmp_path / "a", audit.WitnessPolicy(keys, 1)).size == 25

    # A trusted witness's line that does not verify makes the note invalid.
    def forged(url: str) -> bytes | None:
        data = fetch(url)
        if url.endswith("/checkpoint"):
            text = data.decode()
            line = next(line for line in text.splitlines() if line.startswith("\u2014 witness.test/w1 "))
            raw = bytearray(base64.b64decode(line.rsplit(" ", 1)[1]))
            raw[-1] ^= 1
            data = text.replace(line, line.rsplit(" ", 1)[0] + " " + base64.b64encode(raw).decode()).encode()
        return data

    with pytest.raises(audit.AuditFailed, match=r"cosignature by witness\.test/w1 does not verify"):
        run(forged, tmp_path / "b", audit.WitnessPolicy(keys, 1))

    note = fetch(f"{URL}/checkpoint").decode()
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=2)
    expired = audit.check_quorum(note, audit.WitnessPolicy(keys, 1, dt.timedelta(hours=1)), now=later)
    assert expired.state is QuorumState.EXPIRED


def test_audit_command_takes_witness_keys_and_a_quorum(witnesses, tmp_path, fetch, monkeypatch, capsys):
    monkeypatch.setattr(audit.audit, "__defaults__", (fetch,))
    append(3)
    checkpoint_create()
    checkpoint_cosign()
    key_file = tmp_path / "w2.vkey"
    key_file.write_text(witnesses[1][0].key.text() + "\n")
    args = ["ledger", "audit", "--url", URL, "--key", signing.load_verifier().text(), "--state", str(tmp_path / "s")]
    call_command(*args, "--witness", witnesses[0][0].key.text(), "--witness", str(key_file))
    assert "witness quorum met: 2 cosigned (2 recently), 2 required" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Cannot audit"):
        call_command(*args, "--witness", "not-a-key")


# --- ledger monitor ----------------------------------------------------------------------------


def fork(size: int, root: bytes) -> str:
    """A checkpoint the log's own key signs for another history (the attack a witness exists for)."""
    return signing.load_signer().sign(notes.checkpoint_body("frontdesk.test/ledger", size, root))


def endpoints(witnesses) -> list[monitor.WitnessEndpoint]:
    return [monitor.WitnessEndpoint(url, CosignerKey.parse(w.key.text())) for w, url in witnesses]


def test_monitor_sees_one_history_as_the_log_grows(witnesses, fetch):
    watcher = monitor.Monitor(URL, signing.load_verifier(), endpoints(witnesses), fetch=fetch)
    append(10)
    checkpoint_create()
    checkpoint_cosign()
    assert [s.size for s in watcher.round()] == [10, 10, 10]
    append(300)
    checkpoint_create()  # signed, not yet witnessed: the log still publishes size 10
    assert [s.size for s in watcher.round()] == [10, 10, 10]
    checkpoint_cosign()
    assert [s.size for s in watcher.round()] == [310, 310, 310]


def test_monitor_reports_a_witness_and_the_log_disagreeing_on_one_size(witnesses, fetch, tmp_path):
    append(10)
    checkpoint_create()
    checkpoint_cosign()
    forged = fork(10, bytes(32))

    def split_log(url: str) -> bytes | None:
        return forged.encode() if url == f"{URL}/checkpoint" else fetch(url)

    watcher = monitor.Monitor(URL, signing.load_verifier(), endpoints(witnesses), fetch=split_log)
    with pytest.raises(monitor.SplitView) as found:
        watcher.round()
    evidence = found.value.evidence()
    assert evidence["reason"] == "two different roots for size 10"
    notes_ = [evidence["first"]["note"], evidence["second"]["note"]]
    assert forged in notes_
    # Both are signed by the log: the evidence stands on its own.
    log_key = signing.load_verifier().text()
    assert all(spec.log_signed(note, log_key) for note in notes_)
    assert {note.split("\n")[2] for note in notes_} == {base64.b64encode(bytes(32)).decode(), witnessed_root(fetch)}


def witnessed_root(fetch) -> str:
    return fetch(f"{URL}/checkpoint").decode().split("\n")[2]


def test_monitor_reports_two_fetches_that_disagree(db, signing_key, fetch, tmp_path):
    append(10)
    checkpoint_create()
    watcher = monitor.Monitor(URL, signing.load_verifier(), fetch=fetch)
    watcher.round()
    watcher.save(tmp_path / "seen.json")

    # Another run, remembering the first; now the log shows a larger tree that does not extend it.
    later = monitor.Monitor(URL, signing.load_verifier(), fetch=fetch)
    later.load(tmp_path / "seen.json")
    append(5)
    checkpoint_create()
    honest = fetch(f"{URL}/checkpoint").decode()
    forged = fork(15, bytes(32))
    later.fetch = lambda url: forged.encode() if url == f"{URL}/checkpoint" else fetch(url)
    with pytest.raises(monitor.SplitView, match="size 10 is not consistent with size 15"):
        later.round()
    assert honest != forged


def test_monitor_command_writes_the_evidence_and_fails(witnesses, fetch, tmp_path, monkeypatch, capsys):
    append(4)
    checkpoint_create()
    checkpoint_cosign()
    forged = fork(4, bytes(32))
    monkeypatch.setattr(audit, "http_get", lambda url: forged.encode() if url == f"{URL}/checkpoint" else fetch(url))
    evidence = tmp_path / "evidence.json"
    args = ["ledger", "monitor", "--url", URL, "--key", signing.load_verifier().text()]
    args += ["--state", str(tmp_path / "seen.json"), "--evidence", str(evidence)]
    for witness, url in witnesses:
        args += ["--witness", f"{url} {witness.key.text()}"]
    with pytest.raises(CommandError) as failure:
        call_command(*args)
    assert failure.value.returncode == 1 and "SPLIT VIEW: two different roots for size 4" in str(failure.value)
    saved = json.loads(evidence.read_text())
    assert saved["finding"] == "split view" and forged in (saved["first"]["note"], saved["second"]["note"])
    assert '"finding": "split view"' in capsys.readouterr().out


def test_monitor_command_passes_on_one_history(witnesses, fetch, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(audit, "http_get", fetch)
    append(4)
    checkpoint_create()
    checkpoint_cosign()
    args = ["ledger", "monitor", "--url", URL, "--key", signing.load_verifier().text()]
    args += ["--state", str(tmp_path / "seen.json"), "--evidence", str(tmp_path / "e.json")]
    for witness, url in witnesses:
        args += ["--witness", f"{url} {witness.key.text()}"]
    call_command(*args)
    assert "(one history)" in capsys.readouterr().out
    assert not (tmp_path / "e.json").exists()
