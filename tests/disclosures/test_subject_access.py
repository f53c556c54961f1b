"""Every person disclosed about sees their own accounting, companions included: a one-time code sent to
the contact on file proves who they are, without an appointment of their own. The answers never say
whether a record matched; (b)(7) entries stay withheld; every view and every refusal is on the ledger.
"""

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from frontdesk.core.crypto import pseudonym
from frontdesk.core.errors import ValidationFailed
from frontdesk.disclosures.models import AccessCode, AccountingEntry
from frontdesk.disclosures.subject_access import (
    MAX_ATTEMPTS,
    MAX_CODES_PER_DAY,
    Identity,
    access_code_request,
    access_code_verify,
)
from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling import services as scheduling
from frontdesk.scheduling.models import Person, Service
from frontdesk.scheduling.sms import MemorySmsBackend
from tests.factories import person

from .conftest import BOOKED_AT, NY, evidence, release, sign, take_in

pytestmark = pytest.mark.django_db

LUIS_DOB = dt.date(1985, 2, 3)
LUIS = {"first_name": "Luis", "last_name": "Rivera", "date_of_birth": LUIS_DOB.isoformat()}


@pytest.fixture(autouse=True)
def empty_outboxes():
    MemorySmsBackend.outbox.clear()
    yield
    MemorySmsBackend.outbox.clear()


@pytest.fixture
def with_companion(office):
    """Ana's appointment, with her son Luis as her companion: Luis has no appointment of his own."""
    return scheduling.appointment_book(
        actor=None,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=dt.datetime(2027, 3, 15, 10, tzinfo=NY),
        person=person(),
        companion=person(first_name="Luis", date_of_birth=LUIS_DOB, email="luis@example.org", phone="2125550177"),
        companion_relationship="family",
        now=BOOKED_AT,
    )


def _release_about_luis(clients, **overrides):
    received = take_in(clients["clerk"], subjects=[LUIS], **overrides)
    for name, role in (("manager", "office_manager"), ("rpo", "regional_privacy_officer")):
        assert sign(clients[name], received["id"], role).status_code == 201
    if overrides.get("agency_type", "law_enforcement") == "law_enforcement":
        assert sign(clients["counsel"], received["id"], "general_counsel").status_code == 201
    response = release(clients["rpo"], received["id"])
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def luis_disclosed(catalog, clients, with_companion):
    """Two releases about Luis: one with his consent (he may see it), one under (b)(7) (withheld)."""
    _release_about_luis(
        clients,
        channel="in_person",
        requester_agency="Rivera family (representative)",
        requester_component="",
        requester_official="Ana Rivera",
        requester_title="Mother and authorized representative",
        requester_contact="2125550199",
        requester_address="22 Elm St, Testville, NY 10007",
        agency_type="subject_or_representative",
        purpose="subject_request",
        purpose_detail="Proof of the visit for an employer",
        crime_class="none",
        subject_status="none",
        authority_cited="Signed consent",
        categories=["appointment_schedule", "identity"],
        evidence=[
            evidence("subject_consent", filename="consent.pdf"),
            evidence("identity_verified", b"ID checked at the counter", "text/plain", "id-check.txt"),
        ],
    )
    _release_about_luis(clients)
    luis = with_companion.companion
    assert sorted(AccountingEntry.objects.filter(person=luis).values_list("subject_may_see", flat=True)) == [
        False,
        True,
    ]
    return luis


def api_ask(body, capture):
    with capture(execute=True):
        return Client().post("/api/v1/disclosures/accounting/mine/code", body, content_type="application/json")


def api_open(challenge, code):
    return Client().post(
        "/api/v1/disclosures/accounting/mine/code/verify",
        {"challenge": challenge, "code": code},
        content_type="application/json",
    )


def sent_code(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def test_a_companion_sees_their_own_accounting_by_a_code_sent_to_their_email(
    luis_disclosed, with_companion, django_capture_on_commit_callbacks
):
    # The appointment path needs an appointment of one's own: Luis only came along.
    by_appointment = Client().post(
        "/api/v1/disclosures/accounting/mine",
        {"code": with_companion.code, "last_name": "Rivera", "date_of_birth": LUIS_DOB.isoformat()},
        content_type="application/json",
    )
    assert by_appointment.status_code == 404

    asked = api_ask(LUIS | {"channel": "email"}, django_capture_on_commit_callbacks)
    assert asked.status_code == 202
    assert asked.json()["message"] == "If we hold a record that matches, we sent a code to the contact on file."
    assert asked.json()["expires_in_seconds"] == 600
    [message] = mail.outbox
    assert message.to == ["luis@example.org"]
    code = sent_code(message.body)
    assert "Rivera" not in message.body and "Sheriff" not in message.body

    challenge = asked.json()["challenge"]
    wrong = api_open(challenge, "000000" if code != "000000" else "111111")
    assert wrong.status_code == 422 and wrong.json()["code"] == "access_code_wrong"

    opened = api_open(challenge, code)
    assert opened.status_code == 200, opened.content
    [entry] = opened.json()  # the (b)(7) release stays withheld, without a trace in the answer
    assert entry["recipient_name"].startswith("Ana Rivera")
    assert "PA-CONSENT" in entry["authority"]
    assert entry["purpose"] and entry["disclosed_on"] == timezone.localdate().isoformat()
    assert "Sheriff" not in opened.content.decode() and "552a(b)(7)" not in opened.content.decode()

    viewed = LedgerEvent.objects.filter(type="records.accounting.viewed").get()
    assert viewed.event["actor"] == "public" and viewed.event["purpose"] == "self_service"
    assert viewed.event["subjects"] == [pseudonym("person", str(luis_disclosed.public_id))]
    assert viewed.event["refs"] == {
        "entries": 1,
        "verified_by": "access_code",
        "channel": "email",
        "challenge": challenge,
    }
    [refused] = LedgerEvent.objects.filter(type="disclosures.access_code.refused")
    assert refused.event["refs"] == {"challenge": challenge, "reason": "code_wrong"}

    # A code opens the list once.
    again = api_open(challenge, code)
    assert again.status_code == 422 and again.json()["code"] == "access_code_expired"


def test_the_answer_is_the_same_whether_or_not_anyone_matched(luis_disclosed, django_capture_on_commit_callbacks):
    matched = api_ask(LUIS | {"channel": "email"}, django_capture_on_commit_callbacks)
    nobody = api_ask(LUIS | {"first_name": "Lucas", "channel": "email"}, django_capture_on_commit_callbacks)
    assert matched.status_code == nobody.status_code == 202
    assert set(matched.json()) == set(nobody.json())
    assert {k: v for k, v in matched.json().items() if k != "challenge"} == {
        k: v for k, v in nobody.json().items() if k != "challenge"
    }
    assert len(mail.outbox) == 1  # only the real Luis got a code
    # A challenge that matched no one fails exactly like a wrong code for one that did.
    for response in (api_open(nobody.json()["challenge"], "123456"), api_open(matched.json()["challenge"], "x")):
        assert response.status_code == 422 and response.json()["code"] == "access_code_wrong"
    requested = [e.event for e in LedgerEvent.objects.filter(type="disclosures.access_code.requested").order_by("id")]
    assert [e["refs"]["sent"] for e in requested] == [1, 0]
    assert requested[1]["subjects"] == []


def test_a_code_by_text_message_in_spanish(luis_disclosed, django_capture_on_commit_callbacks):
    asked = api_ask(LUIS | {"channel": "sms", "language": "es"}, django_capture_on_commit_callbacks)
    [text] = MemorySmsBackend.outbox
    assert text["to"] == "2125550177" and "Vence en 10 minutos" in text["body"]
    assert not mail.outbox
    assert len(api_open(asked.json()["challenge"], sent_code(text["body"])).json()) == 1


def test_the_code_is_kept_only_as_a_keyed_hash(luis_disclosed, django_capture_on_commit_callbacks):
    api_ask(LUIS | {"channel": "email"}, django_capture_on_commit_callbacks)
    code = sent_code(mail.outbox[0].body)
    row = AccessCode.objects.get()
    assert row.person_id == luis_disclosed.pk and len(row.code_hash) == 64
    assert code not in str(AccessCode.objects.values().get())
    assert all(code not in e.canonical for e in LedgerEvent.objects.all())


def _ask(identity: Identity, **kwargs):
    return access_code_request(identity=identity, **kwargs)


def _identity(channel="email") -> Identity:
    return Identity(first_name="Luis", last_name="Rivera", date_of_birth=LUIS_DOB, channel=channel)


def test_a_code_expires_after_ten_minutes(luis_disclosed, django_capture_on_commit_callbacks):
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        challenge = _ask(_identity(), now=now)
    code = sent_code(mail.outbox[0].body)
    with pytest.raises(ValidationFailed) as late:
        access_code_verify(challenge=str(challenge), code=code, now=now + dt.timedelta(minutes=10, seconds=1))
    assert late.value.code == "access_code_expired"
    assert len(access_code_verify(challenge=str(challenge), code=code, now=now + dt.timedelta(minutes=9))) == 1


def test_five_wrong_tries_lock_the_code(luis_disclosed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        challenge = str(_ask(_identity()))
    code = sent_code(mail.outbox[0].body)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    codes = [api_open(challenge, wrong).json()["code"] for _ in range(MAX_ATTEMPTS)]
    assert codes == ["access_code_wrong"] * MAX_ATTEMPTS
    locked = api_open(challenge, code)
    assert locked.status_code == 422 and locked.json()["code"] == "access_code_locked"
    assert not LedgerEvent.objects.filter(type="records.accounting.viewed").exists()
    refused = LedgerEvent.objects.filter(type="disclosures.access_code.refused").order_by("id")
    reasons = [e.event["refs"]["reason"] for e in refused]
    assert reasons == ["code_wrong"] * MAX_ATTEMPTS + ["too_many_attempts"]


def test_a_person_gets_a_few_codes_a_day_and_the_answer_does_not_change(
    luis_disclosed, django_capture_on_commit_callbacks
):
    for _ in range(MAX_CODES_PER_DAY + 2):
        response = api_ask(LUIS | {"channel": "email"}, django_capture_on_commit_callbacks)
        assert response.status_code == 202
    assert len(mail.outbox) == MAX_CODES_PER_DAY
    last = LedgerEvent.objects.filter(type="disclosures.access_code.requested").order_by("-id").first()
    assert last.event["refs"]["sent"] == 0 and last.event["refs"]["over_daily_limit"] == 1
    # A day later, codes go out again.
    with django_capture_on_commit_callbacks(execute=True):
        _ask(_identity(), now=timezone.now() + dt.timedelta(days=1, minutes=1))
    assert len(mail.outbox) == MAX_CODES_PER_DAY + 1


def test_records_of_one_person_that_share_a_contact_open_with_one_code(
    luis_disclosed, office, django_capture_on_commit_callbacks
):
    # Booked again without an SSN, Luis has a second record with the same email; a third namesake
    # with another email is someone else and gets a code of their own.
    twin, namesake = (
        Person(first_name="Luis", last_name="Rivera", last_name_key="rivera", date_of_birth=LUIS_DOB) for _ in range(2)
    )
    twin.set_contact(email="LUIS@example.org")
    namesake.set_contact(email="other@example.org")
    Person.objects.bulk_create([twin, namesake])
    with django_capture_on_commit_callbacks(execute=True):
        challenge = str(_ask(_identity()))
    assert sorted(m.to[0] for m in mail.outbox) == ["luis@example.org", "other@example.org"]
    mine = next(m for m in mail.outbox if m.to == ["luis@example.org"])
    assert len(access_code_verify(challenge=challenge, code=sent_code(mine.body))) == 1
    viewed = LedgerEvent.objects.get(type="records.accounting.viewed")
    assert viewed.event["subjects"] == sorted(pseudonym("person", str(p.public_id)) for p in (luis_disclosed, twin))


def test_bad_input_is_a_clear_422_and_writes_nothing(db):
    public = Client()
    for body in (
        LUIS | {"channel": "pigeon"},
        LUIS | {"channel": "email", "date_of_birth": "1800-01-01"},
        {"first_name": "", "last_name": "Rivera", "date_of_birth": "1985-02-03", "channel": "email"},
    ):
        response = public.post("/api/v1/disclosures/accounting/mine/code", body, content_type="application/json")
        assert response.status_code == 422, body
    response = public.post(
        "/api/v1/disclosures/accounting/mine/code",
        LUIS | {"first_name": "!!", "channel": "email"},
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["field"] == "last_name"
    assert not AccessCode.objects.exists()
    assert api_open("not-a-uuid", "123456").json()["code"] == "access_code_expired"


# --- The public site ------------------------------------------------------------------------------


def _web_ask(web, capture, prefix="", **overrides):
    form = {
        "first_name": "Luis",
        "last_name": "Rivera",
        "dob_month": "2",
        "dob_day": "3",
        "dob_year": "1985",
        "channel": "email",
    } | overrides
    with capture(execute=True):
        return web.post(f"{prefix}/accounting/code/", form)


def test_the_site_sends_a_code_then_shows_the_list(luis_disclosed, django_capture_on_commit_callbacks):
    web = Client()
    start = web.get("/accounting/")
    assert 'href="/accounting/code/"' in start.content.decode()
    assert web.get("/accounting/code/enter/")["Location"] == "/accounting/code/"

    asked = _web_ask(web, django_capture_on_commit_callbacks)
    assert asked.status_code == 302 and asked["Location"] == "/accounting/code/enter/"
    page = web.get(asked["Location"]).content.decode()
    assert "If we hold a record that matches, we sent a code by email" in page

    wrong = web.post("/accounting/code/enter/", {"code": "abc"}).content.decode()
    assert "That code is not right" in wrong
    shown = web.post("/accounting/code/enter/", {"code": sent_code(mail.outbox[0].body)})
    body = shown.content.decode()
    assert shown.status_code == 200 and "Ana Rivera" in body and "PA-CONSENT" in body
    assert "The law that allowed it" in body and "Sheriff" not in body
    assert shown["Cache-Control"].startswith("max-age=0")
    # The challenge is spent: the page asks for a new code.
    assert web.get("/accounting/code/enter/")["Location"] == "/accounting/code/"


def test_the_site_reads_the_same_for_someone_we_do_not_hold(luis_disclosed, django_capture_on_commit_callbacks):
    pages = []
    for first_name in ("Luis", "Nobody"):
        web = Client()
        asked = _web_ask(web, django_capture_on_commit_callbacks, first_name=first_name)
        assert asked["Location"] == "/accounting/code/enter/"
        page = web.get(asked["Location"]).content.decode()
        pages.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page))
    assert pages[0] == pages[1]


def test_the_site_in_spanish(luis_disclosed, django_capture_on_commit_callbacks):
    web = Client()
    form = web.get("/es/accounting/code/").content.decode()
    assert "Reciba un código para ver con quién compartimos su información" in form
    assert "Mensaje de texto" in form
    asked = _web_ask(web, django_capture_on_commit_callbacks, prefix="/es")
    assert asked["Location"] == "/es/accounting/code/enter/"
    assert "Si tenemos un registro que coincide" in web.get(asked["Location"]).content.decode()
    assert "Vence en 10 minutos" in mail.outbox[0].body
    shown = web.post("/es/accounting/code/enter/", {"code": sent_code(mail.outbox[0].body)}).content.decode()
    assert "La ley que lo permitió" in shown


def test_the_site_form_needs_every_detail(db):
    page = Client().post("/accounting/code/", {"first_name": "Luis"})
    assert page.status_code == 200 and "usa-error-message" in page.content.decode()
    assert not AccessCode.objects.exists()
