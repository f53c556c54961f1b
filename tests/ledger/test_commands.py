"""init_ledger_key, ledger checkpoint/sequence/export/verify/audit, and automatic checkpoints."""

import json
import os
import stat
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client
from django.urls import include, path

from frontdesk.core.crypto import pseudonym
from frontdesk.ledger import audit, signing
from frontdesk.ledger.models import LedgerCheckpoint, LedgerEvent
from frontdesk.ledger.services import checkpoint_create, event_append

urlpatterns = [path("ledger/", include("frontdesk.transparency_log.urls"))]
pytestmark = pytest.mark.urls(__name__)

PERSON = pseudonym("person", "command-subject")


def append(count: int) -> None:
    with transaction.atomic():
        for _ in range(count):
            event_append(type="records.person.viewed", actor=None, purpose="check-in", subjects=[PERSON])


def test_init_ledger_key_creates_a_private_file_once(tmp_path, settings, capsys):
    key_file = tmp_path / "keys" / "ledger.pem"
    settings.FRONTDESK_LEDGER_SIGNING_KEY = ""
    settings.FRONTDESK_LEDGER_SIGNING_KEY_FILE = str(key_file)
    call_command("init_ledger_key")
    assert "Created" in capsys.readouterr().out
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    first = key_file.read_bytes()
    call_command("init_ledger_key")
    out = capsys.readouterr().out
    assert "Kept" in out and signing.load_verifier().text() in out
    assert key_file.read_bytes() == first


def test_key_from_the_environment_setting(settings, tmp_path):
    settings.FRONTDESK_LEDGER_SIGNING_KEY = "11" * 32
    settings.FRONTDESK_LEDGER_SIGNING_KEY_FILE = str(tmp_path / "absent.pem")
    settings.FRONTDESK_LEDGER_ORIGIN = "env.example/ledger"
    assert signing.load_verifier().name == "env.example/ledger"


def test_checkpoint_without_a_key_is_a_clear_error(db, settings, tmp_path):
    settings.FRONTDESK_LEDGER_SIGNING_KEY = ""
    settings.FRONTDESK_LEDGER_SIGNING_KEY_FILE = str(tmp_path / "absent.pem")
    with pytest.raises(CommandError, match="init_ledger_key"):
        call_command("ledger", "checkpoint")


def test_checkpoint_commands(db, signing_key, capsys):
    append(3)
    call_command("ledger", "checkpoint")
    assert "Checkpoint at size 3" in capsys.readouterr().out
    call_command("checkpoint")  # unchanged tree: the latest is kept, not repeated
    assert LedgerCheckpoint.objects.count() == 1
    call_command("checkpoint", "--force")
    assert LedgerCheckpoint.objects.count() == 2
    append(2)
    call_command("ledger", "sequence")
    assert "The tree has 5 entries" in capsys.readouterr().out


def test_verify_reports_unsigned_tail(db, signing_key, capsys):
    append(4)
    checkpoint_create()
    append(2)
    call_command("ledger", "verify")
    out = capsys.readouterr().out
    assert "OK: 6 entries; 1 signed checkpoints verified, the latest covering 4 entries." in out
    assert "2 entries after the latest checkpoint are not signed yet" in out


def test_checkpoints_follow_commits(transactional_db, signing_key, settings):
    settings.FRONTDESK_LEDGER_CHECKPOINT_SECONDS = 0
    settings.FRONTDESK_LEDGER_SEQUENCE_SECONDS = 0
    append(2)
    assert LedgerCheckpoint.objects.get().size == 2
    assert sorted(LedgerEvent.objects.values_list("index", flat=True)) == [0, 1]
    settings.FRONTDESK_LEDGER_CHECKPOINT_SECONDS = 3600
    append(1)
    assert LedgerCheckpoint.objects.count() == 1  # too soon for another
    assert LedgerEvent.objects.filter(index=2).exists()


def test_after_commit_runs_are_spaced_out(transactional_db, settings):
    settings.FRONTDESK_LEDGER_SEQUENCE_SECONDS = 3600
    from frontdesk.ledger import services

    services._last_after_commit_run = float("-inf")
    append(1)
    append(1)  # within the interval: left for the next run
    assert list(LedgerEvent.objects.order_by("id").values_list("index", flat=True)) == [0, None]
    call_command("ledger", "sequence")
    assert list(LedgerEvent.objects.order_by("id").values_list("index", flat=True)) == [0, 1]


# --- the independent auditor ----------------------------------------------------------------


@pytest.fixture
def http():
    """`ledger audit` over the Django test client instead of the network."""
    client = Client()

    def fetch(url: str) -> bytes | None:
        response = client.get(url.removeprefix("http://testserver"))
        if response.status_code == 404:
            return None
        assert response.status_code == 200
        return response.content

    return fetch


def run_audit(key: str, state: Path, fetch) -> audit.AuditResult:
    return audit.audit("http://testserver/ledger/", audit.load_verifier(key), state, fetch)


def test_audit_trusts_first_then_proves_consistency(db, signing_key, tmp_path, http):
    state = tmp_path / "audit.json"
    key = signing.load_verifier().text()
    append(300)
    checkpoint_create()
    first = run_audit(key, state, http)
    assert (first.size, first.previous_size) == (300, None)
    assert json.loads(state.read_text())["size"] == 300

    append(400)
    checkpoint_create()
    second = run_audit(key, state, http)
    assert (second.size, second.previous_size) == (700, 300)
    assert "consistent with the previously trusted size 300" in second.summary()


def test_audit_with_a_key_file(db, signing_key, tmp_path, http):
    key_file = tmp_path / "ledger.vkey"
    key_file.write_text(signing.load_verifier().text() + "\n")
    append(1)
    checkpoint_create()
    assert run_audit(str(key_file), tmp_path / "s.json", http).size == 1


def test_audit_catches_a_rewritten_history(db, signing_key, tmp_path, http):
    state = tmp_path / "audit.json"
    key = signing.load_verifier().text()
    append(20)
    checkpoint_create()
    run_audit(key, state, http)
    trusted = json.loads(state.read_text())
    trusted["root"] = "A" * 43 + "="  # the auditor remembers a different history at size 20
    state.write_text(json.dumps(trusted))
    append(5)
    checkpoint_create()
    with pytest.raises(audit.AuditFailed, match="not consistent"):
        run_audit(key, state, http)


def test_audit_catches_tiles_that_do_not_match_the_checkpoint(db, signing_key, tmp_path, http, without_guards):
    append(20)
    checkpoint_create()
    with connection.cursor() as cursor:
        cursor.execute("SELECT hashes FROM ledger_tile WHERE level = 0 AND tile_index = 0")
        tile = bytearray(cursor.fetchone()[0])
        tile[3 * 32] ^= 1
        cursor.execute("UPDATE ledger_tile SET hashes = %s WHERE level = 0 AND tile_index = 0", [bytes(tile)])
    with pytest.raises(audit.AuditFailed, match=r"^Entry 3: the entry bundle tile/entries/000\.p/20 does not match"):
        run_audit(signing.load_verifier().text(), tmp_path / "a.json", http)


def test_audit_catches_a_shrunken_log_and_a_wrong_key(db, signing_key, tmp_path, http):
    state = tmp_path / "audit.json"
    append(3)
    checkpoint_create()
    state.write_text(json.dumps({"origin": "frontdesk.test/ledger", "size": 9, "root": "A" * 43 + "="}))
    with pytest.raises(audit.AuditFailed, match="shrank"):
        run_audit(signing.load_verifier().text(), state, http)
    other = tmp_path / "other.pem"
    signing.generate_key_file(other)
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from frontdesk.ledger.notes import Signer

    wrong = Signer("frontdesk.test/ledger", load_pem_private_key(other.read_bytes(), None)).verifier.text()
    with pytest.raises(audit.AuditFailed, match="does not verify"):
        run_audit(wrong, tmp_path / "fresh.json", http)


def test_audit_command_reports_failure_with_exit_status(db, signing_key, tmp_path, monkeypatch, http, capsys):
    monkeypatch.setattr(audit, "http_get", http)
    monkeypatch.setattr(audit.audit, "__defaults__", (http,))
    append(2)
    checkpoint_create()
    key = signing.load_verifier().text()
    state = str(tmp_path / "state.json")
    call_command("ledger", "audit", "--url", "http://testserver/ledger", "--key", key, "--state", state)
    assert "OK: trusting the log at size 2" in capsys.readouterr().out
    with pytest.raises(CommandError) as failure:
        call_command("ledger", "audit", "--url", "http://testserver/ledger", "--key", "bad+key", "--state", state)
    assert failure.value.returncode == 1


def test_http_get_refuses_other_schemes():
    with pytest.raises(audit.AuditFailed):
        audit.http_get("file:///etc/passwd")
