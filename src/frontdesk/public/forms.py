"""Public forms. They check shape only; availability and booking rules live in the scheduling services."""

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from frontdesk.core.errors import ValidationFailed
from frontdesk.offices.geo import zip_normalize
from frontdesk.web.fields import UswdsForm, birth_date_fields, clean_birth_date, name_fields
from frontdesk.web.person_forms import DetailsForm, interpreter_choices

__all__ = ["AccessCodeForm", "AccessCodeRequestForm", "DetailsForm", "FindForm", "OptionsForm", "ZipForm"]


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

    locals().update(name_fields())
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
