"""Staff routes take a signed-in session (with its CSRF token) or an API token (`Authorization: Bearer fdk_...`).

Each staff operation needs one scope (OPERATION_SCOPES, by the operation id the OpenAPI document shows);
an operation missing from it is not open to tokens at all (deny by default, and
tests/api/test_api_tokens.py fails on any left unmapped). The token is checked, its scope decided and
its use recorded by `accounts.services`; this module only reads the header and says which scope the
operation needs. A bearer request carries no cookie a browser would send on its own, so it needs no CSRF
token; a session request still does (django-ninja's session auth checks it). docs/adr/0019-api-tokens.md.
"""

import inspect
from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.constants import NOT_SET
from ninja.openapi.schema import OpenAPISchema
from ninja.security import HttpBearer, django_auth

from frontdesk.accounts import token_services
from frontdesk.accounts.models import ApiToken
from frontdesk.accounts.tokens import SCOPE_LABELS, TokenScope

READ_SCHEDULE = TokenScope.SCHEDULE_READ
WRITE_SCHEDULE = TokenScope.SCHEDULE_WRITE
READ_PEOPLE = TokenScope.PEOPLE_READ
READ_DISCLOSURES = TokenScope.DISCLOSURES_READ
WRITE_DISCLOSURES = TokenScope.DISCLOSURES_WRITE

_STAFF = "frontdesk_api_staff_"
_DISCLOSURES = "frontdesk_api_disclosures_"

OPERATION_SCOPES: dict[str, TokenScope] = {
    f"{_STAFF}office_schedule": READ_SCHEDULE,
    f"{_STAFF}appointment_detail": READ_SCHEDULE,
    f"{_STAFF}walk_in_queue": READ_SCHEDULE,
    f"{_STAFF}appointment_create": WRITE_SCHEDULE,
    f"{_STAFF}appointment_action": WRITE_SCHEDULE,
    f"{_STAFF}walk_in_create": WRITE_SCHEDULE,
    f"{_STAFF}walk_in_status": WRITE_SCHEDULE,
    f"{_STAFF}closure_create": WRITE_SCHEDULE,
    f"{_STAFF}person_search": READ_PEOPLE,
    f"{_DISCLOSURES}catalog": READ_DISCLOSURES,
    f"{_DISCLOSURES}request_list": READ_DISCLOSURES,
    f"{_DISCLOSURES}request_detail": READ_DISCLOSURES,
    f"{_DISCLOSURES}evidence_download": READ_DISCLOSURES,
    f"{_DISCLOSURES}release_detail": READ_DISCLOSURES,
    f"{_DISCLOSURES}release_packet_json": READ_DISCLOSURES,
    f"{_DISCLOSURES}release_packet_pdf": READ_DISCLOSURES,
    f"{_DISCLOSURES}restriction_list": READ_DISCLOSURES,
    f"{_DISCLOSURES}accounting_list": READ_DISCLOSURES,
    f"{_DISCLOSURES}alert_list": READ_DISCLOSURES,
    f"{_DISCLOSURES}request_create": WRITE_DISCLOSURES,
    f"{_DISCLOSURES}request_update": WRITE_DISCLOSURES,
    f"{_DISCLOSURES}evidence_create": WRITE_DISCLOSURES,
    f"{_DISCLOSURES}subject_drop": WRITE_DISCLOSURES,
    f"{_DISCLOSURES}sign_off_create": WRITE_DISCLOSURES,
    f"{_DISCLOSURES}position_confirmation": WRITE_DISCLOSURES,
    f"{_DISCLOSURES}request_rejection": WRITE_DISCLOSURES,
    f"{_DISCLOSURES}release_create": WRITE_DISCLOSURES,
    f"{_DISCLOSURES}restriction_create": WRITE_DISCLOSURES,
    f"{_DISCLOSURES}restriction_update": WRITE_DISCLOSURES,
}

SCHEME_DESCRIPTION = (
    "An API token issued on the staff console's API tokens page (console/tokens/), sent as "
    "`Authorization: Bearer fdk_...`. It acts as the staff member who issued it, with that member's roles "
    "at the moment of the call *and* the token's scopes; it expires (at most 90 days) and can be revoked. "
    "Every call is recorded on the ledger. A bearer request needs no CSRF token. Scopes: "
    + "; ".join(f"`{scope.value}`: {label}" for scope, label in SCOPE_LABELS.items())
    + ". A missing scope is answered 403 `insufficient_scope`; an unknown, expired or revoked token 401 "
    '`invalid_token` with `WWW-Authenticate: Bearer error="invalid_token"`.'
)


class BearerToken(HttpBearer):
    """One instance per operation, holding the scope that operation needs."""

    openapi_bearerFormat = "fdk_"
    openapi_description = SCHEME_DESCRIPTION

    def __init__(self, operation_id: str) -> None:
        self.operation_id = operation_id
        self.scope = OPERATION_SCOPES.get(operation_id)
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        api_token = token_services.api_token_authenticate(raw=token.strip())
        token_services.api_token_use(token=api_token, scope=self.scope, operation=self.operation_id)
        # The services behind the operation take `actor=request.user`: the token acts as its owner.
        request.user = api_token.owner
        return api_token


def operation_id_of(view_func: Any) -> str:
    """The id django-ninja gives an operation in the OpenAPI document (NinjaAPI.get_openapi_operation_id)."""
    return f"{view_func.__module__}_{view_func.__name__}".replace(".", "_")


def scope_sentence(scope: TokenScope | None) -> str:
    if scope is None:
        return "API tokens: not accepted; use a signed-in session."
    return f"API tokens: needs the scope `{scope.value}`."


class StaffRouter(Router):
    """A router whose operations (unless they set their own `auth`) take a session or a scoped token."""

    def add_api_operation(
        self, path: str, methods: list[str], view_func: Any, *, auth: Any = NOT_SET, **kw: Any
    ) -> None:
        if auth is NOT_SET:
            operation_id = kw.get("operation_id") or operation_id_of(view_func)
            auth = [BearerToken(operation_id), django_auth]
            described = kw.get("description") or inspect.cleandoc(view_func.__doc__ or "")
            kw["description"] = "\n\n".join(
                p for p in (described, scope_sentence(OPERATION_SCOPES.get(operation_id))) if p
            )
        super().add_api_operation(path, methods, view_func, auth=auth, **kw)


def security_with_scopes(schema: OpenAPISchema) -> OpenAPISchema:
    """Name each operation's scope in its security requirement (OpenAPI 3.1 allows role names there)."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            scope = OPERATION_SCOPES.get(operation.get("operationId", ""))
            for requirement in operation.get("security", ()):
                if "BearerToken" in requirement:
                    requirement["BearerToken"] = [scope.value] if scope else []
    return schema
