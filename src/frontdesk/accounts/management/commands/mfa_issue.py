"""`frontdesk mfa_issue USERNAME`: give a staff member a new authenticator key and print it once."""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.accounts.mfa import secret_base32, totp_device_issue


class Command(BaseCommand):
    help = "Issue a TOTP authenticator key to a staff member (replaces any key they had) and print it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No staff member is called {options['username']!r}.")
        device = totp_device_issue(user=user)
        self.stdout.write(f"Authenticator key for {user.get_username()}: {secret_base32(device)}")
        self.stdout.write(f"otpauth URI (for a QR code): {device.config_url}")
