"""The per-client limit on public look-ups, for the site and the API alike.

Every POST that looks someone up (by confirmation code, by identity, or by a one-time code) counts
against one limit per client address, whichever surface it came through. The count and its answer
are the scheduling app's (`throttle.lookup_throttle`); this middleware only says which requests are
look-ups and shows the answer in the surface's language: JSON 429 `too_many_attempts` with
Retry-After under /api/, a page in English or Spanish on the site. The per-code limit and the lock
live in `appointment_find`, which every look-up by code goes through.
"""

from collections.abc import Callable
from typing import Any

from axes.helpers import get_client_ip_address
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from frontdesk.core.errors import TooManyAttempts
from frontdesk.floor.models import KioskDevice
from frontdesk.floor.services import KIOSK_COOKIE, kiosk_device_of
from frontdesk.offices.models import Office
from frontdesk.scheduling.throttle import client_key, lookup_throttle

from .errors import wait_message

# URL names of every public look-up. A test posts to each and checks that it is limited, so a
# look-up added without a name here fails there.
LOOKUPS = frozenset(
    {
        "public:appointment-find",
        "public:floor-check-in",
        "public:accounting",
        "public:book-details",
        "public:waitlist-join",
        "public:waitlist-offer",
        "api:waitlist_join",
        "api:waitlist_leave",
        "api:waitlist_offer_read",
        "api:waitlist_offer_claim",
        "api:waitlist_offer_decline",
        "api:waitlist_request",
        "api:waitlist_request_confirm",
        "api:waitlist_offer_code",
        "api:waitlist_offer_claim_with_code",
        "api:waitlist_offer_decline_with_code",
        "public:accounting-code",
        "public:accounting-verify",
        "api:appointment_read",
        "api:appointment_reschedule",
        "api:appointment_cancel",
        "api:appointment_calendar",
        "api:accounting_mine",
        "api:accounting_mine_code",
        "api:accounting_mine_code_verify",
    }
)


# Look-ups that an enrolled kiosk device of the office makes under its own limit (docs/adr/0035).
KIOSK_LOOKUPS = frozenset({"public:floor-check-in"})


def kiosk_of(request: HttpRequest, kwargs: dict[str, Any]) -> KioskDevice | None:
    """The enrolled kiosk of the office in the URL that this request comes from (its signed cookie), if any."""
    office = Office.objects.filter(code=str(kwargs.get("code", "")).upper()[:8]).first()
    if office is None:
        return None
    return kiosk_device_of(token=request.COOKIES.get(KIOSK_COOKIE, ""), office=office)


def client_of(request: HttpRequest) -> str:
    """The client's counting key. The address is found as django-axes finds it for staff sign-in, so one
    proxy setting (AXES_CLIENT_IP_CALLABLE, or django-ipware's) serves both; only its keyed hash is kept."""
    return client_key(get_client_ip_address(request) or "")


def too_many_attempts_answer(request: HttpRequest, error: TooManyAttempts) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse({"code": error.code, "message": error.message}, status=429)
    else:
        response = render(request, "public/too_many_attempts.html", {"message": wait_message(error)}, status=429)
    response["Retry-After"] = str(error.retry_after)
    add_never_cache_headers(response)
    return response


class LookupThrottleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        match = request.resolver_match
        if request.method != "POST" or match is None or match.view_name not in LOOKUPS:
            return None
        try:
            device = kiosk_of(request, match.kwargs) if match.view_name in KIOSK_LOOKUPS else None
            if device is not None:
                lookup_throttle(kiosk=str(device.public_id))
            else:
                lookup_throttle(client=client_of(request))
        except TooManyAttempts as error:
            return too_many_attempts_answer(request, error)
        return None
