"""The calling console's forms: shape only; the floor services decide."""

from typing import Any, cast

from django import forms

from frontdesk.scheduling.languages import INTERPRETER_LANGUAGES
from frontdesk.scheduling.models import Service
from frontdesk.web.fields import UswdsForm
from frontdesk.web.person_forms import interpreter_choices

ACTIONS = ("call", "recall", "served", "no_show", "transfer", "left")


class WindowForm(UswdsForm):
    name = forms.CharField(label="Window", max_length=20, help_text="As the board shows it, for example 3 or 12B.")
    service_codes = forms.MultipleChoiceField(
        label="Services this window serves",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose none to serve every service.",
    )
    languages = forms.MultipleChoiceField(
        label="Interpreter languages available here",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(tag, names[0]) for tag, names in INTERPRETER_LANGUAGES.items()],
    )
    accessible = forms.BooleanField(label="Accessible window (lowered counter, room for a wheelchair)", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service_codes"]).choices = [
            (s.code, s.name_en) for s in Service.objects.filter(active=True)
        ]


class WalkInForm(UswdsForm):
    """A walk-in's ticket given at the counter: what they came for, their needs, and (if the clerk found
    them first) whose it is. `floor.services.ticket_issue_at_counter` decides."""

    service = forms.ChoiceField(label="What they came for")
    interpreter_language = forms.ChoiceField(label="Interpreter", required=False)
    accessible = forms.BooleanField(
        label="Needs an accessible window (lowered counter, room for a wheelchair)", required=False
    )
    person = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = [("", "- Select -")] + [
            (s.code, s.name_en)
            for s in Service.objects.filter(active=True).order_by("name_en")
            if "in_person" in s.modes
        ]
        cast(forms.ChoiceField, self.fields["interpreter_language"]).choices = [
            ("", "None"),
            *interpreter_choices("en")[1:],
        ]


class FloorActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])
    ticket = forms.UUIDField(required=False)
    # For a transfer: "window:<name>" or "service:<code>".
    to = forms.CharField(max_length=60, required=False)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("action") not in (None, "call") and not data.get("ticket"):
            raise forms.ValidationError("Name the ticket.")
        if data.get("action") == "transfer" and ":" not in (data.get("to") or ""):
            raise forms.ValidationError("Choose a window or a service to transfer to.")
        return data


class KioskForm(UswdsForm):
    name = forms.CharField(
        label="Name of this screen", max_length=40, required=False, help_text="Where it stands, for example Lobby left."
    )
    revoke = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        super().clean()
        if not self.cleaned_data.get("revoke") and not (self.cleaned_data.get("name") or "").strip():
            self.add_error("name", "Name the kiosk, for example Lobby left.")
        return self.cleaned_data
