"""Console forms: shape only. Services and selectors decide (STYLE.md)."""

from typing import Any, cast

from django import forms
from django.utils.dates import WEEKDAYS

from frontdesk.core.purposes import MAX_NOTE, PURPOSES
from frontdesk.offices.models import ResourceKind
from frontdesk.scheduling.catalog import SKILLS
from frontdesk.scheduling.languages import INTERPRETER_LANGUAGES
from frontdesk.scheduling.models import Mode, Service
from frontdesk.web.fields import UswdsForm, birth_date_fields, clean_birth_date
from frontdesk.web.person_forms import interpreter_choices


def purpose_choices(*codes: str) -> list[tuple[str, str]]:
    return [("", "- Select -")] + [(code, PURPOSES[code]) for code in (codes or PURPOSES)]


def service_choices() -> list[tuple[str, str]]:
    return [("", "- Select -")] + [(s.code, s.name_en) for s in Service.objects.filter(active=True).order_by("name_en")]


class SignInForm(UswdsForm):
    username = forms.CharField(max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(max_length=200, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class CodeForm(UswdsForm):
    token = forms.RegexField(
        label="6-digit code",
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Enter the 6 digits your authenticator app shows."},
        help_text="From your authenticator app. The code changes every 30 seconds.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "7"}),
    )


class PurposeFields(UswdsForm):
    purpose = forms.ChoiceField(label="Why do you need this?", choices=purpose_choices)
    purpose_note = forms.CharField(
        label="Note", max_length=MAX_NOTE, required=False, help_text="Optional. Recorded with the purpose."
    )


SCHEDULE_VIEWS = [
    ("", "Everyone"),
    ("open", "Still to serve (booked or waiting)"),
    ("waiting", "Waiting here (checked in)"),
    ("interpreter", "Needs an interpreter"),
    ("phone", "Phone appointments"),
    ("in_person", "In-person appointments"),
]


class ScheduleForm(PurposeFields):
    date = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    show = forms.ChoiceField(label="Show", choices=SCHEDULE_VIEWS, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["purpose"]).choices = purpose_choices(
            "run_schedule", "check_in", "serve_appointment"
        )


class AppointmentFindForm(PurposeFields):
    code = forms.CharField(label="Confirmation code", max_length=20)


class PersonSearchForm(PurposeFields):
    ssn = forms.CharField(
        label="Social Security number",
        max_length=11,
        required=False,
        help_text="Or leave empty and give last name and date of birth.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    last_name = forms.CharField(label="Last name", max_length=80, required=False)
    locals().update(birth_date_fields("dob", required=False))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["date_of_birth"] = clean_birth_date(self, "dob")
        return data


APPOINTMENT_ACTIONS = ("check-in", "complete", "no-show", "cancel")


class AppointmentActionForm(forms.Form):
    """One form for a whole schedule: each button sends `act` as 'action:CODE'."""

    act = forms.CharField(max_length=40)
    back = forms.CharField(max_length=500, required=False)
    # Cancelling frees the person's time for someone else: it asks once more (no script needed).
    confirm = forms.BooleanField(required=False)

    def clean_act(self) -> tuple[str, str]:
        action, _, code = self.cleaned_data["act"].partition(":")
        if action not in APPOINTMENT_ACTIONS or not code:
            raise forms.ValidationError("Unknown action.")
        return action, code


class StaffBookForm(UswdsForm):
    service = forms.ChoiceField(label="Service", choices=service_choices)
    mode = forms.ChoiceField(label="How", choices=[(Mode.IN_PERSON, "In person"), (Mode.PHONE, "By phone")])
    interpreter = forms.ChoiceField(label="Interpreter", required=False)
    companion = forms.ChoiceField(
        label="Companion", choices=[("", "No companion"), ("yes", "With a companion")], required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["interpreter"]).choices = [("", "None"), *interpreter_choices("en")[1:]]


class HoursForm(UswdsForm):
    weekday = forms.TypedChoiceField(label="Day", choices=list(WEEKDAYS.items()), coerce=int)
    opens = forms.TimeField(label="Opens", required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    closes = forms.TimeField(label="Closes", required=False, widget=forms.TimeInput(attrs={"type": "time"}))


class ClosureForm(UswdsForm):
    date = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="Reason", max_length=200, help_text="Shown to the public, e.g. 'Weather'.")


class ClosureRemoveForm(forms.Form):
    date = forms.DateField()


LANGUAGE_CHOICES = [("en", "English")] + [(tag, names[0]) for tag, names in INTERPRETER_LANGUAGES.items()]


class ResourceForm(UswdsForm):
    kind = forms.ChoiceField(
        label="Kind",
        choices=[(ResourceKind.STAFF, "Staff member"), (ResourceKind.INTERPRETER, "Interpreter")],
        widget=forms.RadioSelect,
    )
    name = forms.CharField(label="Name", max_length=120)
    skills = forms.MultipleChoiceField(
        label="Services they can do (staff)",
        choices=[(s, s.replace("_", " ")) for s in SKILLS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label="Languages", choices=LANGUAGE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    remote = forms.BooleanField(label="Works remotely (phone or video)", required=False)


class ResourceUpdateForm(forms.Form):
    resource = forms.UUIDField()
    active = forms.TypedChoiceField(choices=[("1", "on"), ("0", "off")], coerce=lambda v: v == "1")
