"""The public tlog-tiles endpoints and the auditor's JSON endpoints."""

import base64

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import include, path

from frontdesk.core.crypto import pseudonym
from frontdesk.ledger import merkle, notes, signing
from frontdesk.ledger.models import LedgerEvent
from frontdesk.ledger.services import checkpoint_create, event_append, ledger_sequence
from frontdesk.transparency_log.urls import ROUTE_ACCESS
from frontdesk.transparency_log.urls import urlpatterns as ledger_patterns

from . import rfc9162

# Mount the ledger alone, as config/urls.py does, so these tests do not depend on other apps' URLs.
urlpatterns = [path("ledger/", include("frontdesk.transparency_log.urls"))]
pytestmark = pytest.mark.urls(__name__)

PERSON = pseudonym("person", "published-subject")
PURPOSE = "Jane Q. Public's benefits interview"


def _user(name: str, *groups: str):
    user = get_user_model().objects.create_user(username=name, password="x" * 16)
    for group in groups:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def log(db, signing_key):
    with transaction.atomic():
        for i in range(300):
            event_append(type="records.person.viewed", actor=None, purpose=PURPOSE, subjects=[PERSON], refs={"i": i})
    return checkpoint_create()


@pytest.fixture
def auditor_client(client, db):
    client.force_login(_user("inspector", "auditor"))
    return client


def test_every_route_has_an_access_rule():
    assert {p.name for p in ledger_patterns} == set(ROUTE_ACCESS)


def test_checkpoint_is_the_latest_signed_note(client, log):
    response = client.get("/ledger/checkpoint")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    checkpoint = notes.open_checkpoint(response.content.decode(), signing.load_verifier(), "frontdesk.test/ledger")
    assert checkpoint.size == 300


def test_no_checkpoint_yet_is_a_json_404(client, db):
    response = client.get("/ledger/checkpoint")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_verifier_key(client, signing_key):
    response = client.get("/ledger/key")
    assert response.status_code == 200
    assert notes.Verifier.parse(response.content.decode()) == signing.load_verifier()


def test_tiles_full_and_partial_rebuild_the_checkpoint_root(client, log):
    full = client.get("/ledger/tile/0/000")
    assert full.status_code == 200
    assert full["Cache-Control"] == "public, max-age=31536000, immutable"
    assert len(full.content) == 256 * 32
    partial = client.get("/ledger/tile/0/001.p/44")
    assert partial.status_code == 200 and len(partial.content) == 44 * 32
    assert client.get("/ledger/tile/1/000.p/1").content == rfc9162.mth_of_hashes(
        [full.content[i : i + 32] for i in range(0, 8192, 32)]
    )
    leaves = [full.content[i : i + 32] for i in range(0, 8192, 32)]
    leaves += [partial.content[i : i + 32] for i in range(0, 44 * 32, 32)]
    assert rfc9162.mth_of_hashes(leaves) == bytes(log.root)
    # A narrower partial tile is a prefix of the wider one: what was published never changes.
    assert client.get("/ledger/tile/0/001.p/3").content == partial.content[: 3 * 32]


def test_entry_bundles_hold_commitments_only(client, log):
    response = client.get("/ledger/tile/entries/001.p/44")
    assert response.status_code == 200
    entries = merkle.parse_entry_bundle(response.content)
    assert len(entries) == 44
    stored = LedgerEvent.objects.get(index=256)
    assert entries[0] == bytes(stored.commitment)
    tile = client.get("/ledger/tile/0/001.p/44").content
    assert [merkle.leaf_hash(e) for e in entries] == [tile[i : i + 32] for i in range(0, len(tile), 32)]
    full = client.get("/ledger/tile/entries/000").content
    for published in (response.content, full, tile):
        assert PERSON.encode() not in published and b"Jane" not in published and PERSON[7:].encode() not in published


@pytest.mark.parametrize(
    "url",
    [
        "/ledger/tile/0/001",  # only 44 hashes so far
        "/ledger/tile/0/002.p/1",
        "/ledger/tile/0/000.p/0",
        "/ledger/tile/0/000.p/256",
        "/ledger/tile/0/000.p/044",
        "/ledger/tile/0/1",
        "/ledger/tile/0/x000/001",
        "/ledger/tile/00/000",
        "/ledger/tile/6/000",
        "/ledger/tile/99999999999999999999/000",
        "/ledger/tile/0/x999/x999/x999/x999/x999/x999/x999/999",
        "/ledger/tile/entries/001",
        "/ledger/tile/entries/000.p/300",
        "/ledger/tile/entries/xyz",
    ],
)
def test_bad_or_missing_tiles_are_json_404s(client, log, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_public_endpoints_are_read_only(client, log):
    assert client.post("/ledger/checkpoint").status_code == 405
    assert client.post("/ledger/tile/0/000").status_code == 405


@pytest.mark.parametrize(
    "url",
    ["/ledger/audit/events/0", "/ledger/audit/proofs/inclusion?index=0", "/ledger/audit/proofs/consistency?first=1"],
)
def test_auditor_endpoints_refuse_anonymous_and_other_staff(client, log, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    client.force_login(_user("clerk", "counter_clerk"))
    response = client.get(url)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_auditor_reads_an_event_with_its_salt_and_the_read_is_recorded(auditor_client, log):
    response = auditor_client.get("/ledger/audit/events/5")
    assert response.status_code == 200
    body = response.json()
    assert body["event"]["refs"] == {"i": 5}
    assert body["event"]["purpose"] == PURPOSE
    salt, entry = base64.b64decode(body["salt"]), base64.b64decode(body["entry"])
    import hashlib

    assert hashlib.sha256(salt + body["canonical"].encode()).digest() == entry
    viewed = LedgerEvent.objects.get(type="ledger.event.viewed")
    assert viewed.event["actor"] == "staff:inspector"
    assert viewed.event["role"] == "auditor"
    assert viewed.event["refs"] == {"index": 5}


def test_auditor_gets_inclusion_and_consistency_proofs(auditor_client, log):
    leaves = [
        merkle.leaf_hash(bytes(c)) for c in LedgerEvent.objects.order_by("index").values_list("commitment", flat=True)
    ]
    body = auditor_client.get("/ledger/audit/proofs/inclusion?index=260").json()
    assert body["tree_size"] == 300
    proof = [base64.b64decode(h) for h in body["proof"]]
    assert rfc9162.inclusion_ok(260, 300, leaves[260], proof, bytes(log.root))
    assert base64.b64decode(body["root"]) == bytes(log.root)

    body = auditor_client.get("/ledger/audit/proofs/consistency?first=17&second=300").json()
    proof = [base64.b64decode(h) for h in body["proof"]]
    first_root = rfc9162.mth_of_hashes(leaves[:17])
    assert base64.b64decode(body["first_root"]) == first_root
    assert rfc9162.consistency_ok(17, 300, proof, first_root, bytes(log.root))


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/ledger/audit/events/300", 404, "no_such_entry"),
        ("/ledger/audit/events/99999999999999999999999", 400, "invalid_parameter"),
        ("/ledger/audit/proofs/inclusion", 400, "missing_parameter"),
        ("/ledger/audit/proofs/inclusion?index=-1", 400, "invalid_parameter"),
        ("/ledger/audit/proofs/inclusion?index=abc", 400, "invalid_parameter"),
        ("/ledger/audit/proofs/inclusion?index=%D9%A3", 400, "invalid_parameter"),
        ("/ledger/audit/proofs/inclusion?index=5&tree_size=5", 422, "bad_range"),
        ("/ledger/audit/proofs/inclusion?index=5&tree_size=301", 422, "validation_error"),
        ("/ledger/audit/proofs/consistency?first=10&second=5", 422, "bad_range"),
        ("/ledger/audit/proofs/consistency?first=1&second=100000", 422, "validation_error"),
        ("/ledger/audit/proofs/consistency", 400, "missing_parameter"),
    ],
)
def test_bad_auditor_requests_are_json_4xx(auditor_client, log, url, status, code):
    response = auditor_client.get(url)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["message"]


def test_proof_for_an_unsequenced_event_sequences_first(auditor_client, log):
    with transaction.atomic():
        event_append(type="records.person.viewed", actor=None, subjects=[PERSON])
    response = auditor_client.get("/ledger/audit/proofs/inclusion?index=300&tree_size=301")
    assert response.status_code == 200
    assert ledger_sequence() == 301


def test_event_list_is_for_auditors_only(log):
    from frontdesk.core.errors import PermissionDenied
    from frontdesk.ledger import selectors

    auditor = _user("lister", "auditor")
    assert selectors.event_list(actor=auditor, type_prefix="records.").count() == 300
    assert selectors.event_list(actor=auditor).first().index == 299
    with pytest.raises(PermissionDenied):
        selectors.event_list(actor=_user("clerk2", "counter_clerk"))


def test_auditor_purpose_is_recorded_and_cleaned(auditor_client, log):
    assert auditor_client.get("/ledger/audit/events/1", {"purpose": "IG review " + "x" * 300}).status_code == 200
    viewed = LedgerEvent.objects.get(type="ledger.event.viewed")
    assert viewed.event["purpose"].startswith("IG review") and len(viewed.event["purpose"]) == 200
    response = auditor_client.get("/ledger/audit/events/1", {"purpose": "nul\x00"})
    assert response.status_code in {200, 400}  # the site may refuse NUL before the view strips it


@pytest.mark.parametrize("purpose", ["", "   ", "tab\there", "bell\x07"])
def test_auditor_bad_purpose_is_refused_and_nothing_is_recorded(auditor_client, log, purpose):
    before = LedgerEvent.objects.count()
    response = auditor_client.get("/ledger/audit/events/1", {"purpose": purpose})
    assert response.status_code == 422
    assert response.json()["code"] == "purpose_required"
    assert LedgerEvent.objects.count() == before


def test_auditor_purpose_defaults_to_audit(auditor_client, log):
    assert auditor_client.get("/ledger/audit/events/1").status_code == 200
    assert LedgerEvent.objects.get(type="ledger.event.viewed").event["purpose"] == "audit"
