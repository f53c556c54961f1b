"""Staff sign-in: password, then a TOTP code, for every role that needs MFA (accounts/mfa.py).

Django's `login()` runs only once every required factor has passed, so a session is never signed in
on a password alone: the JSON API's session auth and these pages see the same fully verified user.
django-axes counts failed passwords (5 per username and address, then 15 minutes locked out);
django-otp throttles wrong codes, and five wrong codes end the attempt.
"""

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, authenticate, get_user_model, login, logout
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from frontdesk.accounts.mfa import (
    mfa_required,
    mfa_satisfied,
    secret_base32,
    totp_device_confirmed,
    totp_device_pending,
)

from .forms import CodeForm, SignInForm

PENDING = "fd_mfa_pending"
MAX_CODE_FAILURES = 5
SIGN_IN_REFUSED = "The username or password is not right. After 5 wrong tries, signing in is locked for 15 minutes."


def _next_url(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("console:home")


def _pending_user(request: HttpRequest) -> tuple[User | None, dict[str, Any]]:
    pending = request.session.get(PENDING)
    if not pending:
        return None, {}
    return get_user_model().objects.filter(pk=pending["user"], is_active=True).first(), pending


def _complete(
    request: HttpRequest, user: User, pending: dict[str, Any], device: TOTPDevice | None = None
) -> HttpResponse:
    login(request, user, backend=pending["backend"])
    if device is not None:
        otp_login(request, device)
    request.session.pop(PENDING, None)
    return redirect(_next_url(request, pending.get("next")))


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if mfa_satisfied(request.user):
        return redirect(_next_url(request, next_url))
    form = SignInForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        user = authenticate(request, username=form.cleaned_data["username"], password=form.cleaned_data["password"])
        if user is None:
            form.add_error(None, SIGN_IN_REFUSED)
        else:
            pending = {"user": user.pk, "backend": user.backend, "next": next_url, "failures": 0}
            if not mfa_required(user):
                return _complete(request, user, pending)
            request.session.cycle_key()
            request.session[PENDING] = pending
            step = "console:sign-in-code" if totp_device_confirmed(user) else "console:sign-in-setup"
            return redirect(step)
    return render(request, "console/sign_in.html", {"form": form, "next": next_url})


def _check_code(request: HttpRequest, form: CodeForm, device: TOTPDevice, pending: dict[str, Any]) -> bool:
    token = form.cleaned_data["token"].strip()
    allowed, _ = device.verify_is_allowed()
    if allowed and device.verify_token(token):
        return True
    pending["failures"] = pending.get("failures", 0) + 1
    request.session[PENDING] = pending
    form.add_error("token", "That code did not work. Wait for a new code and try again.")
    return False


@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    user, pending = _pending_user(request)
    if user is None:
        return redirect("console:sign-in")
    device = totp_device_confirmed(user)
    if device is None:
        return redirect("console:sign-in-setup")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid() and _check_code(request, form, device, pending):
        return _complete(request, user, pending, device)
    if pending.get("failures", 0) >= MAX_CODE_FAILURES:
        request.session.pop(PENDING, None)
        messages.error(request, "Too many wrong codes. Sign in again.")
        return redirect("console:sign-in")
    return render(request, "console/sign_in_code.html", {"form": form})


@require_http_methods(["GET", "POST"])
def sign_in_setup(request: HttpRequest) -> HttpResponse:
    user, pending = _pending_user(request)
    if user is None:
        return redirect("console:sign-in")
    if totp_device_confirmed(user) is not None:
        return redirect("console:sign-in-code")
    if not settings.FRONTDESK_MFA_SELF_ENROLL:
        return render(request, "console/sign_in_setup.html", {"self_enroll": False})
    device = totp_device_pending(user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid() and _check_code(request, form, device, pending):
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return _complete(request, user, pending, device)
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=4, border=2)
    context = {"self_enroll": True, "form": form, "secret": secret_base32(device), "qr": qr}
    return render(request, "console/sign_in_setup.html", context)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("console:sign-in")
