"""Staff role administration: the staff list, a person's roles, the approval queue and the history.

Administrators only (access.py). Every decision is accounts.services' and accounts.policies'; these
views collect the input and show the answer (docs/adr/0015-staff-role-administration.md).
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from frontdesk.accounts import selectors, services
from frontdesk.accounts.roles import ROLE_LABELS, Role
from frontdesk.core.errors import DomainError, NotFound
from frontdesk.offices.models import Office

from .form_flow import form_submit
from .staff_forms import RoleDecisionForm, RoleGrantForm, RoleRevokeForm, StaffSearchForm

PAGE = 50


def _person_url(username: str) -> str:
    return f"{reverse('console:staff-person')}?{urlencode({'username': username})}"


def _decision_prefix(change: Any) -> str:
    return f"c{change.public_id.hex}"


@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    form = StaffSearchForm(request.GET or None)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    people = selectors.staff_list(actor=request.user, query=data.get("q", ""), office_code=data.get("office", ""))
    page = Paginator(people, PAGE).get_page(request.GET.get("page"))
    rows = [(person, selectors.roles_held(person)) for person in page]
    query = urlencode({k: v for k, v in data.items() if v})
    return render(request, "console/staff_list.html", {"form": form, "page": page, "rows": rows, "query": query})


def _person_page(
    request: HttpRequest,
    username: str,
    grant_form: RoleGrantForm | None = None,
    revoke_form: RoleRevokeForm | None = None,
) -> HttpResponse:
    answer = selectors.staff_roles_get(actor=request.user, username=username)
    held = [(h.role.value, h.label) for h in answer.held]
    grant_form = grant_form or RoleGrantForm(initial={"username": username}, grantable=answer.grantable)
    revoke_form = revoke_form or RoleRevokeForm(initial={"username": username}, held=held)
    history = selectors.role_change_history(actor=request.user, target=answer.person)[:PAGE]
    context = {
        "answer": answer,
        "grant_form": grant_form,
        "revoke_form": revoke_form,
        "decisions": [(p, RoleDecisionForm(prefix=_decision_prefix(p.change))) for p in answer.pending],
        "history": [(c, ROLE_LABELS.get(c.role, c.role)) for c in history],
        "hours": services.pending_lifetime().total_seconds() // 3600,
    }
    status = 422 if grant_form.errors or revoke_form.errors else 200
    return render(request, "console/staff_person.html", context, status=status)


@require_GET
def staff_person(request: HttpRequest) -> HttpResponse:
    username = request.GET.get("username", "")
    if not username:
        return redirect("console:staff")
    return _person_page(request, username)


@require_POST
def staff_grant(request: HttpRequest) -> HttpResponse:
    username = request.POST.get("grant-username", "")
    person = selectors.staff_get(actor=request.user, username=username)
    answer = selectors.staff_roles_get(actor=request.user, username=username)
    form = RoleGrantForm(request.POST, grantable=answer.grantable)
    if form.is_valid():
        data = form.cleaned_data
        office = None
        if data["office"]:
            office = Office.objects.filter(code=data["office"].strip()).first()
            if office is None:
                form.add_error("office", "No office has that code.")
                form.mark_invalid("office")
        if not form.errors:
            try:
                change = services.role_grant(
                    actor=request.user,
                    target=person,
                    role=data["role"],
                    office=office,
                    region=data["region"],
                    reason=data["reason"],
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                label = ROLE_LABELS[Role(change.role)].lower()
                if change.status == "pending":
                    messages.success(request, f"Asked to make {username} {label}: a second administrator approves it.")
                else:
                    messages.success(request, f"{username} is now {label}.")
                return redirect(_person_url(username))
    return _person_page(request, username, grant_form=form)


@require_POST
def staff_revoke(request: HttpRequest) -> HttpResponse:
    username = request.POST.get("revoke-username", "")
    person = selectors.staff_get(actor=request.user, username=username)
    held = [(h.role.value, h.label) for h in selectors.roles_held(person)]
    form = RoleRevokeForm(request.POST, held=held)
    if form_submit(
        request,
        form,
        lambda data: services.role_revoke(actor=request.user, target=person, role=data["role"], reason=data["reason"]),
        done=lambda _: f"{username} no longer holds the role {ROLE_LABELS[Role(form.cleaned_data['role'])].lower()}.",
    ):
        return redirect(_person_url(username))
    return _person_page(request, username, revoke_form=form)


def _approvals_page(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    pending = selectors.pending_views(request.user, selectors.role_changes_pending(actor=request.user))
    decisions = [(p, RoleDecisionForm(prefix=_decision_prefix(p.change))) for p in pending]
    context = {"decisions": decisions, "error": error, "hours": services.pending_lifetime().total_seconds() // 3600}
    return render(request, "console/staff_approvals.html", context, status=status)


@require_GET
def staff_approvals(request: HttpRequest) -> HttpResponse:
    return _approvals_page(request)


@require_POST
def staff_decide(request: HttpRequest) -> HttpResponse:
    """Approve or reject one pending grant; a refusal shows on the queue with its 4xx status."""
    try:
        change = selectors.role_change_get(actor=request.user, public_id=request.POST.get("change", ""))
    except (ValueError, ValidationError):  # not a UUID: the same answer as an unknown change
        raise NotFound("No such role change.", code="role_change_not_found") from None
    form = RoleDecisionForm(request.POST, prefix=_decision_prefix(change))
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject") or not form.is_valid():
        return _approvals_page(request, "Choose approve or reject.", status=422)
    label = ROLE_LABELS[Role(change.role)].lower()
    name = change.target.get_username()
    try:
        if decision == "approve":
            services.role_change_approve(actor=request.user, change=change)
        else:
            services.role_change_reject(actor=request.user, change=change, reason=form.cleaned_data["decision_reason"])
    except DomainError as error:
        return _approvals_page(request, error.message, status=error.status)
    if decision == "approve":
        messages.success(request, f"Approved: {name} is now {label}.")
    else:
        messages.success(request, f"Rejected: {name} does not become {label}.")
    if request.POST.get("next") == "person":
        return redirect(_person_url(name))
    return redirect("console:staff-approvals")


@require_GET
def staff_history(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:150]
    changes = selectors.role_change_history(actor=request.user, query=query)
    page = Paginator(changes, PAGE).get_page(request.GET.get("page"))
    rows = [(c, ROLE_LABELS.get(c.role, c.role)) for c in page]
    return render(request, "console/staff_history.html", {"page": page, "rows": rows, "query": query})
