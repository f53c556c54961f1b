"""Template tags for the forms: a USWDS memorable-date group and a USWDS form field."""

from typing import Any

from django import forms, template

register = template.Library()


@register.inclusion_tag("frontdesk/birth_date.html")
def birth_date(form: forms.Form, prefix: str, legend: str) -> dict[str, Any]:
    fields = [form[f"{prefix}_{part}"] for part in ("month", "day", "year")]
    return {"month": fields[0], "day": fields[1], "year": fields[2], "fields": fields, "legend": legend}


@register.inclusion_tag("frontdesk/field.html")
def field(bound_field: forms.BoundField, large: bool = False) -> dict[str, Any]:
    return {"field": bound_field, "large": large}
