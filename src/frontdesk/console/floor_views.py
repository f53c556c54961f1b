"""Calling the office's merged queue from a window: open a window (what it serves), call the next ticket,
recall, transfer, and close it served or no-show. The order is the floor app's rule; these views translate."""

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontdesk.core.errors import DomainError, ValidationFailed
from frontdesk.floor import selectors, services
from frontdesk.floor.models import KioskDevice, Window
from frontdesk.offices.models import Office
from frontdesk.scheduling.models import Person, Service

from .floor_forms import FloorActionForm, KioskForm, WalkInForm, WindowForm
from .form_flow import form_submit
from .office_views import no_office, staff_office

SESSION_WINDOW = "fd_floor_window"


def _window(request: HttpRequest, office: Office) -> Window | None:
    window_id = request.session.get(SESSION_WINDOW)
    return Window.objects.filter(pk=window_id, office=office, open=True).first() if window_id else None


@require_GET
def floor(request: HttpRequest) -> HttpResponse:
    office = staff_office(request)
    if office is None:
        return no_office(request)
    return _floor_page(request, office)


def _floor_page(
    request: HttpRequest, office: Office, *, form: WindowForm | None = None, status: int = 200
) -> HttpResponse:
    window = _window(request, office)
    initial = (
        {
            "name": window.name,
            "service_codes": window.service_codes,
            "languages": window.languages,
            "accessible": window.accessible,
        }
        if window
        else None
    )
    context = {
        "office": office,
        "window": window,
        "window_form": form or WindowForm(initial=initial),
        "at_window": services.ticket_at_window(actor=request.user, window=window) if window else None,
        "rows": selectors.floor_queue(actor=request.user, office=office, window=window),
        "other_windows": [w for w in selectors.windows_of(office=office) if w.open and w != window],
        "services": Service.objects.filter(active=True),
        "wait_minutes": selectors.estimated_wait_minutes(office=office),
    }
    return render(request, "console/floor.html", context, status=status)


@require_GET
def queue_moved(request: HttpRequest) -> HttpResponse:
    """The old walk-in queue's page: its tickets are the floor's now, so its address leads there for good."""
    return HttpResponsePermanentRedirect(reverse("console:floor"))


def _service(code: str) -> Service | None:
    return Service.objects.filter(code=code, active=True).first()


def _person(public_id: uuid.UUID | None) -> Person | None:
    if not public_id:
        return None
    person = Person.objects.filter(public_id=public_id).first()
    if person is None:
        raise ValidationFailed("That person is no longer on file; look them up again.", field="person")
    return person


@require_http_methods(["GET", "POST"])
def floor_walk_in(request: HttpRequest) -> HttpResponse:
    """Give a walk-in a ticket at the counter: the same service as the staff API's walk-ins
    (`floor.services.ticket_issue_at_counter`), so the ticket joins the merged queue the windows call.
    Coming from a person look-up (`?person=`), the ticket records whose it is; no page shows the name."""
    office = staff_office(request)
    if office is None:
        return no_office(request)
    if request.method == "GET":
        form = WalkInForm(initial={"person": request.GET.get("person", "")})
        return _walk_in_page(request, office, form)
    form = WalkInForm(request.POST)
    done = form_submit(
        request,
        form,
        lambda data: services.ticket_issue_at_counter(
            actor=request.user,
            office=office,
            service=_service(data["service"]),
            interpreter_language=data["interpreter_language"],
            accessible=data["accessible"],
            person=_person(data["person"]),
        ),
        done=lambda ticket: f"Ticket {ticket.label} given: it is in the queue. Tell the person to watch the board.",
    )
    if done:
        return redirect("console:floor")
    return _walk_in_page(request, office, form, status=done.status)


def _walk_in_page(request: HttpRequest, office: Office, form: WalkInForm, *, status: int = 200) -> HttpResponse:
    person_id = form["person"].value()
    context = {
        "office": office,
        "form": form,
        "for_person": bool(person_id),
        "wait_minutes": selectors.estimated_wait_minutes(office=office),
    }
    return render(request, "console/floor_walk_in.html", context, status=status)


@require_POST
def floor_window(request: HttpRequest) -> HttpResponse:
    office = staff_office(request)
    if office is None:
        return no_office(request)
    if request.POST.get("close"):
        window = _window(request, office)
        if window is not None:
            services.window_save(
                actor=request.user,
                office=office,
                name=window.name,
                service_codes=window.service_codes,
                languages=window.languages,
                accessible=window.accessible,
                open=False,
            )
        request.session.pop(SESSION_WINDOW, None)
        messages.success(request, "Window closed.")
        return redirect("console:floor")
    form = WindowForm(request.POST)
    if not form.is_valid():
        return _floor_page(request, office, form=form, status=400)
    data = form.cleaned_data
    try:
        window = services.window_save(
            actor=request.user,
            office=office,
            name=data["name"],
            service_codes=data["service_codes"],
            languages=data["languages"],
            accessible=data["accessible"],
        )
    except DomainError as error:
        form.add_domain_error(error)
        return _floor_page(request, office, form=form, status=error.status)
    request.session[SESSION_WINDOW] = window.pk
    messages.success(request, f"You are at window {window.name}.")
    return redirect("console:floor")


@require_POST
def floor_act(request: HttpRequest) -> HttpResponse:
    office = staff_office(request)
    if office is None:
        return no_office(request)
    form = FloorActionForm(request.POST)
    if not form.is_valid():
        message = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return render(request, "console/problem.html", {"message": message}, status=400)
    data = form.cleaned_data
    window = _window(request, office)
    if window is None and data["action"] != "left":  # a walk-in who went away is marked from the queue
        messages.error(request, "Open a window first.")
        return redirect("console:floor")
    try:
        note = _act(request, office, window, data)
    except DomainError as error:
        messages.error(request, error.message)
        return _floor_page(request, office, status=error.status)
    messages.success(request, note)
    return redirect("console:floor")


def _act(request: HttpRequest, office: Office, window: Window | None, data: dict[str, Any]) -> str:
    actor = request.user
    if data["action"] == "left":
        ticket = services.ticket_of_office(actor=actor, office=office, public_id=str(data["ticket"]))
        ticket = services.ticket_left(actor=actor, ticket=ticket)
        return f"{ticket.label} marked as gone: it is out of the queue."
    assert window is not None
    if data["action"] == "call":
        called = services.ticket_call_next(actor=actor, window=window)
        return (
            f"Called {called.label} to window {window.name}." if called else "Nobody waiting that this window serves."
        )
    ticket = services.ticket_of_office(actor=actor, office=office, public_id=str(data["ticket"]))
    if data["action"] == "recall":
        ticket = services.ticket_recall(actor=actor, ticket=ticket, window=window)
        return f"Called {ticket.label} again."
    if data["action"] in ("served", "no_show"):
        ticket = services.ticket_finish(actor=actor, ticket=ticket, window=window, outcome=data["action"])
        return f"{ticket.label}: {ticket.get_outcome_display().lower()}."
    kind, _, ref = data["to"].partition(":")
    to_window = Window.objects.filter(office=office, name=ref).first() if kind == "window" else None
    to_service = Service.objects.filter(code=ref, active=True).first() if kind == "service" else None
    if to_window is not None:
        where = f"window {to_window.name}"
    elif to_service is not None:
        where = f"the queue for {to_service.name_en}"
    else:
        raise ValidationFailed("Choose a window or a service from the list.", field="to")
    ticket = services.ticket_transfer(
        actor=actor, ticket=ticket, window=window, to_window=to_window, to_service=to_service
    )
    return f"{ticket.label} sent to {where}."


def _kiosks_page(
    request: HttpRequest, office: Office, *, form: KioskForm | None = None, status: int = 200
) -> HttpResponse:
    token = request.COOKIES.get(services.KIOSK_COOKIE, "")
    this_screen = services.kiosk_device_of(token=token, office=office)
    context = {
        "office": office,
        "devices": KioskDevice.objects.filter(office=office).order_by("-enrolled_at"),
        "this_screen": this_screen,
        "form": form or KioskForm(),
    }
    return render(request, "console/floor_kiosks.html", context, status=status)


@require_http_methods(["GET", "POST"])
def floor_kiosks(request: HttpRequest) -> HttpResponse:
    """The office manager enrols the screen they are using as a kiosk (a signed cookie for a year), or
    revokes an enrolled one. Enrol on the kiosk itself, then sign out of the console there."""
    office = staff_office(request)
    if office is None:
        return no_office(request)
    if request.method == "GET":
        return _kiosks_page(request, office)
    form = KioskForm(request.POST)
    if not form.is_valid():
        return _kiosks_page(request, office, form=form, status=400)
    data = form.cleaned_data
    try:
        if data["revoke"]:
            device = services.kiosk_revoke(actor=request.user, office=office, public_id=str(data["revoke"]))
            messages.success(request, f"Kiosk {device.name} revoked: it is limited like any visitor from now on.")
            return redirect("console:floor-kiosks")
        device, token = services.kiosk_enrol(actor=request.user, office=office, name=data["name"])
    except DomainError as error:
        form.add_domain_error(error)
        return _kiosks_page(request, office, form=form, status=error.status)
    messages.success(request, f"This screen is now kiosk {device.name}. Sign out of the console before you leave it.")
    response = redirect("console:floor-kiosks")
    response.set_cookie(
        services.KIOSK_COOKIE,
        token,
        max_age=int(services.KIOSK_MAX_AGE.total_seconds()),
        path=f"/offices/{office.code}/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response
