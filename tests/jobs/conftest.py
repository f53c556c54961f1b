import pytest

from frontdesk.ledger import signing


@pytest.fixture
def signing_key(tmp_path, settings):
    """A throwaway Ed25519 key for checkpoint_create."""
    path = tmp_path / "ledger-signing-key.pem"
    signing.generate_key_file(path)
    settings.FRONTDESK_LEDGER_SIGNING_KEY = ""
    settings.FRONTDESK_LEDGER_SIGNING_KEY_FILE = str(path)
    settings.FRONTDESK_LEDGER_ORIGIN = "frontdesk.test/ledger"
    return path
