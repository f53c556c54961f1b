"""`frontdesk mfa_code USERNAME`: the code a staff member's authenticator shows now (demo only).

For trying the demo without a phone app. It refuses to run outside the demo settings
(FRONTDESK_DEMO, set only by config.settings.dev): in production the only place a code comes from is the
person's own authenticator. The demo runs with DEBUG off like production, so DEBUG cannot be the switch.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp

from frontdesk.accounts.mfa import totp_device_confirmed


class Command(BaseCommand):
    help = "Print the current TOTP code of a staff member's authenticator (demo settings only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.FRONTDESK_DEMO:
            raise CommandError("mfa_code runs only in the demo (config.settings.dev).")
        user = get_user_model().objects.filter(username=options["username"]).first()
        device = totp_device_confirmed(user) if user else None
        if device is None:
            raise CommandError(f"{options['username']!r} has no confirmed authenticator (see `frontdesk mfa_issue`).")
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
        self.stdout.write(f"{code:0{device.digits}d}")
