"""The public site: find an office, book, and look up, move or cancel an appointment.

Every rule is the scheduling app's: these views parse forms, call the same services and selectors as
the JSON API, and turn domain errors into form errors in the visitor's language (errors.py).
"""

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.dates import WEEKDAYS
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontdesk.core.errors import DomainError, TooManyAttempts, ValidationFailed
from frontdesk.core.replicas import reads_from_replica
from frontdesk.disclosures.proofs import PROOF_TOKEN_TTL, accounting_proof
from frontdesk.disclosures.selectors import accounting_for_person
from frontdesk.disclosures.subject_access import CODE_TTL, Identity, access_code_request, access_code_verify
from frontdesk.ledger.proof import proof_json
from frontdesk.offices.calendar import closed_dates, local_today
from frontdesk.offices.geo import offices_near
from frontdesk.offices.models import Office
from frontdesk.scheduling import policies, services
from frontdesk.scheduling.availability import Need
from frontdesk.scheduling.ics import appointment_ics
from frontdesk.scheduling.languages import INTERPRETER_LANGUAGES
from frontdesk.scheduling.lookup_guard import LookupLocked
from frontdesk.scheduling.models import Appointment, Mode, Service
from frontdesk.scheduling.selectors import appointment_find
from frontdesk.scheduling.throttle import booking_person_key, booking_throttle, person_booking_key
from frontdesk.web import booking

from .errors import field_for, message_for
from .forms import AccessCodeForm, AccessCodeRequestForm, DetailsForm, FindForm, OptionsForm, ZipForm
from .signin_views import record_booking
from .throttle import client_of

NEAR_MILES = (50, 150, 500)
MAX_OFFICES = 10
TOKENS_KEY = "fd_booking_tokens"
CHALLENGE_KEY = "fd_access_challenge"
PROOF_MINUTES = int(PROOF_TOKEN_TTL.total_seconds() // 60)


def language() -> str:
    return (get_language() or "en")[:2]


def office_hours(office: Office) -> list[dict]:
    by_day = {h.weekday: h for h in office.hours.all()}
    return [{"day": WEEKDAYS[d], "hours": by_day.get(d)} for d in range(7)]


def upcoming_closures(office: Office, days: int = 30) -> list[tuple]:
    today = local_today(office)
    return sorted(closed_dates(office, today, today + timedelta(days=days)).items())


def interpreter_name(tag: str) -> str:
    names = INTERPRETER_LANGUAGES.get(tag)
    return (names[1] if language() == "es" else names[0]) if names else ""


def mode_label(mode: str) -> str:
    return _("By phone") if mode == Mode.PHONE else _("In person")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home.html", {"form": ZipForm()})


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "public/privacy.html")


@require_GET
def records_request_notice(request: HttpRequest) -> HttpResponse:
    """The one-page notice the counter prints for anyone who asks about another person: how a lawful,
    written request is made (5 U.S.C. 552a(b), (b)(7); 20 CFR 401.155). English, and Spanish at /es/."""
    return render(request, "public/records_request_notice.html")


@require_GET
@reads_from_replica
def offices(request: HttpRequest) -> HttpResponse:
    form = ZipForm(request.GET if "zip" in request.GET else None)
    found: list[tuple[Office, float]] = []
    radius = None
    if form.is_bound and form.is_valid():
        try:
            for radius in NEAR_MILES:
                nearby = offices_near(form.cleaned_data["zip"], radius)[:MAX_OFFICES]
                if nearby:
                    break
        except ValidationFailed as error:
            form.add_domain_error(error, message_for(error), field="zip")
            nearby = []
        by_id = Office.objects.prefetch_related("hours").in_bulk([oid for oid, _ in nearby])
        found = [(by_id[oid], round(miles, 1)) for oid, miles in nearby]
    return render(request, "public/offices.html", {"form": form, "found": found, "radius": radius})


@require_GET
@reads_from_replica
def office(request: HttpRequest, code: str) -> HttpResponse:
    office = Office.objects.prefetch_related("hours").filter(code=code.upper()[:8]).first()
    if office is None:
        return render(request, "public/errors/404.html", status=404)
    return render(
        request,
        "public/office.html",
        {"office": office, "hours": office_hours(office), "closures": upcoming_closures(office)},
    )


def _step_context(choice: booking.Choice, step: int) -> dict:
    return {
        "choice": choice,
        "step": step,
        "steps": [_("Office"), _("Service"), _("Options"), _("Time"), _("Your details")],
        "service_name": choice.service.name(language()) if choice.service else "",
        "mode_label": mode_label(choice.mode) if choice.mode else "",
        "interpreter_name": interpreter_name(choice.interpreter),
    }


@require_GET
def book_service(request: HttpRequest) -> HttpResponse:
    choice = booking.Choice.from_query(request.GET)
    if choice.office is None:
        return redirect("public:offices")
    error = ""
    if "submitted" in request.GET:
        if choice.service is not None:
            return redirect(f"{reverse('public:book-options')}?{choice.query()}")
        error = _("Choose what you need help with.")
    service_list = [
        {
            "code": s.code,
            "name": s.name(language()),
            "description": s.description_es if language() == "es" else s.description_en,
            "in_person_only": s.in_person_required or s.modes == [Mode.IN_PERSON],
            "minutes": s.duration_minutes,
        }
        for s in Service.objects.filter(active=True).order_by("name_en")
    ]
    context = _step_context(choice, 2) | {"services": service_list, "error": error}
    return render(request, "public/book_service.html", context)


@require_GET
def book_options(request: HttpRequest) -> HttpResponse:
    choice = booking.Choice.from_query(request.GET)
    if choice.office is None or choice.service is None:
        return redirect(f"{reverse('public:book-service')}?{choice.query()}")
    service = choice.service
    modes = [(m, mode_label(m)) for m in (Mode.IN_PERSON, Mode.PHONE) if m in service.modes]
    if service.in_person_required:
        modes = [(Mode.IN_PERSON, mode_label(Mode.IN_PERSON))]
    data = request.GET if "submitted" in request.GET else None
    initial = {"mode": choice.mode or (modes[0][0] if len(modes) == 1 else ""), "interpreter": choice.interpreter}
    form = OptionsForm(data, modes=modes, language=language(), initial=initial)
    if form.is_bound and form.is_valid():
        chosen = booking.Choice(
            office=choice.office,
            service=service,
            mode=form.cleaned_data["mode"],
            interpreter=form.cleaned_data["interpreter"],
            companion=form.cleaned_data["companion"] == "yes",
        )
        try:
            chosen.need()
        except ValidationFailed as error:
            form.add_domain_error(error, message_for(error), field=field_for(error))
        else:
            return redirect(f"{reverse('public:book-time')}?{chosen.query()}")
    context = _step_context(choice, 3) | {
        "form": form,
        "in_person_required": service.in_person_required,
    }
    return render(request, "public/book_options.html", context)


@require_GET
@reads_from_replica
def book_time(request: HttpRequest) -> HttpResponse:
    choice = booking.Choice.from_query(request.GET)
    if choice.office is None or choice.service is None or not choice.mode:
        return redirect(f"{reverse('public:book-options')}?{choice.query()}")
    try:
        need = choice.need()
    except ValidationFailed:
        return redirect(f"{reverse('public:book-options')}?{choice.query()}")
    error = ""
    if "submitted" in request.GET:
        if choice.start is not None:
            return redirect(f"{reverse('public:book-details')}?{choice.query()}")
        error = _("Choose a time.")
    first = booking.search_from(choice.office, request.GET.get("from"))
    slots = booking.open_slots(choice.office, need, first)
    today = local_today(choice.office)
    last_day = slots[-1].local_start.date() if slots else first + timedelta(days=booking.SEARCH_DAYS - 1)
    context = _step_context(choice, 4) | {
        "days": booking.slot_days(slots),
        "error": error,
        "first": first,
        "later": (last_day + timedelta(days=1)).isoformat(),
        "earlier": max(today, first - timedelta(days=booking.SEARCH_DAYS)).isoformat() if first > today else "",
        "hidden": choice.params(start=None),
    }
    return render(request, "public/book_time.html", context)


def _person(data: dict, prefix: str = "") -> services.PersonDetails:
    return services.PersonDetails(
        first_name=data[f"{prefix}first_name"],
        last_name=data[f"{prefix}last_name"],
        date_of_birth=data[f"{prefix}date_of_birth"],
        email=data.get(f"{prefix}email", "") or "",
        phone=data.get(f"{prefix}phone", "") or "",
        preferred_language=language(),
    )


@require_http_methods(["GET", "POST"])
def book_details(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    choice = booking.Choice.from_query(source)
    if choice.office is None or choice.service is None or not choice.mode or choice.start is None:
        return redirect(f"{reverse('public:book-time')}?{choice.query()}")
    tokens = request.session.get(TOKENS_KEY, {})
    slot_taken = False
    form = DetailsForm(
        request.POST if request.method == "POST" else None,
        companion=choice.companion,
        phone_required=choice.mode == Mode.PHONE,
    )
    if request.method == "POST":
        token = request.POST.get("token", "")[:64]
        if token and token in tokens:  # a repeated submit (double click, reload): show the first booking
            return redirect("public:appointment")
        if form.is_valid() and form.cleaned_data.get("date_of_birth"):
            data = form.cleaned_data
            companion = None
            if choice.companion and data.get("companion_date_of_birth"):
                companion = _person(data, "companion_")
            try:
                booking_throttle(
                    person=booking_person_key(
                        first_name=data["first_name"], last_name=data["last_name"], date_of_birth=data["date_of_birth"]
                    ),
                    client=client_of(request),
                )
                appointment = services.appointment_book(
                    actor=None,
                    office=choice.office,
                    service=choice.service,
                    mode=choice.mode,
                    starts_at=choice.start,
                    person=_person(data),
                    interpreter_language=choice.interpreter,
                    companion=companion,
                    companion_relationship=data.get("companion_relationship", "") if companion else "",
                )
            except DomainError as error:
                form.add_domain_error(error, message_for(error), field=field_for(error))
                slot_taken = error.code == "slot_taken"
            else:
                record_booking(request, appointment)
                tokens[token] = appointment.code
                request.session[TOKENS_KEY] = dict(list(tokens.items())[-5:])
                booking.remember_appointment(request, appointment)
                request.session["fd_just_booked"] = True
                return redirect("public:appointment")
    context = _step_context(choice, 5) | {
        "form": form,
        "hidden": choice.params(),
        "token": secrets.token_urlsafe(16),
        "slot_taken": slot_taken,
    }
    return render(request, "public/book_details.html", context)


def _appointment_context(appointment: Appointment) -> dict[str, Any]:
    office = appointment.office
    return {
        "appointment": appointment,
        "office": office,
        "hours": office_hours(office),
        "service_name": appointment.service.name(language()),
        "mode_label": mode_label(appointment.mode),
        "interpreter_name": interpreter_name(appointment.interpreter_language),
        "can_change": policies.can_self_change(appointment, datetime.now(UTC)),
    }


@require_GET
def appointment(request: HttpRequest) -> HttpResponse:
    found = booking.remembered_appointment(request)
    if found is None:
        return redirect("public:appointment-find")
    context = _appointment_context(found) | {"just_booked": request.session.pop("fd_just_booked", False)}
    return render(request, "public/appointment.html", context)


def appointment_look_up(request: HttpRequest, form: FindForm) -> tuple[Appointment | None, DomainError | None]:
    """The site's one look-up by code, last name and birth date (limited and locked by `appointment_find`):
    the appointment found, remembered for this browser, or the refusal, shown on the form."""
    if not (form.is_bound and form.is_valid() and form.cleaned_data.get("date_of_birth")):
        return None, None
    data = form.cleaned_data
    try:
        found = appointment_find(
            code=data["code"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            one_time_code=data["one_time_code"],
        )
    except DomainError as error:
        form.add_domain_error(error, message_for(error), field="__all__")
        return None, error
    booking.remember_appointment(request, found)
    return found, None


@require_http_methods(["GET", "POST"])
def appointment_find_view(request: HttpRequest) -> HttpResponse:
    form = FindForm(request.POST if request.method == "POST" else None)
    found, refusal = appointment_look_up(request, form)
    if found is not None:
        return redirect("public:appointment")
    return _look_up_page(request, "public/appointment_find.html", {"form": form}, refusal)


def _look_up_page(request: HttpRequest, template: str, context: dict, refusal: DomainError | None) -> HttpResponse:
    """A look-up form again, asking for the one-time code once the code is locked; 429 past a rate limit."""
    form = context["form"]
    context["ask_one_time_code"] = isinstance(refusal, LookupLocked) or bool(form.data.get("one_time_code"))
    response = render(request, template, context)
    if isinstance(refusal, TooManyAttempts):
        response.status_code = 429
        response["Retry-After"] = str(refusal.retry_after)
    return response


@require_GET
def appointment_calendar(request: HttpRequest) -> HttpResponse:
    found = booking.remembered_appointment(request)
    if found is None:
        return redirect("public:appointment-find")
    response = HttpResponse(appointment_ics(found, language=language()), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{found.code}.ics"'
    return response


@require_http_methods(["GET", "POST"])
def appointment_cancel(request: HttpRequest) -> HttpResponse:
    found = booking.remembered_appointment(request)
    if found is None:
        return redirect("public:appointment-find")
    error = ""
    if request.method == "POST":
        try:
            services.appointment_cancel(actor=None, appointment=found)
        except DomainError as exc:
            error = message_for(exc)
        else:
            messages.success(request, _("Your appointment is cancelled."))
            return redirect("public:appointment")
    return render(request, "public/appointment_cancel.html", _appointment_context(found) | {"error": error})


@require_http_methods(["GET", "POST"])
def appointment_reschedule(request: HttpRequest) -> HttpResponse:
    found = booking.remembered_appointment(request)
    if found is None:
        return redirect("public:appointment-find")
    office = found.office
    need = Need(service=found.service, mode=found.mode, interpreter_language=found.interpreter_language)
    error = ""
    if request.method == "POST":
        choice = booking.Choice.from_query(request.POST)
        if choice.start is None:
            error = _("Choose a new time.")
        else:
            try:
                booking_throttle(person=person_booking_key(found.person))
                services.appointment_reschedule(actor=None, appointment=found, starts_at=choice.start)
            except DomainError as exc:
                error = message_for(exc)
            else:
                messages.success(request, _("Your appointment is moved. Your confirmation code stays the same."))
                return redirect("public:appointment")
    first = booking.search_from(office, request.GET.get("from"))
    slots = [s for s in booking.open_slots(office, need, first) if s.starts_at != found.starts_at]
    today = local_today(office)
    last_day = slots[-1].local_start.date() if slots else first + timedelta(days=booking.SEARCH_DAYS - 1)
    context = _appointment_context(found) | {
        "days": booking.slot_days(slots),
        "error": error,
        "later": (last_day + timedelta(days=1)).isoformat(),
        "earlier": max(today, first - timedelta(days=booking.SEARCH_DAYS)).isoformat() if first > today else "",
    }
    return render(request, "public/appointment_reschedule.html", context)


@require_POST
def appointment_forget(request: HttpRequest) -> HttpResponse:
    booking.forget_appointment(request)
    messages.info(request, _("This device no longer shows your appointment."))
    return redirect("public:home")


@require_http_methods(["GET", "POST"])
def accounting(request: HttpRequest) -> HttpResponse:
    """A person's own accounting of disclosures (Privacy Act (c)(3)), after the same three-part check
    as an appointment look-up. Entries withheld at a law-enforcement agency's written request are left
    out by the disclosures app's selector, without a trace in the answer."""
    form = FindForm(request.POST if request.method == "POST" else None)
    entries, refusal = None, None
    if form.is_bound and form.is_valid() and form.cleaned_data.get("date_of_birth"):
        data = form.cleaned_data
        try:
            entries = accounting_for_person(
                code=data["code"],
                last_name=data["last_name"],
                date_of_birth=data["date_of_birth"],
                one_time_code=data["one_time_code"],
            )
        except DomainError as error:
            refusal = error
            form.add_domain_error(error, message_for(error), field="__all__")
    context = {"form": form, "entries": entries, "proof_minutes": PROOF_MINUTES}
    return _look_up_page(request, "public/accounting.html", context, refusal)


@require_POST
def accounting_proof_download(request: HttpRequest) -> HttpResponse:
    """The proof bundle of one accounting entry, for the token the person got with their list (a POST,
    so the token stays out of addresses, logs and Referer headers); a page saying why otherwise."""
    try:
        proof = accounting_proof(token=str(request.POST.get("token", ""))[:500])
    except DomainError as error:
        response = render(request, "public/accounting_proof.html", {"message": message_for(error)}, status=error.status)
        add_never_cache_headers(response)
        return response
    response = HttpResponse(proof_json(proof.bundle), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{proof.filename}"'
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "POST"])
def accounting_code(request: HttpRequest) -> HttpResponse:
    """For anyone without an appointment code of their own (a companion, say): name and birth date, and a
    one-time code to the contact on file. What follows never says whether a record matched."""
    form = AccessCodeRequestForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid() and form.cleaned_data.get("date_of_birth"):
        data = form.cleaned_data
        identity = Identity(
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            channel=data["channel"],
        )
        try:
            challenge = access_code_request(identity=identity, language=language())
        except DomainError as error:
            form.add_domain_error(error, message_for(error), field=field_for(error))
        else:
            request.session[CHALLENGE_KEY] = {"id": str(challenge), "channel": identity.channel}
            return redirect("public:accounting-verify")
    return render(request, "public/accounting_code.html", {"form": form})


@require_http_methods(["GET", "POST"])
def accounting_verify(request: HttpRequest) -> HttpResponse:
    """The code from the message, then the list. The list is shown once, in the answer to the code."""
    challenge = request.session.get(CHALLENGE_KEY)
    if not isinstance(challenge, dict):
        return redirect("public:accounting-code")
    form = AccessCodeForm(request.POST if request.method == "POST" else None)
    entries = None
    if form.is_bound and form.is_valid():
        try:
            entries = access_code_verify(challenge=challenge["id"], code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_domain_error(error, message_for(error), field="code")
        else:
            request.session.pop(CHALLENGE_KEY, None)
    minutes = int(CODE_TTL.total_seconds() // 60)
    context = {
        "form": form,
        "entries": entries,
        "channel": challenge.get("channel"),
        "minutes": minutes,
        "proof_minutes": PROOF_MINUTES,
    }
    return render(request, "public/accounting_verify.html", context)
