"""invariant 5 in docs/architecture.md: any change, removal or reordering of a past entry makes verification fail,
naming the first bad index. The append-only triggers are dropped for each test to play the attacker."""

import gzip
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone

from frontdesk.core.crypto import pseudonym
from frontdesk.ledger import notes, signing
from frontdesk.ledger.models import LedgerCheckpoint, LedgerTile
from frontdesk.ledger.services import checkpoint_create, event_append

PERSON = pseudonym("person", "tamper-subject")


@pytest.fixture
def history(db, signing_key):
    """300 events with signed checkpoints at 100, 200 and 300 (two hash tiles at level 0)."""
    for batch in range(3):
        with transaction.atomic():
            for i in range(100):
                event_append(
                    type="records.person.viewed",
                    actor=None,
                    purpose=f"visit {batch}-{i}",
                    subjects=[PERSON],
                    refs={"n": batch * 100 + i},
                )
        checkpoint_create()
    assert list(LedgerCheckpoint.objects.order_by("id").values_list("size", flat=True)) == [100, 200, 300]


def verify_fails(*args: str) -> str:
    with pytest.raises(CommandError) as failure:
        call_command("ledger", "verify", *args)
    assert failure.value.returncode == 1
    return str(failure.value)


def sql(statement: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def swap_leaves(a: int, b: int) -> None:
    """Point leaf a at leaf b's event and the other way round (the leaf index lives in ledger_leaf)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT leaf_index, event_id FROM ledger_leaf WHERE leaf_index IN (%s, %s)", [a, b])
        events = dict(cursor.fetchall())
    sql("UPDATE ledger_leaf SET event_id = -1 WHERE leaf_index = %s", [a])
    sql("UPDATE ledger_leaf SET event_id = %s WHERE leaf_index = %s", [events[a], b])
    sql("UPDATE ledger_leaf SET event_id = %s WHERE leaf_index = %s", [events[b], a])


def test_untouched_ledger_verifies(history, capsys):
    call_command("ledger", "verify")
    assert "OK: 300 entries; 3 signed checkpoints" in capsys.readouterr().out


def test_changed_byte_in_a_stored_event_is_named(history, without_guards):
    sql(
        "UPDATE ledger_event SET canonical = replace(canonical, 'visit 1-23', 'visit 1-24') WHERE "
        "id = (SELECT event_id FROM ledger_leaf WHERE leaf_index = 123)"
    )
    assert "first bad index 123" in verify_fails()


def test_changed_event_and_recomputed_commitment_is_named(history, without_guards):
    """The attacker also fixes the row's commitment; the published tiles still betray it."""
    from frontdesk.ledger.models import LedgerEvent
    from frontdesk.ledger.services import commitment_of

    row = LedgerEvent.objects.get(index=150)
    forged = row.canonical.replace("visit 1-50", "visit 1-51")
    sql(
        "UPDATE ledger_event SET canonical = %s, event = %s, commitment = %s "
        "WHERE id = (SELECT event_id FROM ledger_leaf WHERE leaf_index = 150)",
        [forged, json.dumps(json.loads(forged)), commitment_of(bytes(row.salt), forged.encode())],
    )
    message = verify_fails()
    assert "first bad index 150" in message
    assert "changed, removed or moved" in message


def test_edited_json_copy_is_named(history, without_guards):
    from frontdesk.ledger.models import LedgerEvent

    row = LedgerEvent.objects.get(index=7)
    event = dict(row.event, purpose="something else")
    sql(
        "UPDATE ledger_event SET event = %s WHERE id = (SELECT event_id FROM ledger_leaf WHERE leaf_index = 7)",
        [json.dumps(event)],
    )
    assert "first bad index 7" in verify_fails()


def test_deleted_last_entry_is_named(history, without_guards):
    sql("DELETE FROM ledger_event WHERE id = (SELECT event_id FROM ledger_leaf WHERE leaf_index = 299)")
    sql("DELETE FROM ledger_leaf WHERE leaf_index = 299")
    assert "first bad index 299" in verify_fails("--no-sequence")


def test_deleted_middle_entry_is_named(history, without_guards):
    sql("DELETE FROM ledger_event WHERE id = (SELECT event_id FROM ledger_leaf WHERE leaf_index = 42)")
    sql("DELETE FROM ledger_leaf WHERE leaf_index = 42")
    assert "first bad index 42" in verify_fails()


def test_swapped_entries_are_named(history, without_guards):
    swap_leaves(50, 250)
    assert "first bad index 50" in verify_fails()


def test_rewritten_events_and_tiles_are_bounded_by_the_last_good_checkpoint(history, without_guards):
    """If the published hashes are rewritten to match, the signed checkpoints still catch it."""
    from frontdesk.ledger.merkle import leaf_hash
    from frontdesk.ledger.models import LedgerEvent

    a, b = LedgerEvent.objects.get(index=120), LedgerEvent.objects.get(index=130)
    swap_leaves(120, 130)
    tile = bytearray(LedgerTile.objects.get(level=0, tile_index=0).hashes)
    tile[120 * 32 : 121 * 32] = leaf_hash(bytes(b.commitment))
    tile[130 * 32 : 131 * 32] = leaf_hash(bytes(a.commitment))
    sql("UPDATE ledger_tile SET hashes = %s WHERE level = 0 AND tile_index = 0", [bytes(tile)])
    assert "first bad index 100" in verify_fails()


def test_forged_checkpoint_signature_is_named(history):
    forger = notes.Signer(signing.load_signer().name, Ed25519PrivateKey.generate())
    latest = LedgerCheckpoint.objects.order_by("-id").first()
    body = notes.checkpoint_body(forger.name, 300, bytes(latest.root))
    LedgerCheckpoint.objects.create(size=300, root=latest.root, note=forger.sign(body), created_at=timezone.now())
    message = verify_fails()
    assert "(size 300)" in message and "no signature" in message


def test_checkpoint_with_a_bad_signature_is_named(history, without_guards):
    latest = LedgerCheckpoint.objects.order_by("-id").first()
    note = latest.note
    cut = len(note) - 10  # inside the Ed25519 signature, past the key ID
    forged = note[:cut] + ("A" if note[cut] != "A" else "B") + note[cut + 1 :]
    sql("UPDATE ledger_checkpoint SET note = %s WHERE id = %s", [forged, latest.id])
    assert "does not verify" in verify_fails()


def test_exported_bundle_verifies_offline_and_tampering_is_named(history, tmp_path, capsys):
    bundle = tmp_path / "ledger.jsonl"
    call_command("ledger", "export", "--output", str(bundle))
    call_command("ledger", "verify", "--bundle", str(bundle))
    assert "OK: 300 entries" in capsys.readouterr().out

    lines = bundle.read_text().splitlines()
    header = json.loads(lines[0])
    assert header["verifier_key"] == signing.load_verifier().text()
    event_lines = [i for i, line in enumerate(lines) if '"index"' in line]
    target = event_lines[77]
    lines[target] = lines[target].replace("visit 0-77", "visit 0-78")
    bundle.write_text("\n".join(lines) + "\n")
    assert "first bad index 77" in verify_fails("--bundle", str(bundle))

    lines[target], lines[event_lines[-1]] = lines[event_lines[-1]], ""
    bundle.write_text("\n".join(line for line in lines if line) + "\n")
    assert "first bad index" in verify_fails("--bundle", str(bundle))


def test_bundle_with_last_entry_removed_is_named(history, tmp_path):
    bundle = tmp_path / "ledger.jsonl.gz"
    call_command("ledger", "export", "--output", str(bundle))
    with gzip.open(bundle, "rt") as handle:
        lines = handle.read().splitlines()
    with gzip.open(bundle, "wt") as handle:
        handle.write("\n".join(lines[:-1]) + "\n")
    assert "first bad index 299" in verify_fails("--bundle", str(bundle))


def test_event_dropped_from_the_pending_queue_is_named(history, without_guards):
    with transaction.atomic():
        event_append(type="records.person.viewed", actor=None, subjects=[PERSON])
    sql("DELETE FROM ledger_pending")
    assert "1 stored events are neither in the log nor waiting" in verify_fails()
