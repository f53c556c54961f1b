"""The console's request page: each person's decision, filing a document for one person, and dropping
a person with a reason (the same services as the API; ADR 0013)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from frontdesk.accounts.actors import SystemActor
from frontdesk.accounts.roles import Role
from frontdesk.disclosures.catalog import catalog_load
from frontdesk.disclosures.engine import forget_engines
from frontdesk.disclosures.inputs import EvidenceUpload, RequestDetails, SubjectDetails
from frontdesk.disclosures.intake import request_receive
from frontdesk.disclosures.models import AccountingEntry, DisclosureRequest, EvidenceDocument, SignOff
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Service
from tests.factories import person, staff_user
from tests.web.auth import verified_login

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% a signed consent\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def world(office):
    forget_engines()
    catalog_load(actor=SystemActor("tests"))
    start = datetime.now(UTC).replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=14)
    while start.weekday() >= 5:
        start += timedelta(days=1)
    booked = {}
    for details in (person(), person(last_name="Okafor", first_name="Ben", date_of_birth=date(1971, 2, 3))):
        booked[details.last_name] = services.appointment_book(
            actor=None,
            office=office,
            service=Service.objects.get(code="direct_deposit_change"),
            mode="in_person",
            starts_at=start,
            person=details,
            now=start - timedelta(days=7),
        )
        start += timedelta(hours=1)
    users = {
        "clerk": staff_user("clerk", Role.COUNTER_CLERK, office),
        "manager": staff_user("manager", Role.OFFICE_MANAGER, office),
        "rpo": staff_user("rpo", Role.REGIONAL_PRIVACY_OFFICER, region=office.region),
    }
    request = request_receive(
        actor=users["clerk"],
        details=RequestDetails(
            channel="in_person",
            requester_agency="Acme Tenant Screening",
            requester_official="Pat Lee",
            requester_contact="pat@example.com",
            requester_address="1 Main St, Testville, NY 10007",
            agency_type="private_party",
            purpose="other",
            categories=("appointment_schedule",),
        ),
        subjects=[
            SubjectDetails(first_name="Ana", last_name="Rivera", date_of_birth=date(1960, 5, 17)),
            SubjectDetails(first_name="Ben", last_name="Okafor", date_of_birth=date(1971, 2, 3)),
        ],
        evidence=[EvidenceUpload("identity_verified", "id-check.txt", "text/plain", b"ID checked")],
    )
    yield {
        "request": request,
        "booked": booked,
        "users": users,
        "clients": {k: verified_login(Client(), u) for k, u in users.items()},
    }
    forget_engines()


def page(client, request: DisclosureRequest) -> str:
    response = client.get(f"/console/privacy/requests/{request.public_id}/")
    assert response.status_code == 200
    return response.content.decode()


def file_for(client, request: DisclosureRequest, kind: str, subject_id: str):
    upload = SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf")
    return client.post(
        f"/console/privacy/requests/{request.public_id}/evidence/",
        {"evidence_kind": kind, "evidence_file": upload, "evidence_subject": subject_id},
    )


def test_consent_filed_for_one_person_releases_only_that_person(world):
    request, clients = world["request"], world["clients"]
    ana, ben = request.subjects.order_by("position")
    shown = page(clients["manager"], request)
    # The identity check was filed without a person, and two people are named: it counts for no one.
    assert "counts for no one" in shown
    assert 'name="evidence_subject"' in shown and f'value="{ana.public_id}"' in shown
    assert f"/subjects/{ben.public_id}/drop/" in shown

    for kind in ("subject_consent", "identity_verified"):
        assert file_for(clients["manager"], request, kind, str(ana.public_id)).status_code == 302
    assert EvidenceDocument.objects.filter(subject=ana).count() == 2
    shown = page(clients["rpo"], request)
    assert shown.count('class="usa-table usa-table--stacked subject-decision"') == 2
    assert "Decision for 1. Ana Rivera" in shown and "PA-CONSENT" in shown
    assert "for person 1 only" in shown

    client = clients["rpo"]
    act = f"/console/privacy/requests/{request.public_id}/act/"
    clients["manager"].post(act, {"action": "sign", "role": "office_manager"})
    client.post(act, {"action": "sign", "role": "regional_privacy_officer"})
    assert SignOff.objects.filter(voided_at__isnull=True).count() == 2
    client.post(act, {"action": "release"})
    request.refresh_from_db()
    assert request.status == "released"
    [entry] = AccountingEntry.objects.all()
    assert entry.person_id == world["booked"]["Rivera"].person_id


def test_dropping_a_person_from_the_console_keeps_the_signoffs(world):
    request, clients = world["request"], world["clients"]
    ana, ben = request.subjects.order_by("position")
    for kind in ("subject_consent", "identity_verified"):
        file_for(clients["manager"], request, kind, str(ana.public_id))
        file_for(clients["manager"], request, kind, str(ben.public_id))
    act = f"/console/privacy/requests/{request.public_id}/act/"
    clients["manager"].post(act, {"action": "sign", "role": "office_manager"})
    version = DisclosureRequest.objects.get().version

    drop = f"/console/privacy/requests/{request.public_id}/subjects/{ben.public_id}/drop/"
    assert clients["rpo"].post(drop, {"reason": ""}).status_code == 302
    ben.refresh_from_db()
    assert ben.dropped_at is None
    assert clients["rpo"].post(drop, {"reason": "Consent withdrawn by phone"}).status_code == 302
    ben.refresh_from_db()
    assert ben.dropped_by == world["users"]["rpo"] and ben.drop_reason == "Consent withdrawn by phone"
    assert DisclosureRequest.objects.get().version == version
    assert SignOff.objects.get().voided_at is None

    shown = page(clients["rpo"], request)
    assert "Dropped on" in shown and "Consent withdrawn by phone" in shown and "by rpo" in shown
    assert f"/subjects/{ben.public_id}/drop/" not in shown
    assert f'value="{ben.public_id}"' not in shown  # no more documents for a dropped person

    clients["rpo"].post(act, {"action": "sign", "role": "regional_privacy_officer"})
    ready = page(clients["rpo"], request)
    assert "Release the packet" in ready and "2. Ben Okafor will not be released (dropped)" in ready
    clients["rpo"].post(act, {"action": "release"})
    assert DisclosureRequest.objects.get().status == "released"
    assert [e.person_id for e in AccountingEntry.objects.all()] == [world["booked"]["Rivera"].person_id]


def test_the_drop_page_is_mapped_and_refuses_the_intake_clerk(world):
    request, clients = world["request"], world["clients"]
    ben = request.subjects.get(position=2)
    drop = f"/console/privacy/requests/{request.public_id}/subjects/{ben.public_id}/drop/"
    assert clients["clerk"].post(drop, {"reason": "x"}).status_code == 403
    ben.refresh_from_db()
    assert ben.dropped_at is None
