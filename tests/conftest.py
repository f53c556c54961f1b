import pytest


@pytest.fixture(autouse=True)
def _fresh_geo_cache():
    from frontdesk.offices.geo import forget_positions

    forget_positions()
    yield
    forget_positions()
