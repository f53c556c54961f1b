"""The appointment as an iCalendar file (RFC 5545) with the office's VTIMEZONE.

The text says "Social Security appointment" and never the reason: a calendar is often shared or
synced to devices others can see, and a reason such as a noncitizen review is sensitive.
"""

from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

from .models import Appointment, Mode, Status

PRODID = "-//frontdesk//appointments//EN"


def appointment_ics(appointment: Appointment, *, language: str = "en", now: datetime | None = None) -> bytes:
    office = appointment.office
    spanish = language.startswith("es")
    summary = "Cita del Seguro Social" if spanish else "Social Security appointment"
    if appointment.mode == Mode.PHONE:
        location = "Por teléfono: le llamaremos" if spanish else "By phone: we will call you"
    else:
        location = ", ".join([office.name, *office.address_lines, f"{office.city}, {office.state} {office.zip_code}"])
    description = (
        f"Código de confirmación: {appointment.code}. Oficina: {office.name}, teléfono {office.phone}."
        if spanish
        else f"Confirmation code: {appointment.code}. Office: {office.name}, phone {office.phone}."
    )
    zone = office.zone

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{appointment.public_id}@frontdesk")
    event.add("dtstamp", (now or datetime.now(UTC)).replace(microsecond=0))
    event.add("dtstart", appointment.starts_at.astimezone(zone))
    event.add("dtend", appointment.ends_at.astimezone(zone))
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    event.add("sequence", appointment.reschedule_count)
    event.add("status", "CANCELLED" if appointment.status == Status.CANCELLED else "CONFIRMED")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", timedelta(hours=-24))
    event.add_component(alarm)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
