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
