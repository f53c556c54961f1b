"""The privacy office: disclosure requests, sign-off, release, accounting, transparency, alerts.

Built on the disclosures app's services and selectors; see the report in docs/adr/0006-web-stack.md
for what that app offered when these pages were written.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods


def _waiting(request: HttpRequest, title: str) -> HttpResponse:
    return render(request, "console/waiting.html", {"title": title})


@require_http_methods(["GET", "POST"])
def outside_request(request: HttpRequest) -> HttpResponse:
    return _waiting(request, "Record an outside request")


def privacy_requests(request: HttpRequest) -> HttpResponse:
    return _waiting(request, "Disclosure requests")


def privacy_request(request: HttpRequest, request_id: str) -> HttpResponse:
    return _waiting(request, "Disclosure request")


def privacy_request_act(request: HttpRequest, request_id: str) -> HttpResponse:
    return _waiting(request, "Disclosure request")


def privacy_release_download(request: HttpRequest, release_id: str) -> HttpResponse:
    return _waiting(request, "Release packet")


def privacy_accounting(request: HttpRequest) -> HttpResponse:
    return _waiting(request, "Accounting of disclosures")


def privacy_transparency(request: HttpRequest) -> HttpResponse:
    return _waiting(request, "Transparency report")


def privacy_alerts(request: HttpRequest) -> HttpResponse:
    return _waiting(request, "Access alerts")
