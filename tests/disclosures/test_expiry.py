"""Lapsed sign-offs and idle requests expire on the clock (the scheduler's jobs), each on the ledger."""

import datetime as dt

import pytest
from django.utils import timezone

from frontdesk.accounts.actors import SystemActor
from frontdesk.disclosures.expiry import requests_expire, sign_offs_expire
from frontdesk.disclosures.models import DisclosureRequest, RequestStatus, SignOff
from frontdesk.disclosures.signing import request_sign_off
from frontdesk.ledger.models import LedgerEvent

from .conftest import release, sign, take_in

THREE = ("office_manager", "regional_privacy_officer", "general_counsel")
SCHEDULER = SystemActor("scheduler")


@pytest.fixture
def approved(catalog, clients, appointment):
    received = take_in(clients["clerk"])
    for client, role in (("manager", THREE[0]), ("rpo", THREE[1]), ("counsel", THREE[2])):
        assert sign(clients[client], received["id"], role).status_code == 201
    request = DisclosureRequest.objects.get(public_id=received["id"])
    assert request.status == RequestStatus.APPROVED
    return request


def test_lapsed_sign_offs_are_voided_and_the_request_needs_them_again(approved, clients):
    now = timezone.now()
    assert sign_offs_expire(actor=SCHEDULER, now=now + dt.timedelta(days=29)) == 0
    assert not SignOff.objects.filter(voided_at__isnull=False).exists()

    assert sign_offs_expire(actor=SCHEDULER, now=now + dt.timedelta(days=31)) == 1
    approved.refresh_from_db()
    assert approved.status == RequestStatus.AWAITING_SIGNOFF
    assert set(SignOff.objects.values_list("void_reason", flat=True)) == {"expired"}
    voided = LedgerEvent.objects.filter(type="disclosures.request.sign_offs_voided").get()
    assert voided.event["refs"]["reason"] == "expired" and voided.event["refs"]["count"] == 3
    assert voided.event["actor"].endswith("system:scheduler")  # the scheduler, named on the ledger
    assert (
        LedgerEvent.objects.filter(type="disclosures.request.evaluated").order_by("-id").first().event["refs"]["status"]
        == RequestStatus.AWAITING_SIGNOFF
    )
    # Nothing left to expire: a second run changes nothing and writes nothing.
    events = LedgerEvent.objects.count()
    assert sign_offs_expire(actor=SCHEDULER, now=now + dt.timedelta(days=32)) == 0
    assert LedgerEvent.objects.count() == events


def test_an_idle_request_expires_and_can_no_longer_be_released(approved, catalog, clients, staff):
    busy = take_in(clients["clerk"])
    now = timezone.now()
    busy_request = DisclosureRequest.objects.get(public_id=busy["id"])
    request_sign_off(actor=staff["manager"], request=busy_request, role=THREE[0], now=now + dt.timedelta(days=60))

    assert requests_expire(actor=SCHEDULER, now=now + dt.timedelta(days=89)) == 0
    assert requests_expire(actor=SCHEDULER, now=now + dt.timedelta(days=91)) == 1
    approved.refresh_from_db()
    busy_request.refresh_from_db()
    assert approved.status == RequestStatus.EXPIRED
    assert busy_request.status != RequestStatus.EXPIRED  # signed 31 days ago: still active
    assert set(approved.sign_offs.values_list("void_reason", flat=True)) == {"request_expired"}
    expired = LedgerEvent.objects.get(type="disclosures.request.expired")
    assert expired.event["refs"]["request"] == str(approved.public_id)
    assert expired.event["refs"]["expiry_days"] == 90

    response = release(clients["rpo"], str(approved.public_id))
    assert response.status_code == 409 and response.json()["code"] == "request_closed"
    assert requests_expire(actor=SCHEDULER, now=now + dt.timedelta(days=200)) == 1  # the other one, later
    assert requests_expire(actor=SCHEDULER, now=now + dt.timedelta(days=300)) == 0
