"""The scenarios of issue 4, end to end through the API: nothing leaves except through the process."""

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from frontdesk.disclosures.models import (
    AccountingEntry,
    DisclosureRequest,
    EvidenceDocument,
    Release,
    RequestSubject,
    SignOff,
)
from frontdesk.ledger.models import LedgerEvent

from .conftest import DOB, PDF, book, evidence, post, release, request_body, sign, take_in

pytestmark = pytest.mark.django_db

THREE = ("office_manager", "regional_privacy_officer", "general_counsel")


def sign_three(clients, request_id):
    for client, role in zip((clients["manager"], clients["rpo"], clients["counsel"]), THREE, strict=True):
        response = sign(client, request_id, role)
        assert response.status_code == 201, response.content


def mine(code, last_name="Rivera", dob=DOB):
    return Client().post(
        "/api/v1/disclosures/accounting/mine",
        {"code": code, "last_name": last_name, "date_of_birth": dob.isoformat()},
        content_type="application/json",
    )


def test_an_officer_at_the_counter_citing_nothing_is_refused_as_informal(catalog, clients, appointment):
    body = request_body(
        channel="in_person",
        requester_agency="Metro City Police Department",
        requester_official="Officer J. Park",
        requester_title="Patrol officer",
        requester_position="",
        purpose="locate_person",
        purpose_detail="Asked when Ana Rivera's next appointment is",
        crime_class="none",
        subject_status="none",
        authority_cited="",
        evidence=[],
    )
    response = post(clients["clerk"], "/requests", body)
    assert response.status_code == 201
    received = response.json()
    # Recorded, decided, and closed by the rules: nobody has to reject it by hand.
    assert received["status"] == "refused" and received["closed_reason"] == "informal_request"
    assert received["decision"]["status"] != "approved"
    assert not received["allowed"]["release"] and received["allowed"]["sign_as"] == []
    assert not received["allowed"]["edit"]
    # The clerk's answer says nothing about whether Ana Rivera exists or has an appointment.
    assert "Release" not in str(received) and appointment.code not in str(received)
    assert "match" not in str(received).lower()

    # The privacy officer of the region sees it; nothing can be signed or released.
    listed = clients["rpo"].get("/api/v1/disclosures/requests").json()
    assert [(r["id"], r["status"]) for r in listed] == [(received["id"], "refused")]
    assert sign(clients["manager"], received["id"], "office_manager").status_code == 409
    refused = release(clients["rpo"], received["id"])
    assert refused.status_code == 409 and refused.json()["code"] == "request_closed"
    assert not Release.objects.exists() and not AccountingEntry.objects.exists()
    assert LedgerEvent.objects.filter(type="disclosures.request.received").count() == 1
    [closed] = LedgerEvent.objects.filter(type="disclosures.request.refused")
    assert closed.event["refs"]["reason"] == "informal_request"
    assert not LedgerEvent.objects.filter(type="disclosures.request.released").exists()
    # A privacy officer of another region does not see it.
    assert clients["other_rpo"].get("/api/v1/disclosures/requests").json() == []


def test_the_clerk_hears_the_same_whether_or_not_the_person_exists(catalog, clients, appointment):
    known = take_in(clients["clerk"])
    unknown = take_in(
        clients["clerk"],
        subjects=[{"first_name": "Nobody", "last_name": "Atall", "date_of_birth": "1971-01-01"}],
    )

    def shape(answer):
        varying = ("id", "received_at", "updated_at", "subjects", "evidence", "decision")
        # Each person's decision carries their (random) id; everything else about it must match.
        people = [{k: v for k, v in s.items() if k != "subject"} for s in answer["decision"]["subjects"]]
        confirmation = answer["requester"]["position_confirmation"]
        return {k: v for k, v in answer.items() if k not in varying} | {
            "evidence": [(e["kind"], e["sha256"]) for e in answer["evidence"]],
            "decision": answer["decision"] | {"subjects": people},
            "requester": answer["requester"] | {"position_confirmation": confirmation["position"]},
        }

    assert shape(known) == shape(unknown)


def test_a_written_b7_request_after_three_signoffs_releases_the_schedule_only(catalog, clients, office, appointment):
    book(office, last_name="Rivera", day=16, hour=11, ssn="123-45-6789")  # the same person again
    book(office, last_name="Okafor", first_name="Chidi", date_of_birth=dt.date(1975, 2, 3), day=15, hour=13)
    received = take_in(clients["clerk"])
    assert received["decision"]["categories"][0]["outcome"] == "awaiting_signoff"
    assert received["decision"]["categories"][0]["authorities"] == ["SSA-401.155-VIOLENT"]
    assert sorted(received["decision"]["categories"][0]["missing_signoffs"]) == sorted(THREE)

    # Two sign-offs are not enough.
    assert sign(clients["manager"], received["id"], "office_manager").status_code == 201
    assert sign(clients["rpo"], received["id"], "regional_privacy_officer").status_code == 201
    assert release(clients["rpo"], received["id"]).json()["code"] == "not_approved"
    assert sign(clients["counsel"], received["id"], "general_counsel").status_code == 201

    # A signer sees the request, its evidence and the decision, never the records.
    seen = clients["manager"].get(f"/api/v1/disclosures/requests/{received['id']}").json()
    assert seen["decision"]["status"] == "approved" and len(seen["evidence"]) == 2
    assert all(len(e["sha256"]) == 64 for e in seen["evidence"])
    letter = seen["evidence"][0]
    download = clients["manager"].get(f"/api/v1/disclosures/requests/{received['id']}/evidence/{letter['id']}")
    assert download.status_code == 200 and download.content == PDF
    assert hashlib.sha256(download.content).hexdigest() == letter["sha256"]
    assert PDF not in bytes(EvidenceDocument.objects.first().content_encrypted.encode())  # encrypted at rest
    assert "2027-03-15" not in str(seen)
    assert clients["manager"].get("/api/v1/disclosures/releases/none").status_code == 404

    response = release(clients["rpo"], received["id"])
    assert response.status_code == 201, response.content
    released = response.json()
    assert released["categories"] == ["appointment_schedule"]
    assert released["authorities"] == ["SSA-401.155-VIOLENT"]
    assert released["matches"] == [{"subject": 1, "outcome": "matched"}]
    assert released["accounting_entries"] == 1

    packet = clients["rpo"].get(f"/api/v1/disclosures/releases/{released['id']}/packet.json").json()
    [subject] = packet["subjects"]
    assert [r["record"] for r in subject["records"]] == ["appointment", "appointment"]
    schedule_keys = {"office", "mode", "starts_at", "ends_at", "status", "reschedule_count", "checked_in_at"}
    schedule_keys |= {"completed_at", "cancelled_at"}
    assert all(set(r["fields"]) <= schedule_keys for r in subject["records"])
    assert subject["records"][0]["fields"]["starts_at"].startswith("2027-03-15T10:00")
    text = str(packet["subjects"])
    secrets = ("Rivera", "Ana", "1960", "6789", "ana@example.org", "2125550100", "direct_deposit", appointment.code)
    for secret in secrets:
        assert secret not in text
    assert "Okafor" not in str(packet)
    assert packet["authorities"][0]["citation"].startswith("5 U.S.C. 552a(b)(7)")
    assert {e["sha256"] for e in packet["evidence"]} == {e["sha256"] for e in seen["evidence"]}
    assert sorted(s["role"] for s in packet["sign_offs"]) == sorted(THREE)
    assert packet["ledger"]["event_id"] == released["ledger"]["event_id"]
    event = LedgerEvent.objects.get(pk=packet["ledger"]["event_id"])
    assert event.type == "disclosures.request.released"
    assert event.event["refs"]["packet_sha256"] == packet["packet_sha256"] == released["packet_sha256"]

    pdf = clients["rpo"].get(f"/api/v1/disclosures/releases/{released['id']}/packet.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    # The accounting entry exists; the person cannot see it ((c)(3)); the auditor can.
    entry = AccountingEntry.objects.get()
    assert entry.person_id == appointment.person_id and not entry.subject_may_see
    assert entry.retain_until >= (entry.disclosed_at + dt.timedelta(days=5 * 365)).date()
    assert "Metro County Sheriff" in entry.recipient_name and "1 Justice Plaza" in entry.recipient_address
    assert mine(appointment.code).json() == []
    audited = clients["auditor"].get("/api/v1/disclosures/accounting", {"purpose": "audit"})
    assert audited.status_code == 200
    [row] = audited.json()
    assert row["subject_may_see"] is False and "552a(c)(3)" in row["withheld_basis"]
    assert clients["rpo"].get("/api/v1/disclosures/accounting", {"purpose": "audit"}).status_code == 403
    assert DisclosureRequest.objects.get().status == "released"
    # Released is final.
    assert release(clients["counsel"], received["id"]).status_code == 409


def test_the_same_person_cannot_sign_twice_and_the_intake_clerk_cannot_sign(catalog, clients, staff, appointment):
    received = take_in(clients["manager"])  # taken in by an office manager
    refused = sign(clients["manager"], received["id"], "office_manager")
    assert refused.status_code == 403 and refused.json()["code"] == "intake_clerk_cannot_sign"
    assert sign(clients["manager2"], received["id"], "office_manager").status_code == 201
    again = sign(clients["manager2"], received["id"], "office_manager")
    assert again.status_code == 409 and again.json()["code"] == "already_signed"
    # One person, two roles: a counsel who is also the region's privacy officer signs once only.
    from django.contrib.auth.models import Group

    staff["counsel"].groups.add(Group.objects.get_or_create(name="regional_privacy_officer")[0])
    staff["counsel"].staff_profile.region = 2
    staff["counsel"].staff_profile.save()
    counsel = Client()
    counsel.force_login(staff["counsel"])
    assert sign(counsel, received["id"], "general_counsel").status_code == 201
    twice = sign(counsel, received["id"], "regional_privacy_officer")
    assert twice.status_code == 409 and twice.json()["code"] == "already_signed"
    # A clerk and an auditor are not signers; the other region's privacy officer is out of scope.
    assert sign(clients["clerk"], received["id"], "office_manager").status_code == 404  # not theirs to see
    assert sign(clients["auditor"], received["id"], "general_counsel").status_code == 403
    assert sign(clients["other_rpo"], received["id"], "regional_privacy_officer").status_code == 404
    assert SignOff.objects.filter(voided_at__isnull=True).count() == 2
    detail = clients["rpo"].get(f"/api/v1/disclosures/requests/{received['id']}").json()
    assert detail["decision"]["status"] == "awaiting_signoff"
    assert detail["decision"]["categories"][0]["missing_signoffs"] == ["regional_privacy_officer"]


def test_the_intake_clerk_cannot_release_and_a_rejection_ends_the_request(catalog, clients, appointment):
    received = take_in(clients["rpo"])  # the privacy officer took it in at the counter
    sign_three_roles = [("manager", "office_manager"), ("counsel", "general_counsel")]
    for name, role in sign_three_roles:
        assert sign(clients[name], received["id"], role).status_code == 201
    assert sign(clients["rpo"], received["id"], "regional_privacy_officer").status_code == 403
    refused = release(clients["rpo"], received["id"])
    assert refused.status_code == 403
    rejected = post(
        clients["counsel"], f"/requests/{received['id']}/rejection", {"role": "general_counsel", "reason": "No"}
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert release(clients["counsel"], received["id"]).status_code == 409
    assert sign(clients["manager2"], received["id"], "office_manager").status_code == 409
    assert not Release.objects.exists()
    assert LedgerEvent.objects.filter(type="disclosures.request.rejected").count() == 1


def test_a_restriction_denies_tax_information_to_an_immigration_agency_even_with_every_signoff(
    clients, appointment, tmp_path
):
    from frontdesk.accounts.actors import SystemActor
    from frontdesk.disclosures.catalog import catalog_load

    from .catalogs import DHS_TAX_CATALOG

    catalog_load(actor=SystemActor("tests"), text=DHS_TAX_CATALOG)
    body = request_body(
        requester_agency="U.S. Immigration and Customs Enforcement",
        requester_official="Director",
        agency_type="immigration",
        purpose="immigration_enforcement",
        crime_class="none",
        subject_status="none",
        categories=["tax_return_information"],
        evidence=[evidence("program_agreement")],
    )
    received = post(clients["clerk"], "/requests", body).json()
    assert received["decision"]["categories"][0]["outcome"] == "awaiting_signoff"
    sign_three(clients, received["id"])
    assert DisclosureRequest.objects.get().status == "approved"

    restriction = post(
        clients["counsel"],
        "/restrictions",
        {
            "kind": "court_order",
            "title": "No return information to immigration enforcement",
            "citation": "Example v. Agency, No. 1:26-cv-00001 (D.D.C.), preliminary injunction",
            "recipients": ["immigration"],
            "categories": ["tax_return_information"],
            "effective_from": "2026-01-01",
        },
    )
    assert restriction.status_code == 201, restriction.content
    code = restriction.json()["code"]
    assert post(clients["rpo"], "/restrictions", restriction.json()).status_code == 403
    detail = clients["rpo"].get(f"/api/v1/disclosures/requests/{received['id']}").json()
    [tax] = detail["decision"]["categories"]
    assert tax["outcome"] == "denied" and tax["restrictions"] == [code]
    assert code in tax["reason"]
    refused = release(clients["rpo"], received["id"])
    assert refused.status_code == 409 and code in refused.json()["message"]
    assert not Release.objects.exists()
    assert LedgerEvent.objects.filter(type="disclosures.restriction.saved").count() == 1

    # Ending the restriction (an end date, never a deletion) lets the authority decide again.
    ended = clients["counsel"].put(
        f"/api/v1/disclosures/restrictions/{code}",
        restriction.json() | {"effective_until": (timezone.localdate() - dt.timedelta(days=1)).isoformat()},
        content_type="application/json",
    )
    assert ended.status_code == 200 and ended.json()["version"] == 2
    assert clients["rpo"].get(f"/api/v1/disclosures/requests/{received['id']}").json()["status"] == "approved"


def test_the_shipped_catalog_never_releases_tax_information(catalog, clients, appointment):
    received = take_in(clients["clerk"], categories=["appointment_schedule", "tax_return_information"])
    outcomes = {c["category"]: c for c in received["decision"]["categories"]}
    assert outcomes["tax_return_information"]["outcome"] == "denied"
    assert outcomes["tax_return_information"]["restrictions"] == ["RESTRICT-IRC-6103"]


def test_an_edit_after_signoff_voids_it(catalog, clients, appointment):
    received = take_in(clients["clerk"])
    assert sign(clients["manager"], received["id"], "office_manager").status_code == 201
    assert sign(clients["rpo"], received["id"], "regional_privacy_officer").status_code == 201
    edited = clients["clerk"].patch(
        f"/api/v1/disclosures/requests/{received['id']}",
        {"purpose_detail": "Homicide investigation, case 2026-114 and 2026-115"},
        content_type="application/json",
    )
    assert edited.status_code == 200
    body = edited.json()
    assert body["version"] == 2
    assert all(not s["counts"] and s["void_reason"] == "edited" for s in body["sign_offs"])
    assert sorted(body["decision"]["categories"][0]["missing_signoffs"]) == sorted(THREE)
    assert LedgerEvent.objects.filter(type="disclosures.request.sign_offs_voided").count() == 1
    # New evidence is an edit too.
    assert sign(clients["manager"], received["id"], "office_manager").status_code == 201
    added = post(clients["clerk"], f"/requests/{received['id']}/evidence", evidence("other_document"))
    assert added.status_code == 201
    assert not SignOff.objects.filter(voided_at__isnull=True).exists()
    # An unchanged edit changes nothing.
    same = clients["clerk"].patch(
        f"/api/v1/disclosures/requests/{received['id']}", {"crime_class": "violent"}, content_type="application/json"
    )
    assert same.json()["version"] == 3


def test_an_expired_signoff_no_longer_counts(catalog, clients, appointment, settings):
    received = take_in(clients["clerk"])
    sign_three(clients, received["id"])
    request = DisclosureRequest.objects.get()
    assert request.status == "approved"
    SignOff.objects.filter(role="office_manager").update(
        signed_at=timezone.now() - dt.timedelta(days=31), expires_at=timezone.now() - dt.timedelta(days=1)
    )
    detail = clients["rpo"].get(f"/api/v1/disclosures/requests/{received['id']}").json()
    assert detail["status"] == "awaiting_signoff"
    assert detail["decision"]["categories"][0]["missing_signoffs"] == ["office_manager"]
    assert release(clients["rpo"], received["id"]).json()["code"] == "not_approved"
    assert not Release.objects.exists()
    # The same manager may sign again once the old sign-off has expired.
    assert sign(clients["manager"], received["id"], "office_manager").status_code == 201
    assert release(clients["rpo"], received["id"]).status_code == 201


def test_the_signoff_period_is_configurable(catalog, clients, appointment, settings):
    settings.FRONTDESK_SIGNOFF_TTL_DAYS = 2
    received = take_in(clients["clerk"])
    signed = sign(clients["manager"], received["id"], "office_manager").json()
    lasted = dt.datetime.fromisoformat(signed["expires_at"]) - dt.datetime.fromisoformat(signed["signed_at"])
    assert lasted == dt.timedelta(days=2)


def test_a_consent_request_from_a_representative_is_released_and_shown_to_the_person(
    catalog, clients, office, appointment
):
    body = request_body(
        channel="in_person",
        requester_agency="Rivera family (representative)",
        requester_component="",
        requester_official="Luis Rivera",
        requester_title="Son and authorized representative",
        requester_contact="2125550199",
        requester_address="22 Elm St, Testville, NY 10007",
        agency_type="subject_or_representative",
        purpose="subject_request",
        purpose_detail="Needs proof of the appointment for an employer",
        crime_class="none",
        subject_status="none",
        authority_cited="Signed consent",
        categories=["appointment_schedule", "identity"],
        subjects=[{"first_name": "Ana", "last_name": "Rivera", "appointment_code": appointment.code}],
        evidence=[
            evidence("subject_consent", filename="consent.pdf"),
            evidence("identity_verified", b"ID checked at the counter: state licence", "text/plain", "id-check.txt"),
        ],
    )
    received = post(clients["clerk"], "/requests", body).json()
    assert {c["outcome"] for c in received["decision"]["categories"]} == {"awaiting_signoff"}
    assert sign(clients["manager"], received["id"], "office_manager").status_code == 201
    assert sign(clients["rpo"], received["id"], "regional_privacy_officer").status_code == 201
    released = release(clients["rpo"], received["id"])
    assert released.status_code == 201, released.content
    assert released.json()["authorities"] == ["PA-CONSENT"]
    packet = clients["rpo"].get(f"/api/v1/disclosures/releases/{released.json()['id']}/packet.json").json()
    person_record = next(r for r in packet["subjects"][0]["records"] if r["record"] == "person")
    assert person_record["fields"] == {"first_name": "Ana", "last_name": "Rivera", "date_of_birth": "1960-05-17"}

    [entry] = mine(appointment.code).json()
    assert entry["recipient_name"].startswith("Luis Rivera")
    assert "PA-CONSENT" in entry["authority"] and "Appointment schedule" in entry["nature"]
    # A wrong birth date reveals nothing.
    assert mine(appointment.code, dob=dt.date(1961, 5, 17)).status_code == 404


def test_an_ambiguous_subject_releases_nothing_about_anyone(catalog, clients, office):
    book(office, last_name="Rivera", day=15, hour=10)
    book(office, last_name="Rivera", first_name="Ana", day=16, hour=10, ssn="123-45-6780")  # same name and birth date
    received = take_in(clients["clerk"])
    sign_three(clients, received["id"])
    released = release(clients["counsel"], received["id"]).json()
    assert released["matches"] == [{"subject": 1, "outcome": "ambiguous"}]
    assert released["accounting_entries"] == 0
    packet = clients["counsel"].get(f"/api/v1/disclosures/releases/{released['id']}/packet.json").json()
    assert packet["subjects"] == [
        {"subject": 1, "categories": ["appointment_schedule"], "authorities": ["SSA-401.155-VIOLENT"], "records": []}
    ]


def test_reads_of_requests_and_packets_leave_a_trace(catalog, clients, appointment):
    received = take_in(clients["clerk"])
    clients["auditor"].get(f"/api/v1/disclosures/requests/{received['id']}")
    [event] = [
        e
        for e in LedgerEvent.objects.filter(type="records.disclosure_request.viewed")
        if e.event["actor"] != "staff:clerk"
    ]
    assert event.event["actor"] == "staff:auditor" and event.event["purpose"] == "audit"
    assert event.event["subjects"][0].startswith("disclosure_subject:")
    assert "Rivera" not in event.canonical
    assert RequestSubject.objects.get().ssn_hash == ""


def test_a_records_period_limits_the_release_to_it(catalog, clients, office, appointment):
    book(office, last_name="Rivera", day=16, hour=11, ssn="123-45-6789")
    received = take_in(clients["clerk"], records_from="2027-03-16", records_to="2027-03-31")
    sign_three(clients, received["id"])
    released = release(clients["rpo"], received["id"]).json()
    packet = clients["rpo"].get(f"/api/v1/disclosures/releases/{released['id']}/packet.json").json()
    [only] = packet["subjects"][0]["records"]
    assert only["fields"]["starts_at"].startswith("2027-03-16T11:00")


def test_the_pdf_renders_names_outside_latin_1():
    from frontdesk.disclosures.packet import packet_pdf

    packet = {
        "release": {"id": "r", "released_at": "2026-11-29T10:00:00+00:00"},
        "request": {"id": "q"},
        "recipient": {"agency": "Sở Cảnh sát", "official": "Nguyễn Văn A"},
        "purpose": {"code": "other", "detail": ""},
        "authorities": [
            {"id": "PA-CONSENT", "title": "Consent", "citation": "5 U.S.C. 552a(b)", "illustrative": False}
        ],
        "categories": [{"category": "identity", "outcome": "approved", "reason": "Approved under PA-CONSENT."}],
        "subjects": [{"subject": 1, "records": [{"record": "person", "fields": {"last_name": "Nguyễn"}}]}],
        "evidence": [{"kind": "subject_consent", "filename": "c.pdf", "sha256": "0" * 64}],
        "sign_offs": [{"role": "office_manager", "signer": "m", "signed_at": "2026-11-29T09:00:00+00:00"}],
        "packet_sha256": "1" * 64,
        "policy": {"sha256": "2" * 64},
        "ledger": {"event_id": 1, "commitment": "3" * 64, "index": None},
    }
    assert packet_pdf(packet).startswith(b"%PDF")
