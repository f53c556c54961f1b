"""What the site answers when no view can: unknown addresses, refusals, bad requests, server errors.

config/urls.py names these as Django's handler400/403/404/500 and settings name `csrf_failure` as the
CSRF failure view. One rule picks the answer by the first segment of the path, so a client always gets
the language it speaks (docs/adr/0009-error-responses.md):

- `/api/` and `/ledger/`: JSON `{"code", "message"}`, the shape both already use for their own errors,
  whatever the request's Accept header says. `JsonErrorsMiddleware` also turns any other error answer
  there (django-ninja's plain-text 405, `require_GET`'s empty one) into that shape, keeping `Allow`.
- `/console/`: the console's look, in English, with a way to the console and to sign-in.
- everything else: the public site's look in the language of the path (English at /, Spanish at /es/).

Pages render from a plain context, not a RequestContext: no context processor, session, user or
database query runs, so the 500 page still renders when one of those is what failed. Nothing from the
request (path, query, form data, the exception) is echoed back, and every answer is `no-store`.
"""

from collections.abc import Callable
from http import HTTPStatus

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils import translation
from django.utils.cache import add_never_cache_headers

JSON_SURFACES = ("api", "ledger")
# Headers that tell a client what to do next; kept when an error answer is rewritten as JSON.
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")
# Methods a 405 may name back; anything else a client invents is not echoed.
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})

API_ERRORS: dict[int, tuple[str, str]] = {
    400: ("malformed_request", "The request could not be read; check its address, parameters and body."),
    401: ("unauthenticated", "Sign in as staff to use this endpoint."),
    403: ("forbidden", "You may not use this endpoint."),
    404: ("not_found", "Nothing is at this address. The API's endpoints are listed at /api/v1/docs."),
    405: ("method_not_allowed", "This endpoint does not accept that method."),
    413: ("too_large", "The request is too large."),
    500: ("server_error", "Something went wrong on our side. Try again later."),
    503: ("unavailable", "The service is briefly unavailable. Nothing was saved; try again in a few seconds."),
}
# How long a client should wait before trying again when the database is away (a failover takes seconds).
RETRY_AFTER_SECONDS = 2
LEDGER_NOT_FOUND = (
    "Nothing is at this address. The ledger serves /ledger/checkpoint, /ledger/key and tiles under /ledger/tile/."
)
CSRF_FAILED = (
    "csrf_failed",
    "The CSRF check failed: a signed-in session must send its CSRF token in the X-CSRFToken header.",
)

# Last resort when even the 500 template cannot render (a missing static file in a manifest, say):
# no template engine, no static files, nothing that can fail.
FALLBACK_500 = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Something went wrong</title></head>
<body><main><h1>Sorry, something went wrong on our side</h1>
<p>Please try again in a few minutes.</p>
<p lang="es">Lo sentimos, algo salió mal de nuestra parte. Intente de nuevo en unos minutos.</p>
<p><a href="/">Start page</a> · <a href="/es/" lang="es">Página de inicio</a></p></main></body></html>
"""


def surface(request: HttpRequest) -> str:
    """Which part of the site a path belongs to: "api", "ledger", "console" or "public"."""
    first = request.path_info.lstrip("/").split("/", 1)[0]
    return first if first in ("api", "ledger", "console") else "public"


def json_error(
    request: HttpRequest, status: int, *, code: str = "", message: str = "", replaces: HttpResponse | None = None
) -> JsonResponse:
    """The API's error shape for `status`; `replaces` is the answer it stands in for (its headers are kept)."""
    default_code, default_message = API_ERRORS.get(status, ("http_error", _phrase(status)))
    if status == 404 and surface(request) == "ledger":
        default_message = LEDGER_NOT_FOUND
    if status == 405 and replaces is not None and replaces.has_header("Allow"):
        method = request.method if request.method in HTTP_METHODS else "that method"
        default_message = f"This endpoint does not accept {method}; use {replaces['Allow']}."
    response = JsonResponse({"code": code or default_code, "message": message or default_message}, status=status)
    if replaces is not None:
        for header in KEPT_HEADERS:
            if replaces.has_header(header):
                response[header] = replaces[header]
    add_never_cache_headers(response)
    return response


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase + "."
    except ValueError:
        return "The request failed."


def _page(request: HttpRequest, status: int, name: str) -> HttpResponse:
    """The HTML error page `name` for the request's surface, rendered without touching the request."""
    if surface(request) == "console":
        template, language = f"console/errors/{name}.html", "en"
    else:
        template = f"public/errors/{name}.html"
        language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        html = loader.render_to_string(template, {"fd_language": language})
    response = HttpResponse(html, status=status)
    response["Content-Language"] = language
    add_never_cache_headers(response)
    return response


def _answer(request: HttpRequest, status: int, name: str) -> HttpResponse:
    if surface(request) in JSON_SURFACES:
        return json_error(request, status)
    return _page(request, status, name)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # Called for SuspiciousOperation too, DisallowedHost included: never call request.get_host() here.
    return _answer(request, 400, "400")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 403, "403")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 404, "404")


def server_error(request: HttpRequest) -> HttpResponse:
    try:
        return _answer(request, 500, "500")
    except Exception:
        response = HttpResponse(FALLBACK_500, status=500)
        add_never_cache_headers(response)
        return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's CSRF_FAILURE_VIEW. The reason is logged by Django (django.security.csrf), never shown."""
    if surface(request) in JSON_SURFACES:
        code, message = CSRF_FAILED
        return json_error(request, 403, code=code, message=message)
    return _page(request, 403, "csrf")


class JsonErrorsMiddleware:
    """Under /api/ and /ledger/, every error answer is JSON in the API's shape, whoever produced it.

    Views there already answer their own errors in JSON; this catches the rest: django-ninja's
    plain-text 405, `require_GET`'s empty 405, any `HttpResponseBadRequest`. With DEBUG on (only when a
    developer asks, DJANGO_DEBUG=1), 5xx answers are left alone so that the traceback stays visible.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or surface(request) not in JSON_SURFACES:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if settings.DEBUG and response.status_code >= 500:
            return response
        return json_error(request, response.status_code, replaces=response)


class DatabaseUnavailableMiddleware:
    """A request that lost the database (the primary failing over, a restart) is a 503 with Retry-After.

    Its transaction was rolled back, so nothing it did was kept: saying "try again shortly" is true,
    where a 500 would say something is broken. The page or JSON is the surface's own, as for a 500.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, OperationalError | InterfaceError) or settings.DEBUG:
            return None
        if surface(request) in JSON_SURFACES:
            response: HttpResponse = json_error(request, 503)
        else:
            try:
                response = _page(request, 503, "500")
            except Exception:
                response = HttpResponse(FALLBACK_500, status=503)
                add_never_cache_headers(response)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
