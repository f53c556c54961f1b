"""Reads that tolerate lag go to a standby; writes, and a client's reads after its own write, do not.

The "standby" here is a second connection to the test database. Inside a test's transaction it cannot
see the test's uncommitted rows, which is exactly what a standby that has not replayed a write looks
like: an answer read from it misses the row. (A real primary and standby are the failover drill's.)
"""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.test import Client, override_settings

from config.settings.base import replicas_from_urls
from frontdesk.core import replicas
from frontdesk.offices.models import Office
from tests.factories import OfficeFactory

STANDBY = "replica_1"  # config/settings/test.py: a second connection to the test database
pytestmark = pytest.mark.django_db(databases=["default", STANDBY])
postgres_only = pytest.mark.skipif(
    "connections['default'].vendor != 'postgresql'", reason="the primary's WAL position is PostgreSQL's"
)


@pytest.fixture
def standby():
    replicas._down_until.pop(STANDBY, None)
    with override_settings(FRONTDESK_READ_REPLICAS=[STANDBY]):
        yield STANDBY
    replicas._down_until.pop(STANDBY, None)


def test_without_a_standby_every_read_is_the_primary():
    with replicas.replica_reads():
        assert Office.objects.all().db == "default"


def test_only_reads_marked_lag_tolerant_use_the_standby(standby):
    router = replicas.ReplicaRouter()
    assert Office.objects.all().db == "default"
    with replicas.replica_reads():
        assert Office.objects.all().db == standby
        assert router.db_for_write(Office) == "default"
    assert Office.objects.all().db == "default"
    assert router.allow_migrate("default", "offices") and not router.allow_migrate(standby, "offices")


def test_office_search_reads_the_standby_and_booking_pages_the_primary(standby, client):
    OfficeFactory(code="Q01", name="Not Yet Replayed")  # in this test's transaction: not on the "standby"
    assert "Q01" not in client.get("/api/v1/offices").content.decode()
    assert client.get("/api/v1/offices/Q01").status_code == 404
    assert client.get("/offices/Q01/").status_code == 404
    # A read that leads to a write (choosing a service for this office) reads the primary.
    assert "Not Yet Replayed" in client.get("/book/", {"office": "Q01"}).content.decode()


def test_a_standby_that_cannot_be_reached_is_left_alone_and_the_primary_answers(standby, client):
    saved, wrapper = connections.settings[standby], connections[standby]
    unreachable = (
        {"PORT": "1"}  # nothing listens there
        if connections["default"].vendor == "postgresql"
        else {"NAME": "/nonexistent-directory/standby.sqlite3"}
    )
    del connections[standby]  # this thread's next use opens a new connection, with these settings
    connections.settings[standby] = saved | unreachable
    try:
        OfficeFactory(code="Q02")
        assert "Q02" in client.get("/api/v1/offices").content.decode()
        assert replicas._is_down(standby)
    finally:
        connections[standby].close()
        connections.settings[standby] = saved
        connections[standby] = wrapper  # the test case's own connection, with its transaction state


@postgres_only
def test_a_client_that_wrote_reads_the_primary_until_a_standby_has_replayed_its_write(standby):
    client = Client()
    OfficeFactory(code="Q03")
    assert "Q03" not in client.get("/api/v1/offices").content.decode()
    client.post("/api/v1/appointments/find", {}, content_type="application/json")  # any write-capable request
    position = client.cookies[replicas.WAL_COOKIE].value
    assert replicas.lsn_value(position) is not None
    # This "standby" is a primary: it reports no replay position, so it never counts as caught up.
    assert "Q03" in client.get("/api/v1/offices").content.decode()
    assert "Q03" not in Client().get("/api/v1/offices").content.decode()


def test_wal_positions_compare_as_numbers():
    assert replicas.lsn_value("0/16B3748") < replicas.lsn_value("1/0")
    assert replicas.lsn_text(replicas.lsn_value("A/FF")) == "A/FF"
    for junk in ("", "0/", "x/1", "1/2/3", "0/123456789"):
        assert replicas.lsn_value(junk) is None


def test_standbys_are_configured_as_a_list_of_postgresql_urls():
    primary = {"ENGINE": "django.db.backends.postgresql"}
    found = replicas_from_urls("postgres://app@standby-a/fd postgres://app@standby-b:5433/fd", primary)
    assert list(found) == ["replica_1", "replica_2"]
    assert found["replica_2"]["PORT"] == 5433 and found["replica_1"]["TEST"] == {"MIRROR": "default"}
    assert replicas_from_urls("", primary) == {}
    with pytest.raises(ImproperlyConfigured, match="PostgreSQL"):
        replicas_from_urls("postgres://app@standby/fd", {"ENGINE": "django.db.backends.sqlite3"})
