"""`ledger verify` of a large ledger checks whole tiles in worker processes (docs/adr/0043); it must reach
exactly the verdict of the single-process path, good ledger or tampered. The events are committed
(workers see only what has committed), and the size from which workers are used is lowered."""

import pytest
from django.db import connection, transaction

from frontdesk.core.crypto import pseudonym
from frontdesk.ledger import guards, merkle, verify
from frontdesk.ledger.services import checkpoint_create, event_append, ledger_sequence

PERSON = pseudonym("person", "workers-subject")
SIZE = 1500  # five whole tiles and a partial one


@pytest.fixture
def committed_history(transactional_db, signing_key, monkeypatch):
    """1,500 committed events; checkpoints at 300 (inside tile 1) and 1500 (inside the partial last tile)."""
    monkeypatch.setattr(verify, "PARALLEL_FROM", 0)
    for start in range(0, SIZE, 100):
        with transaction.atomic():
            for n in range(start, start + 100):
                event_append(type="records.person.viewed", actor=None, purpose=f"visit {n}", subjects=[PERSON])
        ledger_sequence()
        if start + 100 in (300, 1500):
            checkpoint_create()
    return SIZE


def report_with(settings, workers: int) -> verify.Report:
    settings.FRONTDESK_LEDGER_VERIFY_WORKERS = workers
    return verify.database_report(sequence=False)


def test_workers_send_whole_tiles_and_the_parent_reads_the_rest(committed_history):
    blocks = list(verify.database_records(workers=2).tile_blocks())
    verified = [block for block in blocks if isinstance(block, verify.VerifiedTile)]
    assert [block.first for block in verified] == [0, 256, 512, 768, 1024]
    assert isinstance(blocks[-1], list) and [record[0] for record in blocks[-1]] == list(range(1280, SIZE))
    # Each subtree hash is the one the records give.
    for block in verified:
        records = block.records()
        leaves = [merkle.leaf_hash(merkle_entry(record)) for record in records]
        assert block.root == merkle.subtree_hash(leaves)


def merkle_entry(record: verify.Record) -> bytes:
    import hashlib

    return hashlib.sha256(record[2] + record[1]).digest()


def test_good_ledger_same_verdict_with_and_without_workers(committed_history, settings):
    parallel, single = report_with(settings, 2), report_with(settings, 1)
    assert parallel.ok, parallel.summary()
    assert (parallel.size, parallel.verified_size) == (SIZE, SIZE)
    assert parallel.checkpoints == single.checkpoints >= 2
    assert parallel.summary() == single.summary()


@pytest.mark.parametrize("index", [5, 700, 1400])
def test_tampered_salt_named_with_workers(committed_history, settings, index):
    guards.uninstall(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE ledger_event SET salt = %s WHERE id = (SELECT event_id FROM ledger_leaf WHERE leaf_index = %s)",
                [bytes(32), index],
            )
        parallel, single = report_with(settings, 2), report_with(settings, 1)
    finally:
        guards.install(connection)
    assert parallel.first_bad_index == index
    assert [str(p) for p in parallel.sorted_problems()] == [str(p) for p in single.sorted_problems()]
