"""The office floor: numbered tickets in one merged queue per office and day, and the windows that call them.

A ticket carries a number, never a name (a clerk may record whose walk-in it is, `Ticket.person`, for the
person's own records; no page shows it). Its times (`issued_at`, `called_at`, `served_at`) are what waits
are measured from. A phone number left for a text is kept only encrypted, and only for the day
(`services.ticket_contacts_purge`). Fields change only through `services.py`.
"""

import uuid

from django.conf import settings
from django.db import models

from frontdesk.offices.models import Office
from frontdesk.scheduling.models import Appointment, Person, Service


class TicketKind(models.TextChoices):
    WALK_IN = "walk_in", "Walk-in"
    APPOINTMENT = "appointment", "Appointment"


class TicketOutcome(models.TextChoices):
    WAITING = "waiting", "Waiting"
    CALLED = "called", "Called to a window"
    SERVED = "served", "Served"
    NO_SHOW = "no_show", "Did not come to the window"


OPEN_OUTCOMES = (TicketOutcome.WAITING, TicketOutcome.CALLED)


class Window(models.Model):
    """A counter position that calls tickets, and what it can serve.

    Empty `service_codes` means every service; `languages` are the interpreter languages available there
    (on site or by video); `accessible` says it suits a wheelchair user (a lowered counter, room to turn).
    """

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="windows")
    name = models.CharField(max_length=20)
    service_codes = models.JSONField(default=list, blank=True)
    languages = models.JSONField(default=list, blank=True)
    accessible = models.BooleanField(default=False)
    open = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["office", "name"]
        constraints = [models.UniqueConstraint(fields=["office", "name"], name="floor_window_name_per_office")]

    def __str__(self) -> str:
        return f"window {self.name}"


class Ticket(models.Model):
    """A numbered place in an office's merged queue for one local day."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="floor_tickets")
    local_date = models.DateField()
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=TicketKind.choices)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The appointment's start: the time the queue owes this ticket (None for a walk-in).
    due_at = models.DateTimeField(null=True, blank=True)
    interpreter_language = models.CharField(max_length=8, blank=True)
    accessible = models.BooleanField(default=False)
    issued_at = models.DateTimeField()
    called_at = models.DateTimeField(null=True, blank=True)  # the first call: the wait ends here
    last_called_at = models.DateTimeField(null=True, blank=True)  # the latest call or recall, for the board
    served_at = models.DateTimeField(null=True, blank=True)  # service finished (or the no-show recorded)
    outcome = models.CharField(max_length=10, choices=TicketOutcome.choices, default=TicketOutcome.WAITING)
    window = models.ForeignKey(Window, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets")
    calls = models.PositiveSmallIntegerField(default=0)
    phone_encrypted = models.TextField(blank=True)
    texted_at = models.DateTimeField(null=True, blank=True)
    # Issued by a clerk (the console's walk-in form, the staff API, a counter check-in), not at the kiosk.
    at_counter = models.BooleanField(default=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Whose walk-in this is, when the clerk recorded it (never shown on the board or any public page; read
    # only through the disclosure packet's record source, floor/records.py).
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["office", "local_date", "number"]
        indexes = [models.Index(fields=["office", "local_date", "outcome"], name="floor_ticket_day_outcome")]
        constraints = [
            models.UniqueConstraint(fields=["office", "local_date", "number"], name="floor_ticket_number_per_day"),
        ]

    def __str__(self) -> str:
        return f"ticket {self.label}"

    @property
    def label(self) -> str:
        """What the board shows and the clerk calls out: a letter for the kind and the day's number."""
        return f"{'A' if self.kind == TicketKind.APPOINTMENT else 'W'}{self.number:03d}"


class KioskDevice(models.Model):
    """A screen an office manager enrolled as the office's check-in kiosk.

    The device holds a signed cookie naming this row (`services.kiosk_enrol`); look-ups from it are limited
    per device, not per address (docs/adr/0035-floor-tickets-for-every-arrival-and-kiosk-devices.md).
    Revoking sets `revoked_at`, and the cookie counts for nothing from then on.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="kiosk_devices")
    name = models.CharField(max_length=40)
    enrolled_at = models.DateTimeField()
    enrolled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["office", "enrolled_at"]

    def __str__(self) -> str:
        return f"kiosk {self.name}"
