from contextlib import ExitStack

import pytest
from django.db import connection

from frontdesk.ledger import guards, signing
from frontdesk.ledger.services import ledger_sequence
from frontdesk.ledger.witness import Witness

from .witnesses import serving


@pytest.fixture
def sequenced():
    return ledger_sequence


@pytest.fixture
def without_guards(db):
    """Drop the append-only triggers (and on PostgreSQL the JSON copy's CHECK constraint) for a tamper
    test; on PostgreSQL both come back with the rollback of the test's transaction."""
    guards.uninstall(connection)
    guards.json_copy_constraint_drop(connection)
    yield
    guards.install(connection)


@pytest.fixture
def witnesses(db, signing_key, tmp_path, settings):
    """Two live witnesses trusting the test log's key, configured as the log's witnesses (2 of 2)."""
    log_key = signing.load_verifier().text()
    stack = ExitStack()
    made = []
    for n in (1, 2):
        witness = Witness(tmp_path / f"witness-{n}", name=f"witness.test/w{n}")
        witness.trust_log(log_key)
        url = stack.enter_context(serving(witness))
        made.append((witness, url))
    settings.FRONTDESK_LEDGER_WITNESSES = [f"{url} {w.key.text()}" for w, url in made]
    settings.FRONTDESK_LEDGER_WITNESS_QUORUM = 2
    settings.FRONTDESK_LEDGER_WITNESS_MAX_AGE = 3600
    settings.FRONTDESK_LEDGER_WITNESS_TIMEOUT = 5
    with stack:
        yield made
