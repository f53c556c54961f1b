"""`frontdesk staff_bootstrap USERNAME --reason TEXT`: make the first two administrators of an installation.

The one way to grant a role from a shell, and only while fewer than two administrators are active (the
first has nobody to approve a second, a privileged grant): after that,
roles are granted and revoked in the console (docs/adr/0015-staff-role-administration.md). The grant
goes through `accounts.services.administrator_bootstrap` and is recorded as `accounts.role.bootstrapped`.
"""

import getpass
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from frontdesk.accounts.services import administrator_bootstrap
from frontdesk.core.errors import DomainError


class Command(BaseCommand):
    help = "Make one of the first two administrators (refused once two are active)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="why, e.g. 'new installation, ticket 1234'")
        parser.add_argument(
            "--create", action="store_true", help="create the account, with a random password printed once"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        username = options["username"]
        password = None
        with transaction.atomic():
            user = User.objects.filter(username=username).first()
            if user is None and options["create"]:
                password = secrets.token_urlsafe(16)
                user = User.objects.create_user(username=username, password=password)
            if user is None:
                raise CommandError(f"No staff account is called {username!r} (add --create to make one).")
        try:
            administrator_bootstrap(target=user, reason=options["reason"], operator=_operator())
        except DomainError as error:
            if password:  # made a moment ago for this bootstrap, and refused: leave no stray account
                user.delete()
            raise CommandError(error.message) from None
        self.stdout.write(f"{username} is an administrator. From now on, roles change in the console.")
        if password:
            self.stdout.write(f"Password (shown once): {password}")
            self.stdout.write("They set up an authenticator app at their first sign-in.")


def _operator() -> str:
    """`staff_bootstrap`, with the shell account that ran it when the system knows it."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        return "staff_bootstrap"
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in who)[:60]
    return f"staff_bootstrap.{safe}" if safe else "staff_bootstrap"
