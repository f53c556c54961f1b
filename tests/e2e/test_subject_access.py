"""A companion with no appointment of their own asks for a code, types it, and reads who we shared their
information with: by keyboard alone, in English and Spanish, with axe-core on every page."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client

from frontdesk.accounts.actors import SystemActor
from frontdesk.accounts.roles import Role
from frontdesk.disclosures.catalog import catalog_load
from frontdesk.disclosures.engine import forget_engines
from frontdesk.ledger import signing
from frontdesk.ledger.services import checkpoint_create
from frontdesk.scheduling import services
from frontdesk.scheduling.models import Service
from tests.disclosures.conftest import evidence, release, request_body, sign, take_in
from tests.factories import OfficeFactory, person, staff_resource, staff_user
from tests.ledger import spec_proof

from .test_booking import fill_birth_date

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def disclosed(catalog, signing_key, settings):
    """Ana's appointment with her son Luis as companion, and a release about Luis made with consent, in a
    signed checkpoint (no witnesses here: tests/disclosures/test_accounting_proofs.py has them)."""
    settings.FRONTDESK_LEDGER_WITNESSES = []
    forget_engines()
    catalog_load(actor=SystemActor("tests"))
    office = OfficeFactory(code="A01", region=2, name="Lower Manhattan")
    staff_resource(office, name="Agent One")
    start = dt.datetime.now(dt.UTC).replace(hour=15, minute=0, second=0, microsecond=0) + dt.timedelta(days=14)
    while start.weekday() >= 5:
        start += dt.timedelta(days=1)
    services.appointment_book(
        actor=None,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=start,
        person=person(),
        companion=person(first_name="Luis", date_of_birth=dt.date(1985, 2, 3), email="luis@example.org"),
        companion_relationship="family",
        now=start - dt.timedelta(days=7),
    )
    body = request_body(
        channel="in_person",
        requester_agency="Rivera family (representative)",
        requester_component="",
        requester_official="Ana Rivera",
        requester_title="Mother and authorized representative",
        agency_type="subject_or_representative",
        purpose="subject_request",
        purpose_detail="Proof of the visit for an employer",
        crime_class="none",
        subject_status="none",
        authority_cited="Signed consent",
        categories=["appointment_schedule", "identity"],
        subjects=[{"first_name": "Luis", "last_name": "Rivera", "date_of_birth": "1985-02-03"}],
        evidence=[
            evidence("subject_consent", filename="consent.pdf"),
            evidence("identity_verified", b"ID checked at the counter", "text/plain", "id-check.txt"),
        ],
    )
    received = take_in(_client(staff_user("clerk", Role.COUNTER_CLERK, office)), **body)
    rpo = _client(staff_user("rpo", Role.REGIONAL_PRIVACY_OFFICER, region=2))
    manager = _client(staff_user("manager", Role.OFFICE_MANAGER, office))
    assert sign(manager, received["id"], "office_manager").status_code == 201
    assert sign(rpo, received["id"], "regional_privacy_officer").status_code == 201
    assert release(rpo, received["id"]).status_code == 201
    checkpoint_create()
    yield
    forget_engines()


def ask_for_a_code(visit, *, spanish: bool) -> None:
    suffix = "es" if spanish else "en"
    visit.open("/es/accounting/code/" if spanish else "/accounting/code/")
    visit.check(f"accounting-code-{suffix}")
    visit.type_into("#id_first_name", "Luis")
    visit.type_into("#id_last_name", "Rivera")
    fill_birth_date(visit, "dob", "^(February|febrero)$", "3", "1985")
    visit.choose_radio("channel", "email")
    visit.press_enter_on("form button[type=submit]")
    assert "/accounting/code/enter/" in visit.page.url
    visit.check(f"accounting-code-sent-{suffix}")


def test_a_companion_reads_their_accounting_by_keyboard(visit, disclosed):
    page = visit.page
    visit.open("/accounting/")
    visit.check("accounting-en")
    visit.press_enter_on("a[href='/accounting/code/']")

    ask_for_a_code(visit, spanish=False)
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)

    visit.type_into("#id_code", "12")
    visit.press_enter_on("form button[type=submit]")
    assert "That code is not right" in page.content()
    visit.check("accounting-code-wrong")

    page.fill("#id_code", "")
    visit.type_into("#id_code", code)
    visit.press_enter_on("form button[type=submit]")
    table = page.locator("table").inner_text()
    assert "Ana Rivera" in table and "PA-CONSENT" in table
    visit.check("accounting-code-list")

    # The proof of the disclosure downloads by keyboard and holds up against the log's key.
    visit.tab_to("form[action='/accounting/proof/'] button")
    with page.expect_download() as downloaded:
        page.keyboard.press("Enter")
    document = Path(downloaded.value.path()).read_text(encoding="utf-8")
    log_key = signing.load_verifier().text()
    assert spec_proof.problem(document, log_key=log_key, witness_keys=[], quorum=0) is None
    event = spec_proof.event_of(document)
    # The companion's own accounting entry: it names them alone.
    assert event["type"] == "disclosures.accounting.entered" and len(event["subjects"]) == 1


def test_in_spanish(visit, disclosed):
    ask_for_a_code(visit, spanish=True)
    assert "Si tenemos un registro que coincide" in visit.page.content()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    visit.type_into("#id_code", code)
    visit.press_enter_on("form button[type=submit]")
    assert "La ley que lo permitió" in visit.page.content()
    assert "Descargar la prueba del" in visit.page.content()
    visit.check("accounting-code-list-es")
