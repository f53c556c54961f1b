"""Whom a restriction binds has one reading (ADR 0012, disclosures.scope): the policy, the API and the
console agree, silence binds every recipient, and narrowing to named agencies is said explicitly."""

import pytest
from django.test import Client

from frontdesk.accounts.roles import Role
from frontdesk.disclosures.models import Restriction
from frontdesk.disclosures.scope import restriction_scope
from tests.factories import staff_user
from tests.web.auth import verified_login

from .conftest import post, take_in

pytestmark = pytest.mark.django_db

SHERIFF = "Metro County Sheriff's Office"
ORDER = {
    "kind": "court_order",
    "title": "No schedules to the sheriff",
    "citation": "People v. Doe, No. 26-1 (N.Y. Sup. Ct.)",
    "categories": ["appointment_schedule"],
    "effective_from": "2026-01-01",
}


def test_the_reading_of_recipients_and_agencies():
    every = restriction_scope(None)
    assert every.every_recipient and every.binds(agency_type="law_enforcement", agency="Anyone")
    named = restriction_scope([], [SHERIFF])
    assert not named.every_recipient
    assert named.binds(agency_type="law_enforcement", agency="METRO COUNTY SHERIFF\u2019S OFFICE")
    assert not named.binds(agency_type="law_enforcement", agency="Metro City Police Department")
    typed = restriction_scope(["immigration"], [SHERIFF])
    assert typed.binds(agency_type="immigration", agency="Anyone")
    assert typed.binds(agency_type="law_enforcement", agency=SHERIFF)
    assert typed.describe() == f"Only: Immigration agency; {SHERIFF}"


@pytest.fixture
def counsel_console(staff):
    return verified_login(Client(), staff["counsel"])


def _console_save(client, **fields):
    form = {**ORDER, **fields}
    return client.post("/console/privacy/restrictions/", form)


def test_the_console_and_the_api_record_a_named_agency_restriction_alike(catalog, clients, counsel_console):
    via_api = post(clients["counsel"], "/restrictions", ORDER | {"recipients": [], "agencies": [SHERIFF]})
    assert via_api.status_code == 201, via_api.content
    via_console = _console_save(counsel_console, binds="listed", agencies=SHERIFF)
    assert via_console.status_code == 302
    api_row, console_row = Restriction.objects.order_by("id")
    assert (api_row.recipients, api_row.agencies) == (console_row.recipients, console_row.agencies) == ([], [SHERIFF])
    listed = {r["code"]: r["binds"] for r in clients["counsel"].get("/api/v1/disclosures/restrictions").json()}
    assert listed[api_row.code] == listed[console_row.code]
    assert listed[api_row.code] == {
        "every_recipient": False,
        "agency_types": [],
        "agencies": [SHERIFF],
        "summary": f"Only: {SHERIFF}",
    }
    page = counsel_console.get("/console/privacy/restrictions/").content.decode()
    assert page.count(f"Only: {SHERIFF}".replace("'", "&#x27;")) == 2

    # The policy reads it the same way: the sheriff is refused, the city police are not.
    sheriff = take_in(clients["clerk"])
    police = take_in(clients["clerk"], requester_agency="Metro City Police Department")
    [schedule] = sheriff["decision"]["categories"]
    assert schedule["outcome"] == "denied"
    assert sorted(schedule["restrictions"]) == sorted([api_row.code, console_row.code])
    assert police["decision"]["categories"][0]["outcome"] == "awaiting_signoff"


def test_silence_binds_every_recipient_on_both_surfaces(catalog, clients, counsel_console):
    assert post(clients["counsel"], "/restrictions", ORDER).status_code == 201
    assert _console_save(counsel_console, binds="every").status_code == 302
    assert [r.recipients for r in Restriction.objects.order_by("id")] == [None, None]
    assert all(r["binds"]["every_recipient"] for r in clients["counsel"].get("/api/v1/disclosures/restrictions").json())
    police = take_in(clients["clerk"], requester_agency="Metro City Police Department")
    assert police["decision"]["categories"][0]["outcome"] == "denied"


def test_every_recipient_with_named_agencies_is_refused_not_guessed(catalog, clients, counsel_console):
    refused = post(clients["counsel"], "/restrictions", ORDER | {"recipients": None, "agencies": [SHERIFF]})
    assert refused.status_code == 422 and refused.json()["field"] == "agencies"
    page = _console_save(counsel_console, binds="every", agencies=SHERIFF)
    assert page.status_code == 200 and "You chose every recipient" in page.content.decode()
    ticked = _console_save(counsel_console, binds="every", recipients=["immigration"])
    assert ticked.status_code == 200
    assert not Restriction.objects.exists()


def test_only_counsel_sees_the_form(catalog, office):
    manager = verified_login(Client(), staff_user("mgr", Role.OFFICE_MANAGER, office))
    assert "Whom it binds" not in manager.get("/console/privacy/restrictions/").content.decode()
