"""Rate limits on every public look-up, and the lock a code earns after repeated failures (issue 10).

A birth date was found by brute force in 1,975 tries; random codes were tried at 146 a second and all
got 404. Here the same attacks meet 429s and a lock, on the site and through the API alike.
"""

import re
import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import redis
import time_machine
from django.conf import settings as django_settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from frontdesk.core.crypto import pseudonym
from frontdesk.ledger.models import LedgerEvent
from frontdesk.public.throttle import LOOKUPS
from frontdesk.scheduling import services
from frontdesk.scheduling.models import LookupGuard, RateLimitCacheEntry, Service
from frontdesk.scheduling.sms import MemorySmsBackend
from frontdesk.scheduling.throttle import client_key
from tests.factories import OfficeFactory, person, staff_resource

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
BIRTH = date(1960, 5, 17)
REDIS_URL = "redis://127.0.0.1:6379/3"


@pytest.fixture
def appointment():
    office = OfficeFactory(code="A01", zip_code="10007")
    staff_resource(office)
    return services.appointment_book(
        actor=None,
        office=office,
        service=Service.objects.get(code="direct_deposit_change"),
        mode="in_person",
        starts_at=datetime(2027, 3, 15, 10, tzinfo=NY),
        person=person(),
        now=datetime(2027, 3, 1, 12, tzinfo=NY),
    )


def client(address="203.0.113.7"):
    return Client(REMOTE_ADDR=address)


def api_find(web, code, birth=BIRTH, last_name="Rivera", one_time_code=""):
    body = {"code": code, "last_name": last_name, "date_of_birth": birth.isoformat(), "one_time_code": one_time_code}
    return web.post("/api/v1/appointments/find", body, content_type="application/json")


def site_find(web, code, birth=BIRTH, last_name="Rivera", one_time_code="", language=""):
    body = {
        "code": code,
        "last_name": last_name,
        "dob_month": str(birth.month),
        "dob_day": str(birth.day),
        "dob_year": str(birth.year),
        "one_time_code": one_time_code,
    }
    return web.post(f"{language}/appointment/find/", body)


def outcome(response) -> str:
    """What a visitor learns from one look-up, the same words for both surfaces."""
    if response.status_code == 429:
        return "wait"
    if response["Content-Type"].startswith("application/json"):
        if response.status_code == 200:
            return "shown"
        return {"lookup_locked": "locked", "one_time_code_wrong": "locked", "appointment_not_found": "not found"}[
            response.json()["code"]
        ]
    if response.status_code == 302 and response["Location"].endswith("/appointment/"):
        return "shown"
    text = response.content.decode()
    if "this confirmation code is locked" in text or "That one-time code" in text:
        return "locked"
    assert "We found no appointment" in text, text
    return "not found"


def wrong_births(count):
    return [date(1960, 1, day) for day in range(1, count + 1)]


def sent_code() -> str:
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    return re.search(r"\b(\d{6})\b", mail.outbox[0].body).group(1)


@pytest.fixture(autouse=True)
def clock_standing_still():
    """The limits count in fixed windows: on a slow machine a test's tries could straddle two windows and
    the count would start again in the second. Nothing here needs time to pass, so the clock stands still."""
    with time_machine.travel(datetime.now(UTC), tick=False):
        yield


def test_the_limits_are_on_by_default():
    assert django_settings.FRONTDESK_LOOKUP_RATE_CLIENT == "30/10m"
    assert django_settings.FRONTDESK_LOOKUP_RATE_CODE == "10/10m"
    assert django_settings.FRONTDESK_LOOKUP_LOCK_AFTER == 5
    assert "frontdesk.public.throttle.LookupThrottleMiddleware" in django_settings.MIDDLEWARE


@pytest.mark.parametrize("find", [api_find, site_find], ids=["api", "site"])
def test_a_birth_date_brute_force_is_stopped(find, appointment, django_capture_on_commit_callbacks):
    """Five misses lock the code; the right birth date then shows nothing; the 11th try is refused."""
    web = client()
    guesses = [*wrong_births(6), BIRTH, *wrong_births(4)]  # the right date is the 7th guess
    with django_capture_on_commit_callbacks(execute=True):
        answers = [find(web, appointment.code, birth) for birth in guesses]
    assert [outcome(a) for a in answers] == ["not found"] * 4 + ["locked"] * 6 + ["wait"]
    assert "Retry-After" in answers[-1] and int(answers[-1]["Retry-After"]) > 0
    assert web.get("/appointment/").status_code == 302  # the site remembers no appointment

    # The person was told, at the contact on file, with a code; nothing in clear went to the ledger.
    notice = mail.outbox[0]
    assert notice.to == ["ana@example.org"] and "did not match" in notice.body
    assert re.search(r"\b\d{6}\b", notice.body)
    events = {e.type: e for e in LedgerEvent.objects.filter(type__startswith="scheduling.lookup.")}
    assert set(events) == {"scheduling.lookup.locked", "scheduling.lookup.code_sent"}
    asked = pseudonym("appointment_code", appointment.code)
    for event in events.values():
        assert event.event["refs"]["appointment_code"] == asked
        assert appointment.code not in event.canonical and "ana@" not in event.canonical


def test_a_one_time_code_unlocks_and_clears_the_count(appointment, settings, django_capture_on_commit_callbacks):
    settings.FRONTDESK_LOOKUP_LOCK_AFTER = 3
    web = client()
    with django_capture_on_commit_callbacks(execute=True):
        for birth in wrong_births(3):
            api_find(web, appointment.code, birth)
    locked = api_find(web, appointment.code)
    assert locked.status_code == 403
    assert locked.json()["code"] == "lookup_locked"
    assert "the email address on file, a•••@e•••.org" in locked.json()["message"]
    code = sent_code()

    wrong = "000000" if code != "000000" else "111111"
    assert api_find(web, appointment.code, one_time_code=wrong).json()["code"] == "one_time_code_wrong"
    # The right one-time code with a wrong birth date opens nothing either.
    assert api_find(web, appointment.code, birth=date(1960, 1, 1), one_time_code=code).status_code == 403

    opened = api_find(web, appointment.code, one_time_code=code)
    assert opened.status_code == 200, opened.content
    assert opened.json()["code"] == appointment.code
    guard = LookupGuard.objects.get()
    assert guard.failures == 0 and guard.locked_at is None and guard.unlock_hash == ""
    assert LedgerEvent.objects.filter(type="scheduling.lookup.unlocked").count() == 1
    # Unlocked: the three parts suffice again, and the one-time code is spent.
    assert api_find(client("198.51.100.9"), appointment.code).status_code == 200


def test_a_made_up_code_locks_exactly_like_a_real_one(appointment, settings, django_capture_on_commit_callbacks):
    """From outside, a code that exists and one that does not answer alike, locked or not."""
    settings.FRONTDESK_LOOKUP_RATE_CODE = "100/10m"
    web = client()

    def story(code):
        with django_capture_on_commit_callbacks(execute=True):
            answers = [api_find(web, code, birth) for birth in wrong_births(7)]
        shape = [
            (
                a.status_code,
                a.json()["code"],
                re.sub(r"to the (email address|phone number) on file.*?\. ", "", a.json()["message"]),
            )
            for a in answers
        ]
        return shape, [a.json()["message"] for a in answers]

    real, _ = story(appointment.code)
    made_up, made_up_messages = story("QRTU-VWXY")
    assert real == made_up
    assert [status for status, _, _ in made_up] == [404] * 4 + [403] * 3
    assert len(set(made_up_messages[4:])) == 1  # the stand-in contact is stable for the code
    assert len(mail.outbox) == 1 and MemorySmsBackend.outbox == []  # only the real person was sent a code
    assert LedgerEvent.objects.filter(type="scheduling.lookup.locked").count() == 2


def test_the_per_code_limit_holds_across_clients_and_surfaces(appointment, settings):
    """Two clients (two addresses, as two workers would see them) share one count for one code."""
    settings.FRONTDESK_LOOKUP_LOCK_AFTER = 1000
    first, second = client("203.0.113.7"), client("198.51.100.9")
    answers = []
    for n in range(10):
        web = first if n % 2 else second
        answers.append(site_find(web, appointment.code) if n % 3 == 0 else api_find(web, appointment.code))
    assert {outcome(a) for a in answers} == {"shown"}
    assert outcome(api_find(first, appointment.code)) == "wait"
    assert outcome(site_find(second, appointment.code)) == "wait"
    # The counters hold keyed hashes only: neither the code nor an address can be read in the store.
    keys = " ".join(RateLimitCacheEntry.objects.values_list("cache_key", flat=True))
    assert keys and appointment.code not in keys and "203.0.113.7" not in keys


OFFER = "0f0e0d0c-0b0a-4909-8807-060504030201"
LOOKUP_POSTS = {
    "public:appointment-find": ("/appointment/find/", {"code": "QRTU-VWXY"}),
    "public:accounting": ("/accounting/", {"code": "QRTU-VWXY"}),
    "public:accounting-code": ("/accounting/code/", {"first_name": "Ana"}),
    "public:accounting-verify": ("/accounting/code/enter/", {"code": "123456"}),
    "api:appointment_read": ("/api/v1/appointments/find", {}),
    "api:appointment_reschedule": ("/api/v1/appointments/reschedule", {}),
    "api:appointment_cancel": ("/api/v1/appointments/cancel", {}),
    "api:appointment_calendar": ("/api/v1/appointments/ics", {}),
    "api:accounting_mine": ("/api/v1/disclosures/accounting/mine", {}),
    "api:accounting_mine_code": ("/api/v1/disclosures/accounting/mine/code", {}),
    "api:accounting_mine_code_verify": ("/api/v1/disclosures/accounting/mine/code/verify", {}),
    "public:book-details": ("/book/details/", {"first_name": "Ana"}),
    "public:waitlist-join": ("/appointment/waitlist/", {"zip": "10007"}),
    "public:waitlist-offer": (f"/waitlist/offer/{OFFER}/", {"code": "QRTU-VWXY"}),
    "public:floor-check-in": ("/offices/A01/kiosk/check-in/", {"code": "QRTU-VWXY"}),
    "api:waitlist_join": ("/api/v1/waitlist", {}),
    "api:waitlist_leave": ("/api/v1/waitlist/leave", {}),
    "api:waitlist_offer_read": ("/api/v1/waitlist/offer", {}),
    "api:waitlist_offer_claim": ("/api/v1/waitlist/offer/claim", {}),
    "api:waitlist_offer_decline": ("/api/v1/waitlist/offer/decline", {}),
    "api:waitlist_request": ("/api/v1/waitlist/request", {}),
    "api:waitlist_request_confirm": ("/api/v1/waitlist/request/confirm", {}),
    "api:waitlist_offer_code": ("/api/v1/waitlist/offer/code", {}),
    "api:waitlist_offer_claim_with_code": ("/api/v1/waitlist/offer/claim-with-code", {}),
    "api:waitlist_offer_decline_with_code": ("/api/v1/waitlist/offer/decline-with-code", {}),
}
URL_ARGS = {"public:waitlist-offer": {"offer_id": OFFER}, "public:floor-check-in": {"code": "A01"}}


def test_every_public_look_up_is_listed():
    assert set(LOOKUP_POSTS) == LOOKUPS
    for name, (path, _) in LOOKUP_POSTS.items():
        assert reverse(name, kwargs=URL_ARGS.get(name)) == path


@pytest.mark.parametrize("name", sorted(LOOKUP_POSTS))
def test_every_public_look_up_has_the_per_client_limit(name, settings):
    settings.FRONTDESK_LOOKUP_RATE_CLIENT = "3/10m"
    path, body = LOOKUP_POSTS[name]
    web = client()
    json = path.startswith("/api/")
    answers = [
        web.post(path, body, content_type="application/json") if json else web.post(path, body) for _ in range(4)
    ]
    assert [a.status_code == 429 for a in answers] == [False, False, False, True]
    refused = answers[-1]
    assert int(refused["Retry-After"]) > 0 and "no-store" in refused["Cache-Control"]
    if json:
        assert refused.json()["code"] == "too_many_attempts"
        assert re.fullmatch(r"Too many tries\. Try again in \d+ minutes?\.", refused.json()["message"])
    else:
        assert re.search(r"please wait and try again in \d+ minutes?\.", refused.content.decode())
    # Another address is not held back by this one.
    other = client("198.51.100.9")
    assert (
        other.post(path, body, content_type="application/json") if json else other.post(path, body)
    ).status_code != 429


def test_the_site_and_the_api_share_the_per_client_count(appointment, settings):
    settings.FRONTDESK_LOOKUP_RATE_CLIENT = "4/10m"
    web = client()
    assert outcome(site_find(web, "QRTU-VWXY")) == "not found"
    assert outcome(api_find(web, "QRTU-VWXY")) == "not found"
    assert outcome(site_find(web, "QRTU-VWXY")) == "not found"
    assert outcome(api_find(web, appointment.code)) == "shown"
    assert outcome(site_find(web, appointment.code)) == "wait"
    assert outcome(api_find(web, appointment.code)) == "wait"


def test_the_wait_and_the_lock_are_told_in_english_and_spanish(appointment, settings):
    settings.FRONTDESK_LOOKUP_LOCK_AFTER = 1
    english, spanish = client(), client("198.51.100.9")
    assert (
        "We sent a one-time code to the email address on file"
        in site_find(english, appointment.code, date(1960, 1, 1)).content.decode()
    )
    text = site_find(spanish, appointment.code, date(1960, 1, 2), language="/es").content.decode()
    assert "Le enviamos un código de un solo uso al correo electrónico que tenemos registrado" in text
    assert 'name="one_time_code"' in text  # the page now asks for the code

    settings.FRONTDESK_LOOKUP_RATE_CLIENT = "1/10m"
    # A new rate starts a new count: the first try under it passes, the second waits.
    english_wait = [site_find(english, appointment.code) for _ in range(2)][-1].content.decode()
    spanish_wait = [site_find(spanish, appointment.code, language="/es") for _ in range(2)][-1].content.decode()
    assert re.search(r"Too many tries\. For your safety, please wait and try again in \d+ minutes?\.", english_wait)
    assert re.search(
        r"Demasiados intentos\. Por su seguridad, espere e intente de nuevo en \d+ minutos?\.", spanish_wait
    )


def test_an_ipv6_client_is_counted_by_its_network():
    assert client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff::9")
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("203.0.113.7") != client_key("203.0.113.8")
    assert "203.0.113.7" not in client_key("203.0.113.7")


def test_the_counters_live_in_redis_when_it_is_configured(appointment, settings):
    """Redis runs here and in CI; if it cannot be reached this test fails, it does not skip."""
    prefix = f"fd-test-{uuid.uuid4().hex}"
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        },
    }
    settings.FRONTDESK_LOOKUP_RATE_CODE = "2/10m"
    store = redis.Redis.from_url(REDIS_URL)
    try:
        answers = [outcome(api_find(client(f"203.0.113.{n}"), appointment.code)) for n in range(3)]
        assert answers == ["shown", "shown", "wait"]
        keys = [k.decode() for k in store.keys(f"{prefix}:*")]
        assert keys and not any(appointment.code in k or "203.0.113" in k for k in keys)
        assert not RateLimitCacheEntry.objects.exists()  # nothing went to the database store
    finally:
        for key in store.scan_iter(f"{prefix}:*"):
            store.delete(key)


def test_a_forwarded_for_header_does_not_make_a_new_client(settings):
    """No proxy header is trusted unless the deployment says so: a guesser cannot rotate a header."""
    settings.FRONTDESK_LOOKUP_RATE_CLIENT = "2/10m"
    web = client()
    answers = [
        web.post("/api/v1/appointments/find", {}, content_type="application/json", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
        for n in range(3)
    ]
    assert [a.status_code for a in answers][-1] == 429
