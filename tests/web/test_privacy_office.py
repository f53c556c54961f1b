"""The privacy office through the test client: intake by a clerk, three sign-offs, release, packet and
evidence downloads, the accounting (withheld from the person under (c)(3)), reports and alerts."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from frontdesk.accounts.actors import SystemActor
from frontdesk.accounts.roles import Role
from frontdesk.disclosures.catalog import catalog_load
from frontdesk.disclosures.engine import forget_engines
from frontdesk.disclosures.models import AccountingEntry, DisclosureRequest, SignOff
from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Service
from tests.factories import person, staff_user
from tests.web.auth import verified_login

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% a signed letter\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
THREE = ("office_manager", "regional_privacy_officer", "general_counsel")


@pytest.fixture
def world(office):
    forget_engines()
    catalog_load(actor=SystemActor("tests"))
    start = datetime.now(UTC).replace(hour=15, minute=0, second=0, microsecond=0) + timedelta(days=14)
    while start.weekday() >= 5:
        start += timedelta(days=1)
    appointment = services.appointment_book(
        actor=None,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=start,
        person=person(),
        now=start - timedelta(days=7),
    )
    users = {
        "clerk": staff_user("clerk", Role.COUNTER_CLERK, office),
        "manager": staff_user("manager", Role.OFFICE_MANAGER, office),
        "rpo": staff_user("rpo", Role.REGIONAL_PRIVACY_OFFICER, region=office.region),
        "counsel": staff_user("counsel", Role.GENERAL_COUNSEL),
        "auditor": staff_user("auditor", Role.AUDITOR),
    }
    yield {"appointment": appointment, "clients": {k: verified_login(Client(), u) for k, u in users.items()}}
    forget_engines()


def intake(client, **changes) -> DisclosureRequest:
    today = datetime.now(UTC).date()
    letter = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    indictment = SimpleUploadedFile("indictment.pdf", PDF, content_type="application/pdf")
    response = client.post(
        "/console/outside-request/",
        {
            "channel": "mail",
            "requester_agency": "Metro County Sheriff's Office",
            "requester_official": "Sheriff Dana Cole",
            "requester_contact": "dcole@sheriff.example.gov",
            "requester_address": "1 Justice Plaza, Metro City, NY 10007",
            "agency_type": "law_enforcement",
            "purpose": "criminal_law_enforcement",
            "crime_class": "violent",
            "subject_status": "indicted",
            "authority_cited": "5 U.S.C. 552a(b)(7)",
            "categories": ["appointment_schedule"],
            "records_from": (today - timedelta(days=1)).isoformat(),
            "records_to": (today + timedelta(days=60)).isoformat(),
            "requester_position": "agency_head",
            "subject_first_name": "Ana",
            "subject_last_name": "Rivera",
            "subject_dob_month": "5",
            "subject_dob_day": "17",
            "subject_dob_year": "1960",
            "evidence_kind": "written_request_agency_head",
            "evidence_file": letter,
            "evidence_kind_2": "indictment_or_conviction",
            "evidence_file_2": indictment,
        }
        | changes,
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    return DisclosureRequest.objects.order_by("-id").first()


def act(client, request: DisclosureRequest, **data):
    return client.post(f"/console/privacy/requests/{request.public_id}/act/", data)


def test_intake_sign_off_release_and_accounting(world):
    clients = world["clients"]
    request = intake(clients["clerk"])
    # The clerk records; the clerk cannot review, sign or release.
    assert clients["clerk"].get(f"/console/privacy/requests/{request.public_id}/").status_code == 403
    page = clients["manager"].get(f"/console/privacy/requests/{request.public_id}/").content.decode()
    # Until a second official confirms the signer's position from the letter, the (b)(7) authority waits.
    assert "Needs evidence" in page and "not yet confirmed" in page and 'id="confirm-position"' in page
    assert "second official" in page  # the missing requirement, by its label
    confirmed = clients["manager"].post(
        f"/console/privacy/requests/{request.public_id}/confirm-position/", {"position": "agency_head"}
    )
    assert confirmed.status_code == 302
    page = clients["manager"].get(f"/console/privacy/requests/{request.public_id}/").content.decode()
    assert "Awaiting sign-off" in page and "SSA-401.155-VIOLENT" in page and "552a(b)(7)" in page
    assert "confirmed by manager" in page and 'id="confirm-position"' not in page
    evidence = request.evidence.first()
    download = clients["manager"].get(f"/console/privacy/requests/{request.public_id}/evidence/{evidence.public_id}/")
    assert download.content == PDF
    for name, role in zip(("manager", "rpo", "counsel"), THREE, strict=True):
        act(clients[name], request, action="sign", role=role, note=f"{name} checked")
    assert SignOff.objects.filter(request=request, voided_at__isnull=True).count() == 3
    assert SignOff.objects.get(role="office_manager").note == "manager checked"
    act(clients["rpo"], request, action="release")
    request.refresh_from_db()
    assert request.status == "released"
    assert AccountingEntry.objects.count() == 1
    page = clients["rpo"].get(f"/console/privacy/requests/{request.public_id}/").content.decode()
    release = request.release
    pdf = clients["rpo"].get(f"/console/privacy/releases/{release.public_id}/packet/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    packet = clients["rpo"].get(f"/console/privacy/releases/{release.public_id}/packet/?format=json").json()
    assert "Rivera" not in str(packet["subjects"])
    assert LedgerEvent.objects.filter(type="records.release_packet.viewed").exists()

    # The law-enforcement entry is withheld from the person ((c)(3)); counsel and auditors see it.
    appointment = world["appointment"]
    mine = Client().post(
        "/accounting/",
        {"code": appointment.code, "last_name": "Rivera", "dob_month": "5", "dob_day": "17", "dob_year": "1960"},
    )
    assert "We have not shared your information" in mine.content.decode()
    audit = clients["auditor"].get("/console/privacy/accounting/", {"purpose": "audit"}).content.decode()
    assert "Metro County Sheriff" in audit and "552a(c)(3)" in audit


def test_a_rejection_needs_a_reason_and_ends_the_request(world):
    clients = world["clients"]
    request = intake(clients["clerk"])
    act(clients["manager"], request, action="reject", role="office_manager", note="")
    request.refresh_from_db()
    assert request.status != "rejected"
    act(clients["manager"], request, action="reject", role="office_manager", note="The letter is unsigned.")
    request.refresh_from_db()
    assert request.status == "rejected"
    act(clients["rpo"], request, action="release")
    assert not AccountingEntry.objects.exists()


def test_reports_and_alerts_open_for_their_roles(world):
    clients = world["clients"]
    assert clients["rpo"].get("/console/privacy/alerts/").status_code == 200
    assert clients["counsel"].get("/console/privacy/alerts/").status_code == 403
    assert clients["manager"].get("/console/privacy/transparency/").status_code == 200
    assert clients["manager"].get("/console/privacy/accounting/").status_code == 403
    assert clients["clerk"].get("/console/privacy/requests/").status_code == 403


def test_counsel_records_a_restriction_that_others_can_read(world):
    clients = world["clients"]
    form = {
        "kind": "court_order",
        "title": "Injunction: no tax information to immigration enforcement",
        "citation": "Doe v. Agency, No. 1:25-cv-0001 (D.D.C.)",
        "categories": ["tax_return_information"],
        "binds": "listed",  # whom it binds is said explicitly (ADR 0012)
        "recipients": ["immigration"],
        "effective_from": "2026-01-01",
    }
    assert clients["manager"].post("/console/privacy/restrictions/", form).status_code == 200  # no form for them
    saved = clients["counsel"].post("/console/privacy/restrictions/", form)
    assert saved.status_code == 302
    page = clients["manager"].get("/console/privacy/restrictions/").content.decode()
    assert "Doe v. Agency" in page and "Record a restriction" not in page
    assert clients["clerk"].get("/console/privacy/restrictions/").status_code == 403


def test_filing_evidence_voids_earlier_sign_offs(world):
    clients = world["clients"]
    request = intake(clients["clerk"])
    act(clients["manager"], request, action="sign", role="office_manager", note="ok")
    extra = SimpleUploadedFile("more.pdf", PDF, content_type="application/pdf")
    clients["rpo"].post(
        f"/console/privacy/requests/{request.public_id}/evidence/",
        {"evidence_kind": "other_document", "evidence_file": extra},
    )
    assert request.evidence.count() == 3
    assert not SignOff.objects.filter(request=request, voided_at__isnull=True).exists()


def test_the_counter_records_an_informal_question_as_refused_and_offers_the_notice(world):
    clients = world["clients"]
    page = clients["clerk"].get("/console/outside-request/").content.decode()
    assert 'href="/records-requests/"' in page and 'href="/es/records-requests/"' in page
    response = clients["clerk"].post(
        "/console/outside-request/",
        {
            "channel": "in_person",
            "requester_agency": "Metro City Police Department",
            "requester_official": "Officer J. Park",
            "requester_contact": "Badge 4471",
            "requester_address": "109 Middle Street",
            "agency_type": "law_enforcement",
            "purpose": "locate_person",
            "crime_class": "none",
            "subject_status": "none",
            "categories": ["appointment_schedule"],
            "subject_last_name": "Rivera",
            "subject_dob_month": "5",
            "subject_dob_day": "17",
            "subject_dob_year": "1960",
        },
        follow=True,
    )
    text = response.content.decode()
    request = DisclosureRequest.objects.get()
    assert request.status == "refused" and request.closed_reason == "informal_request"
    assert "Recorded and refused" in text and "Informal request" in text and 'href="/records-requests/"' in text
    assert world["appointment"].code not in text
    review = clients["rpo"].get(f"/console/privacy/requests/{request.public_id}/").content.decode()
    assert "Refused" in review and "Informal request" in review


def test_a_blanket_request_taken_in_at_the_counter_is_refused_with_the_citation(world):
    clients = world["clients"]
    request = intake(clients["clerk"], records_from="", records_to="")
    assert request.status == "denied"
    page = clients["rpo"].get(f"/console/privacy/requests/{request.public_id}/").content.decode()
    assert "particular portion" in page and "20 CFR 401.155" in page and "none named" in page


def test_the_lawful_request_notice_prints_in_english_and_spanish(client):
    english = client.get("/records-requests/")
    spanish = client.get("/es/records-requests/")
    assert english.status_code == spanish.status_code == 200
    assert "How to ask for someone\u2019s records" in english.content.decode()
    assert "section chief" in english.content.decode()
    text = spanish.content.decode()
    assert 'lang="es"' in text and "Cómo pedir los registros de otra persona" in text
    assert "jefe de sección" in text
    css = (Path(__file__).resolve().parents[2] / "src/frontdesk/web/static/frontdesk/site.css").read_text()
    assert "@media print" in css and ".fd-notice" in css
