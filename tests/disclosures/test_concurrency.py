"""Officials acting at once: one sign-off per role, one release per request, decided by the database.

Real transactions, one connection per thread (transaction=True); serialized_rollback restores the
service catalog that a data migration created, which the flush after each test would otherwise empty.
"""

import datetime as dt

import pytest

from frontdesk.accounts.actors import SystemActor
from frontdesk.accounts.roles import Role
from frontdesk.core.errors import DomainError
from frontdesk.disclosures.catalog import catalog_load
from frontdesk.disclosures.inputs import EvidenceUpload, RequestDetails, SubjectDetails
from frontdesk.disclosures.intake import request_receive
from frontdesk.disclosures.models import AccountingEntry, Release, SignOff
from frontdesk.disclosures.release import request_release
from frontdesk.disclosures.signer_position import request_position_confirm
from frontdesk.disclosures.signing import request_sign_off
from tests.factories import OfficeFactory, staff_resource, staff_user
from tests.threads import run_together

from .conftest import PDF, book

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def setting():
    catalog_load(actor=SystemActor("tests"))
    office = OfficeFactory(code="C01", region=3)
    staff_resource(office)
    book(office, ssn="123-45-6789")
    people = {
        "clerk": staff_user("c-clerk", Role.COUNTER_CLERK, office),
        "managers": [staff_user(f"c-manager{i}", Role.OFFICE_MANAGER, office) for i in range(3)],
        "rpo": staff_user("c-rpo", Role.REGIONAL_PRIVACY_OFFICER, region=3),
        "counsel": [staff_user(f"c-counsel{i}", Role.GENERAL_COUNSEL) for i in range(2)],
    }
    request = request_receive(
        actor=people["clerk"],
        details=RequestDetails(
            channel="mail",
            requester_agency="County Sheriff",
            requester_official="Sheriff",
            requester_contact="sheriff@example.gov",
            requester_address="1 Main St",
            agency_type="law_enforcement",
            purpose="criminal_law_enforcement",
            crime_class="violent",
            subject_status="convicted",
            categories=("appointment_schedule",),
            records_from=dt.date(2027, 1, 1),
            records_to=dt.date(2027, 12, 31),
            requester_position="agency_head",
        ),
        subjects=[SubjectDetails(last_name="Rivera", ssn="123-45-6789")],
        evidence=[
            EvidenceUpload(kind=k, filename="a.pdf", content_type="application/pdf", content=PDF)
            for k in ("written_request_agency_head", "indictment_or_conviction")
        ],
    )
    request_position_confirm(actor=people["rpo"], request=request, position="agency_head")
    return people, request


def test_two_managers_signing_at_once_give_one_sign_off(setting):
    people, request = setting
    results = run_together(
        3,
        lambda i: request_sign_off(actor=people["managers"][i], request=request, role="office_manager"),
    )
    assert sum(isinstance(r, SignOff) for r in results) == 1
    assert all(isinstance(r, DomainError) for r in results if not isinstance(r, SignOff)), results
    assert SignOff.objects.filter(role="office_manager", voided_at__isnull=True).count() == 1


def test_two_releases_at_once_give_one_release_and_one_accounting(setting):
    people, request = setting
    request_sign_off(actor=people["managers"][0], request=request, role="office_manager")
    request_sign_off(actor=people["rpo"], request=request, role="regional_privacy_officer")
    request_sign_off(actor=people["counsel"][0], request=request, role="general_counsel")
    releasers = [people["rpo"], people["counsel"][1]]
    results = run_together(2, lambda i: request_release(actor=releasers[i], request=request))
    assert sum(isinstance(r, Release) for r in results) == 1, results
    assert Release.objects.count() == 1 and AccountingEntry.objects.count() == 1
