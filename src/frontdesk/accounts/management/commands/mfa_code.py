"""`frontdesk mfa_code USERNAME`: the code a staff member's authenticator shows now (demo only).

For trying the demo without a phone app, at the first sign-in (the key being set up) and after. It
refuses outside the demo settings (FRONTDESK_DEMO, set only by config.settings.dev): in production
the only place a code comes from is the person's own authenticator. The demo runs with DEBUG off like
production, so DEBUG cannot be the switch.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from frontdesk.accounts.mfa import totp_device_confirmed


class Command(BaseCommand):
    help = "Print the current TOTP code of a staff member's authenticator (demo only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.FRONTDESK_DEMO:
            raise CommandError("mfa_code runs only in the demo (config.settings.dev), never in production.")
        user = get_user_model().objects.filter(username=options["username"]).first()
        device = None
        if user is not None:
            # The key shown on the set-up page at first sign-in, until it is confirmed.
            device = totp_device_confirmed(user) or TOTPDevice.objects.filter(user=user).order_by("id").first()
        if device is None:
            raise CommandError(
                f"{options['username']!r} has no authenticator yet: sign in once with the password (the set-up "
                "page makes one), or issue one with `frontdesk mfa_issue`."
            )
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
