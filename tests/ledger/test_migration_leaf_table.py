"""Migration 0007 moves leaf indices out of ledger_event into ledger_leaf and queues unsequenced events in
ledger_pending, keeping every event: an install with history migrates and still verifies."""

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from frontdesk.core.crypto import pseudonym
from frontdesk.ledger.models import LedgerEvent, LedgerLeaf, LedgerPending
from frontdesk.ledger.services import checkpoint_create, commitment_of, event_append, ledger_sequence

PERSON = pseudonym("person", "migration-subject")
BEFORE = ("ledger", "0006_witnesses_and_cosignatures")
AFTER = ("ledger", "0007_ledger_leaf_table")


def migrate_to(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


@pytest.mark.django_db(transaction=True)
def test_existing_events_keep_their_indices_and_queued_ones_are_sequenced(signing_key):
    for n in range(3):
        with transaction.atomic():
            event_append(type="records.person.viewed", actor=None, subjects=[PERSON], refs={"n": n})
    ledger_sequence()
    checkpoint_create()
    try:
        migrate_to(BEFORE)
        with connection.cursor() as cursor:
            cursor.execute("SELECT leaf_index FROM ledger_event ORDER BY id")
            assert [row[0] for row in cursor.fetchall()] == [0, 1, 2]
            # An event that committed before the upgrade but was not sequenced yet: no index.
            canonical = '{"n":3}'
            salt = bytes(32)
            cursor.execute(
                "INSERT INTO ledger_event (type, time, event, canonical, salt, commitment, leaf_index) "
                "VALUES (%s, %s, %s, %s, %s, %s, NULL)",
                [
                    "records.person.viewed",
                    connection.ops.adapt_datetimefield_value(timezone.now()),
                    canonical,
                    canonical,
                    salt,
                    commitment_of(salt, canonical.encode()),
                ],
            )
        migrate_to(AFTER)
        assert list(LedgerLeaf.objects.order_by("index").values_list("index", flat=True)) == [0, 1, 2]
        assert LedgerPending.objects.count() == 1
        assert ledger_sequence() == 4
        assert list(LedgerEvent.objects.order_by("id").values_list("index", flat=True)) == [0, 1, 2, 3]
        assert not LedgerPending.objects.exists()
        checkpoint_create()
        call_command("ledger", "verify")  # raises CommandError on any problem
    finally:
        call_command("migrate", verbosity=0)
