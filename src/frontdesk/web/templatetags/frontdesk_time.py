"""Times as people read them: in the office's own zone, whatever zone the server runs in.

Django's `date` filter turns an aware datetime into the current time zone (UTC here) before formatting,
so a datetime the view had put in the office's zone would still be shown in UTC; these filters format
the office's local time themselves, in the page language's formats, with the zone's abbreviation."""

from datetime import datetime

from django import template
from django.utils import formats

from frontdesk.offices.models import Office

register = template.Library()


@register.filter
def office_when(moment: datetime, office: Office) -> str:
    """ "Tuesday, Dec. 1, 2026, 11:15 a.m. (EST)": the day, date, time and zone at the office."""
    local = moment.astimezone(office.zone)
    day, date = formats.date_format(local, "l"), formats.date_format(local, "DATE_FORMAT")
    return f"{day}, {date}, {office_clock(moment, office)}"


@register.filter
def office_clock(moment: datetime, office: Office) -> str:
    """ "9:54 a.m. (EST)": the time and zone at the office."""
    local = moment.astimezone(office.zone)
    return f"{formats.time_format(local, 'TIME_FORMAT')} ({formats.date_format(local, 'T')})"
