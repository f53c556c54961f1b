"""The JSON API under /api/v1/, with its OpenAPI document at /api/v1/openapi.json.

Domain errors map to responses here, in one place: each carries a machine-readable code and a
sentence a person can act on.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema

from frontdesk.accounts.tokens import InsufficientScope, InvalidToken
from frontdesk.core.errors import DomainError, TooManyAttempts

from .disclosures import router as disclosures_router
from .public import router as public_router
from .staff import router as staff_router
from .tokens import security_with_scopes


class FrontdeskApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        return security_with_scopes(super().get_openapi_schema(**kwargs))


api = FrontdeskApi(
    title="frontdesk",
    version="1",
    description=(
        "Appointments at public-benefit field offices. Staff endpoints need a signed-in session (sending its "
        "CSRF token in X-CSRFToken) or a staff API token (Authorization: Bearer fdk_..., see the BearerToken "
        "scheme for its scopes). "
        "Request bodies are JSON sent as Content-Type: application/json (anything else is answered 415); "
        "answers are not cached (Cache-Control: no-store)."
    ),
    urls_namespace="api",
)


def _error(request: HttpRequest, status: int, code: str, message: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"code": code, "message": message, **extra}, status=status)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = _error(request, exc.status, exc.code, exc.message, field=exc.field)
    if isinstance(exc, TooManyAttempts):
        response["Retry-After"] = str(exc.retry_after)
    return response


def _describe(error: dict) -> str:
    where = ".".join(str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "payload"))
    return f"{where}: {error.get('msg', 'invalid')}" if where else error.get("msg", "invalid")


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # django-ninja's own answer is {"detail": ...}; keep one shape for every API error.
    return _error(request, 404, "not_found", "Nothing is at this address.")


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors]
    summary = "; ".join(_describe(e) for e in errors[:5])
    return _error(request, 422, "validation_error", f"Some fields need fixing: {summary}.", errors=errors)


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _error(
        request, 401, "unauthenticated", "Sign in as staff, or send a staff API token, to use this endpoint."
    )
    response["WWW-Authenticate"] = 'Bearer realm="frontdesk"'
    return response


# RFC 6750 section 3: the bearer challenge names what was wrong with the token.
@api.exception_handler(InvalidToken)
def invalid_token(request: HttpRequest, exc: InvalidToken) -> HttpResponse:
    response = _error(request, 401, exc.code, exc.message)
    response["WWW-Authenticate"] = 'Bearer realm="frontdesk", error="invalid_token"'
    return response


@api.exception_handler(InsufficientScope)
def insufficient_scope(request: HttpRequest, exc: InsufficientScope) -> HttpResponse:
    response = _error(request, 403, exc.code, exc.message)
    response["WWW-Authenticate"] = f'Bearer realm="frontdesk", error="insufficient_scope", scope="{exc.scope}"'
    return response


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 403 and str(exc) == "CSRF check Failed":  # django-ninja's session auth
        message = "The CSRF check failed: a signed-in session must send its CSRF token in the X-CSRFToken header."
        return _error(request, 403, "csrf_failed", message)
    if exc.status_code == 400:
        return _error(request, 400, "malformed_request", "The request body is not valid JSON; send a JSON object.")
    return _error(request, exc.status_code, "http_error", str(exc))


api.add_router("/", public_router)
api.add_router("/staff/", staff_router)
api.add_router("/disclosures/", disclosures_router)
