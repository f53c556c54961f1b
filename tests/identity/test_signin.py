"""Sign-in with Login.gov's conventions against a real OpenID provider (tests/oidc/provider.mjs): both
assurance levels, and every way the answer can be refused (state, nonce, replayed code, expiry, issuer)."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client

from frontdesk.identity import oidc
from frontdesk.identity.models import AccountBooking, PublicAccount
from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling.models import Appointment

from .flow import callback, provider_answer, sign_in, to_provider

pytestmark = pytest.mark.django_db

IAL1 = "http://idmanagement.gov/ns/assurance/ial/1"
IAL2 = "http://idmanagement.gov/ns/assurance/ial/2"


@pytest.fixture(autouse=True)
def _fresh_metadata():
    oidc._metadata_cache.clear()
    yield
    oidc._metadata_cache.clear()


def test_without_an_issuer_sign_in_is_not_offered(settings, db):
    settings.FRONTDESK_OIDC_ISSUER = ""
    web = Client()
    assert 'id="signin-link"' not in web.get("/").content.decode()
    for path in ("/signin/", "/signin/?level=ial2", "/signin/callback/?code=x&state=y", "/my/", "/es/signin/"):
        response = web.get(path)
        assert response.status_code == 404, path
        assert "not set up" in response.content.decode() or "no está configurado" in response.content.decode()
    assert web.post("/signout/").status_code == 404
    assert web.post("/my/appointment/", {"appointment": "x"}).status_code == 404


def test_the_authorization_request_follows_login_gov(signin_settings, oidc_provider):
    web = Client()
    assert 'id="signin-link"' in web.get("/").content.decode()
    url = to_provider(web, "ial2")
    assert url.startswith(f"{oidc_provider.issuer}/auth?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["acr_values"] == IAL2
    assert query["redirect_uri"] == "http://testserver/signin/callback/"
    assert "social_security_number" in query["scope"].split() and "profile" in query["scope"].split()
    pending = web.session["fd_oidc_pending"]
    assert query["state"] == pending["state"] and query["nonce"] == pending["nonce"]
    assert pending["code_verifier"] not in url  # the verifier stays on the server
    assert parse_qs(urlsplit(to_provider(web, "ial1")).query)["acr_values"] == [IAL1]
    assert web.get("/signin/", {"level": "ial9"}).status_code == 400


def test_ial1_sees_only_what_it_booked_while_signed_in(signin_settings, oidc_provider, office):
    from tests.web.test_public_site import PERSON, first_start

    web = Client()
    response = sign_in(web, oidc_provider, "sam", "ial1")
    assert response.status_code == 302 and response["Location"] == "/my/"
    account = PublicAccount.objects.get()
    assert account.level == "ial1" and "sam" not in account.subject_key

    # Someone else's booking with a code, and one of Sam's own made before signing in: neither shows.
    start = first_start(Client())
    Client().post(
        "/book/details/",
        {"office": "A01", "service": "direct_deposit_change", "mode": "in_person", "start": start, "token": "o"}
        | PERSON,
    )
    page = web.get("/my/").content.decode()
    assert 'id="no-appointments"' in page and 'id="level-note"' in page
    # The sign-out form redirects to the provider: the page's CSP lets a form go there, and nowhere else new.
    form_action = [d for d in web.get("/my/")["Content-Security-Policy"].split(";") if "form-action" in d]
    assert form_action == [f" form-action 'self' {oidc_provider.issuer}"] or form_action == [
        f"form-action 'self' {oidc_provider.issuer}"
    ]
    assert "Who we shared your information with" not in page

    # Booked while signed in: recorded on the account and listed, with change and cancel.
    data = {"office": "A01", "service": "direct_deposit_change", "mode": "in_person", "start": start, "token": "s"}
    booked = web.post("/book/details/", data | PERSON | {"first_name": "Sam", "last_name": "Stone"})
    assert booked.status_code == 302
    mine = AccountBooking.objects.get(account=account).appointment
    page = web.get("/my/").content.decode()
    assert mine.code in page and page.count("Change ") >= 1
    assert f'value="{mine.public_id}"' in page and mine.person.last_name == "Stone"
    others = [a for a in mine.__class__.objects.exclude(pk=mine.pk)]
    assert others and all(a.code not in page for a in others)

    # Cancel through the site's own cancel page, opened from the list.
    opened = web.post("/my/appointment/", {"appointment": str(mine.public_id), "action": "cancel"})
    assert opened.status_code == 302 and opened["Location"] == "/appointment/cancel/"
    assert web.post("/appointment/cancel/").status_code == 302
    mine.refresh_from_db()
    assert mine.status == "cancelled"
    # Another person's appointment cannot be opened from this account.
    refused = web.post("/my/appointment/", {"appointment": str(others[0].public_id), "action": "view"})
    assert refused.status_code == 404
    assert web.post("/my/appointment/", {"appointment": "not-a-uuid", "action": "view"}).status_code == 404


def test_asking_for_ial2_without_being_proofed_signs_in_at_ial1(signin_settings, oidc_provider):
    web = Client()
    assert sign_in(web, oidc_provider, "sam", "ial2").status_code == 302
    assert web.session["fd_public_account"]["level"] == "ial1"
    assert PublicAccount.objects.get().level == "ial1"
    assert not LedgerEvent.objects.filter(type="identity.account.linked").exists()


def test_a_sign_in_started_in_spanish_comes_back_in_spanish(signin_settings, oidc_provider):
    web = Client()
    response = sign_in(web, oidc_provider, "sam", "ial1", prefix="/es")
    assert response["Location"] == "/es/my/"
    page = web.get("/es/my/").content.decode()
    assert "Mis citas" in page and "Cerrar sesión" in page


def test_a_wrong_nonce_is_refused(signin_settings, oidc_provider):
    web = Client()
    answer = provider_answer(oidc_provider, to_provider(web, "ial1"), "sam")
    session = web.session
    session["fd_oidc_pending"] = session["fd_oidc_pending"] | {"nonce": "not-the-nonce-we-sent"}
    session.save()
    response = callback(web, answer)
    assert response.status_code == 400
    assert 'data-code="nonce_mismatch"' in response.content.decode()
    assert "fd_public_account" not in web.session and not PublicAccount.objects.exists()


def test_a_replayed_code_is_refused(signin_settings, oidc_provider):
    web = Client()
    answer = provider_answer(oidc_provider, to_provider(web, "ial1"), "sam")
    pending = web.session["fd_oidc_pending"]
    assert callback(web, answer).status_code == 302

    attacker = Client()
    session = attacker.session
    session["fd_oidc_pending"] = pending  # even with the pending sign-in stolen, the code is spent
    session.save()
    response = callback(attacker, answer)
    assert response.status_code == 400 and 'data-code="code_refused"' in response.content.decode()
    assert "fd_public_account" not in attacker.session
    # And the same browser cannot replay the answer: its pending sign-in was used once.
    again = callback(web, answer)
    assert again.status_code == 400 and 'data-code="no_sign_in_started"' in again.content.decode()


def test_an_altered_state_is_refused(signin_settings, oidc_provider):
    web = Client()
    answer = provider_answer(oidc_provider, to_provider(web, "ial1"), "sam")
    response = callback(web, answer.replace("state=", "state=x"))
    assert response.status_code == 400 and 'data-code="state_mismatch"' in response.content.decode()
    assert not PublicAccount.objects.exists()


def test_an_expired_id_token_is_refused(signin_settings, oidc_provider, monkeypatch):
    web = Client()
    answer = provider_answer(oidc_provider, to_provider(web, "ial1"), "sam")
    # Our clock two hours on (the provider's ID tokens last one): the sign-in itself is as fresh as ever.
    later = time.time() + 2 * 3600
    session = web.session
    session["fd_oidc_pending"] = session["fd_oidc_pending"] | {"started": later}
    session.save()
    monkeypatch.setattr(oidc.time, "time", lambda: later)
    response = callback(web, answer)
    assert response.status_code == 400 and 'data-code="token_expired"' in response.content.decode()
    assert not PublicAccount.objects.exists()


def test_a_provider_naming_another_issuer_is_refused(signin_settings, oidc_provider):
    # The same provider reached by another name: its discovery document names a different issuer.
    signin_settings.FRONTDESK_OIDC_ISSUER = oidc_provider.issuer.replace("127.0.0.1", "localhost")
    web = Client()
    response = web.get("/signin/", {"level": "ial1"})
    assert response.status_code == 502 and 'data-code="issuer_mismatch"' in response.content.decode()
    assert "fd_oidc_pending" not in web.session


def test_an_answer_naming_another_issuer_is_refused(signin_settings, oidc_provider):
    web = Client()
    answer = provider_answer(oidc_provider, to_provider(web, "ial1"), "sam")
    assert "iss=" in answer  # RFC 9207: the provider names itself in its answer
    forged = answer.replace("iss=http", "iss=https")
    response = callback(web, forged)
    assert response.status_code == 502 and 'data-code="issuer_mismatch"' in response.content.decode()
    assert not PublicAccount.objects.exists()


def test_sign_out_ends_the_session_here_and_at_the_provider(signin_settings, oidc_provider):
    web = Client()
    browser = requests.Session()
    answer = provider_answer(oidc_provider, to_provider(web, "ial1"), "sam", browser)
    assert callback(web, answer).status_code == 302
    id_token = web.session["fd_public_account"]["id_token"]

    response = web.post("/signout/")
    assert response.status_code == 302
    end = response["Location"]
    assert end.startswith(f"{oidc_provider.issuer}/session/end?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(end).query).items()}
    assert query["id_token_hint"] == id_token
    assert query["post_logout_redirect_uri"] == "http://testserver/signout/done/"
    assert query["state"] == web.session["fd_oidc_logout_state"]
    # Signed out here already, before the provider answers.
    assert web.get("/my/")["Location"] == "/signin/"

    # At the provider: its confirmation form, submitted as a browser would.
    page = browser.get(end, timeout=10)
    assert page.status_code == 200
    form = dict(__import__("re").findall(r'name="(\w+)" value="([^"]*)"', page.text))
    action = __import__("re").search(r'action="([^"]+)"', page.text).group(1)
    confirmed = browser.post(
        requests.compat.urljoin(end, action), data=form | {"logout": "yes"}, allow_redirects=False, timeout=10
    )
    assert confirmed.status_code in (302, 303)
    back = confirmed.headers["Location"]
    assert back.startswith("http://testserver/signout/done/")
    done = callback(web, back)
    assert done.status_code == 200
    assert "You are signed out of this site and of Login.gov." in done.content.decode()
    # The provider's session is gone: a new sign-in goes through its login step again.
    again = browser.get(to_provider(Client(), "ial1"), allow_redirects=False, timeout=10)
    assert "/interaction/" in again.headers["Location"]
    details = browser.get(requests.compat.urljoin(oidc_provider.issuer, again.headers["Location"]) + "?user=nobody")
    assert details.status_code == 400 and "unknown test user" in details.text


def test_a_signed_in_member_of_the_public_is_not_staff(signin_settings, oidc_provider):
    web = Client()
    assert sign_in(web, oidc_provider, "ana", "ial2").status_code == 302
    console = web.get("/console/")
    assert console.status_code == 302 and "/console/sign-in" in console["Location"]


def test_the_code_path_and_its_limit_stay_for_everyone(signin_settings, oidc_provider, office, settings):
    from tests.web.test_public_site import PERSON, first_start

    settings.FRONTDESK_LOOKUP_RATE_CLIENT = "3/10m"
    start = first_start(Client())
    data = {"office": "A01", "service": "direct_deposit_change", "mode": "in_person", "start": start, "token": "c"}
    assert Client().post("/book/details/", data | PERSON).status_code == 302
    code = Appointment.objects.get().code

    web = Client()
    assert sign_in(web, oidc_provider, "sam", "ial1").status_code == 302
    look_up = {"code": code, "last_name": "Rivera", "dob_month": "5", "dob_day": "17", "dob_year": "1960"}
    found = web.post("/appointment/find/", look_up)
    assert found.status_code == 302 and found["Location"] == "/appointment/"
    # Signing in is no way around the per-client limit on look-ups (docs/adr/0018).
    answers = [web.post("/appointment/find/", look_up | {"last_name": "Wrong"}).status_code for _ in range(3)]
    assert answers[-1] == 429
