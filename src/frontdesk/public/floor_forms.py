"""The kiosk's forms: shape only. Who gets a ticket, and when, is the floor app's answer."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from frontdesk.scheduling.models import Service
from frontdesk.scheduling.sms import normalize_number
from frontdesk.web.fields import UswdsForm

from .forms import FindForm, interpreter_choices

PHONE_HELP = _("Optional. We text you when your number is called, then delete the number. US numbers only.")


def _phone() -> forms.CharField:
    return forms.CharField(
        label=_("Mobile phone number for a text"),
        max_length=20,
        required=False,
        help_text=PHONE_HELP,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )


def _accessible() -> forms.BooleanField:
    return forms.BooleanField(label=_("I need an accessible window (wheelchair, lowered counter)"), required=False)


def clean_phone(form: forms.Form) -> str:
    phone = form.cleaned_data.get("phone", "")
    digits = normalize_number(phone)
    if phone.strip() and (len(digits) != 11 or not digits.startswith("1")):
        raise forms.ValidationError(_("Enter a 10-digit US phone number, or leave it empty."))
    return phone


class KioskWalkInForm(UswdsForm):
    service = forms.ChoiceField(label=_("What did you come for?"), widget=forms.RadioSelect)
    interpreter_language = forms.ChoiceField(label=_("Do you need an interpreter?"), required=False)
    accessible = _accessible()
    phone = _phone()

    def __init__(self, *args: Any, language: str = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["service"]).choices = [
            (s.code, s.name(language)) for s in Service.objects.filter(active=True) if "in_person" in s.modes
        ]
        cast(forms.ChoiceField, self.fields["interpreter_language"]).choices = interpreter_choices(language)

    def clean_phone(self) -> str:
        return clean_phone(self)


class KioskCheckInForm(FindForm):
    """The public look-up (code, last name, date of birth), plus what the kiosk asks on top."""

    accessible = _accessible()
    phone = _phone()

    def clean_phone(self) -> str:
        return clean_phone(self)
