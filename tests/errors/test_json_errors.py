"""Under /api/ and /ledger/ every error is JSON {"code", "message"}, whatever the Accept header asks for.

No answer lists URL patterns, carries a traceback or echoes the exception; 405 says what is allowed.
"""

import pytest
from django.test import Client

from frontdesk.accounts.roles import Role
from tests.errors.failing_urls import SECRET
from tests.factories import OfficeFactory, staff_user

ACCEPTS = ["application/json", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "*/*", "text/plain"]


def error_body(response, status: int, code: str, *, ours: bool = True) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message"}
    assert body["code"] == code
    assert body["message"]
    text = response.content.decode()
    for leak in ("Traceback", "URLconf", "urlpatterns", "<html", "office_list", "staff/appointments", SECRET):
        assert leak not in text
    if ours:  # answers made by config/errors.py; the API's own errors keep their own headers
        assert "no-store" in response["Cache-Control"]
    return body


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ACCEPTS)
@pytest.mark.parametrize("path", ["/api/v1/no-such-endpoint", "/api/v1/offices/A01/nothing/here", "/api/", "/api/v2/"])
def test_an_unknown_api_path_is_a_json_404(path, accept):
    body = error_body(Client().get(path, HTTP_ACCEPT=accept), 404, "not_found")
    assert "/api/v1/docs" in body["message"]


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ACCEPTS)
def test_a_wrong_method_is_a_json_405_that_says_what_is_allowed(accept):
    response = Client().delete("/api/v1/offices", HTTP_ACCEPT=accept)
    body = error_body(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"
    assert "DELETE" in body["message"] and "GET" in body["message"]


@pytest.mark.django_db
def test_a_wrong_method_on_a_path_with_several_methods_lists_them_all():
    response = Client().put("/api/v1/staff/appointments")
    error_body(response, 405, "method_not_allowed")
    assert "POST" in response["Allow"]


@pytest.mark.urls("tests.errors.failing_urls")
@pytest.mark.parametrize("accept", ACCEPTS)
def test_an_api_view_that_raises_is_a_json_500_without_a_traceback(accept, caplog):
    response = Client(raise_request_exception=False).get("/api/failing/explode", HTTP_ACCEPT=accept)
    error_body(response, 500, "server_error")
    # The operator still gets the traceback, in the log, not the client.
    assert any(record.exc_info and SECRET in str(record.exc_info[1]) for record in caplog.records)


@pytest.mark.urls("tests.errors.failing_urls")
def test_a_request_that_lost_the_database_is_a_json_503_saying_when_to_retry():
    response = Client(raise_request_exception=False).get("/api/failing/database-away")
    error_body(response, 503, "unavailable")
    assert response["Retry-After"] == "2" and SECRET not in response.content.decode()


@pytest.mark.urls("tests.errors.failing_urls")
def test_a_page_that_lost_the_database_is_the_sites_page_with_503():
    for path in ("/es/failing/database-away/", "/console/failing/database-away/"):
        response = Client(raise_request_exception=False).get(path)
        assert response.status_code == 503 and response["Retry-After"] == "2"
        assert SECRET not in response.content.decode() and "<h1" in response.content.decode()


@pytest.mark.urls("tests.errors.failing_urls")
def test_an_api_view_that_refuses_is_a_json_403():
    error_body(Client().get("/api/failing/refuse", HTTP_ACCEPT="text/html"), 403, "forbidden")


@pytest.mark.urls("tests.errors.failing_urls")
def test_a_suspicious_api_request_is_a_json_400():
    error_body(Client().get("/api/failing/suspicious", HTTP_ACCEPT="text/html"), 400, "malformed_request")


@pytest.mark.django_db
def test_a_request_for_an_unknown_host_is_a_json_400_under_the_api():
    response = Client().get("/api/v1/offices", HTTP_HOST="attacker.example", HTTP_ACCEPT="text/html")
    body = error_body(response, 400, "malformed_request")
    assert "attacker.example" not in body["message"]


@pytest.mark.django_db
def test_a_staff_write_without_its_csrf_token_is_a_json_403():
    clerk = staff_user("clerk", Role.COUNTER_CLERK, OfficeFactory(code="A01"))
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    response = client.post("/api/v1/staff/appointments", {}, content_type="application/json", HTTP_ACCEPT="text/html")
    body = error_body(response, 403, "csrf_failed", ours=False)
    assert "X-CSRFToken" in body["message"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/ledger/no-such-thing", "/ledger/", "/ledger/tile", "/ledger/audit/nothing"])
def test_an_unknown_ledger_path_is_a_404_in_the_ledgers_own_error_shape(path):
    body = error_body(Client().get(path, HTTP_ACCEPT="text/html"), 404, "not_found")
    assert "/ledger/checkpoint" in body["message"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/ledger/key", "/ledger/checkpoint", "/ledger/audit/proofs/inclusion"])
def test_a_wrong_method_on_the_ledger_is_a_json_405_not_a_csrf_refusal(path):
    # The ledger is read-only: a POST from a browser without a CSRF token still learns to use GET.
    response = Client(enforce_csrf_checks=True).post(path, HTTP_ACCEPT="text/html")
    error_body(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


@pytest.mark.django_db
def test_the_apis_own_errors_are_left_as_they_are():
    response = Client().get("/api/v1/offices/ZZZ99")
    assert response.status_code == 404
    assert response.json()["code"] != ""
    response = Client().get("/api/v1/offices/near", {"zip": "abc"})
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["field"] == "zip"  # the API's own extra fields survive


@pytest.mark.django_db
def test_an_http404_inside_an_api_operation_keeps_the_apis_shape(monkeypatch):
    from django.http import Http404

    def missing(code):
        raise Http404(SECRET)

    monkeypatch.setattr("frontdesk.api.public.office_by_code", missing)
    error_body(Client().get("/api/v1/offices/A01"), 404, "not_found", ours=False)


@pytest.mark.django_db
def test_a_real_api_operation_that_raises_is_a_json_500(monkeypatch):
    def broken(code):
        raise RuntimeError(SECRET)

    monkeypatch.setattr("frontdesk.api.public.office_by_code", broken)
    response = Client(raise_request_exception=False).get("/api/v1/offices/A01", HTTP_ACCEPT="text/html")
    error_body(response, 500, "server_error")


@pytest.mark.django_db
def test_an_invented_method_is_not_echoed_back():
    response = Client().generic("BREW<script>", "/api/v1/offices")
    body = error_body(response, 405, "method_not_allowed")
    assert "BREW" not in body["message"] and response["Allow"] == "GET"
