"""Multi-factor authentication for staff: TOTP authenticators (RFC 6238) through django-otp.

Every staff member needs a second factor (NIST SP 800-53 IA-2(1)): the roles that read personal data
or sign off on a disclosure, and the administrator too, who reads no personal data but decides who may
(docs/adr/0015-staff-role-administration.md). A user with no role at all is treated as needing MFA:
the safe default for an account whose groups were forgotten.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from .actors import Actor

DEVICE_NAME = "Authenticator app"


def mfa_required(user: Actor) -> bool:
    """Whether this user must pass a second factor before any staff page or staff API call."""
    return True


def mfa_satisfied(user: Actor) -> bool:
    """Signed in with every factor the user's roles demand."""
    if not getattr(user, "is_authenticated", False):
        return False
    return not mfa_required(user) or bool(getattr(user, "is_verified", lambda: False)())


def totp_device_confirmed(user: AbstractBaseUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def totp_device_issue(*, user: AbstractBaseUser, confirmed: bool = True) -> TOTPDevice:
    """Give the user a new authenticator key, replacing any they had (an administrator's action, or
    the first step of self-enrolment with confirmed=False until the user proves they stored it)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=confirmed)


def totp_device_pending(user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed key shown during self-enrolment (made once, then reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_base32(device: TOTPDevice) -> str:
    """The key as authenticator apps want it typed in (base32, in groups of four)."""
    from base64 import b32encode

    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
