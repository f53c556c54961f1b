"""Public forms. They check shape only; availability and booking rules live in the scheduling services."""

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from frontdesk.core.errors import ValidationFailed
from frontdesk.offices.geo import zip_normalize
from frontdesk.scheduling.languages import INTERPRETER_LANGUAGES, SIGN_LANGUAGE

from .fields import UswdsForm, birth_date_fields, clean_birth_date

RELATIONSHIPS = [
    ("", _("- Select -")),
    ("parent", _("Parent")),
    ("guardian", _("Legal guardian")),
    ("representative_payee", _("Representative payee")),
    ("authorized_representative", _("Authorized representative")),
    ("family", _("Family member")),
    ("other", _("Other companion")),
]


def interpreter_choices(language: str) -> list[tuple[str, str | Promise]]:
    spanish = language.startswith("es")
    spoken = sorted(
        ((tag, names[1] if spanish else names[0]) for tag, names in INTERPRETER_LANGUAGES.items() if tag != "ase"),
        key=lambda item: item[1],
    )
    sign = INTERPRETER_LANGUAGES[SIGN_LANGUAGE][1 if spanish else 0]
    return [("", _("No, I do not need an interpreter")), (SIGN_LANGUAGE, f"{sign} (ASL)"), *spoken]


class ZipForm(UswdsForm):
    zip = forms.CharField(
        label=_("ZIP code"),
        max_length=10,
        help_text=_("5 digits, for example 20001."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code", "maxlength": "10"}),
    )

    def clean_zip(self) -> str:
        try:
            return zip_normalize(self.cleaned_data["zip"])
        except ValidationFailed:
            raise forms.ValidationError(_("Enter a ZIP code with 5 digits, for example 20001.")) from None


class OptionsForm(UswdsForm):
    mode = forms.ChoiceField(label=_("How do you want to meet?"), widget=forms.RadioSelect)
    interpreter = forms.ChoiceField(
        label=_("Do you need an interpreter?"),
        required=False,
        help_text=_("Interpreters are free. Choose ASL for American Sign Language."),
    )
    companion = forms.ChoiceField(
        label=_("Is someone coming with you or booking for someone else?"),
        choices=[("no", _("No")), ("yes", _("Yes, a parent, guardian, representative or family member"))],
        initial="no",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, modes: Sequence[tuple[str, str]], language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["mode"]).choices = modes
        cast(forms.ChoiceField, self.fields["interpreter"]).choices = interpreter_choices(language)


class DetailsForm(UswdsForm):
    first_name = forms.CharField(
        label=_("First name"), max_length=80, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=80, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    locals().update(birth_date_fields("dob"))
    phone = forms.CharField(
        label=_("Phone number"),
        max_length=15,
        required=False,
        help_text=_("We call this number for a phone appointment and can text you a reminder."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("We send a reminder the day before."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args: Any, companion: bool, phone_required: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.companion = companion
        self.fields["phone"].required = phone_required
        if companion:
            self.fields["companion_first_name"] = forms.CharField(label=_("Companion's first name"), max_length=80)
            self.fields["companion_last_name"] = forms.CharField(label=_("Companion's last name"), max_length=80)
            for name, field in birth_date_fields("companion_dob").items():
                self.fields[name] = field
            self.fields["companion_relationship"] = forms.ChoiceField(
                label=_("How is the companion related to the person?"), choices=RELATIONSHIPS
            )
            for name in ("companion_first_name", "companion_last_name", "companion_relationship"):
                widget = self.fields[name].widget
                css = "usa-select" if isinstance(widget, forms.Select) else "usa-input"
                widget.attrs["class"] = css

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["date_of_birth"] = clean_birth_date(self, "dob")
        if self.companion:
            data["companion_date_of_birth"] = clean_birth_date(self, "companion_dob")
        return data


class FindForm(UswdsForm):
    code = forms.CharField(
        label=_("Confirmation code"),
        max_length=20,
        help_text=_("8 letters and numbers, on your confirmation."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=80, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    locals().update(birth_date_fields("dob"))
    # Asked for only once the code is locked after repeated failures (scheduling/lookup_guard.py).
    one_time_code = forms.CharField(
        label=_("One-time code"),
        max_length=12,
        required=False,
        help_text=_("The 6 digits we sent you."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["date_of_birth"] = clean_birth_date(self, "dob")
        return data


class AccessCodeRequestForm(UswdsForm):
    """Who you say you are, and where the code should go (a contact we already hold, never a new one)."""

    first_name = forms.CharField(
        label=_("First name"), max_length=80, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        label=_("Last name"), max_length=80, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    locals().update(birth_date_fields("dob"))
    channel = forms.ChoiceField(
        label=_("Where should we send the code?"),
        help_text=_("We send it only to the email or phone number we already have for you."),
        choices=[("email", _("Email")), ("sms", _("Text message"))],
        widget=forms.RadioSelect,
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["date_of_birth"] = clean_birth_date(self, "dob")
        return data


class AccessCodeForm(UswdsForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=12,
        help_text=_("6 digits, from the message we sent you."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": "false"}),
    )
