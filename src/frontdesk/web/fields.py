"""Form helpers for the public site and the console (the shared UI kit): USWDS classes, error wiring, birth dates.

Forms check shape only; the domain services decide (STYLE.md). Errors are tied to their inputs with
aria-describedby and aria-invalid, and listed again in the page's error summary.
"""

from datetime import date, time
from typing import Any

from django import forms
from django.utils import formats
from django.utils.dates import MONTHS
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext_lazy as _

from frontdesk.core.bounds import EARLIEST_BIRTH, LATEST_DATE
from frontdesk.core.errors import DomainError

WIDGET_CLASSES = {
    forms.Select: "usa-select",
    forms.Textarea: "usa-textarea",
}


class UswdsForm(forms.Form):
    """A form whose widgets carry USWDS classes, and whose errors are wired to their inputs."""

    template_name_div = "frontdesk/form_fields.html"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.HiddenInput):
                continue
            css = next((c for k, c in WIDGET_CLASSES.items() if isinstance(widget, k)), "usa-input")
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()
            if field.help_text:
                widget.attrs["aria-describedby"] = f"id_{self.add_prefix(name)}-hint"

    def full_clean(self) -> None:
        super().full_clean()
        for name in list(self.errors):
            self.mark_invalid(name)

    def mark_invalid(self, name: str | None) -> None:
        if name not in self.fields:
            return
        widget = self.fields[name].widget
        widget.attrs["aria-invalid"] = "true"
        error_id = f"id_{self.add_prefix(name)}-error"
        described = widget.attrs.get("aria-describedby", "")
        if error_id not in described:
            widget.attrs["aria-describedby"] = f"{error_id} {described}".strip()
        css = widget.attrs.get("class", "")
        if css and "usa-input--error" not in css:
            widget.attrs["class"] = f"{css} usa-input--error"

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, text) for the error summary: each problem once, naming its field ("First name: ...").
        The three inputs of a memorable date are one question, so they make one line, named for it."""
        lines: list[tuple[str, str]] = [("", str(e)) for e in self.non_field_errors()]
        seen_dates: set[str] = set()
        for bound in self:
            if not bound.errors:
                continue
            prefix, _sep, part = bound.name.rpartition("_")
            # A group of radios or checkboxes has no input with the field's own id: link to its first option.
            grouped = isinstance(bound.field.widget, forms.RadioSelect)  # CheckboxSelectMultiple is one too
            anchor = f"{bound.auto_id}_0" if grouped else bound.auto_id
            if part in DATE_PARTS and prefix:
                if prefix in seen_dates:
                    continue
                seen_dates.add(prefix)
                label: str | Promise = _("Date of birth")
            else:
                label = bound.label
            for error in bound.errors:
                line = (anchor, f"{label}: {error}")
                if line not in lines:
                    lines.append(line)
        return lines

    def add_domain_error(self, error: DomainError, message: str | None = None, field: str | None = None) -> None:
        """Show a service's refusal beside the field it names (or at the top when it names none)."""
        field = field or error.field
        field = field if field in self.fields else None
        self.add_error(field, message or error.message)
        self.mark_invalid(field)


def month_choices() -> list[tuple[str, str | Promise]]:
    return [("", _("- Select -"))] + [(str(n), name) for n, name in MONTHS.items()]


def _clock(hour: time) -> str:
    return formats.time_format(hour, "TIME_FORMAT")


def hour_choices(first: int = 7, last: int = 19) -> list[tuple[str, str | Promise]]:
    """Whole hours as a page shows times ("7 a.m." ... "7 p.m."; "07:00" in Spanish), valued "07:00:00"."""
    return [(time(h).isoformat(), lazy(_clock, str)(time(h))) for h in range(first, last + 1)]


DATE_PARTS = frozenset({"month", "day", "year"})


def name_fields() -> dict[str, forms.Field]:
    """First and last name as the person writes them (the services derive the keys names are matched by)."""
    return {
        "first_name": forms.CharField(
            label=_("First name"), max_length=80, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
        ),
        "last_name": forms.CharField(
            label=_("Last name"), max_length=80, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
        ),
    }


def birth_date_fields(prefix: str = "dob", *, required: bool = True) -> dict[str, forms.Field]:
    """USWDS 'memorable date': month, day and year as separate inputs (easier than a date picker)."""
    return {
        f"{prefix}_month": forms.TypedChoiceField(
            label=_("Month"), choices=month_choices, coerce=int, required=required, empty_value=None
        ),
        f"{prefix}_day": forms.IntegerField(
            label=_("Day"),
            min_value=1,
            max_value=31,
            required=required,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": "2", "autocomplete": "bday-day"}),
        ),
        f"{prefix}_year": forms.IntegerField(
            label=_("Year"),
            min_value=EARLIEST_BIRTH.year,
            max_value=LATEST_DATE.year,
            required=required,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": "4", "autocomplete": "bday-year"}),
        ),
    }


def clean_birth_date(form: forms.Form, prefix: str = "dob") -> date | None:
    """The date from the three inputs, or None after adding an error to the form."""
    data = form.cleaned_data
    month, day, year = data.get(f"{prefix}_month"), data.get(f"{prefix}_day"), data.get(f"{prefix}_year")
    if not (month and day and year):
        return None
    try:
        return date(year, month, day)
    except ValueError:
        form.add_error(f"{prefix}_day", _("That day does not exist in that month. Check the date."))
        return None
