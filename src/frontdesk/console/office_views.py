"""Running an office's day: the schedule, check-in, booking for a caller, look-ups.

Reads of personal data go through the scheduling selectors, which demand a stated purpose and write it
to the ledger; every change goes through the scheduling services. These views only translate.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontdesk.accounts.actors import Actor
from frontdesk.core.crypto import ssn_last_four
from frontdesk.core.errors import DomainError, NotFound, ValidationFailed
from frontdesk.floor import services as floor_services
from frontdesk.offices.calendar import local_today
from frontdesk.offices.models import Office
from frontdesk.scheduling import policies, selectors, services
from frontdesk.scheduling.availability import Need
from frontdesk.scheduling.languages import INTERPRETER_LANGUAGES, SIGN_LANGUAGE
from frontdesk.scheduling.models import Appointment, Mode, Service, Status
from frontdesk.scheduling.replies import reply_markers
from frontdesk.scheduling.waitlist_notices import appointments_from_waitlist
from frontdesk.web import booking
from frontdesk.web.person_forms import DetailsForm

from .forms import (
    AppointmentActionForm,
    AppointmentFindForm,
    PersonSearchForm,
    ScheduleForm,
    StaffBookForm,
)

ACTIONS = {
    "check-in": (floor_services.appointment_check_in, "Checked in"),  # and a ticket in the merged queue
    "complete": (services.appointment_complete, "Marked complete"),
    "no-show": (services.appointment_mark_no_show, "Marked a no-show"),
    "cancel": (services.appointment_cancel, "Cancelled"),
}
ACTION_LABELS = {"check-in": "Check in", "complete": "Complete", "no-show": "No-show", "cancel": "Cancel"}


OPEN_STATUSES = frozenset({Status.BOOKED, Status.CHECKED_IN})


def _shown(appointment: Appointment, view: str) -> bool:
    """The schedule's "Show" choice (console/forms.py SCHEDULE_VIEWS): a way of looking, not a rule."""
    if view == "open":
        return appointment.status in OPEN_STATUSES
    if view == "waiting":
        return appointment.status == Status.CHECKED_IN
    if view == "interpreter":
        return bool(appointment.interpreter_language)
    if view in ("phone", "in_person"):
        return appointment.mode == view
    return True


def _actions(appointment: Appointment, now: datetime) -> list[tuple[str, str]]:
    """The buttons for one appointment: what the services would accept now (scheduling.policies)."""
    labels = ACTION_LABELS | {"check-in": policies.check_in_label(appointment)}
    return [(action, labels[action]) for action in policies.staff_actions(appointment, now)]


def staff_office(request: HttpRequest) -> Office | None:
    profile = getattr(request.user, "staff_profile", None)
    return profile.office if profile is not None and profile.office_id else None


def no_office(request: HttpRequest) -> HttpResponse:
    return render(request, "console/no_office.html", status=403)


def _back(request: HttpRequest, target: str, fallback: str, anchor: str = "") -> HttpResponse:
    """Back to the page the action came from, at the row acted on (a clerk keeps their place in a day
    of 130 appointments instead of landing at the top)."""
    path, _, own = target.partition("#")
    # The day's "Now" panel names its own place (#now): its buttons go back to the panel, not the row.
    anchor = own if own == "now" else anchor
    fragment = f"#{anchor}" if anchor else ""
    if target.startswith("/console/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(path + fragment)
    return redirect(fallback)


def _own_appointment(user: Actor, code: str, action: str) -> Appointment | None:
    """The appointment behind an action button, if it is at the user's office (no personal data read)."""
    try:
        return selectors.appointment_for_office_day(actor=user, code=code, action=action)
    except NotFound:
        return None


# The "Now" panel: how many names each list shows before "and N more", and how soon a phone call counts as due.
PANEL_ITEMS = 4
CALL_DUE = timedelta(minutes=15)


def _language(tag: str) -> str:
    """An interpreter language as the counter says it: "ASL", "Spanish" (the tag if it is not listed)."""
    if tag == SIGN_LANGUAGE:
        return "ASL"
    return INTERPRETER_LANGUAGES.get(tag, (tag,))[0]


def _row(appointment: Appointment, zone: ZoneInfo, now: datetime) -> dict[str, Any]:
    language = _language(appointment.interpreter_language) if appointment.interpreter_language else ""
    return {
        "code": appointment.code,
        "time": appointment.starts_at.astimezone(zone).strftime("%-I:%M %p"),
        "name": f"{appointment.person.first_name} {appointment.person.last_name}",
        "service": appointment.service.name_en,
        "mode": appointment.get_mode_display(),
        "needs": "; ".join(
            part
            for part in (
                f"Interpreter: {language}" if language else "",
                f"Companion ({appointment.get_companion_relationship_display()})" if appointment.companion_id else "",
            )
            if part
        ),
        "status": appointment.get_status_display(),
        "language": language,
        "actions": _actions(appointment, now),
        "next": False,
        "now_before": False,
    }


def _panel_list(rows: list[dict], more_href: str) -> dict:
    return {"rows": rows[:PANEL_ITEMS], "count": len(rows), "more": len(rows) - PANEL_ITEMS, "href": more_href}


def _now_panel(
    appointments: list[Appointment], rows: dict[str, dict[str, Any]], now: datetime, query: QueryDict
) -> dict[str, Any]:
    """What the counter needs without scrolling: the next person to serve, who is here, which phone
    calls are due and who still needs an interpreter. A way of looking at the day, not a rule: the
    buttons come from scheduling.policies like the table's."""

    def href(show: str) -> str:
        params = query.copy()
        params["show"] = show
        return f"?{params.urlencode()}"

    still_to_serve = [a for a in appointments if a.status in OPEN_STATUSES and a.ends_at >= now]
    waiting = [rows[a.code] for a in appointments if a.status == Status.CHECKED_IN]
    calls = [
        rows[a.code]
        for a in appointments
        if a.mode == Mode.PHONE and policies.check_in_open(a, now) and a.starts_at <= now + CALL_DUE
    ]
    interpreters = [rows[a.code] for a in still_to_serve if a.interpreter_language]
    return {
        "next": rows[still_to_serve[0].code] if still_to_serve else None,
        "waiting": _panel_list(waiting, href("waiting")),
        "calls": _panel_list(calls, href("phone")),
        "interpreters": _panel_list(interpreters, href("interpreter")),
    }


@require_GET
def schedule(request: HttpRequest) -> HttpResponse:
    office = staff_office(request)
    if office is None:
        return no_office(request)
    today = local_today(office)
    data = None
    if "purpose" in request.GET:
        data = request.GET.copy()
        if not data.get("date"):
            data["date"] = today.isoformat()  # a day left out is today's, at the office
    form = ScheduleForm(data, initial={"date": today})
    appointments = None
    if form.is_bound and form.is_valid():
        try:
            appointments = selectors.office_day_schedule(
                actor=request.user,
                office=office,
                day=form.cleaned_data["date"],
                purpose=form.cleaned_data["purpose"],
                purpose_note=form.cleaned_data["purpose_note"],
            )
        except DomainError as error:
            form.add_domain_error(error)
    zone = office.zone
    now = datetime.now(UTC)
    loaded = appointments is not None
    appointments = appointments or []
    # Rows are prepared here, not in the template: a busy office has 150 appointments a day.
    by_code = {a.code: _row(a, zone, now) for a in appointments}
    replied = reply_markers(appointments)  # "Confirmed by reply" / "Cancelled by reply"
    for a in appointments:
        by_code[a.code]["replied"] = replied.get(a.pk, "")
    # Which times were taken from the waitlist: a marker on the row (docs/adr/0023-fair-waitlist.md).
    codes = {a.id: a.code for a in appointments}
    for appointment_id in appointments_from_waitlist(list(codes)):
        by_code[codes[appointment_id]]["from_waitlist"] = True
    view = form.cleaned_data.get("show", "") if loaded else ""
    rows = [by_code[a.code] for a in appointments if _shown(a, view)]
    shown = {row["code"] for row in rows}
    everyone = request.GET.copy()
    everyone.pop("show", None)
    panel = _now_panel(appointments, by_code, now, everyone)
    for row in by_code.values():
        # A name in the panel leads to its row, in this view if the row is in it, else in "Everyone".
        row["href"] = f"#appt-{row['code']}" if row["code"] in shown else f"?{everyone.urlencode()}#appt-{row['code']}"
    if panel["next"] is not None:
        panel["next"]["next"] = True
    is_today = loaded and form.cleaned_data["date"] == today
    if is_today:
        # The table's "now" line: above the first shown appointment that has not ended yet.
        ended = {a.code for a in appointments if a.ends_at < now}
        first_open = next((row for row in rows if row["code"] not in ended), None)
        if first_open is not None and first_open is not rows[0]:
            first_open["now_before"] = True
    counts = Counter(a.status for a in appointments)
    context = {
        "form": form,
        "office": office,
        "rows": rows,
        "panel": panel,
        "now": now.astimezone(zone).strftime("%-I:%M %p"),
        "today": is_today,
        "counts": {
            "waiting": counts[Status.CHECKED_IN],
            "booked": counts[Status.BOOKED],
            "served": counts[Status.COMPLETED],
            "no_show": counts[Status.NO_SHOW],
        },
        "loaded": loaded,
        "day": form.cleaned_data["date"] if loaded else today,
        "back": request.get_full_path(),
    }
    return render(request, "console/schedule.html", context)


@require_POST
def appointment_action(request: HttpRequest) -> HttpResponse:
    form = AppointmentActionForm(request.POST)
    fallback = reverse("console:schedule")
    if not form.is_valid():
        messages.error(request, "That action is not available.")
        return redirect(fallback)
    action, code = form.cleaned_data["act"]
    appointment = _own_appointment(request.user, code, action)
    if appointment is None:
        messages.error(request, "No appointment with that code at your office.")
        return _back(request, form.cleaned_data["back"], fallback)
    if action == "cancel" and not form.cleaned_data["confirm"]:
        back = form.cleaned_data["back"].partition("#")[0]
        back = back if back.startswith("/console/") else fallback
        context = {"appointment": appointment, "back": back}
        return render(request, "console/appointment_cancel_confirm.html", context)
    service, done = ACTIONS[action]
    try:
        service(actor=request.user, appointment=appointment)
    except DomainError as error:
        messages.error(request, f"{appointment.code}: {error.message}")
    else:
        messages.success(request, f"{done}: {appointment.code}.")
    return _back(request, form.cleaned_data["back"], fallback, anchor=f"appt-{appointment.code}")


@require_http_methods(["GET", "POST"])
def appointment_find(request: HttpRequest) -> HttpResponse:
    form = AppointmentFindForm(request.POST if request.method == "POST" else None)
    found = None
    if form.is_bound and form.is_valid():
        try:
            found = selectors.appointment_get_for_staff(
                actor=request.user,
                code=form.cleaned_data["code"],
                purpose=form.cleaned_data["purpose"],
                purpose_note=form.cleaned_data["purpose_note"],
            )
        except DomainError as error:
            form.add_domain_error(error, field=error.field if error.field != "purpose" else "purpose")
    actions = _actions(found, datetime.now(UTC)) if found else []
    return render(request, "console/appointment_find.html", {"form": form, "found": found, "actions": actions})


@require_http_methods(["POST"])
def appointment_reschedule(request: HttpRequest) -> HttpResponse:
    """Move a caller's appointment: the first POST (code only) lists times, the second moves it."""
    appointment = _own_appointment(request.user, request.POST.get("code", ""), "reschedule")
    if appointment is None:
        messages.error(request, "No appointment with that code at your office.")
        return redirect("console:appointment-find")
    need = Need(
        service=appointment.service, mode=appointment.mode, interpreter_language=appointment.interpreter_language
    )
    error = ""
    choice = booking.Choice.from_query(request.POST)
    if choice.start is not None:
        try:
            services.appointment_reschedule(actor=request.user, appointment=appointment, starts_at=choice.start)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, f"Moved {appointment.code}. The confirmation code stays the same.")
            return redirect("console:appointment-find")
    first = booking.search_from(appointment.office, request.POST.get("from"))
    slots = [s for s in booking.open_slots(appointment.office, need, first) if s.starts_at != appointment.starts_at]
    later = (slots[-1].local_start.date() if slots else first + timedelta(days=booking.SEARCH_DAYS - 1)) + timedelta(
        days=1
    )
    context = {"appointment": appointment, "days": booking.slot_days(slots), "error": error, "later": later}
    return render(request, "console/appointment_reschedule.html", context)


@require_GET
def book(request: HttpRequest) -> HttpResponse:
    office = staff_office(request)
    if office is None:
        return no_office(request)
    form = StaffBookForm(request.GET if "service" in request.GET else None)
    days = None
    choice = None
    later = None
    if form.is_bound and form.is_valid():
        service = Service.objects.filter(code=form.cleaned_data["service"], active=True).first()
        choice = booking.Choice(
            office=office,
            service=service,
            mode=form.cleaned_data["mode"],
            interpreter=form.cleaned_data["interpreter"],
            companion=form.cleaned_data["companion"] == "yes",
        )
        try:
            need = choice.need()
        except ValidationFailed as error:
            form.add_domain_error(error, field="interpreter" if error.field == "interpreter_language" else None)
        else:
            first = booking.search_from(office, request.GET.get("from"))
            slots = booking.open_slots(office, need, first)
            days = booking.slot_days(slots)
            last = slots[-1].local_start.date() if slots else first + timedelta(days=booking.SEARCH_DAYS - 1)
            later = (last + timedelta(days=1)).isoformat()
    context = {"form": form, "office": office, "days": days, "choice": choice, "later": later}
    return render(request, "console/book.html", context)


@require_http_methods(["GET", "POST"])
def book_details(request: HttpRequest) -> HttpResponse:
    office = staff_office(request)
    if office is None:
        return no_office(request)
    source = request.POST if request.method == "POST" else request.GET
    choice = booking.Choice.from_query(source)
    if choice.service is None or not choice.mode or choice.start is None or choice.office != office:
        messages.error(request, "Choose a service and a time first.")
        return redirect("console:book")
    form = DetailsForm(
        request.POST if request.method == "POST" else None,
        companion=choice.companion,
        phone_required=choice.mode == "phone",
    )
    if form.is_bound and form.is_valid() and form.cleaned_data.get("date_of_birth"):
        data = form.cleaned_data
        person = services.PersonDetails(
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            email=data.get("email") or "",
            phone=data.get("phone") or "",
        )
        companion = None
        if choice.companion and data.get("companion_date_of_birth"):
            companion = services.PersonDetails(
                first_name=data["companion_first_name"],
                last_name=data["companion_last_name"],
                date_of_birth=data["companion_date_of_birth"],
            )
        try:
            appointment = services.appointment_book(
                actor=request.user,
                office=office,
                service=choice.service,
                mode=choice.mode,
                starts_at=choice.start,
                person=person,
                interpreter_language=choice.interpreter,
                companion=companion,
                companion_relationship=data.get("companion_relationship", "") if companion else "",
            )
        except DomainError as error:
            form.add_domain_error(error, field={"date_of_birth": "dob_month"}.get(error.field or "", error.field))
        else:
            messages.success(request, f"Booked. Confirmation code {appointment.code}: read it to the caller.")
            return redirect("console:book")
    context = {"form": form, "choice": choice, "hidden": choice.params(), "office": office}
    return render(request, "console/book_details.html", context)


@require_http_methods(["GET", "POST"])
def people(request: HttpRequest) -> HttpResponse:
    form = PersonSearchForm(request.POST if request.method == "POST" else None)
    found = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            found = selectors.person_search(
                actor=request.user,
                purpose=data["purpose"],
                purpose_note=data["purpose_note"],
                ssn=data["ssn"].strip(),
                last_name=data["last_name"].strip(),
                date_of_birth=data.get("date_of_birth"),
            )
        except DomainError as error:
            form.add_domain_error(error)
    rows = [
        {
            "person": p,
            "ssn_last4": ssn_last_four(p.ssn_encrypted, context="person.ssn") or "",
            # decrypted only for people the search found, whose read person_search put on the ledger
            "phone": p.contact_phone(),
            "email": p.contact_email(),
        }
        for p in (found or [])
    ]
    return render(request, "console/people.html", {"form": form, "rows": rows, "searched": found is not None})
