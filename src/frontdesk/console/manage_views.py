"""An office manager's pages: hours, closures, staff members and interpreters (offices/services.py and
scheduling/resources.py)."""

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dates import WEEKDAYS
from django.views.decorators.http import require_GET, require_POST

from frontdesk.core.errors import DomainError
from frontdesk.offices import services as office_services
from frontdesk.offices.calendar import local_today
from frontdesk.offices.models import Closure, Office, Resource, ResourceKind
from frontdesk.offices.services import closure_save
from frontdesk.scheduling import resources as office_resources
from frontdesk.scheduling.languages import INTERPRETER_LANGUAGES

from .form_flow import form_submit
from .forms import ClosureForm, ClosureRemoveForm, HoursForm, ResourceForm, ResourceUpdateForm
from .office_views import no_office, staff_office


def _language_names(tags: list[str]) -> str:
    return ", ".join("English" if t == "en" else INTERPRETER_LANGUAGES.get(t, (t,))[0] for t in tags)


def _page(request: HttpRequest, office: Office, **forms: Form) -> HttpResponse:
    hours = {h.weekday: h for h in office.hours.all()}
    resources = list(
        Resource.objects.filter(office=office, kind__in=office_resources.MANAGED_KINDS).order_by("kind", "name")
    )
    context = {
        "office": office,
        "hours": [{"weekday": d, "day": WEEKDAYS[d], "hours": hours.get(d)} for d in range(7)],
        "closures": Closure.objects.filter(office=office, date__gte=local_today(office)).order_by("date"),
        "staff": [(r, _language_names(r.languages)) for r in resources if r.kind == ResourceKind.STAFF],
        "interpreters": [(r, _language_names(r.languages)) for r in resources if r.kind == ResourceKind.INTERPRETER],
        "hours_form": forms.get("hours_form") or HoursForm(),
        "closure_form": forms.get("closure_form") or ClosureForm(),
        "resource_form": forms.get("resource_form") or ResourceForm(initial={"kind": ResourceKind.STAFF}),
    }
    return render(request, "console/office.html", context, status=422 if any(f.errors for f in forms.values()) else 200)


@require_GET
def office(request: HttpRequest) -> HttpResponse:
    office = staff_office(request)
    return _page(request, office) if office else no_office(request)


@require_POST
def office_hours(request: HttpRequest) -> HttpResponse:
    office = staff_office(request)
    if office is None:
        return no_office(request)
    form = HoursForm(request.POST)
    if form_submit(
        request,
        form,
        lambda data: office_services.office_hours_set(
            actor=request.user, office=office, weekday=data["weekday"], opens=data["opens"], closes=data["closes"]
        ),
        done=lambda _: f"Hours for {WEEKDAYS[form.cleaned_data['weekday']]} saved.",
    ):
        return redirect("console:office")
    return _page(request, office, hours_form=form)


@require_POST
def office_closure_add(request: HttpRequest) -> HttpResponse:
    office = staff_office(request)
    if office is None:
        return no_office(request)
    form = ClosureForm(request.POST)
    if form_submit(
        request,
        form,
        lambda data: closure_save(actor=request.user, office=office, day=data["date"], reason=data["reason"]),
        done=lambda closure: f"The office is closed on {closure.date:%A, %B %-d, %Y}.",
    ):
        return redirect("console:office")
    return _page(request, office, closure_form=form)


@require_POST
def office_closure_remove(request: HttpRequest) -> HttpResponse:
    office = staff_office(request)
    if office is None:
        return no_office(request)
    form = ClosureRemoveForm(request.POST)
    form_submit(
        request,
        form,
        lambda data: office_services.closure_remove(actor=request.user, office=office, day=data["date"]),
        done=lambda _: f"The office is open again on {form.cleaned_data['date']:%A, %B %-d, %Y}.",
        errors="messages",
    )
    return redirect("console:office")


@require_POST
def office_resource_add(request: HttpRequest) -> HttpResponse:
    office = staff_office(request)
    if office is None:
        return no_office(request)
    form = ResourceForm(request.POST)
    if form_submit(
        request,
        form,
        lambda data: office_resources.resource_add(
            actor=request.user,
            office=office,
            kind=data["kind"],
            name=data["name"],
            skills=data["skills"],
            languages=data["languages"] or ["en"],
            remote=data["remote"],
        ),
        done=lambda resource: f"Added {resource.name}.",
    ):
        return redirect("console:office")
    return _page(request, office, resource_form=form)


@require_POST
def office_resource_update(request: HttpRequest) -> HttpResponse:
    office = staff_office(request)
    if office is None:
        return no_office(request)
    form = ResourceUpdateForm(request.POST)
    resource = None
    if form.is_valid():
        resource = (
            Resource.objects.select_related("office")
            .filter(public_id=form.cleaned_data["resource"], office=office)
            .first()
        )
    if resource is None:
        messages.error(request, "No such staff member or interpreter at your office.")
        return redirect("console:office")
    try:
        office_resources.resource_update(actor=request.user, resource=resource, active=form.cleaned_data["active"])
    except DomainError as error:
        messages.error(request, error.message)
    else:
        state = "back on the schedule" if form.cleaned_data["active"] else "off the schedule"
        messages.success(request, f"{resource.name} is {state}.")
    return redirect("console:office")
