import pytest


@pytest.fixture(autouse=True)
def _fresh_geo_cache():
    from frontdesk.offices.geo import forget_positions

    forget_positions()
    yield
    forget_positions()


@pytest.fixture(scope="session", autouse=True)
def _database_is_the_one_asked_for(django_db_setup, django_db_blocker):
    """`make test` asks for PostgreSQL by name; a silent fallback to SQLite must fail the run."""
    import os

    from django.db import connection

    expected = os.environ.get("FRONTDESK_EXPECT_VENDOR")
    if expected:
        assert connection.vendor == expected, f"tests ran on {connection.vendor}, not {expected}"


def pytest_collection_modifyitems(items):
    """Every transactional test restores the migrated data (service catalog, content types) itself.

    A plain flush re-creates content types with new ids; a later serialized test's restore then fails
    on them, depending on how tests happen to be spread over workers. Refuse the mix at collection.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(f"{item.nodeid}: transactional tests need serialized_rollback=True")
