"""Reminders by email and text, sent by the background worker (django-tasks, database backend).

A reminder is queued for a day before the appointment; when it runs it checks the appointment is
still booked at that time (a cancel or reschedule makes the old reminder a no-op) and sends at most
once per channel, in the person's language. None goes in the last hour before the time (LAST_CALL):
a worker catching up, or the first start of a demo, would otherwise ask people already on their way,
or already seen, to confirm. The text never names the reason for the visit (the
service) nor anything but the time, the place or "we will call you", and the confirmation code.

People can answer (replies.py): a text says "reply C to confirm, X to cancel, STOP to stop" and
carries a link to reschedule; an email carries confirm, cancel, reschedule and stop links (each a
single-use token) and a List-Unsubscribe header. An address that said STOP gets nothing.
(docs/adr/0024-reminders-people-can-answer.md)
"""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from frontdesk.offices.models import Office

from .models import Appointment, ContactOptOut, Mode, Reminder, ReplyAction, Status
from .sms import address_key, sms_backend

logger = logging.getLogger(__name__)

LAST_CALL = timedelta(hours=1)  # no reminder for a time closer than this (or past)


def schedule_reminder(appointment: Appointment) -> None:
    due = appointment.starts_at - timedelta(hours=settings.FRONTDESK_REMINDER_HOURS_BEFORE)
    send_appointment_reminder.using(run_after=max(due, datetime.now(UTC))).enqueue(
        str(appointment.public_id), appointment.starts_at.isoformat()
    )


def _spanish(appointment: Appointment) -> bool:
    return appointment.person.preferred_language.startswith("es")


def message_time(moment: datetime, office: Office) -> str:
    """A time as every message we send writes it: the office's date, time and zone, "12/01/2026 03:45 PM EST"."""
    return moment.astimezone(office.zone).strftime("%m/%d/%Y %I:%M %p %Z")


def reminder_text(appointment: Appointment) -> str:
    when = message_time(appointment.starts_at, appointment.office)
    if _spanish(appointment):
        where = "Le llamaremos." if appointment.mode == Mode.PHONE else f"Oficina: {appointment.office.name}."
        return f"Recordatorio: tiene una cita del Seguro Social el {when}. {where} Código {appointment.code}."
    where = "We will call you." if appointment.mode == Mode.PHONE else f"Office: {appointment.office.name}."
    return f"Reminder: you have a Social Security appointment on {when}. {where} Code {appointment.code}."


def reply_link_url(appointment: Appointment, token: str) -> str:
    """The public page for a link, in the person's language (Spanish pages live under /es/)."""
    with translation.override("es" if _spanish(appointment) else "en"):
        return settings.FRONTDESK_PUBLIC_BASE_URL + reverse("public:reply-link", kwargs={"token": token})


def sms_body(appointment: Appointment, reschedule_url: str) -> str:
    if _spanish(appointment):
        answer = "Responda C para confirmar, X para cancelar, STOP para no recibir mensajes. Cambiar la hora:"
    else:
        answer = "Reply C to confirm, X to cancel, STOP to stop texts. Change the time:"
    return f"{reminder_text(appointment)} {answer} {reschedule_url}"


EMAIL_LINES = {
    "en": (
        "Social Security appointment reminder",
        "Will you come? Confirm: {confirm}",
        "Cannot come? Cancel: {cancel}",
        "Choose another time: {reschedule}",
        "Each link works once, until the time of the appointment.",
        "To stop these reminders by email: {stop}",
    ),
    "es": (
        "Recordatorio de su cita del Seguro Social",
        "¿Va a venir? Confirme: {confirm}",
        "¿No puede venir? Cancele: {cancel}",
        "Elija otra hora: {reschedule}",
        "Cada enlace sirve una sola vez, hasta la hora de la cita.",
        "Para no recibir más recordatorios por correo: {stop}",
    ),
}


def _email(appointment: Appointment, address: str) -> EmailMessage:
    from .replies import reply_link_issue

    urls = {
        action: reply_link_url(appointment, reply_link_issue(appointment=appointment, action=action, channel="email"))
        for action in (ReplyAction.CONFIRM, ReplyAction.CANCEL, ReplyAction.RESCHEDULE, ReplyAction.STOP)
    }
    subject, *lines = EMAIL_LINES["es" if _spanish(appointment) else "en"]
    body = "\n\n".join([reminder_text(appointment), *(line.format(**urls) for line in lines)])
    return EmailMessage(
        subject,
        body,
        None,
        [address],
        headers={"List-Unsubscribe": f"<{urls[ReplyAction.STOP]}>"},
    )


def _sms(appointment: Appointment) -> str:
    from .replies import reply_link_issue

    token = reply_link_issue(appointment=appointment, action=ReplyAction.RESCHEDULE, channel="sms")
    return sms_body(appointment, reply_link_url(appointment, token))


def opted_out(channel: str, address: str) -> bool:
    return ContactOptOut.objects.filter(channel=channel, address_key=address_key(channel, address)).exists()


@task()
def send_appointment_reminder(appointment_id: str, starts_at: str) -> str:
    appointment = Appointment.objects.select_related("person", "office").filter(public_id=appointment_id).first()
    moved = appointment is not None and appointment.starts_at != datetime.fromisoformat(starts_at)
    if appointment is None or appointment.status != Status.BOOKED or moved:
        return "skipped"
    if appointment.starts_at - datetime.now(UTC) < LAST_CALL:
        return "too_late"
    sent: list[str] = []
    already: list[str] = []
    stopped: list[str] = []
    for channel, address in (
        ("email", appointment.person.contact_email()),
        ("sms", appointment.person.contact_phone()),
    ):
        if not address:
            continue
        stop = opted_out(channel, address)
        try:
            with transaction.atomic():
                Reminder.objects.create(
                    appointment=appointment,
                    channel=channel,
                    for_starts_at=appointment.starts_at,
                    address_key=address_key(channel, address),
                )
                # STOP is honoured: nothing goes out, but the row stays, so the sweep does not queue it again.
                if stop:
                    pass
                elif channel == "email":
                    _email(appointment, address).send()
                else:
                    sms_backend().send(to=address, body=_sms(appointment))
        except IntegrityError:
            already.append(channel)  # sent before for this time: a retried task sends nothing twice
            continue
        (stopped if stop else sent).append(channel)
    return ",".join(sent) or ("already_sent" if already else "opted_out" if stopped else "no_contact")


SWEEP_GRACE = timedelta(minutes=10)
SWEEP_BATCH = 500


def reminders_sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> dict[str, int]:
    """Queue again the reminders that were due but never went out (run by the scheduler).

    A reminder is queued with its booking, but its task can be lost: a worker killed while running it
    leaves it "running" for ever, a failed send is not retried, and appointments loaded in bulk have
    none. Any booked appointment at least LAST_CALL ahead whose reminder was due more than SWEEP_GRACE ago, that
    has contact details, no reminder sent for its current time and no reminder task waiting in the
    queue, gets one queued now. Sending stays at most once per channel (the Reminder constraint), so
    a task found late and a swept one never both send.
    """
    from django.db.models import Q
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or datetime.now(UTC)
    lead = timedelta(hours=settings.FRONTDESK_REMINDER_HOURS_BEFORE)
    missed = (
        Appointment.objects.filter(
            status=Status.BOOKED, starts_at__gte=now + LAST_CALL, starts_at__lte=now + lead - SWEEP_GRACE
        )
        .filter(~Q(person__email_hash="") | ~Q(person__phone_hash=""))
        .exclude(reminders__for_starts_at=models.F("starts_at"))
        .order_by("starts_at")
        .values_list("public_id", "starts_at")
    )
    waiting = {
        str(args_kwargs["args"][0])
        for args_kwargs in DBTaskResult.objects.filter(
            status=TaskResultStatus.READY, task_path=send_appointment_reminder.module_path
        ).values_list("args_kwargs", flat=True)
        if args_kwargs.get("args")
    }
    counts = {"missed": 0, "already_queued": 0, "queued": 0}
    for public_id, starts_at in missed[: batch * 2]:
        counts["missed"] += 1
        if str(public_id) in waiting:
            counts["already_queued"] += 1
        elif counts["queued"] < batch:
            send_appointment_reminder.enqueue(str(public_id), starts_at.isoformat())
            counts["queued"] += 1
    return counts
