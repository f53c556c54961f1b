"""The public waitlist pages: ask for an earlier time, and take or refuse an offered one.

Both work from the appointment a verified look-up opened in this browser (code, last name, birth date
through `appointment_find`); the offer page asks for that look-up itself when none is open, so a link
in a message is useless to anyone but the person. Rules are `scheduling.waitlist`'s (docs/adr/0023).
"""

from datetime import UTC, datetime, time
from typing import Any, cast
from uuid import UUID

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from frontdesk.core.errors import DomainError
from frontdesk.offices.geo import zip_normalize
from frontdesk.scheduling import waitlist, waitlist_notices
from frontdesk.scheduling.models import Appointment, Mode, OfferStatus, WaitlistOffer
from frontdesk.web import booking
from frontdesk.web.fields import UswdsForm, hour_choices

from .errors import message_for
from .forms import FindForm
from .views import _appointment_context, _look_up_page, appointment_look_up, mode_label

RADII = (10, 25, 50, 100)
MESSAGES = {
    "already_waiting": gettext_lazy("You are already on the waitlist for this service. You keep your place."),
    "not_waitable": gettext_lazy("Only a booked appointment that has not started can wait for an earlier time."),
    "offer_not_found": gettext_lazy("We found no such offer for you."),
    "offer_closed": gettext_lazy("This offer is no longer open. You keep your appointment and your place in line."),
    "weekdays": gettext_lazy("Choose at least one day of the week."),
    "latest": gettext_lazy("The earliest time must be before the latest time."),
    "zip": gettext_lazy("No office is within that distance of your ZIP code. Choose a larger distance."),
}


def waitlist_message(error: DomainError) -> str:
    if error.code in MESSAGES:
        return str(MESSAGES[error.code])
    if error.field in MESSAGES and error.code not in ("too_many_attempts",):
        return str(MESSAGES[error.field])
    return message_for(error)


class WaitlistForm(UswdsForm):
    zip = forms.CharField(
        label=gettext_lazy("ZIP code"),
        max_length=10,
        help_text=gettext_lazy("5 digits, for example 20001."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code", "maxlength": "10"}),
    )
    radius_miles = forms.TypedChoiceField(
        label=gettext_lazy("How far can you travel?"),
        coerce=int,
        choices=[(r, gettext_lazy("Up to %(miles)d miles") % {"miles": r}) for r in RADII],
        initial=25,
    )
    mode = forms.ChoiceField(label=gettext_lazy("How do you want to meet?"), widget=forms.RadioSelect)
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Which days can you come?"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        choices=[
            (0, gettext_lazy("Monday")),
            (1, gettext_lazy("Tuesday")),
            (2, gettext_lazy("Wednesday")),
            (3, gettext_lazy("Thursday")),
            (4, gettext_lazy("Friday")),
        ],
        initial=[0, 1, 2, 3, 4],
    )
    earliest = forms.TypedChoiceField(
        label=gettext_lazy("Earliest start"),
        coerce=time.fromisoformat,
        choices=hour_choices(),
        initial=time(8).isoformat(),
    )
    latest = forms.TypedChoiceField(
        label=gettext_lazy("Latest end"),
        coerce=time.fromisoformat,
        choices=hour_choices(),
        initial=time(17).isoformat(),
    )

    def __init__(self, *args: Any, modes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["mode"]).choices = [(m, mode_label(m)) for m in modes]

    def clean_zip(self) -> str:
        try:
            return zip_normalize(self.cleaned_data["zip"])
        except Exception:
            raise forms.ValidationError(_("Enter a ZIP code with 5 digits, for example 20001.")) from None


def _modes(appointment: Appointment) -> list[str]:
    service = appointment.service
    return [m for m in Mode.values if m in service.modes and not (m == Mode.PHONE and service.in_person_required)]


@require_http_methods(["GET", "POST"])
def waitlist_join(request: HttpRequest) -> HttpResponse:
    found = booking.remembered_appointment(request)
    if found is None:
        return redirect("public:appointment-find")
    entry = waitlist.waitlist_active_for(found)
    error = ""
    form = WaitlistForm(
        request.POST if request.method == "POST" and entry is None else None,
        modes=_modes(found),
        initial={"zip": found.office.zip_code, "mode": found.mode},
    )
    status = 200
    if request.method == "POST" and entry is not None and request.POST.get("action") == "leave":
        waitlist.waitlist_withdraw(actor=None, entry=entry)
        messages.info(request, _("You left the waitlist. You keep your appointment."))
        return redirect("public:appointment")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            waitlist.waitlist_join(
                actor=None,
                appointment=found,
                wishes=waitlist.Wishes(
                    zip_code=data["zip"],
                    radius_miles=data["radius_miles"],
                    mode=data["mode"],
                    weekdays=tuple(data["weekdays"]),
                    earliest=data["earliest"],
                    latest=data["latest"],
                ),
            )
        except DomainError as exc:
            error = waitlist_message(exc)
            status = exc.status if exc.status in (409, 429) else 200
        else:
            messages.success(
                request, _("You are on the waitlist. We will text or email you when an earlier time is free.")
            )
            return redirect("public:appointment")
    context = _appointment_context(found) | {"form": form, "entry": entry, "error": error}
    return render(request, "public/waitlist_join.html", context, status=status)


@require_http_methods(["GET", "POST"])
def waitlist_offer(request: HttpRequest, offer_id: UUID) -> HttpResponse:
    offer = WaitlistOffer.objects.select_related("entry", "office", "entry__service").filter(public_id=offer_id).first()
    if offer is None:
        raise Http404
    if offer.entry.appointment_id is None and offer.status != OfferStatus.CLAIMED:
        return _offer_with_code(request, offer)
    found = booking.remembered_appointment(request)
    if found is None or found.person_id != offer.entry.person_id:
        return _verify(request, offer)
    now = datetime.now(UTC)
    error = ""
    if request.method == "POST" and request.POST.get("action") in ("claim", "decline"):
        try:
            if request.POST["action"] == "claim":
                waitlist.offer_claim(actor=None, offer_id=offer.public_id, appointment=found, now=now)
                booking.remember_appointment(request, found)
                messages.success(request, _("Your appointment is moved to the earlier time. Your code stays the same."))
            else:
                waitlist.offer_decline(actor=None, offer_id=offer.public_id, appointment=found, now=now)
                messages.info(request, _("You kept your appointment and your place on the waitlist."))
        except DomainError as exc:
            error = waitlist_message(exc)
        else:
            return redirect("public:appointment")
        offer.refresh_from_db()
    view = waitlist_notices.offer_view(offer, now)
    context = _appointment_context(found) | {
        "view": view,
        "offer": offer,
        "offer_office": offer.office,
        "offer_mode": mode_label(offer.mode),
        "error": error,
        "claimed": view["status"] == OfferStatus.CLAIMED,
    }
    return render(request, "public/waitlist_offer.html", context, status=409 if error else 200)


def _verify(request: HttpRequest, offer: WaitlistOffer) -> HttpResponse:
    """The look-up every offer needs first: code, last name, birth date (limited and locked as ever)."""
    form = FindForm(request.POST if request.method == "POST" else None)
    found, refusal = appointment_look_up(request, form)
    if found is not None:
        if found.person_id != offer.entry.person_id:
            # The same answer as a wrong code: an offer cannot be passed on, or probed.
            form.add_error(None, str(MESSAGES["offer_not_found"]))
        else:
            return redirect("public:waitlist-offer", offer_id=offer.public_id)
    return _look_up_page(request, "public/waitlist_verify.html", {"form": form, "offer": offer}, refusal)


class OfferCodeForm(UswdsForm):
    one_time_code = forms.CharField(label=gettext_lazy("Code from the message"), max_length=12)


def _offer_with_code(request: HttpRequest, offer: WaitlistOffer) -> HttpResponse:
    """An offer for a person without a booking (docs/adr/0036): no confirmation code to sign in with, so
    a one-time code is sent to the contact on file and typed here to take or refuse the time. The offer id
    in the link is the only key to this page; it shows the time and office, nothing about the person."""
    now = datetime.now(UTC)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = OfferCodeForm(request.POST if action in ("claim", "decline") else None)
    error, sent = "", False
    try:
        if action == "send":
            waitlist.offer_code_send(offer_id=offer.public_id, now=now)
            sent = True
        elif action in ("claim", "decline") and form.is_valid():
            person = waitlist.offer_code_check(
                offer_id=offer.public_id, code=form.cleaned_data["one_time_code"], now=now
            )
            if action == "claim":
                booked = waitlist.offer_claim(actor=None, offer_id=offer.public_id, person=person, now=now)
                booking.remember_appointment(request, booked)
                messages.success(
                    request,
                    _("The time is booked for you. Your confirmation code is %(code)s.") % {"code": booked.code},
                )
                return redirect("public:appointment")
            waitlist.offer_decline(actor=None, offer_id=offer.public_id, person=person, now=now)
            messages.info(request, _("You kept your place on the waitlist."))
            return redirect("public:home")
    except DomainError as exc:
        error = waitlist_message(exc)
    offer.refresh_from_db()
    context = {
        "view": waitlist_notices.offer_view(offer, now),
        "offer": offer,
        "offer_office": offer.office,
        "offer_mode": mode_label(offer.mode),
        "form": form,
        "sent": sent,
        "error": error,
    }
    return render(request, "public/waitlist_offer_code.html", context, status=403 if error and "code" in error else 200)
