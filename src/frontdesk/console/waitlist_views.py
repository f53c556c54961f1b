"""The clerk puts a caller on the waitlist (docs/adr/0023-fair-waitlist.md).

The caller holds a booking at this office and has identified themselves on the phone as the office
always asks; the clerk enters the booking's code and what the caller can make. The rule is
`scheduling.waitlist.waitlist_join`, the same the public site and the API call.

A caller with no booking (docs/adr/0036) is added by name, birth date and contact, with the service and
needs; a claim then books the offered time for them. The rule is `waitlist.waitlist_join_unbooked`, the
same the API's `/waitlist/request` calls (there, a one-time code to the contact stands in for the clerk).
"""

from datetime import time

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from frontdesk.core.errors import DomainError, NotFound
from frontdesk.offices.geo import zip_normalize
from frontdesk.scheduling import selectors, waitlist
from frontdesk.scheduling.models import Mode, Service
from frontdesk.scheduling.services import PersonDetails
from frontdesk.web.fields import UswdsForm, hour_choices
from frontdesk.web.person_forms import interpreter_choices


class WishesFields(UswdsForm):
    zip = forms.CharField(label="Caller's ZIP code", max_length=10, help_text="Not kept: only the offices it finds.")
    radius_miles = forms.TypedChoiceField(
        label="How far can they travel?", coerce=int, choices=[(r, f"Up to {r} miles") for r in (10, 25, 50, 100)]
    )
    mode = forms.ChoiceField(label="How", choices=Mode.choices, widget=forms.RadioSelect)
    weekdays = forms.TypedMultipleChoiceField(
        label="Days they can come",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        choices=list(enumerate(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"])),
    )
    earliest = forms.TypedChoiceField(label="Earliest start", coerce=time.fromisoformat, choices=hour_choices())
    latest = forms.TypedChoiceField(label="Latest end", coerce=time.fromisoformat, choices=hour_choices())

    def clean_zip(self) -> str:
        try:
            return zip_normalize(self.cleaned_data["zip"])
        except DomainError as error:
            raise forms.ValidationError(error.message) from None

    def wishes(self) -> waitlist.Wishes:
        data = self.cleaned_data
        return waitlist.Wishes(
            zip_code=data["zip"],
            radius_miles=data["radius_miles"],
            mode=data["mode"],
            weekdays=tuple(data["weekdays"]),
            earliest=data["earliest"],
            latest=data["latest"],
        )


class WaitlistAddForm(WishesFields):
    code = forms.CharField(label="Confirmation code", max_length=20)
    field_order = ["code"]


class ServiceField(forms.ModelChoiceField):
    """Services by the names the public sees, not their codes."""

    def label_from_instance(self, obj: Service) -> str:
        return obj.name_en


class CallerAddForm(WishesFields):
    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100)
    date_of_birth = forms.DateField(label="Date of birth", help_text="For example: 1980-04-28")
    email = forms.EmailField(label="Email", required=False)
    phone = forms.RegexField(label="Mobile phone", regex=r"^(\+?1)?\d{10}$", required=False, help_text="10 digits")
    preferred_language = forms.ChoiceField(
        label="Language for messages", choices=[("en", "English"), ("es", "Spanish")]
    )
    service = ServiceField(label="Service", queryset=Service.objects.filter(active=True).order_by("name_en"))
    interpreter_language = forms.ChoiceField(
        label="Interpreter", required=False, choices=lambda: [("", "None"), *interpreter_choices("en")[1:]]
    )
    companion_needed = forms.BooleanField(label="Comes with a companion", required=False)
    field_order = ["first_name", "last_name", "date_of_birth", "email", "phone", "preferred_language", "service"]


@require_http_methods(["GET", "POST"])
def waitlist_add(request: HttpRequest) -> HttpResponse:
    initial = {
        "code": request.GET.get("code", ""),
        "radius_miles": 25,
        "mode": Mode.IN_PERSON,
        "weekdays": [0, 1, 2, 3, 4],
        "earliest": time(8).isoformat(),
        "latest": time(17).isoformat(),
    }
    form = WaitlistAddForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = selectors.appointment_for_office_day(actor=request.user, code=data["code"], action="waitlist")
            waitlist.waitlist_join(actor=request.user, appointment=appointment, wishes=form.wishes())
        except NotFound as error:
            form.add_domain_error(error, field="code")
        except DomainError as error:
            form.add_domain_error(error, field=error.field if error.field in form.fields else None)
        else:
            messages.success(request, f"{appointment.code} is on the waitlist. The caller is told by text or email.")
            return redirect("console:waitlist-add")
    return render(request, "console/waitlist_add.html", {"form": form})


@require_http_methods(["GET", "POST"])
def waitlist_add_caller(request: HttpRequest) -> HttpResponse:
    """A caller with no booking: the clerk enters who they are, the service, their needs and their times."""
    initial = {
        "radius_miles": 25,
        "mode": Mode.IN_PERSON,
        "weekdays": [0, 1, 2, 3, 4],
        "earliest": time(8).isoformat(),
        "latest": time(17).isoformat(),
        "preferred_language": "en",
    }
    form = CallerAddForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            waitlist.waitlist_join_unbooked(
                actor=request.user,
                details=PersonDetails(
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    date_of_birth=data["date_of_birth"],
                    email=data["email"],
                    phone=data["phone"],
                    preferred_language=data["preferred_language"],
                ),
                service=data["service"],
                wishes=form.wishes(),
                interpreter_language=data["interpreter_language"],
                companion_needed=data["companion_needed"],
            )
        except DomainError as error:
            form.add_domain_error(error, field=error.field if error.field in form.fields else None)
        else:
            messages.success(
                request, "The caller is on the waitlist. They are told by text or email when a time frees."
            )
            return redirect("console:waitlist-add-caller")
    return render(request, "console/waitlist_add_caller.html", {"form": form})
