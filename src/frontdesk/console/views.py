"""The console's start page: what each role can do, from the same access rules that guard the pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from frontdesk.accounts.roles import ROLE_LABELS, user_roles

from .navigation import sections_for


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    roles = sorted(ROLE_LABELS[r] for r in user_roles(request.user))
    profile = getattr(request.user, "staff_profile", None)
    context = {"roles": roles, "sections": sections_for(request.user), "profile": profile}
    return render(request, "console/home.html", context)
