import pytest

from tests.factories import OfficeFactory, staff_resource
from tests.oidc.harness import start_provider


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    """A real OpenID provider (Node's oidc-provider) on a free port for this test process."""
    provider = start_provider(tmp_path_factory.mktemp("oidc"), ["http://testserver"])
    yield provider
    provider.stop()


@pytest.fixture
def signin_settings(settings, oidc_provider):
    settings.FRONTDESK_OIDC_ISSUER = oidc_provider.issuer
    settings.FRONTDESK_OIDC_CLIENT_ID = oidc_provider.client_id
    settings.FRONTDESK_OIDC_CLIENT_KEY_FILE = str(oidc_provider.key_file)
    settings.FRONTDESK_PUBLIC_BASE_URL = "http://testserver"
    return settings


@pytest.fixture
def office(db):
    office = OfficeFactory(code="A01", zip_code="10007", name="Lower Manhattan")
    staff_resource(office, name="Agent One")
    staff_resource(office, name="Agent Two", languages=["en", "es"])
    return office
