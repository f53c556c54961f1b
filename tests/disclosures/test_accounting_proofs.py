"""Proofs a person can hold (issue 13 part 4): each accounting entry a person may see comes with a
download of its proof bundle, on the site (English and Spanish) and in the API, for a short-lived token
given only after they proved who they are. The bundle is checked by the verifier written from the specs
(tests/ledger/spec_proof.py); (b)(7) entries stay withheld and have no bundle; the public tiles still
hold only the commitment."""

import re
import time

import pytest
from django.test import Client

from frontdesk.core.crypto import pseudonym
from frontdesk.disclosures.models import AccountingEntry
from frontdesk.disclosures.proofs import PROOF_TOKEN_TTL, proof_token
from frontdesk.ledger import merkle, signing
from frontdesk.ledger.models import LedgerEvent
from frontdesk.ledger.services import checkpoint_sign_and_cosign
from tests.ledger import spec_proof
from tests.ledger.conftest import witnesses  # noqa: F401 (the two live witnesses fixture)

from .conftest import evidence, post, release, request_body, sign, take_in

pytestmark = pytest.mark.django_db

PROOF_API = "/api/v1/disclosures/accounting/mine/proof"
ANA = {"last_name": "Rivera", "date_of_birth": "1960-05-17"}
ANA_FORM = {"last_name": "Rivera", "dob_month": "5", "dob_day": "17", "dob_year": "1960"}


def _release_with_consent(clients, appointment):
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
    assert sign(clients["manager"], received["id"], "office_manager").status_code == 201
    assert sign(clients["rpo"], received["id"], "regional_privacy_officer").status_code == 201
    assert release(clients["rpo"], received["id"]).status_code == 201


def _release_under_b7(clients):
    received = take_in(clients["clerk"])
    for name, role in (
        ("manager", "office_manager"),
        ("rpo", "regional_privacy_officer"),
        ("counsel", "general_counsel"),
    ):
        assert sign(clients[name], received["id"], role).status_code == 201
    assert release(clients["rpo"], received["id"]).status_code == 201


@pytest.fixture
def disclosed(catalog, clients, appointment, witnesses):  # noqa: F811
    """Ana's two disclosures (one she may see, one (b)(7) withheld), in a checkpoint both witnesses cosigned."""
    _release_with_consent(clients, appointment)
    _release_under_b7(clients)
    assert sorted(AccountingEntry.objects.values_list("subject_may_see", flat=True)) == [False, True]
    checkpoint_sign_and_cosign()
    return appointment


def keys(witnesses) -> dict:  # noqa: F811
    return {
        "log_key": signing.load_verifier().text(),
        "witness_keys": [w.key.text() for w, _url in witnesses],
        "quorum": 2,
    }


def mine(appointment) -> list[dict]:
    response = Client().post(
        "/api/v1/disclosures/accounting/mine", {"code": appointment.code} | ANA, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()


def download(token: str):
    return Client().post(PROOF_API, {"token": token}, content_type="application/json")


def test_the_api_gives_the_entry_a_proof_the_spec_verifier_accepts(disclosed, witnesses):  # noqa: F811
    [entry] = mine(disclosed)  # the (b)(7) entry stays withheld, without a trace
    response = download(entry["proof_token"])
    assert response.status_code == 200, response.content
    assert spec_proof.problem(response.content, **keys(witnesses)) is None

    seen = AccountingEntry.objects.get(subject_may_see=True)
    event = spec_proof.event_of(response.content)
    # The person's own accounting entry: it names them alone, and no staff member.
    assert event["type"] == "disclosures.accounting.entered"
    assert event["refs"]["release"] == str(seen.release.public_id) and event["refs"]["entry"] == str(seen.public_id)
    assert event["subjects"] == [pseudonym("person", str(disclosed.person.public_id))] == [seen.subject]
    assert not event["actor"].startswith("staff:")
    bundle = response.json()
    assert bundle["about"] == {
        "accounting_entry": str(seen.public_id),
        "disclosed_at": seen.disclosed_at.isoformat(),
        "release": str(seen.release.public_id),
    }
    # The bundle names nobody: pseudonyms and references only.
    text = response.content.decode()
    # The birth date in full: its year alone turns up by chance inside hashes ("...591960d0...").
    for personal in ("Rivera", "1960-05-17", "05/17/1960", disclosed.code):
        assert personal not in text

    # The download is a recorded read by the person.
    [viewed] = LedgerEvent.objects.filter(type="records.accounting_proof.viewed")
    assert viewed.event["actor"] == "public" and viewed.event["subjects"] == [seen.subject]

    # The public log still holds only the commitment: the entry tile has it, not the event or salt.
    size = bundle["tree_size"]
    tile = Client().get(f"/ledger/{merkle.tile_path('entries', 0, min(size, 256))}")
    assert tile.status_code == 200
    entries = merkle.parse_entry_bundle(tile.content)
    released = LedgerEvent.objects.get(index=bundle["leaf_index"])
    assert entries[bundle["leaf_index"]] == bytes(released.commitment)
    assert bytes(released.salt) not in tile.content and b"disclosures" not in tile.content


def test_a_withheld_entry_has_no_proof_even_for_a_signed_token(disclosed):
    withheld = AccountingEntry.objects.get(subject_may_see=False)
    token = proof_token(withheld)
    response = download(token)
    assert response.status_code == 404 and response.json()["code"] == "proof_not_found"
    page = Client().post("/accounting/proof/", {"token": token})
    assert page.status_code == 404 and "There is no proof for that link" in page.content.decode()
    assert not LedgerEvent.objects.filter(type="records.accounting_proof.viewed").exists()


def test_a_forged_or_expired_token_gets_nothing(disclosed, monkeypatch):
    [entry] = mine(disclosed)
    token = entry["proof_token"]
    forged = download(token[:-3] + ("abc" if not token.endswith("abc") else "xyz"))
    assert forged.status_code == 404 and forged.json()["code"] == "proof_not_found"
    assert download("").status_code in (400, 422)

    later = time.time() + PROOF_TOKEN_TTL.total_seconds() + 5
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    expired = download(token)
    assert expired.status_code == 422 and expired.json()["code"] == "proof_link_expired"
    page = Client().post("/es/accounting/proof/", {"token": token})
    assert page.status_code == 422
    assert "Este enlace de descarga ha vencido" in page.content.decode()
    assert not LedgerEvent.objects.filter(type="records.accounting_proof.viewed").exists()


def test_a_disclosure_not_yet_witnessed_is_offered_later(catalog, clients, appointment, witnesses):  # noqa: F811
    _release_with_consent(clients, appointment)
    [entry] = mine(appointment)
    pending = download(entry["proof_token"])
    assert pending.status_code == 409 and pending.json()["code"] == "proof_pending"
    page = Client().post("/accounting/proof/", {"token": entry["proof_token"]})
    assert page.status_code == 409 and "has not yet published a witnessed checkpoint" in page.content.decode()

    checkpoint_sign_and_cosign()
    ready = download(entry["proof_token"])
    assert ready.status_code == 200 and spec_proof.problem(ready.content, **keys(witnesses)) is None


@pytest.mark.parametrize(
    ("prefix", "button", "note"),
    [
        ("", "Download the proof for", "Each proof is a file"),
        ("/es", "Descargar la prueba del", "Cada prueba es un archivo"),
    ],
)
def test_the_site_offers_the_download_in_english_and_spanish(disclosed, witnesses, prefix, button, note):  # noqa: F811
    web = Client()
    page = web.post(f"{prefix}/accounting/", {"code": disclosed.code} | ANA_FORM)
    body = page.content.decode()
    assert page.status_code == 200 and button in body and note in body
    [token] = re.findall(r'name="token" value="([^"]+)"', body)  # one entry: the (b)(7) one is withheld

    response = web.post(f"{prefix}/accounting/proof/", {"token": token})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    day = AccountingEntry.objects.get(subject_may_see=True).disclosed_at.date()
    assert re.fullmatch(
        rf'attachment; filename="disclosure-proof-{day:%Y-%m-%d}-[0-9a-f]{{8}}\.json"', response["Content-Disposition"]
    )
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert spec_proof.problem(response.content, **keys(witnesses)) is None
    # A GET is not a download.
    assert web.get(f"{prefix}/accounting/proof/").status_code == 405


def test_the_one_time_code_path_gives_the_same_token(disclosed, django_capture_on_commit_callbacks):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        asked = Client().post(
            "/api/v1/disclosures/accounting/mine/code",
            {"first_name": "Ana", "channel": "email"} | ANA,
            content_type="application/json",
        )
    assert asked.status_code == 202
    code = re.search(r"\b(\d{6})\b", mail.outbox[0].body).group(1)
    opened = Client().post(
        "/api/v1/disclosures/accounting/mine/code/verify",
        {"challenge": asked.json()["challenge"], "code": code},
        content_type="application/json",
    )
    [entry] = opened.json()
    assert download(entry["proof_token"]).status_code == 200
