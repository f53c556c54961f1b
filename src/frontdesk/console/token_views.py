"""API tokens for staff integrations: issue one for yourself, see yours, revoke (docs/adr/0019-api-tokens.md).

Any signed-in staff member past MFA opens the page (access.py); what they may issue, see and revoke is
accounts.selectors.api_tokens_get's answer, and the services decide. The secret is shown once, in the
answer to the issuing POST (never stored, never put in the session or a message, never cached).
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from frontdesk.accounts import selectors, token_services
from frontdesk.accounts.models import ApiToken
from frontdesk.accounts.tokens import SCOPE_LABELS, TokenScope
from frontdesk.core.errors import DomainError

from .token_forms import ApiTokenIssueForm, ApiTokenRevokeForm


def _page(
    request: HttpRequest,
    form: ApiTokenIssueForm | None = None,
    issued: tuple[ApiToken, str] | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    answer = selectors.api_tokens_get(actor=request.user)
    context = {
        "answer": answer,
        "form": form or ApiTokenIssueForm(grantable=answer.grantable),
        "issued": issued,
        "error": error,
        "scope_labels": [(s.value, SCOPE_LABELS[s]) for s in TokenScope],
    }
    return render(request, "console/api_tokens.html", context, status=status)


@require_GET
def api_tokens(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
def api_token_issue(request: HttpRequest) -> HttpResponse:
    answer = selectors.api_tokens_get(actor=request.user)
    form = ApiTokenIssueForm(request.POST, grantable=answer.grantable)
    if not form.is_valid():
        return _page(request, form=form, status=422)
    data = form.cleaned_data
    try:
        issued = token_services.api_token_issue(
            actor=request.user, name=data["name"], scopes=data["scopes"], days=data["days"]
        )
    except DomainError as error:
        form.add_domain_error(error)
        return _page(request, form=form, status=error.status)
    return _page(request, issued=issued, status=201)


@require_POST
def api_token_revoke(request: HttpRequest) -> HttpResponse:
    form = ApiTokenRevokeForm(request.POST)
    if not form.is_valid():
        return _page(request, error="Choose a token to revoke.", status=422)
    try:
        token = token_services.api_token_revoke(actor=request.user, token_id=str(form.cleaned_data["token"]))
    except DomainError as error:
        return _page(request, error=error.message, status=error.status)
    messages.success(request, f"Revoked {token.prefix}… ({token.name}). It stops working at once.")
    return redirect("console:api-tokens")
