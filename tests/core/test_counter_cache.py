"""The rate-limit store (frontdesk.core.counter_cache): add and incr behave as Django's database cache
says they do, in fewer statements, and counts taken at the same moment by many threads are all kept."""

from datetime import UTC, datetime

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from frontdesk.core.counter_cache import CounterDatabaseCache
from tests.threads import run_together


@pytest.fixture
def store(db):
    cache = caches["ratelimit"]
    assert isinstance(cache, CounterDatabaseCache)
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


def count(store, key):
    """One try as django-ratelimit takes it (add, then incr when the window exists), as the throttle does."""
    with store.counting():
        return 1 if store.add(key, 1, 60) else store.incr(key)


def test_a_counted_try_is_one_statement_on_postgresql(store):
    assert count(store, "k") == 1
    with CaptureQueriesContext(connection) as queries:
        assert count(store, "k") == 2
    assert len(queries.captured_queries) == (1 if connection.vendor == "postgresql" else 3)
    assert store.get("k") == 2


@pytest.mark.parametrize("start", [0, 254, 255, 256, 65534, 65535, 65536, 2**31 - 3, 2**31 - 1, 2**40])
def test_counting_reads_and_writes_what_django_does_across_encodings(store, start):
    store.add("k", 1, 60)
    store.set("k", start, 60)  # Django's own encoding (a framed pickle from 256 on)
    assert count(store, "k") == start + 1
    assert count(store, "k") == start + 2
    assert store.get("k") == start + 2


def test_a_value_that_is_not_a_count_is_left_to_incr(store):
    store.add("k", 1, 60)
    store.set("k", "text", 60)
    with pytest.raises(TypeError):  # as Django's incr of a string: nothing is written
        count(store, "k")
    assert store.get("k") == "text"


def test_counting_an_expired_window_starts_it_again(store):
    count(store, "k")
    count(store, "k")
    expire(store, "k")
    assert count(store, "k") == 1
    assert store.get("k") == 1


def test_outside_counting_add_leaves_a_live_key_alone(store):
    count(store, "k")
    assert store.add("k", 1, 60) is False
    assert store.get("k") == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_counted_tries_are_all_kept():
    store = caches["ratelimit"]
    results = run_together(8, lambda _i: [count(store, "together") for _ in range(5)])
    assert not [r for r in results if isinstance(r, Exception)], results
    assert store.get("together") == 40
    assert sorted(n for r in results for n in r) == list(range(1, 41))
