import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from frontdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from frontdesk.ledger.models import LedgerEvent
from frontdesk.ledger.refusals import refusals_recorded
from frontdesk.ledger.services import event_append


@pytest.fixture
def clerk(db):
    return get_user_model().objects.create_user(username="clerk1", password="x" * 16)


def _attempt(actor, error):
    recorded = refusals_recorded(
        action="disclosures.release", actor=actor, purpose="disclosure release", refs={"id": "r1"}
    )
    with recorded, transaction.atomic():
        event_append(type="disclosures.request.released", actor=actor, purpose="disclosure release")
        raise error


@pytest.mark.django_db(transaction=True)
def test_a_refusal_survives_the_rollback_of_what_it_refused(clerk):
    with pytest.raises(PermissionDenied):
        _attempt(clerk, PermissionDenied("No.", code="not_a_releaser"))
    assert not LedgerEvent.objects.filter(type="disclosures.request.released").exists()
    refused = LedgerEvent.objects.get(type="disclosures.release.refused")
    assert refused.event["actor"] == "staff:clerk1"
    assert refused.event["purpose"] == "disclosure release"
    assert refused.event["refs"] == {"id": "r1", "reason": "not_a_releaser"}


@pytest.mark.django_db(transaction=True)
def test_conflicts_are_refusals_and_typing_mistakes_are_not(clerk):
    with pytest.raises(Conflict):
        _attempt(clerk, Conflict("Closed.", code="request_closed"))
    with pytest.raises(ValidationFailed):
        _attempt(clerk, ValidationFailed("Give a reason."))
    assert [e.event["refs"]["reason"] for e in LedgerEvent.objects.filter(type__endswith=".refused")] == [
        "request_closed"
    ]


@pytest.mark.django_db(transaction=True)
def test_success_records_no_refusal(clerk):
    with refusals_recorded(action="disclosures.release", actor=clerk), transaction.atomic():
        event_append(type="disclosures.request.released", actor=clerk)
    assert not LedgerEvent.objects.filter(type__endswith=".refused").exists()
