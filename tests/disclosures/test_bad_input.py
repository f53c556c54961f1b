"""Bad input gets a 4xx with a code and a message, and changes nothing (invariant 7 in docs/architecture.md)."""

import base64

import pytest
from django.test import Client

from frontdesk.disclosures import intake as services
from frontdesk.disclosures.models import (
    AccountingEntry,
    DisclosureRequest,
    EvidenceDocument,
    Release,
    RequestSubject,
    Restriction,
    SignOff,
)
from frontdesk.ledger.models import LedgerEvent

from .conftest import PDF, evidence, post, release, request_body, sign, take_in

pytestmark = pytest.mark.django_db


def snapshot():
    models = (DisclosureRequest, RequestSubject, EvidenceDocument, SignOff, Release, AccountingEntry, Restriction)
    # Refusals are evidence (ADR 0012): they add `<action>.refused` events and nothing else.
    events = LedgerEvent.objects.exclude(type__endswith=".refused").count()
    return {m.__name__: m.objects.count() for m in models} | {"events": events}


def assert_refused(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["message"] and body["code"]
    if code:
        assert body["code"] == code, body


PNG_NAMED_PDF = evidence("other_document", PDF, "image/png", "scan.png")
BAD_REQUESTS = [
    ({"categories": []}, 422, "validation_error"),
    ({"categories": ["record_metadata"]}, 422, "validation_error"),
    ({"categories": ["appointment_schedule", "appointment_schedule"]}, 422, "validation_error"),
    ({"agency_type": "bounty_hunter"}, 422, "validation_error"),
    ({"requester_agency": "   "}, 422, "validation_error"),
    ({"subjects": []}, 422, "validation_error"),
    ({"subjects": [{"last_name": "Rivera"}]}, 422, "validation_error"),
    ({"subjects": [{"last_name": "123", "date_of_birth": "1960-05-17"}]}, 422, "validation_error"),
    ({"subjects": [{"last_name": "Rivera", "ssn": "000-12-3456"}]}, 422, "validation_error"),
    ({"subjects": [{"last_name": "Rivera", "appointment_code": "NOPE"}]}, 422, "validation_error"),
    ({"subjects": [{"last_name": "Rivera", "date_of_birth": "2099-01-01"}]}, 422, "validation_error"),
    ({"records_from": "2027-02-01", "records_to": "2027-01-01"}, 422, "validation_error"),
    ({"evidence": [evidence("written_request_agency_head"), PNG_NAMED_PDF]}, 422, "validation_error"),
    ({"evidence": [evidence("written_request_agency_head") | {"content_base64": "%%%"}]}, 422, "validation_error"),
    ({"evidence": [evidence("written_request_agency_head", content_type="application/x-msdownload")]}, 422, None),
    ({"evidence": [evidence("other_document", b"\xff\xfe", "text/plain", "note.txt")]}, 422, None),
    ({"evidence": [evidence("other_document", filename="../../etc/passwd")]}, 422, None),
    ({"evidence": [evidence("a_kind_we_do_not_know")]}, 422, None),
]


@pytest.mark.parametrize(("change", "status", "code"), BAD_REQUESTS)
def test_a_bad_request_is_refused_and_nothing_is_written(catalog, clients, change, status, code):
    before = snapshot()
    response = post(clients["clerk"], "/requests", request_body(**change))
    assert_refused(response, status, code)
    assert snapshot() == before


def test_evidence_over_the_size_limit_is_refused(catalog, clients, settings):
    settings.FRONTDESK_EVIDENCE_MAX_BYTES = 100
    before = snapshot()
    big = evidence("written_request_agency_head", PDF + b"x" * 200)
    assert_refused(post(clients["clerk"], "/requests", request_body(evidence=[big])), 422, "validation_error")
    assert snapshot() == before


def test_malformed_json_nul_and_strangers_are_refused(catalog, clients):
    before = snapshot()
    malformed = clients["clerk"].post("/api/v1/disclosures/requests", "{not json", content_type="application/json")
    assert malformed.status_code in (400, 422)
    nul = post(clients["clerk"], "/requests", request_body(purpose_detail="a\x00b"))
    assert_refused(nul, 400, "malformed_request")
    assert_refused(post(Client(), "/requests", request_body()), 401, "unauthenticated")
    assert_refused(post(clients["admin"], "/requests", request_body()), 403)
    assert_refused(post(clients["auditor"], "/requests", request_body()), 403)
    assert snapshot() == before


def test_a_failure_part_way_through_intake_leaves_nothing(catalog, clients, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_record_decision", broken)
    before = snapshot()
    client = clients["clerk"]
    client.raise_request_exception = False
    response = post(client, "/requests", request_body())
    assert response.status_code == 500
    assert snapshot() == before


def test_bad_sign_offs_releases_and_edits_change_nothing(catalog, clients, appointment):
    received = take_in(clients["clerk"])
    before = snapshot()
    assert_refused(sign(clients["manager"], received["id"], "chief_of_police"), 422, "validation_error")
    assert_refused(sign(clients["manager"], "not-a-uuid", "office_manager"), 404, "request_not_found")
    assert_refused(sign(clients["manager"], received["id"], "general_counsel"), 403, "not_a_signer")
    assert_refused(release(clients["clerk"], received["id"]), 403, "not_a_releaser")
    assert_refused(release(clients["rpo"], received["id"]), 409, "not_approved")
    reject = post(clients["manager"], f"/requests/{received['id']}/rejection", {"role": "office_manager", "reason": ""})
    assert_refused(reject, 422, "validation_error")
    path = f"/api/v1/disclosures/requests/{received['id']}"
    patch = clients["clerk"].patch(path, {"categories": ["ssn", "ssn"]}, content_type="application/json")
    assert_refused(patch, 422, "validation_error")
    stranger = clients["clerk2"].patch(
        f"/api/v1/disclosures/requests/{received['id']}", {"purpose_detail": "x"}, content_type="application/json"
    )
    assert_refused(stranger, 404, "request_not_found")
    bad_file = post(
        clients["clerk"],
        f"/requests/{received['id']}/evidence",
        {"kind": "other_document", "filename": "a.pdf", "content_type": "application/pdf", "content_base64": "QQ=="},
    )
    assert_refused(bad_file, 422, "validation_error")
    assert snapshot() == before
    # The refusals (not the typing mistakes) are on the ledger, each with its reason code.
    refused = LedgerEvent.objects.filter(type__endswith=".refused").order_by("id")
    assert [(e.type, e.event["refs"]["reason"]) for e in refused] == [
        ("disclosures.request.sign_off.refused", "request_not_found"),
        ("disclosures.request.sign_off.refused", "not_a_signer"),
        ("disclosures.request.release.refused", "not_a_releaser"),
        ("disclosures.request.release.refused", "not_approved"),
        ("disclosures.request.edit.refused", "request_not_found"),
    ]


def test_bad_restrictions_change_nothing(catalog, clients):
    before = snapshot()
    base = {
        "kind": "court_order",
        "title": "An order",
        "citation": "No. 1",
        "categories": ["address"],
        "effective_from": "2026-01-01",
    }
    cases = [
        base | {"effective_until": "2025-01-01"},
        base | {"recipients": [], "agencies": []},
        base | {"categories": ["record_metadata"]},
        base | {"kind": "rumour"},
        base | {"agencies": ["!!!"]},
    ]
    for body in cases:
        assert_refused(post(clients["counsel"], "/restrictions", body), 422)
    assert_refused(
        clients["counsel"].put("/api/v1/disclosures/restrictions/R-1999-0001", base, content_type="application/json"),
        404,
        "restriction_not_found",
    )
    assert snapshot() == before


def test_public_endpoints_refuse_bad_input_without_revealing_anything(catalog, appointment):
    public = Client()
    wrong = public.post(
        "/api/v1/disclosures/accounting/mine",
        {"code": appointment.code, "last_name": "Other", "date_of_birth": "1960-05-17"},
        content_type="application/json",
    )
    missing = public.post(
        "/api/v1/disclosures/accounting/mine",
        {"code": "AAAA-AAAA", "last_name": "Rivera", "date_of_birth": "1960-05-17"},
        content_type="application/json",
    )
    assert wrong.status_code == missing.status_code == 404 and wrong.json() == missing.json()
    assert_refused(public.get("/api/v1/disclosures/transparency", {"year": 2026, "quarter": 5}), 422)
    assert_refused(public.get("/api/v1/disclosures/transparency", {"year": 2999, "quarter": 4}), 422)


def test_base64_is_checked_strictly():
    with pytest.raises(Exception, match="base64"):
        services.EvidenceUpload.from_base64(
            kind="other_document", filename="a.txt", content_type="text/plain", content_base64="aGk=\n!!"
        )
    encoded = base64.b64encode(b"hi").decode()
    ok = services.EvidenceUpload.from_base64(
        kind="other_document", filename="a.txt", content_type="text/plain", content_base64=encoded
    )
    assert ok.content == b"hi"
