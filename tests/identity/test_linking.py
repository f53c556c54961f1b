"""An identity-verified sign-in (IAL2) is linked to the person's records by the attributes the provider
verified; what each level then sees, and what the ledger records (pseudonyms only)."""

import json
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from frontdesk.accounts.roles import Role
from frontdesk.core.crypto import pseudonym
from frontdesk.identity.models import AccountLink, PublicAccount
from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling import services as scheduling
from frontdesk.scheduling.models import Service
from tests.factories import person, staff_user

from .flow import sign_in

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
BOOKED_AT = datetime(2027, 3, 1, tzinfo=UTC)


def book(office, *, actor=None, day=15, hour=10, companion=None, **details):
    return scheduling.appointment_book(
        actor=actor,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=datetime(2027, 3, day, hour, tzinfo=NY),
        person=person(**details),
        companion=companion,
        companion_relationship="family" if companion else "",
        now=BOOKED_AT,
    )


@pytest.fixture
def records(office):
    clerk = staff_user("clerk", Role.COUNTER_CLERK, office)
    return {
        # booked by a clerk, with the SSN from her card
        "own": book(office, actor=clerk, ssn="123-45-6789"),
        # she came as her son's companion; the clerk took her SSN too
        "companion": book(
            office, actor=clerk, day=16, first_name="Luis", companion=person(ssn="123-45-6789"), ssn="321-54-9876"
        ),
        # a namesake born the same day, with another SSN
        "namesake": book(office, day=17, ssn="234-56-7890"),
        # booked online with her name and birth date only: nothing verified ties it to her
        "unverified": book(office, day=18),
    }


def test_ial2_links_the_records_that_match_the_verified_ssn(signin_settings, oidc_provider, records):
    web = Client()
    assert sign_in(web, oidc_provider, "ana", "ial2").status_code == 302
    account = PublicAccount.objects.get()
    assert account.level == "ial2"
    [link] = AccountLink.objects.filter(account=account)
    assert link.person == records["own"].person == records["companion"].companion

    page = web.get("/my/").content.decode()
    assert records["own"].code in page and records["companion"].code in page
    assert records["namesake"].code not in page and records["unverified"].code not in page
    assert "Who we shared your information with" in page
    assert "We have not shared your information outside the agency." in page

    # The ledger names the linked record by pseudonym; nothing personal, no SSN in any form.
    [event] = LedgerEvent.objects.filter(type="identity.account.linked")
    assert event.event["subjects"] == [pseudonym("person", str(link.person.public_id))]
    assert event.event["refs"] == {"account": str(account.public_id), "level": "ial2", "records": 1}
    text = json.dumps(event.event)
    for personal in ("Rivera", "Ana", "1960", "123-45-6789", "123456789", "6789"):
        assert personal not in text
    read = LedgerEvent.objects.filter(type="records.accounting.viewed").last()
    assert read.event["refs"]["verified_by"] == "login_gov_ial2"

    # Signing in again links nothing new and writes no second event.
    assert sign_in(Client(), oidc_provider, "ana", "ial2").status_code == 302
    assert LedgerEvent.objects.filter(type="identity.account.linked").count() == 1

    # Change the time through the site's own page, under the scheduling rule (can_self_change).
    opened = web.post("/my/appointment/", {"appointment": str(records["companion"].public_id), "action": "change"})
    assert opened.status_code == 302 and opened["Location"] == "/appointment/reschedule/"
    assert web.get("/appointment/reschedule/").status_code == 200


def test_the_same_person_at_ial1_sees_none_of_the_linked_records(signin_settings, oidc_provider, records):
    assert sign_in(Client(), oidc_provider, "ana", "ial2").status_code == 302
    web = Client()
    assert sign_in(web, oidc_provider, "ana", "ial1").status_code == 302
    page = web.get("/my/").content.decode()
    assert all(appointment.code not in page for appointment in records.values())
    assert "Who we shared your information with" not in page
    opened = web.post("/my/appointment/", {"appointment": str(records["own"].public_id), "action": "view"})
    assert opened.status_code == 404


def test_without_a_verified_ssn_one_matching_record_is_linked(signin_settings, oidc_provider, office):
    mine = book(office, first_name="Maria", last_name="Garcia", date_of_birth=date(1980, 4, 2))
    other = book(office, day=16, first_name="Marta", last_name="Garcia", date_of_birth=date(1980, 4, 2))
    web = Client()
    assert sign_in(web, oidc_provider, "maria", "ial2").status_code == 302
    page = web.get("/my/").content.decode()
    # Accents and case as the scheduling app compares names: "María García" is "Maria Garcia".
    assert mine.code in page and other.code not in page


def test_without_a_verified_ssn_two_matching_records_link_neither(signin_settings, oidc_provider, office):
    first = book(office, first_name="Maria", last_name="Garcia", date_of_birth=date(1980, 4, 2))
    second = book(office, day=16, first_name="María", last_name="García", date_of_birth=date(1980, 4, 2))
    web = Client()
    assert sign_in(web, oidc_provider, "maria", "ial2").status_code == 302
    page = web.get("/my/").content.decode()
    assert first.code not in page and second.code not in page
    assert "We could not match your verified identity to our records." in page
    assert not AccountLink.objects.exists() and not LedgerEvent.objects.filter(type="identity.account.linked").exists()
