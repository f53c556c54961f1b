import pytest
from django.db import connection

from frontdesk.ledger import guards
from frontdesk.ledger.services import ledger_sequence


@pytest.fixture
def sequenced():
    return ledger_sequence


@pytest.fixture
def without_guards(db):
    """Drop the append-only triggers for a tamper test (rolled back with the test's transaction on PG)."""
    guards.uninstall(connection)
    yield
    guards.install(connection)
