"""Reminders by email and text, sent by the background worker (django-tasks, database backend).

A reminder is queued for a day before the appointment; when it runs it checks the appointment is
still booked at that time (a cancel or reschedule makes the old reminder a no-op) and sends at most
once per channel. The text never names the reason for the visit.
"""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django_tasks import task

from .models import Appointment, Mode, Reminder, Status
from .sms import sms_backend

logger = logging.getLogger(__name__)


def schedule_reminder(appointment: Appointment) -> None:
    due = appointment.starts_at - timedelta(hours=settings.FRONTDESK_REMINDER_HOURS_BEFORE)
    send_appointment_reminder.using(run_after=max(due, datetime.now(UTC))).enqueue(
        str(appointment.public_id), appointment.starts_at.isoformat()
    )


def reminder_text(appointment: Appointment) -> str:
    local = appointment.starts_at.astimezone(appointment.office.zone)
    spanish = appointment.person.preferred_language.startswith("es")
    when = local.strftime("%m/%d/%Y %I:%M %p %Z")
    if spanish:
        where = "Le llamaremos." if appointment.mode == Mode.PHONE else f"Oficina: {appointment.office.name}."
        return f"Recordatorio: tiene una cita del Seguro Social el {when}. {where} Código {appointment.code}."
    where = "We will call you." if appointment.mode == Mode.PHONE else f"Office: {appointment.office.name}."
    return f"Reminder: you have a Social Security appointment on {when}. {where} Code {appointment.code}."


@task()
def send_appointment_reminder(appointment_id: str, starts_at: str) -> str:
    appointment = Appointment.objects.select_related("person", "office").filter(public_id=appointment_id).first()
    moved = appointment is not None and appointment.starts_at != datetime.fromisoformat(starts_at)
    if appointment is None or appointment.status != Status.BOOKED or moved:
        return "skipped"
    body = reminder_text(appointment)
    sent, already = [], []
    for channel, address in (("email", appointment.person.email), ("sms", appointment.person.phone)):
        if not address:
            continue
        try:
            with transaction.atomic():
                Reminder.objects.create(appointment=appointment, channel=channel, for_starts_at=appointment.starts_at)
                if channel == "email":
                    send_mail("Social Security appointment reminder", body, None, [address])
                else:
                    sms_backend().send(to=address, body=body)
        except IntegrityError:
            already.append(channel)  # sent before for this time: a retried task sends nothing twice
            continue
        sent.append(channel)
    return ",".join(sent) or ("already_sent" if already else "no_contact")
