"""Template tags for the forms: a USWDS memorable-date group and a USWDS form field."""

from django import template

register = template.Library()


@register.inclusion_tag("frontdesk/birth_date.html")
def birth_date(form, prefix: str, legend: str) -> dict:
    fields = [form[f"{prefix}_{part}"] for part in ("month", "day", "year")]
    return {"month": fields[0], "day": fields[1], "year": fields[2], "fields": fields, "legend": legend}


@register.inclusion_tag("frontdesk/field.html")
def field(bound_field, large: bool = False) -> dict:
    return {"field": bound_field, "large": large}
