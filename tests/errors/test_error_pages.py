"""Outside /api/ and /ledger/, errors are the site's own pages: USWDS, plain language, English or Spanish.

They run with DEBUG off (pytest-django's default, as in the demo): no debug page, no traceback, nothing
from the request echoed back, a way back, and the same security headers as every other page.
"""

import re

import pytest
from django.test import Client

from frontdesk.accounts.roles import Role
from tests.errors.failing_urls import SECRET
from tests.factories import OfficeFactory, staff_user
from tests.web.auth import verified_login

FAILING = pytest.mark.urls("tests.errors.failing_urls")
HEADINGS = {
    ("en", 400): "We couldn\u2019t understand that request",
    ("es", 400): "No pudimos entender esa solicitud",
    ("en", 403): "You can\u2019t open this page",
    ("es", 403): "No puede abrir esta página",
    ("en", 404): "We can\u2019t find that page",
    ("es", 404): "No encontramos esa página",
    ("en", 500): "Sorry, something went wrong on our side",
    ("es", 500): "Lo sentimos, algo salió mal de nuestra parte",
    ("en", "csrf"): "Please send the form again",
    ("es", "csrf"): "Envíe el formulario otra vez",
}
WAYS_BACK = {
    "en": ['href="/"', 'href="/offices/"', 'href="/appointment/find/"'],
    "es": ['href="/es/"', 'href="/es/offices/"', 'href="/es/appointment/find/"'],
}


def page(response, status: int, language: str = "en", *, ours: bool = True) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert response["Content-Language"] == language
    assert "usa-banner" in html and "uswds/css/uswds.min.css" in html  # the site's USWDS layout
    for leak in ("Traceback", "URLconf", "technical_", "urlpatterns", SECRET):
        assert leak not in html
    if ours:  # answered by config/errors.py (a view's own 404 keeps its own caching)
        assert "no-store" in response["Cache-Control"]
    return html


def h1(html: str) -> str:
    return re.search(r"<h1>(.*?)</h1>", html, re.S).group(1).strip()


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "prefix"), [("en", ""), ("es", "/es")])
@pytest.mark.parametrize("path", ["/no-such-page/", "/offices/A01/extra/", "/static-nothing.php"])
def test_an_unknown_page_is_the_sites_404_in_the_pages_language(language, prefix, path):
    html = page(Client().get(prefix + path, HTTP_ACCEPT_LANGUAGE="es" if language == "en" else "en"), 404, language)
    assert h1(html) == HEADINGS[(language, 404)]
    for link in WAYS_BACK[language]:
        assert link in html
    assert path.strip("/") not in html  # the address is not echoed back


@pytest.mark.django_db
def test_an_unknown_office_gets_the_same_404_page():
    html = page(Client().get("/es/offices/ZZZ99/"), 404, "es", ours=False)
    assert h1(html) == HEADINGS[("es", 404)]


@FAILING
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_server_error_is_a_plain_page_that_needs_no_database(language):
    # No django_db mark: any query (session, user, context processor) would fail this test.
    prefix = "/es" if language == "es" else ""
    html = page(Client(raise_request_exception=False).get(f"{prefix}/failing/explode/"), 500, language)
    assert h1(html) == HEADINGS[(language, 500)]
    assert {"en": "so that you do not book twice", "es": "para no hacer la cita dos veces"}[language] in html
    for link in WAYS_BACK[language]:
        assert link in html


@FAILING
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_refusal_is_the_sites_403_page(language):
    prefix = "/es" if language == "es" else ""
    html = page(Client().get(f"{prefix}/failing/refuse/"), 403, language)
    assert h1(html) == HEADINGS[(language, 403)]


@FAILING
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_suspicious_request_is_the_sites_400_page(language):
    prefix = "/es" if language == "es" else ""
    html = page(Client().get(f"{prefix}/failing/suspicious/"), 400, language)
    assert h1(html) == HEADINGS[(language, 400)]


@pytest.mark.django_db
def test_a_request_for_an_unknown_host_gets_the_400_page_without_the_host():
    html = page(Client().get("/es/", HTTP_HOST="attacker.example"), 400, "es")
    assert h1(html) == HEADINGS[("es", 400)]
    assert "attacker.example" not in html


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_form_without_its_csrf_token_gets_a_page_that_says_to_send_it_again(language):
    prefix = "/es" if language == "es" else ""
    response = Client(enforce_csrf_checks=True).post(
        f"{prefix}/appointment/find/", {"code": "ABC123", "last_name": "Rivera"}
    )
    html = page(response, 403, language)
    assert h1(html) == HEADINGS[(language, "csrf")]
    assert "Rivera" not in html and "ABC123" not in html  # nothing the person typed comes back
    assert "CSRF" not in html  # Django's reason goes to the log, not to the visitor


# --- The console: its own look, in English, with a way to sign in -------------------------------------


def console_page(response, status: int) -> str:
    html = page(response, status, "en")
    assert "staff console" in html
    assert 'href="/console/sign-in/"' in html and 'href="/console/"' in html
    return html


@pytest.mark.django_db
def test_an_unknown_console_page_is_the_consoles_404():
    html = console_page(Client().get("/console/no-such-page/"), 404)
    assert h1(html) == "There is no console page at this address"


@pytest.mark.django_db
def test_an_unknown_console_page_shows_a_signed_in_member_nothing_about_them():
    clerk = staff_user("clerk-with-a-name", Role.COUNTER_CLERK, OfficeFactory(code="A01"))
    html = console_page(verified_login(Client(), clerk).get("/console/no-such-page/"), 404)
    assert "clerk-with-a-name" not in html


@FAILING
def test_a_console_server_error_is_the_consoles_500_and_needs_no_database():
    html = console_page(Client(raise_request_exception=False).get("/console/failing/explode/"), 500)
    assert h1(html) == HEADINGS[("en", 500)]


@FAILING
def test_a_console_refusal_is_the_consoles_403():
    html = console_page(Client().get("/console/failing/refuse/"), 403)
    assert h1(html) == HEADINGS[("en", 403)]


@pytest.mark.django_db
def test_a_console_form_without_its_csrf_token_gets_the_consoles_page():
    response = Client(enforce_csrf_checks=True).post("/console/sign-in/", {"username": "u", "password": "p"})
    html = console_page(response, 403)
    assert h1(html) == HEADINGS[("en", "csrf")]


@pytest.mark.django_db
def test_the_deny_by_default_refusal_keeps_its_own_message(monkeypatch):
    """access.py's refusal (a page with no rule) is not replaced by the generic 403 page."""
    from frontdesk.console.access import RULES

    monkeypatch.delitem(RULES, "console:sign-in")
    response = Client().get("/console/sign-in/")
    assert response.status_code == 403
    assert "This page has no access rule" in response.content.decode()


# --- Headers: error pages are pages like any other ------------------------------------------------------


@FAILING
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/no-such-page/", 404),
        ("/es/no-such-page/", 404),
        ("/failing/explode/", 500),
        ("/failing/refuse/", 403),
        ("/console/no-such-page/", 404),
        ("/api/v1/no-such-endpoint", 404),
        ("/api/failing/explode", 500),
        ("/ledger/no-such-thing", 404),
    ],
)
def test_error_answers_carry_the_security_headers_and_the_csp(path, status):
    response = Client(raise_request_exception=False).get(path)
    assert response.status_code == status
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@FAILING
def test_the_500_page_has_no_inline_script_or_style():
    html = Client(raise_request_exception=False).get("/failing/explode/").content.decode()
    assert "<style" not in html and " style=" not in html
    assert all(re.search(r'src="[^"]+"', tag) for tag in re.findall(r"<script[^>]*>", html))


@FAILING
def test_when_even_the_500_template_fails_a_fixed_page_answers(monkeypatch):
    def broken(*args, **kwargs):
        raise ValueError("Missing staticfiles manifest entry for 'uswds/css/uswds.min.css'")

    monkeypatch.setattr("config.errors.loader.render_to_string", broken)
    response = Client(raise_request_exception=False).get("/es/failing/explode/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Sorry, something went wrong on our side" in html and "algo salió mal" in html
    assert "manifest" not in html and SECRET not in html
    assert "no-store" in response["Cache-Control"]
    assert "default-src 'self'" in response["Content-Security-Policy"]
