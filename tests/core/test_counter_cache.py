"""The rate-limit store (frontdesk.core.counter_cache): add and incr behave as Django's database cache
says they do, in fewer statements, and counts taken at the same moment by many threads are all kept."""

from datetime import UTC, datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontdesk.core import counter_cache
from frontdesk.core.counter_cache import CounterDatabaseCache
from tests.threads import run_together


@pytest.fixture
def store(db, monkeypatch):
    cache = caches["ratelimit"]
    assert isinstance(cache, CounterDatabaseCache)
    # The table is culled on one add in every CULL_EVERY of this process; earlier tests' adds must not
    # make that one fall inside a test that counts statements.
    monkeypatch.setattr(cache, "_adds", 2)
    return cache


def expire(store, key):
    table = connection.ops.quote_name(store._table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET expires = %s WHERE cache_key = %s",  # noqa: S608
            [connection.ops.adapt_datetimefield_value(datetime(2000, 1, 1, tzinfo=UTC)), store.make_key(key)],
        )


def test_add_stores_only_when_absent_or_expired(store):
    assert store.add("k", 1, 60) is True
    assert store.add("k", 5, 60) is False
    assert store.get("k") == 1
    expire(store, "k")
    assert store.add("k", 7, 60) is True
    assert store.get("k") == 7


def test_incr_counts_and_keeps_what_django_reads(store):
    store.add("k", 1, 60)
    assert store.incr("k") == 2
    assert store.incr("k", 3) == 5
    assert store.get("k") == 5  # Django's own get reads the same encoding
    store.set("k", 10)
    assert store.incr("k") == 11


def test_incr_of_a_missing_or_expired_key_fails(store):
    with pytest.raises(ValueError):
        store.incr("missing")
    store.add("k", 1, 60)
    expire(store, "k")
    with pytest.raises(ValueError):
        store.incr("k")


def test_a_try_costs_a_few_statements(store):
    store.add("k", 1, 60)
    with CaptureQueriesContext(connection) as queries:
        assert store.add("k", 1, 60) is False
        store.incr("k")
    assert len(queries.captured_queries) <= 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_counts_are_all_kept():
    store = caches["ratelimit"]
    store.add("together", 0, 60)
    results = run_together(8, lambda _i: [store.incr("together") for _ in range(5)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert store.get("together") == 40
    assert sorted(n for r in results for n in r) == list(range(1, 41))  # each count handed out once


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("optimistic_tries", [0, 1])
def test_counts_that_lose_their_races_wait_for_the_row_and_are_kept(monkeypatch, optimistic_tries):
    """With few optimistic tries most of these counts miss their swap (a busy machine can make any
    number of tries miss); each then waits for the row's lock and is kept, never refused."""
    monkeypatch.setattr(counter_cache, "CAS_ATTEMPTS", optimistic_tries)
    store = caches["ratelimit"]
    store.add("contended", 0, 60)
    results = run_together(8, lambda _i: [store.incr("contended") for _ in range(5)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert store.get("contended") == 40
    assert sorted(n for r in results for n in r) == list(range(1, 41))


def test_the_locked_count_refuses_a_missing_or_expired_key(store, monkeypatch):
    monkeypatch.setattr(counter_cache, "CAS_ATTEMPTS", 0)
    with pytest.raises(ValueError, match="not found"):
        store.incr("missing")
    store.add("k", 1, 60)
    assert store.incr("k", 2) == 3
    expire(store, "k")
    with pytest.raises(ValueError, match="not found"):
        store.incr("k")


def test_continuing_a_window_costs_two_statements_on_postgresql(store):
    store.add("k", 1, 60)
    with CaptureQueriesContext(connection) as queries:
        assert store.add("k", 1, 60) is False
        assert store.incr("k") == 2
    # PostgreSQL's add reads the value the incr swaps from; SQLite's incr reads it again.
    assert len(queries.captured_queries) == (2 if connection.vendor == "postgresql" else 3)


def test_a_count_taken_between_add_and_incr_is_kept(store):
    """The value an add saw is only a first guess for incr: when another worker counted in between,
    the swap misses, incr reads again, and neither count is lost."""
    store.add("k", 1, 60)
    assert store.add("k", 1, 60) is False  # sees 1
    table = connection.ops.quote_name(store._table)
    with connection.cursor() as cursor:  # another worker's count, after the add read the value
        cursor.execute(
            f"UPDATE {table} SET value = %s WHERE cache_key = %s",  # noqa: S608
            [store._encode(5), store.make_key("k")],
        )
    assert store.incr("k") == 6
    assert store.get("k") == 6


def test_incr_of_another_key_ignores_what_an_add_saw(store):
    store.add("a", 1, 60)
    store.add("b", 10, 60)
    assert store.add("a", 1, 60) is False  # sees a = 1
    assert store.incr("b") == 11
    assert store.incr("a") == 2


def test_the_table_is_culled_on_one_add_in_every_cull_every(store, monkeypatch):
    monkeypatch.setattr(store, "_max_entries", 3)
    for n in range(5):
        store.add(f"old{n}", 1, 60)
        expire(store, f"old{n}")
    assert store.add("fresh", 1, 60) is True  # not this one's turn: the expired rows stay
    table = connection.ops.quote_name(store._table)

    def rows():
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
            return cursor.fetchone()[0]

    assert rows() == 6
    monkeypatch.setattr(store, "_adds", counter_cache.CULL_EVERY)
    assert store.add("turn", 1, 60) is True  # its turn: over the limit, the expired rows go
    assert rows() == 2 and store.get("fresh") == 1 and store.get("turn") == 1
