"""A transaction's appends reach the database together (on PostgreSQL one multi-row INSERT before the
transaction's next statement or its commit; docs/adr/0037-ledger-at-ten-million.md), with exactly the
meaning of an insert per append: durable at commit, visible to the transaction's own queries, gone
with a rolled-back savepoint or transaction. The same tests run on SQLite, which inserts at once."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from frontdesk.core.crypto import pseudonym
from frontdesk.ledger import guards
from frontdesk.ledger.models import LedgerEvent, LedgerPending
from frontdesk.ledger.services import ID_BLOCK, checkpoint_create, event_append, ledger_sequence

PERSON = pseudonym("person", "batched-subject")


def append(n: int) -> LedgerEvent:
    return event_append(type="records.person.viewed", actor=None, purpose=f"visit {n}", subjects=[PERSON])


def stored_purposes() -> list[str]:
    return sorted(LedgerEvent.objects.values_list("event__purpose", flat=True), key=lambda p: int(p.split()[1]))


@pytest.mark.django_db(transaction=True)
def test_every_append_of_a_committed_transaction_is_stored_under_its_id(signing_key):
    count = 2 * ID_BLOCK + 5  # more events than one reserved block of ids
    with transaction.atomic():
        returned = [append(n) for n in range(count)]
    stored = dict(LedgerEvent.objects.values_list("id", "canonical"))
    assert {row.pk: row.canonical for row in returned} == stored
    assert LedgerPending.objects.count() + ledger_sequence() == count
    checkpoint_create()
    call_command("ledger", "verify")  # raises CommandError on any problem


@pytest.mark.django_db
def test_the_transaction_reads_its_own_appends():
    with transaction.atomic():
        first = append(0)
        second = append(1)  # on PostgreSQL this one waits for the next statement
        assert LedgerEvent.objects.get(pk=second.pk).event["purpose"] == "visit 1"
        assert set(LedgerPending.objects.values_list("event_id", flat=True)) == {first.pk, second.pk}


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_takes_its_appends_and_nothing_else():
    with transaction.atomic():
        append(0)
        append(1)
        try:
            with transaction.atomic():
                append(2)
                append(3)
                raise ValueError("the inner action failed")
        except ValueError:
            pass
        append(4)
        with transaction.atomic():
            append(5)  # a savepoint released, not rolled back
    assert stored_purposes() == ["visit 0", "visit 1", "visit 4", "visit 5"]
    assert ledger_sequence() == 4  # each one sequenced (after commit, or now)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_nothing_for_the_next_one():
    with pytest.raises(ValueError), transaction.atomic():
        append(0)
        append(1)
        raise ValueError("the action failed")
    with transaction.atomic():
        append(2)
        append(3)
    assert stored_purposes() == ["visit 2", "visit 3"]


@pytest.mark.django_db(transaction=True)
def test_a_write_that_fails_at_commit_fails_the_commit_and_keeps_nothing():
    """What waits is written before COMMIT: if that write fails, the caller hears of it and the whole
    transaction is rolled back, so no acknowledged event can be missing."""
    with transaction.atomic():
        append(0)
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic():
            append(1)
            append(2)
            buffer = connection._frontdesk_ledger_buffer
            pk, type_, time, _text, salt, commitment = buffer.rows[-1]
            buffer.rows[-1] = (pk, type_, time, "not JSON", salt, commitment)  # the INSERT fails at commit
    else:  # SQLite inserts each event at once: a bad row fails the append itself, nothing waits
        with transaction.atomic():
            append(1)
            assert LedgerEvent.objects.count() == 2
    with transaction.atomic():
        append(3)
    assert stored_purposes() == (
        ["visit 0", "visit 3"] if connection.vendor == "postgresql" else ["visit 0", "visit 1", "visit 3"]
    )


@pytest.mark.django_db
def test_the_json_copy_is_held_to_the_canonical_text():
    """PostgreSQL refuses a row whose JSON copy differs (the CHECK constraint verify relies on); SQLite
    stores the copy as the canonical text itself, and verify compares the two row by row."""
    with transaction.atomic():
        event = append(0)
    copy = (
        "INSERT INTO ledger_event (type, time, event, canonical, salt, commitment) "
        "SELECT type, time, {}, canonical, salt, commitment FROM ledger_event WHERE id = %s"
    )
    if connection.vendor == "postgresql":
        assert guards.json_copy_constraint_holds(connection)
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(copy.format("'{}'::jsonb"), [event.pk])
    else:
        assert not guards.json_copy_constraint_holds(connection)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM ledger_event WHERE event = canonical")
            assert cursor.fetchone() == (1,)
