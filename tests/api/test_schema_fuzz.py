"""Schemathesis drives every operation in the OpenAPI document with generated input: no 500s, and
every response matches what the document declares."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode

from config.wsgi_test import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def _keep_connection_open():
    # As Django's test client does: the request must not close the test's transaction-bound connection.
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


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
def _office_with_staff(db, _keep_connection_open):
    from tests.factories import OfficeFactory, interpreter, staff_resource

    office = OfficeFactory(code="A01", zip_code="10007")
    staff_resource(office)
    interpreter(office, "ase")


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_api_conforms_to_its_schema(case, _office_with_staff):
    # Business rules (unknown service codes, dates outside 2000-2100, NUL characters) reject some
    # schema-valid input on purpose with a 4xx; every other contract is checked.
    case.call_and_validate(excluded_checks=[checks.positive_data_acceptance])


@pytest.fixture
def clerk_session(_office_with_staff):
    """A signed-in clerk's session cookie and a matching CSRF token, as a browser would send them."""
    from django.conf import settings as django_settings
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    from frontdesk.accounts.roles import Role
    from frontdesk.offices.models import Office
    from tests.factories import staff_user

    client = Client()
    client.force_login(staff_user("fuzz-clerk", Role.COUNTER_CLERK, Office.objects.get(code="A01")))
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    token = _get_new_csrf_string()
    return {
        "cookies": {django_settings.SESSION_COOKIE_NAME: session, "csrftoken": token},
        "headers": {"X-CSRFToken": token},
    }


@schema.include(path_regex="^/api/v1/staff/").parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_staff_api_conforms_to_its_schema_when_signed_in(case, clerk_session):
    # The document offers a bearer token too; schemathesis would send a made-up one, which wins over the session.
    if case.headers:
        case.headers.pop("Authorization", None)
    response = case.call_and_validate(
        headers=clerk_session["headers"],
        cookies=clerk_session["cookies"],
        excluded_checks=_session_excluded_checks(case),
    )
    assert response.status_code not in (401, 403) or "office" in response.text  # signed in: only scope refusals


@pytest.fixture
def privacy_officer_session(_office_with_staff):
    """A regional privacy officer's verified session: the disclosure routes' sign-off and reading roles."""
    from django.conf import settings as django_settings
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    from frontdesk.accounts.roles import Role
    from frontdesk.offices.models import Office
    from tests.factories import staff_user
    from tests.web.auth import verified_login

    region = Office.objects.get(code="A01").region
    client = verified_login(Client(), staff_user("fuzz-rpo", Role.REGIONAL_PRIVACY_OFFICER, region=region))
    token = _get_new_csrf_string()
    return {
        "cookies": {
            django_settings.SESSION_COOKIE_NAME: client.cookies[django_settings.SESSION_COOKIE_NAME].value,
            "csrftoken": token,
        },
        "headers": {"X-CSRFToken": token},
    }


def _session_excluded_checks(case) -> list:
    """The checks that hold for a request sent with a real session.

    Schemathesis makes some cases "negative" by dropping the session cookie or sending a made-up
    bearer token; the test drops that token and sends the session, so the request is valid and
    expecting it refused would test schemathesis, not the API. Refusals without valid credentials are
    the public run's job above and the token tests'.
    """
    excluded = [checks.positive_data_acceptance, checks.ignored_auth]
    negative = {
        location
        for location, info in (case.meta.components.items() if case.meta else ())
        if info.mode == GenerationMode.NEGATIVE
    }
    if negative & {ParameterLocation.COOKIE, ParameterLocation.HEADER}:
        excluded.append(checks.negative_data_rejection)
    return excluded


@schema.include(path_regex="^/api/v1/disclosures/").parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_disclosure_api_conforms_to_its_schema_when_signed_in(case, privacy_officer_session):
    if case.headers:  # as above: a made-up bearer token would win over the session
        case.headers.pop("Authorization", None)
    response = case.call_and_validate(
        headers=privacy_officer_session["headers"],
        cookies=privacy_officer_session["cookies"],
        excluded_checks=_session_excluded_checks(case),
    )
    assert response.status_code != 401  # signed in: refusals are the domain's own (403 with a reason, 404, 4xx)


@pytest.fixture
def manager_token(_office_with_staff):
    """An office manager's API token with every scope (a manager's roles reach them all)."""
    from frontdesk.accounts import token_services
    from frontdesk.accounts.roles import Role
    from frontdesk.accounts.tokens import TokenScope
    from frontdesk.offices.models import Office
    from tests.factories import staff_user

    manager = staff_user("fuzz-manager", Role.OFFICE_MANAGER, Office.objects.get(code="A01"))
    manager.is_verified = lambda: True  # issued past MFA, as on the console
    _token, raw = token_services.api_token_issue(actor=manager, name="fuzz", scopes=list(TokenScope))
    return raw


# The staff routes and the staff disclosure routes; the public disclosure routes take no token.
@(
    schema.include(path_regex="^/api/v1/(staff|disclosures)/")
    .exclude(path_regex="^/api/v1/disclosures/(accounting/mine|transparency)")
    .parametrize()
)
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.django_db
def test_staff_api_conforms_to_its_schema_with_a_bearer_token(case, manager_token):
    response = case.call_and_validate(
        headers={"Authorization": f"Bearer {manager_token}"}, excluded_checks=[checks.positive_data_acceptance]
    )
    # Accepted as the manager with every scope: never an invalid token, never a missing scope.
    assert response.status_code != 401, response.text
    assert "insufficient_scope" not in response.text
