"""The clerk puts a caller on the waitlist (docs/adr/0023-fair-waitlist.md).

The caller holds a booking at this office and has identified themselves on the phone as the office
always asks; the clerk enters the booking's code and what the caller can make. The rule is
`scheduling.waitlist.waitlist_join`, the same the public site and the API call.
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
from frontdesk.scheduling.models import Mode
from frontdesk.web.fields import UswdsForm

HOURS = [(time(h).isoformat(), f"{h:02d}:00") for h in range(7, 20)]


class WaitlistAddForm(UswdsForm):
    code = forms.CharField(label="Confirmation code", max_length=20)
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
    earliest = forms.TypedChoiceField(label="Earliest start", coerce=time.fromisoformat, choices=HOURS)
    latest = forms.TypedChoiceField(label="Latest end", coerce=time.fromisoformat, choices=HOURS)

    def clean_zip(self) -> str:
        try:
            return zip_normalize(self.cleaned_data["zip"])
        except DomainError as error:
            raise forms.ValidationError(error.message) from None


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
            waitlist.waitlist_join(
                actor=request.user,
                appointment=appointment,
                wishes=waitlist.Wishes(
                    zip_code=data["zip"],
                    radius_miles=data["radius_miles"],
                    mode=data["mode"],
                    weekdays=tuple(data["weekdays"]),
                    earliest=data["earliest"],
                    latest=data["latest"],
                ),
            )
        except NotFound as error:
            form.add_domain_error(error, field="code")
        except DomainError as error:
            form.add_domain_error(error, field=error.field if error.field in form.fields else None)
        else:
            messages.success(request, f"{appointment.code} is on the waitlist. The caller is told by text or email.")
            return redirect("console:waitlist-add")
    return render(request, "console/waitlist_add.html", {"form": form})
