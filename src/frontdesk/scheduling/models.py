"""Services, people, appointments, the resources they hold, and the walk-in queue.

Status fields change only through `services.py`. Instants are UTC; each appointment also knows its
office, whose zone gives the local time people see.
"""

import uuid

from django.conf import settings
from django.db import models

from frontdesk.core.crypto import FieldSealer, decrypt_field
from frontdesk.offices.models import Office, Resource

from .sms import address_key


class Mode(models.TextChoices):
    PHONE = "phone", "By phone"
    IN_PERSON = "in_person", "In person"


class Service(models.Model):
    """An appointment type, named in plain language in English and Spanish."""

    code = models.SlugField(max_length=40, unique=True)
    name_en = models.CharField(max_length=120)
    name_es = models.CharField(max_length=120)
    description_en = models.TextField(blank=True)
    description_es = models.TextField(blank=True)
    duration_minutes = models.PositiveSmallIntegerField()
    modes = models.JSONField(default=list)
    in_person_required = models.BooleanField(default=False)
    required_skill = models.SlugField(max_length=40)
    min_lead_minutes = models.PositiveIntegerField(default=60)
    horizon_days = models.PositiveSmallIntegerField(default=60)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def name(self, language: str = "en") -> str:
        return self.name_es if language.startswith("es") else self.name_en


# The encryption contexts of a person's contact details (Person.email_encrypted, Person.phone_encrypted).
EMAIL_CONTEXT = "person.email"
PHONE_CONTEXT = "person.phone"


class ContactSealer:
    """The stored form of contact details: AES-GCM ciphertexts, and the keyed hashes they are found by
    (the same `address_key` opt-outs and reminders use); "" for a detail not given.

    One sealer serves many people (the seed): the key is prepared once, and a phone's keyed hash is
    computed once per distinct number (few in a load; hashes are deterministic, while each ciphertext
    gets its own nonce)."""

    COLUMNS = ("email_encrypted", "email_hash", "phone_encrypted", "phone_hash")

    def __init__(self) -> None:
        self._email = FieldSealer(context=EMAIL_CONTEXT)
        self._phone = FieldSealer(context=PHONE_CONTEXT)
        self._phone_hashes: dict[str, str] = {}

    def columns(self, *, email: str, phone: str) -> tuple[str, str, str, str]:
        email, phone = (email or "").strip(), (phone or "").strip()
        return (
            self._email.seal(email) if email else "",
            address_key("email", email) if email else "",
            self._phone.seal(phone) if phone else "",
            self._phone_hash(phone) if phone else "",
        )

    def _phone_hash(self, phone: str) -> str:
        known = self._phone_hashes.get(phone)
        if known is None:
            known = self._phone_hashes[phone] = address_key("sms", phone)
        return known


class Person(models.Model):
    """Someone the agency serves. The SSN, email and phone exist only as keyed hashes and AES-GCM
    ciphertexts (docs/adr/0003-personal-identifiers.md, docs/adr/0039-contact-details-encrypted.md):
    read them with `contact_email()` / `contact_phone()`, write them with `set_contact()`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    # casefolded, accents and punctuation removed: what a caller's spelling is matched against
    last_name_key = models.CharField(max_length=80, db_index=True)
    date_of_birth = models.DateField()
    ssn_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    ssn_encrypted = models.TextField(blank=True)
    email_encrypted = models.TextField(blank=True)
    # address_key("email", ...): finds a person by email without holding it in clear
    email_hash = models.CharField(max_length=64, blank=True, db_index=True)
    phone_encrypted = models.TextField(blank=True)
    # address_key("sms", ...): what an inbound text's sender and an opt-out are matched against
    phone_hash = models.CharField(max_length=64, blank=True, db_index=True)
    preferred_language = models.CharField(max_length=8, default="en")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"person {self.public_id}"

    def contact_email(self) -> str:
        """The email on file, decrypted, or "". Showing it to staff is a personal-data read: ledger it."""
        return decrypt_field(self.email_encrypted, context=EMAIL_CONTEXT) if self.email_encrypted else ""

    def contact_phone(self) -> str:
        """The phone number on file as it was given, decrypted, or ""."""
        return decrypt_field(self.phone_encrypted, context=PHONE_CONTEXT) if self.phone_encrypted else ""

    def set_contact(self, *, email: str | None = None, phone: str | None = None) -> None:
        """Replace the contact details given (not saved): "" clears one, None leaves it as it is."""
        sealed = ContactSealer().columns(email=email or "", phone=phone or "")
        if email is not None:
            self.email_encrypted, self.email_hash = sealed[0], sealed[1]
        if phone is not None:
            self.phone_encrypted, self.phone_hash = sealed[2], sealed[3]


class Status(models.TextChoices):
    BOOKED = "booked", "Booked"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


ACTIVE_STATUSES = (Status.BOOKED, Status.CHECKED_IN)


class Relationship(models.TextChoices):
    PARENT = "parent", "Parent"
    GUARDIAN = "guardian", "Legal guardian"
    REPRESENTATIVE_PAYEE = "representative_payee", "Representative payee"
    AUTHORIZED_REPRESENTATIVE = "authorized_representative", "Authorized representative"
    FAMILY = "family", "Family member"
    OTHER = "other", "Other companion"


class Appointment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=9, unique=True)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="appointments")
    companion = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="companion_appointments"
    )
    companion_relationship = models.CharField(max_length=32, choices=Relationship.choices, blank=True)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    mode = models.CharField(max_length=10, choices=Mode.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    interpreter_language = models.CharField(max_length=8, blank=True)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reschedule_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["office", "starts_at"]), models.Index(fields=["person", "starts_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(starts_at__lt=models.F("ends_at")), name="appointment_ordered"),
        ]

    def __str__(self) -> str:
        return f"appointment {self.code}"


class ResourceHold(models.Model):
    """One resource held by one appointment for [starts_at, ends_at).

    The database refuses two active holds of one resource that overlap: an exclusion constraint on
    PostgreSQL, a trigger on SQLite (migration 0002; docs/adr/0001-no-double-booking.md).
    """

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="holds")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="holds")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["resource", "starts_at"], name="hold_resource_start")]
        constraints = [
            models.CheckConstraint(condition=models.Q(starts_at__lt=models.F("ends_at")), name="hold_ordered"),
        ]


class IdempotencyRecord(models.Model):
    """The first response to a POST that carried an Idempotency-Key, replayed for its retries."""

    scope = models.CharField(max_length=120)
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="idempotency_once")]


class Reminder(models.Model):
    """A reminder sent (or skipped) for an appointment; one per channel and appointment time."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    channel = models.CharField(max_length=8)
    for_starts_at = models.DateTimeField()
    sent_at = models.DateTimeField(auto_now_add=True)
    # A keyed hash of the address it went to: an inbound text is matched to its appointment by this.
    address_key = models.CharField(max_length=64, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["appointment", "channel", "for_starts_at"], name="reminder_once"),
        ]


class LookupGuard(models.Model):
    """Failed public look-ups on one confirmation code, counted durably (a cache may forget).

    Past the limit the code is locked: the right code, last name and birth date no longer suffice, a
    one-time code sent to the contact on file is needed too. Rows are keyed by the code's keyed hash and
    exist for codes that match no appointment as well, so a made-up code locks exactly like a real one
    (docs/adr/0018-rate-limits-on-public-look-ups.md). The one-time code is kept only as a keyed hash.
    """

    code_key = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    unlock_hash = models.CharField(max_length=64, blank=True)
    unlock_expires_at = models.DateTimeField(null=True, blank=True)
    unlock_attempts = models.PositiveSmallIntegerField(default=0)
    # One-time codes sent on the day `sent_on` (a daily cap, so a lock cannot be used to flood a person).
    sent_on = models.DateField(null=True, blank=True)
    sent_that_day = models.PositiveSmallIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"look-up guard {self.code_key[:8]}"


class RateLimitCacheEntry(models.Model):
    """The table of Django's DatabaseCache behind the "ratelimit" cache alias (settings.CACHES).

    Declared here so that every `migrate` (make run, CI, the test databases) creates it, whatever cache
    the settings of the day name; `createcachetable` makes the same columns and skips an existing table.
    Nothing reads it through the ORM.
    """

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "frontdesk_rate_limit_cache"

    def __str__(self) -> str:
        return self.cache_key


class ReplyAction(models.TextChoices):
    CONFIRM = "confirm", "Confirmed"
    CANCEL = "cancel", "Cancelled"
    RESCHEDULE = "reschedule", "Went to reschedule"
    STOP = "stop", "Stopped reminders"


class ReplyLink(models.Model):
    """A link in a reminder: one action on one appointment, used once, until it expires.

    Only a keyed hash of the random token is stored, so a copy of the database cannot act on anyone's
    appointment (docs/adr/0024-reminders-people-can-answer.md).
    """

    token_hash = models.CharField(max_length=64, unique=True)
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=12, choices=ReplyAction.choices)
    channel = models.CharField(max_length=8)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"reply link {self.action}"


class ContactOptOut(models.Model):
    """An address (a phone number or an email address, as a keyed hash) that asked for no more messages."""

    channel = models.CharField(max_length=8)
    address_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "address_key"], name="opt_out_once")]

    def __str__(self) -> str:
        return f"opt-out {self.channel}"


class ReminderReply(models.Model):
    """What a person answered to a reminder (by text or by link), shown on the clerk's day."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="replies")
    action = models.CharField(max_length=12, choices=ReplyAction.choices)
    channel = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"reply {self.action}"


class WaitlistStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Offered a time"
    FULFILLED = "fulfilled", "Moved to an earlier time"
    WITHDRAWN = "withdrawn", "Withdrawn"
    UNVERIFIED = "unverified", "Waiting for the one-time code"


WAITLIST_ACTIVE = (WaitlistStatus.WAITING, WaitlistStatus.OFFERED)


class WaitlistEntry(models.Model):
    """A person's request for an earlier time than the appointment they hold (docs/adr/0023-fair-waitlist.md).

    Entries are served in order of `created_at`. The ZIP the person gave is not kept: only the offices it
    put within the radius. One active entry per person and service, enforced by the database.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="waitlist_entries")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    # The booking this entry improves; none for a caller without a booking: claiming then books one
    # (docs/adr/0036). The entry keeps its own need either way.
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    interpreter_language = models.CharField(max_length=8, blank=True)
    companion_needed = models.BooleanField(default=False)
    # A one-time code sent to the contact on file (keyed hash only), for a person without a booking code.
    code_hash = models.CharField(max_length=128, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    office_ids = models.JSONField(default=list)
    radius_miles = models.PositiveSmallIntegerField()
    mode = models.CharField(max_length=10, choices=Mode.choices)
    weekdays = models.JSONField(default=list)  # 0 = Monday, in the office's local calendar
    earliest_time = models.TimeField()
    latest_time = models.TimeField()
    status = models.CharField(max_length=10, choices=WaitlistStatus.choices, default=WaitlistStatus.WAITING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "created_at"], name="waitlist_status_created")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "service"],
                condition=models.Q(status__in=["waiting", "offered"]),
                name="waitlist_one_active_per_person_service",
            ),
        ]

    def __str__(self) -> str:
        return f"waitlist entry {self.public_id}"


class OfferStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLAIMED = "claimed", "Taken"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


class WaitlistOffer(models.Model):
    """A freed time offered to one waitlist entry, held for it until `expires_at`. Only its person can take it."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.PROTECT, related_name="offers")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=10, choices=Mode.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    reason = models.CharField(max_length=16)  # what freed the time: cancelled, rescheduled, declined, expired, sweep
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "expires_at"], name="offer_status_expires")]
        constraints = [
            models.UniqueConstraint(
                fields=["entry"], condition=models.Q(status="open"), name="waitlist_one_open_offer_per_entry"
            ),
        ]

    def __str__(self) -> str:
        return f"waitlist offer {self.public_id}"


class ReleaseHold(models.Model):
    """A freed time kept out of general booking until the waitlist is done with it (`swept_at`, set by the
    hand-off or the every-minute sweep once no one in line who could take it is left without an offer of
    it) and no earlier than `release_at` (a short, jittered delay: docs/adr/0036, docs/adr/0041). Made in the
    transaction that frees the time; a hold the waitlist stops looking at lapses
    `availability.RELEASE_HOLD_LIMIT` after its last look, so a dead worker cannot hide a time for long.
    Availability counts it busy until then on every surface; the waitlist may still offer it meanwhile."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    release_at = models.DateTimeField()
    created_at = models.DateTimeField()
    swept_at = models.DateTimeField(null=True, blank=True)
    # When the waitlist last looked at it and found someone who could still take it (an entry holding an
    # open offer elsewhere); an unswept hold lapses `RELEASE_HOLD_LIMIT` after this (or `created_at`).
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["resource", "starts_at"], name="release_hold_resource_start"),
            models.Index(fields=["release_at"], name="release_hold_release_at"),
        ]

    def __str__(self) -> str:
        return f"release hold of resource {self.resource_id} until {self.release_at:%Y-%m-%d %H:%M}"


class OfferHold(models.Model):
    """A resource kept free for an open offer: availability counts it busy, so the offered time is not
    bookable by anyone else while the offer runs (it is released on claim, refusal, expiry)."""

    offer = models.ForeignKey(WaitlistOffer, on_delete=models.CASCADE, related_name="holds")
    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    active = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["resource", "starts_at"], name="offer_hold_resource_start")]
