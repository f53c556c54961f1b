"""The person's details and the interpreter choice, asked for by the public booking steps and by staff
booking at the counter. They check shape only; the scheduling services decide (STYLE.md)."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from frontdesk.scheduling.languages import INTERPRETER_LANGUAGES, SIGN_LANGUAGE

from .fields import UswdsForm, birth_date_fields, clean_birth_date, name_fields

if TYPE_CHECKING:
    # Typing only: a label may be a lazy translation (django-stubs ships this alias; not needed to run).
    from django_stubs_ext import StrOrPromise

RELATIONSHIPS = [
    ("", _("- Select -")),
    ("parent", _("Parent")),
    ("guardian", _("Legal guardian")),
    ("representative_payee", _("Representative payee")),
    ("authorized_representative", _("Authorized representative")),
    ("family", _("Family member")),
    ("other", _("Other companion")),
]


def interpreter_choices(language: str) -> list[tuple[str, "StrOrPromise"]]:
    spanish = language.startswith("es")
    spoken = sorted(
        ((tag, names[1] if spanish else names[0]) for tag, names in INTERPRETER_LANGUAGES.items() if tag != "ase"),
        key=lambda item: item[1],
    )
    sign = INTERPRETER_LANGUAGES[SIGN_LANGUAGE][1 if spanish else 0]
    return [("", _("No, I do not need an interpreter")), (SIGN_LANGUAGE, f"{sign} (ASL)"), *spoken]


class DetailsForm(UswdsForm):
    locals().update(name_fields())
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
