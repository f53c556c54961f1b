"""Signing staff in for tests. django-axes breaks `client.login()` (STYLE.md): use these instead.

`verified_login` gives a client a session that passed both factors, as the console's sign-in would:
force_login plus a confirmed TOTP device recorded in the session (django-otp's OTPMiddleware then
reports `user.is_verified()`).
"""

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test authenticator", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """The code the user's authenticator app would show now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def verified_login(client: Client, user) -> Client:
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()
    return client


def fresh_totp_device(user) -> TOTPDevice:
    """A new authenticator for the user: a code used once cannot be used again in the same 30 seconds,
    so a test that signs the same person in twice gives them a new device the second time."""
    TOTPDevice.objects.filter(user=user).delete()
    return totp_device(user)
