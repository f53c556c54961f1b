"""A decision per person named (ADR 0013): one person's consent releases that person only, personal
documents count for the person they are filed for, and dropping a person narrows a request without
voiding the sign-offs that cover the others."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frontdesk.disclosures.models import AccountingEntry, DisclosureRequest, EvidenceDocument, RequestSubject
from frontdesk.disclosures.subject_decisions import PERSONAL_EVIDENCE, FiledDocument, NamedSubject, evidence_for
from frontdesk.disclosures.vocabulary import EvidenceKind
from frontdesk.ledger.models import LedgerEvent

from .conftest import book, evidence, post, release, request_body, sign, take_in

pytestmark = pytest.mark.django_db

ANA = {"first_name": "Ana", "last_name": "Rivera", "date_of_birth": "1960-05-17"}
BEN = {"first_name": "Ben", "last_name": "Okafor", "date_of_birth": "1971-02-03"}


@pytest.fixture
def two_people(office):
    """Ana and Ben both have appointments: a release about either would match records."""
    ana = book(office, ssn="123-45-6789")
    ben = book(
        office, last_name="Okafor", first_name="Ben", date_of_birth=dt.date(1971, 2, 3), day=16, ssn="123-45-6790"
    )
    return ana, ben


def consent_body(**overrides):
    """The issue's request: a private party asks, with consent and an identity check from one person."""
    return (
        request_body(
            channel="in_person",
            requester_agency="Acme Tenant Screening",
            requester_component="",
            requester_official="Pat Lee",
            requester_title="Screening officer",
            agency_type="private_party",
            purpose="other",
            purpose_detail="Tenancy application",
            crime_class="none",
            subject_status="none",
            authority_cited="Signed consent",
            categories=["appointment_schedule"],
            subjects=[ANA, BEN],
            evidence=[],
        )
        | overrides
    )


def file_for(client, request_id, kind, subject_id=None, **extra):
    body = evidence(kind, filename=f"{kind}.pdf") | extra
    if subject_id is not None:
        body["subject"] = subject_id
    return post(client, f"/requests/{request_id}/evidence", body)


def subject_ids(client, request_id):
    found = client.get(f"/api/v1/disclosures/requests/{request_id}").json()
    return [s["id"] for s in found["subjects"]]


def get(client, request_id):
    return client.get(f"/api/v1/disclosures/requests/{request_id}").json()


def test_one_persons_consent_releases_that_person_only(catalog, clients, two_people):
    ana, ben = two_people
    received = post(clients["clerk"], "/requests", consent_body()).json()
    ana_id, ben_id = subject_ids(clients["clerk"], received["id"])
    for kind in ("subject_consent", "identity_verified"):
        assert file_for(clients["clerk"], received["id"], kind, ana_id).status_code == 201

    found = get(clients["manager"], received["id"])
    by_id = {s["id"]: s for s in found["subjects"]}
    assert by_id[ana_id]["decision"]["status"] == "awaiting_signoff"
    assert by_id[ben_id]["decision"]["status"] == "needs_evidence"
    assert by_id[ben_id]["decision"]["categories"][0]["missing_evidence"] == ["identity_verified", "subject_consent"]
    assert [e["subject"] for e in found["evidence"]] == [ana_id, ana_id]

    assert sign(clients["manager"], received["id"], "office_manager").status_code == 201
    assert sign(clients["rpo"], received["id"], "regional_privacy_officer").status_code == 201
    assert get(clients["rpo"], received["id"])["status"] == "approved"
    released = release(clients["rpo"], received["id"])
    assert released.status_code == 201, released.content
    assert released.json()["matches"] == [{"subject": 1, "outcome": "matched"}]
    assert released.json()["accounting_entries"] == 1

    packet = clients["rpo"].get(f"/api/v1/disclosures/releases/{released.json()['id']}/packet.json").json()
    assert [s["subject"] for s in packet["subjects"]] == [1]
    assert packet["subjects"][0]["authorities"] == ["PA-CONSENT"]
    assert "Okafor" not in str(packet)
    [entry] = AccountingEntry.objects.all()
    assert entry.person_id == ana.person_id
    assert entry.authorities == ["PA-CONSENT"] and entry.authority_citation.startswith("PA-CONSENT: 5 U.S.C. 552a(b)")
    assert not AccountingEntry.objects.filter(person_id=ben.person_id).exists()


def test_a_consent_filed_for_no_one_counts_for_no_one_when_two_people_are_named(catalog, clients, two_people):
    received = post(
        clients["clerk"],
        "/requests",
        consent_body(evidence=[evidence("subject_consent"), evidence("identity_verified")]),
    ).json()
    assert received["status"] == "needs_evidence"
    for subject in received["subjects"]:
        assert subject["decision"]["status"] == "needs_evidence"
        assert subject["decision"]["evidence"] == []
        assert "counts for no one" in subject["decision"]["notes"][0]
    assert sign(clients["manager"], received["id"], "office_manager").status_code == 409
    refused = release(clients["rpo"], received["id"])
    assert refused.status_code == 409
    assert "counts for no one" in refused.json()["message"]


def test_a_consent_filed_for_no_one_counts_when_one_person_is_named(catalog, clients, two_people):
    received = post(
        clients["clerk"],
        "/requests",
        consent_body(subjects=[ANA], evidence=[evidence("subject_consent"), evidence("identity_verified")]),
    ).json()
    assert received["status"] == "awaiting_signoff"
    assert received["subjects"][0]["decision"]["evidence"] == ["identity_verified", "subject_consent"]


def b7_with_two_indicted(clients):
    """A written (b)(7) request naming two people, each with their own indictment filed for them."""
    received = take_in(clients["clerk"], subjects=[ANA, BEN], evidence=[evidence("written_request_agency_head")])
    for subject_id in subject_ids(clients["clerk"], received["id"]):
        assert file_for(clients["clerk"], received["id"], "indictment_or_conviction", subject_id).status_code == 201
    for user, role in (
        ("manager", "office_manager"),
        ("rpo", "regional_privacy_officer"),
        ("counsel", "general_counsel"),
    ):
        assert sign(clients[user], received["id"], role).status_code == 201
    return received["id"]


def test_dropping_a_person_keeps_the_signoffs_and_the_dropped_person_is_never_released(catalog, clients, two_people):
    ana, _ = two_people
    request_id = b7_with_two_indicted(clients)
    before = get(clients["rpo"], request_id)
    assert before["status"] == "approved" and all(s["counts"] for s in before["sign_offs"])
    ben_id = before["subjects"][1]["id"]

    dropped = post(
        clients["manager"], f"/requests/{request_id}/subjects/{ben_id}/drop", {"reason": "Not indicted after all"}
    )
    assert dropped.status_code == 200, dropped.content
    after = dropped.json()
    assert after["version"] == before["version"]
    assert after["status"] == "approved"
    assert [s["counts"] for s in after["sign_offs"]] == [True, True, True]
    ben_out = after["subjects"][1]
    assert ben_out["status"] == "dropped" and ben_out["decision"]["status"] == "dropped"
    assert ben_out["dropped"]["by"] == "manager" and ben_out["dropped"]["reason"] == "Not indicted after all"
    assert DisclosureRequest.objects.get().decision["subjects"][1]["status"] == "dropped"

    event = LedgerEvent.objects.get(type="disclosures.request.subject_dropped")
    assert "indicted" not in event.canonical and "Okafor" not in event.canonical
    assert event.event["refs"]["reason_chars"] == len("Not indicted after all")
    assert not LedgerEvent.objects.filter(type="disclosures.request.sign_offs_voided").exists()

    released = release(clients["rpo"], request_id).json()
    assert released["matches"] == [{"subject": 1, "outcome": "matched"}]
    assert released["accounting_entries"] == 1
    assert AccountingEntry.objects.get().person_id == ana.person_id
    packet = clients["rpo"].get(f"/api/v1/disclosures/releases/{released['id']}/packet.json").json()
    assert [s["subject"] for s in packet["subjects"]] == [1]
    # The packet lists the documents that count for the people released, not the dropped person's.
    assert [e["subject"] for e in packet["evidence"]] == [None, 1]


def test_dropping_every_person_leaves_nothing_to_release(catalog, clients, two_people):
    received = take_in(clients["clerk"])
    [only] = subject_ids(clients["clerk"], received["id"])
    assert (
        post(
            clients["clerk"], f"/requests/{received['id']}/subjects/{only}/drop", {"reason": "Wrong person"}
        ).status_code
        == 200
    )
    assert get(clients["clerk"], received["id"])["status"] == "denied"
    refused = release(clients["counsel"], received["id"])
    assert refused.status_code == 409 and "dropped" in refused.json()["message"]


def test_a_drop_is_refused_without_writing_and_the_refusal_is_recorded(catalog, clients, two_people):
    received = take_in(clients["clerk"], subjects=[ANA, BEN])
    _, ben_id = subject_ids(clients["clerk"], received["id"])
    path = f"/requests/{received['id']}/subjects/{ben_id}/drop"

    assert post(clients["clerk"], path, {"reason": ""}).status_code == 422
    assert post(clients["clerk"], path, {"reason": "   "}).status_code == 422
    other_request = take_in(clients["clerk"])  # the same clerk's, naming someone else
    assert (
        post(clients["clerk"], f"/requests/{other_request['id']}/subjects/{ben_id}/drop", {"reason": "x"}).status_code
        == 404
    )
    assert (
        post(clients["clerk"], f"/requests/{received['id']}/subjects/not-a-uuid/drop", {"reason": "x"}).status_code
        == 404
    )
    assert RequestSubject.objects.filter(dropped_at__isnull=False).count() == 0
    refused = LedgerEvent.objects.filter(type="disclosures.request.subject_drop.refused")
    assert refused.count() == 2 and all(e.event["refs"]["reason"] == "subject_not_found" for e in refused)
    assert not LedgerEvent.objects.filter(type="disclosures.request.subject_dropped").exists()

    assert post(clients["clerk"], path, {"reason": "Duplicate"}).status_code == 200
    again = post(clients["clerk"], path, {"reason": "Duplicate"})
    assert again.status_code == 409 and again.json()["code"] == "subject_already_dropped"
    # A dropped person gets no more documents.
    late = file_for(clients["clerk"], received["id"], "subject_consent", ben_id)
    assert late.status_code == 409


def test_an_outsider_cannot_drop_and_is_on_the_ledger(catalog, clients, staff, two_people):
    received = take_in(clients["clerk"], subjects=[ANA, BEN])
    ben_id = subject_ids(clients["clerk"], received["id"])[1]
    from frontdesk.core.errors import PermissionDenied
    from frontdesk.disclosures.intake import subject_drop

    found = DisclosureRequest.objects.get()
    with pytest.raises(PermissionDenied):
        subject_drop(actor=staff["clerk2"], request=found, subject_id=ben_id, reason="Not mine")
    event = LedgerEvent.objects.get(type="disclosures.request.subject_drop.refused")
    assert event.event["refs"] == {"request": received["id"], "reason": "not_an_editor"}
    assert not RequestSubject.objects.filter(dropped_at__isnull=False).exists()


def test_a_document_for_the_whole_request_names_no_one(catalog, clients, two_people):
    received = take_in(clients["clerk"], subjects=[ANA, BEN])
    ana_id, _ = subject_ids(clients["clerk"], received["id"])
    version = get(clients["clerk"], received["id"])["version"]
    wide = file_for(clients["clerk"], received["id"], "court_order_judge_signed", ana_id)
    assert wide.status_code == 422 and wide.json()["field"] == "subject"
    stranger = file_for(clients["clerk"], received["id"], "subject_consent", "6f1c3d52-3c0e-4c4e-9a5e-2b0f7b1d9e11")
    assert stranger.status_code == 422
    assert get(clients["clerk"], received["id"])["version"] == version
    assert EvidenceDocument.objects.count() == 2  # the two filed at intake


def test_an_edit_keeps_the_people_still_named_with_their_documents(catalog, clients, two_people):
    received = take_in(clients["clerk"], subjects=[ANA, BEN])
    ana_id, ben_id = subject_ids(clients["clerk"], received["id"])
    assert file_for(clients["clerk"], received["id"], "indictment_or_conviction", ben_id).status_code == 201
    path = f"/api/v1/disclosures/requests/{received['id']}"
    # Reordering keeps each person's id and documents.
    reordered = clients["clerk"].patch(path, {"subjects": [BEN, ANA]}, content_type="application/json")
    assert reordered.status_code == 200, reordered.content
    assert [s["id"] for s in reordered.json()["subjects"]] == [ben_id, ana_id]
    assert EvidenceDocument.objects.get(subject__isnull=False).subject.public_id.hex == ben_id.replace("-", "")
    # Removing the person a document is filed for is refused: drop them instead.
    removed = clients["clerk"].patch(path, {"subjects": [ANA]}, content_type="application/json")
    assert removed.status_code == 409 and removed.json()["code"] == "subject_has_records"
    assert RequestSubject.objects.count() == 2


def test_documents_count_only_for_their_person():
    ana, ben = NamedSubject("a", 1), NamedSubject("b", 2)
    documents = [
        FiledDocument("written_request_agency_head"),
        FiledDocument("indictment_or_conviction", "a"),
        FiledDocument("subject_consent"),
    ]
    assert evidence_for(ana, documents, named=2) == {"written_request_agency_head", "indictment_or_conviction"}
    assert evidence_for(ben, documents, named=2) == {"written_request_agency_head"}
    assert evidence_for(ana, documents, named=1) == {
        "written_request_agency_head",
        "indictment_or_conviction",
        "subject_consent",
    }


def test_the_decision_hash_covers_each_persons_decision(catalog, clients, two_people):
    received = take_in(clients["clerk"], subjects=[ANA, BEN], evidence=[evidence("written_request_agency_head")])
    ana_id, _ = subject_ids(clients["clerk"], received["id"])
    first = DisclosureRequest.objects.get().decision_sha256
    assert file_for(clients["clerk"], received["id"], "indictment_or_conviction", ana_id).status_code == 201
    stored = DisclosureRequest.objects.get()
    assert stored.decision_sha256 != first
    assert [s["status"] for s in stored.decision["subjects"]] == ["awaiting_signoff", "needs_evidence"]


PEOPLE = ("a", "b", "c")
documents_strategy = st.lists(
    st.builds(
        FiledDocument,
        kind=st.sampled_from(sorted(EvidenceKind.values)),
        subject=st.one_of(st.none(), st.sampled_from(PEOPLE)),
    ),
    max_size=8,
)


@given(documents=documents_strategy, named=st.integers(min_value=1, max_value=3))
def test_a_personal_document_never_counts_for_someone_else(documents, named):
    people = [NamedSubject(p, i) for i, p in enumerate(PEOPLE[:named], start=1)]
    for subject in people:
        for kind in evidence_for(subject, documents, named=named) & PERSONAL_EVIDENCE:
            filed = {d.subject for d in documents if d.kind == kind}
            assert subject.id in filed or (None in filed and named == 1)


@given(documents=documents_strategy, dropped=st.sampled_from(PEOPLE))
def test_dropping_a_person_never_changes_what_counts_for_the_others(documents, dropped):
    """`named` counts dropped people, so the evidence of everyone left is exactly what it was."""
    people = [NamedSubject(p, i) for i, p in enumerate(PEOPLE, start=1)]
    after = [NamedSubject(p.id, p.position, dropped=p.id == dropped) for p in people]
    for before_subject, after_subject in zip(people, after, strict=True):
        if not after_subject.dropped:
            assert evidence_for(after_subject, documents, named=len(after)) == evidence_for(
                before_subject, documents, named=len(people)
            )
