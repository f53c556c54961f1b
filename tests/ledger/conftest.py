import pytest
from django.db import connection

from frontdesk.ledger import guards, signing
from frontdesk.ledger.services import ledger_sequence


@pytest.fixture
def signing_key(tmp_path, settings):
    """A throwaway Ed25519 key in a temporary directory, used by checkpoint_create."""
    path = tmp_path / "ledger-signing-key.pem"
    signing.generate_key_file(path)
    settings.FRONTDESK_LEDGER_SIGNING_KEY = ""
    settings.FRONTDESK_LEDGER_SIGNING_KEY_FILE = str(path)
    settings.FRONTDESK_LEDGER_ORIGIN = "frontdesk.test/ledger"
    return path


@pytest.fixture
def sequenced():
    return ledger_sequence


@pytest.fixture
def without_guards(db):
    """Drop the append-only triggers for a tamper test (rolled back with the test's transaction on PG)."""
    guards.uninstall(connection)
    yield
    guards.install(connection)
