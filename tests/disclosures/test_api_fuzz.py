"""Schemathesis drives every disclosure operation signed in as the region's privacy officer (the role
that reaches most code), with a catalog loaded: no 500s, and every response matches the OpenAPI
document. Anonymous calls are fuzzed by tests/api/test_schema_fuzz.py."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from config.wsgi_test import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(path_regex="^/api/v1/disclosures/")


@pytest.fixture
def _keep_connection_open():
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _session(user):
    from django.conf import settings as django_settings
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    client = Client()
    client.force_login(user)
    token = _get_new_csrf_string()
    return {
        "cookies": {
            django_settings.SESSION_COOKIE_NAME: client.cookies[django_settings.SESSION_COOKIE_NAME].value,
            "csrftoken": token,
        },
        "headers": {"X-CSRFToken": token},
    }


@pytest.fixture(autouse=True)
def _limits_out_of_reach(settings):
    """The fuzzer sends hundreds of look-ups from one address: here the limits would answer most of them
    with 429 and hide the contract under test. The limits have their own tests:
    tests/scheduling/test_lookup_limits.py."""
    settings.FRONTDESK_LOOKUP_RATE_CLIENT = "100000/1m"
    settings.FRONTDESK_BOOKING_RATE_CLIENT = "100000/1m"
    settings.FRONTDESK_BOOKING_RATE_PERSON = "100000/1m"
    settings.FRONTDESK_LOOKUP_RATE_CODE = "100000/1m"
    settings.FRONTDESK_LOOKUP_LOCK_AFTER = 100000


@pytest.fixture
def sessions(catalog, staff, appointment, _keep_connection_open):
    return {name: _session(staff[name]) for name in ("rpo",)}


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
@pytest.mark.parametrize("who", ["rpo"])
def test_disclosure_api_conforms_to_its_schema(case, sessions, who):
    case.call_and_validate(
        headers=sessions[who]["headers"],
        cookies=sessions[who]["cookies"],
        # The session is injected here, so a case "without" the cookie still signs in: the auth checks
        # would flag that as ignored auth. Anonymous calls are covered by tests/api/test_schema_fuzz.py.
        excluded_checks=[checks.positive_data_acceptance, checks.negative_data_rejection, checks.ignored_auth],
    )
