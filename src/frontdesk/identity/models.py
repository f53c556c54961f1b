"""A member of the public's account at the identity provider, and the bookings made while signed in.

Accounts are not Django users: a person signed in with Login.gov gets no staff session, no role and no
way into the console. The provider's subject identifier is kept only as a keyed hash.
"""

import uuid

from django.db import models

from frontdesk.scheduling.models import Appointment, Person


class Level(models.TextChoices):
    # Login.gov's identity assurance levels (acr_values): authentication only, and identity verified.
    IAL1 = "ial1", "Authentication only"
    IAL2 = "ial2", "Identity verified"


class PublicAccount(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # keyed hash of "<issuer> <sub>": finds the account again without keeping the provider's identifier
    subject_key = models.CharField(max_length=64, unique=True)
    level = models.CharField(max_length=8, choices=Level.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sign_in_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"public account {self.public_id}"


class AccountLink(models.Model):
    """A person record the account holder was matched to on attributes the provider verified (IAL2);
    never chosen by the person, and made only by `services.account_sign_in`."""

    account = models.ForeignKey(PublicAccount, on_delete=models.CASCADE, related_name="links")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "person"], name="account_link_once")]


class AccountBooking(models.Model):
    """An appointment booked on the public site while signed in: at IAL1 the only tie between the
    account and an appointment, since nothing verified says who the account belongs to."""

    account = models.ForeignKey(PublicAccount, on_delete=models.CASCADE, related_name="bookings")
    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
