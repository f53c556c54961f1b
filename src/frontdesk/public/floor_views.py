"""The office floor for the public: the check-in kiosk and the waiting-room board.

Both work without JavaScript: the kiosk is plain forms, the board refreshes itself (a meta refresh inside
<noscript>) and with JavaScript polls `board.json` (docs/adr/0030-office-floor-queue.md). Neither ever
shows a name: tickets are numbers. The kiosk is a shared screen, so a look-up here is never remembered
in the session (unlike the site's own look-up).
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from frontdesk.core.errors import DomainError, TooManyAttempts
from frontdesk.floor import selectors as floor_selectors
from frontdesk.floor import services as floor_services
from frontdesk.floor.models import Ticket, TicketOutcome
from frontdesk.offices.models import Office
from frontdesk.scheduling.lookup_guard import LookupLocked
from frontdesk.scheduling.models import Service
from frontdesk.scheduling.selectors import appointment_find
from frontdesk.web.fields import UswdsForm

from .errors import field_for, message_for
from .floor_forms import KioskCheckInForm, KioskWalkInForm

BOARD_REFRESH_SECONDS = 30  # without JavaScript
BOARD_POLL_SECONDS = 5  # with it (site.js reads data-poll-seconds)


def _language() -> str:
    return (get_language() or "en")[:2]


def _office(code: str) -> Office:
    return get_object_or_404(Office, code=code.upper()[:8])


def _form_page(
    request: HttpRequest, office: Office, template: str, form: UswdsForm, *, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {"office": office, "form": form, "wait_minutes": floor_selectors.estimated_wait_minutes(office=office)}
    return render(request, template, context | extra, status=status)


@require_GET
def kiosk(request: HttpRequest, code: str) -> HttpResponse:
    """The kiosk's first screen: two large choices, and the wait now."""
    office = _office(code)
    context = {"office": office, "wait_minutes": floor_selectors.estimated_wait_minutes(office=office)}
    return render(request, "public/floor_kiosk.html", context)


@require_http_methods(["GET", "POST"])
def kiosk_check_in(request: HttpRequest, code: str) -> HttpResponse:
    """An appointment holder: the public look-up (same limits, same lock), then check-in and a ticket."""
    office = _office(code)
    template = "public/floor_check_in.html"
    if request.method == "GET":
        return _form_page(request, office, template, KioskCheckInForm())
    form = KioskCheckInForm(request.POST)
    if not (form.is_valid() and form.cleaned_data.get("date_of_birth")):
        return _form_page(request, office, template, form, status=400, ask_one_time_code=False)
    data = form.cleaned_data
    try:
        appointment = appointment_find(
            code=data["code"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            one_time_code=data["one_time_code"],
        )
        ticket = floor_services.ticket_issue_for_appointment(
            office=office, appointment=appointment, accessible=data["accessible"], phone=data["phone"]
        )
    except DomainError as error:
        form.add_domain_error(error, message_for(error), field="phone" if error.field == "phone" else "__all__")
        ask = isinstance(error, LookupLocked) or bool(data.get("one_time_code"))
        response = _form_page(request, office, template, form, status=error.status, ask_one_time_code=ask)
        if isinstance(error, TooManyAttempts):
            response["Retry-After"] = str(error.retry_after)
        return response
    return redirect(reverse("public:floor-ticket", args=[office.code, ticket.public_id]))


@require_http_methods(["GET", "POST"])
def kiosk_walk_in(request: HttpRequest, code: str) -> HttpResponse:
    office = _office(code)
    template = "public/floor_walk_in.html"
    if request.method == "GET":
        return _form_page(request, office, template, KioskWalkInForm(language=_language()))
    form = KioskWalkInForm(request.POST, language=_language())
    if not form.is_valid():
        return _form_page(request, office, template, form, status=400)
    data = form.cleaned_data
    try:
        ticket = floor_services.ticket_issue_walk_in(
            office=office,
            service=Service.objects.filter(code=data["service"], active=True).first(),
            interpreter_language=data["interpreter_language"],
            accessible=data["accessible"],
            phone=data["phone"],
        )
    except DomainError as error:
        form.add_domain_error(error, message_for(error), field=field_for(error))
        return _form_page(request, office, template, form, status=error.status)
    return redirect(reverse("public:floor-ticket", args=[office.code, ticket.public_id]))


@require_GET
def kiosk_ticket(request: HttpRequest, code: str, ticket_id: str) -> HttpResponse:
    office = _office(code)
    ticket = Ticket.objects.filter(office=office, public_id=ticket_id).first()
    if ticket is None:
        raise Http404
    context = {
        "office": office,
        "ticket": ticket,
        "waiting": ticket.outcome == TicketOutcome.WAITING,
        "wait_minutes": floor_selectors.estimated_wait_minutes(office=office),
        "texting": bool(ticket.phone_encrypted),
    }
    return render(request, "public/floor_ticket.html", context)


@require_http_methods(["GET"])
def board(request: HttpRequest, code: str) -> HttpResponse:
    office = _office(code)
    context = {
        "office": office,
        "board": floor_selectors.board_get(office=office),
        "refresh_seconds": BOARD_REFRESH_SECONDS,
        "poll_seconds": BOARD_POLL_SECONDS,
    }
    response = render(request, "public/floor_board.html", context)
    add_never_cache_headers(response)
    return response


@require_GET
def board_state(request: HttpRequest, code: str) -> JsonResponse:
    office = _office(code)
    response = JsonResponse(floor_selectors.board_get(office=office).as_json())
    add_never_cache_headers(response)
    return response
