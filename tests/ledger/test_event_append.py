import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.db.transaction import TransactionManagementError

from frontdesk.core.crypto import pseudonym
from frontdesk.ledger.models import LedgerEvent, LedgerLeaf
from frontdesk.ledger.services import commitment_of, event_append, ledger_sequence

PERSON = pseudonym("person", "4d4b1e1c-0000-4000-8000-000000000001")


@pytest.fixture
def clerk(db):
    return get_user_model().objects.create_user(username="clerk1", password="x" * 16)


def test_event_is_canonical_salted_and_queryable(clerk):
    with transaction.atomic():
        row = event_append(
            type="records.person.viewed",
            actor=clerk,
            purpose="check-in",
            subjects=[PERSON],
            refs={"appointment": "K7Q2M9", "count": 1, "remote": False, "note": None},
        )
    stored = LedgerEvent.objects.get(type="records.person.viewed")
    assert stored.pk == row.pk
    assert stored.event["actor"] == "staff:clerk1"
    assert stored.event["role"] == "staff"
    assert stored.event["subjects"] == [PERSON]
    assert stored.event["purpose"] == "check-in"
    assert stored.event["refs"] == {"appointment": "K7Q2M9", "count": 1, "remote": False, "note": None}
    assert stored.event["time"].endswith("Z")
    assert stored.canonical.startswith('{"actor":"staff:clerk1","purpose":"check-in","refs":{')
    assert len(bytes(stored.salt)) == 32
    assert bytes(stored.commitment) == commitment_of(bytes(stored.salt), stored.canonical.encode())


def test_public_actor(db):
    with transaction.atomic():
        event_append(type="scheduling.appointment.booked", actor=None, subjects=[PERSON])
    event = LedgerEvent.objects.get().event
    assert (event["actor"], event["role"]) == ("public", "public")


def test_refuses_outside_a_transaction(transactional_db):
    with pytest.raises(TransactionManagementError):
        event_append(type="records.person.viewed", actor=None, subjects=[PERSON])
    assert not LedgerEvent.objects.exists()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"type": "Viewed"},
        {"type": "records"},
        {"subjects": ["Jane Doe"]},
        {"subjects": ["123-45-6789"]},
        {"subjects": "person:" + "a" * 32},
        {"subjects": ["person:" + "A" * 32]},
        {"refs": {"ssn": "123-45-6789"}},
        {"refs": {"Bad Key": 1}},
        {"refs": {"nested": {"a": 1}}},
        {"refs": {"big": 2**60}},
        {"purpose": "x" * 501},
        {"purpose": "nul\x00"},
    ],
)
def test_rejects_bad_input_and_writes_nothing(db, kwargs):
    args = {"type": "records.person.viewed", "actor": None, "subjects": [PERSON], **kwargs}
    with pytest.raises(ValueError), transaction.atomic():
        event_append(**args)
    assert not LedgerEvent.objects.exists()


def test_rolled_back_action_leaves_no_event(db):
    class ActionFailed(Exception):
        pass

    with pytest.raises(ActionFailed), transaction.atomic():
        event_append(type="scheduling.appointment.booked", actor=None, subjects=[PERSON])
        raise ActionFailed
    assert not LedgerEvent.objects.exists()
    assert ledger_sequence() == 0


def test_indices_are_gapless_in_commit_order_after_a_rollback(db):
    with transaction.atomic():
        event_append(type="scheduling.appointment.booked", actor=None, subjects=[PERSON])
    with pytest.raises(RuntimeError), transaction.atomic():
        event_append(type="scheduling.appointment.booked", actor=None, subjects=[PERSON])
        raise RuntimeError
    with transaction.atomic():
        event_append(type="scheduling.appointment.cancelled", actor=None, subjects=[PERSON])
    assert ledger_sequence() == 2
    rows = list(LedgerEvent.objects.order_by("index").values_list("index", "type"))
    assert rows == [(0, "scheduling.appointment.booked"), (1, "scheduling.appointment.cancelled")]


def test_sequencing_runs_after_commit(transactional_db, settings):
    settings.FRONTDESK_LEDGER_SEQUENCE_SECONDS = 0
    with transaction.atomic():
        event_append(type="records.person.viewed", actor=None, subjects=[PERSON])
        event_append(type="records.person.viewed", actor=None, subjects=[PERSON])
    assert sorted(LedgerEvent.objects.values_list("index", flat=True)) == [0, 1]


def test_database_refuses_update_and_delete(db):
    with transaction.atomic():
        row = event_append(type="records.person.viewed", actor=None, subjects=[PERSON])
    ledger_sequence()
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEvent.objects.filter(pk=row.pk).update(type="records.person.edited")
    with pytest.raises(DatabaseError), transaction.atomic():  # the leaf index lives in ledger_leaf
        LedgerLeaf.objects.filter(event_id=row.pk).update(index=5)
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerLeaf.objects.filter(event_id=row.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEvent.objects.filter(pk=row.pk).delete()
    assert LedgerEvent.objects.get(pk=row.pk).type == "records.person.viewed"


def test_triggers_come_back_after_migrate(db):
    from django.db import connection

    from frontdesk.ledger import guards

    guards.uninstall(connection)
    guards.on_post_migrate(sender=None, using="default")
    with transaction.atomic():
        row = event_append(type="records.person.viewed", actor=None, subjects=[PERSON])
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEvent.objects.filter(pk=row.pk).delete()


def test_only_a_whole_database_flush_empties_the_ledger(transactional_db):
    from django.core.management import call_command

    with transaction.atomic():
        event_append(type="records.person.viewed", actor=None, subjects=[PERSON])
    with pytest.raises(DatabaseError):
        LedgerEvent.objects.all().delete()
    call_command("flush", interactive=False, verbosity=0)
    assert not LedgerEvent.objects.exists()
    with transaction.atomic():
        event_append(type="records.person.viewed", actor=None, subjects=[PERSON])
    with pytest.raises(DatabaseError):
        LedgerEvent.objects.all().delete()


@pytest.mark.parametrize(
    "change",
    [
        {"type": "records.person.edited"},
        {"canonical": "{}"},
        {"salt": b"\x00" * 32},
        {"commitment": b"\x00" * 32},
        {"event": {"type": "records.person.edited"}},
    ],
)
def test_setting_the_index_cannot_smuggle_in_another_change(db, change):
    """An event row is never updated, not even while it waits for its index (which lives in ledger_leaf)."""
    with transaction.atomic():
        row = event_append(type="records.person.viewed", actor=None, subjects=[PERSON])
    with pytest.raises(DatabaseError), transaction.atomic():
        LedgerEvent.objects.filter(pk=row.pk).update(**change)
    fresh = LedgerEvent.objects.get(pk=row.pk)
    assert fresh.index is None
    assert fresh.canonical == row.canonical
    assert bytes(fresh.commitment) == row.commitment


def test_appended_row_matches_what_is_stored(db):
    """event_append's returned object (built without the ORM on PostgreSQL) equals the stored row."""
    with transaction.atomic():
        row = event_append(type="records.person.viewed", actor=None, purpose="check-in", subjects=[PERSON])
        assert LedgerEvent.objects.filter(type="records.person.viewed").get() == row
    fresh = LedgerEvent.objects.get(pk=row.pk)
    assert (fresh.type, fresh.time, fresh.event, fresh.canonical) == (row.type, row.time, row.event, row.canonical)
    assert (bytes(fresh.salt), bytes(fresh.commitment)) == (row.salt, row.commitment)
    assert fresh.index is None and row.index is None and not row._state.adding


def test_returned_event_is_the_stored_row(db):
    """event_append builds its LedgerEvent from positional column values: each lands in its own field."""
    with transaction.atomic():
        row = event_append(type="records.person.viewed", actor=None, purpose="p", subjects=[PERSON], refs={"n": 3})
    stored = LedgerEvent.objects.get(pk=row.pk)
    for field in ("id", "type", "time", "event", "canonical"):
        assert getattr(row, field) == getattr(stored, field), field
    assert (bytes(row.salt), bytes(row.commitment)) == (bytes(stored.salt), bytes(stored.commitment))
    assert row._state.adding is False and row._state.db == "default"


def test_sequencer_batches_still_find_an_event_queued_below_the_last_taken(db, monkeypatch):
    """Each batch of a run starts after the last id taken (PostgreSQL: docs/adr/0043); an event that
    commits late with a lower id is still sequenced in the same run, after the others."""
    import os

    from django.db import connection

    from frontdesk.ledger import services

    with transaction.atomic():
        appended = [event_append(type="records.person.viewed", actor=None, subjects=[PERSON]) for _ in range(7)]
    late_id = -appended[0].pk  # below every id the sequencer has taken
    salt = os.urandom(32)
    canonical = appended[0].canonical
    real = {name: getattr(services, name) for name in ("_take_batch_postgresql", "_take_batch_sqlite")}
    calls: list[str] = []

    def taking(name: str):
        def take(*args):
            result = real[name](*args)
            calls.append(name)
            if len(calls) == 1:  # after the first batch: the late event joins the queue
                with connection.cursor() as cursor:
                    cursor.execute(
                        "INSERT INTO ledger_event (id, type, time, event, canonical, salt, commitment) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                        [late_id, "records.person.viewed", appended[0].time, canonical, canonical, salt,
                         commitment_of(salt, canonical.encode())],
                    )  # fmt: skip
                    cursor.execute(
                        "INSERT INTO ledger_pending (event_id, commitment) VALUES (%s, %s)",
                        [late_id, commitment_of(salt, canonical.encode())],
                    )
            return result

        return take

    for name in real:
        monkeypatch.setattr(services, name, taking(name))
    before = LedgerLeaf.objects.count()
    assert ledger_sequence(batch=3) == before + 8
    leaves = list(LedgerLeaf.objects.order_by("index").values_list("event_id", flat=True))[before:]
    ids = [row.pk for row in appended]
    if connection.vendor == "postgresql":  # the rest of the run went on after the last id taken
        assert leaves == [*ids, late_id]
    else:  # SQLite takes each batch from the start of the queue (deleted rows leave nothing behind)
        assert leaves == [*ids[:3], late_id, *ids[3:]]
