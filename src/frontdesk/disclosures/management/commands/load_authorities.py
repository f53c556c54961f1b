"""`frontdesk load_authorities [PATH]`: check the authority catalog and put it in force.

Without PATH it loads the reviewed catalog shipped in the repository
(src/frontdesk/disclosures/catalog/authorities.yaml). Loading the same version again changes nothing;
a changed file needs a new version number. `--check` only validates.
"""

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.accounts.actors import Actor, SystemActor
from frontdesk.core.errors import DomainError
from frontdesk.disclosures.catalog import DEFAULT_PATH, catalog_load, catalog_parse


class Command(BaseCommand):
    help = "Validate the disclosure-authority catalog and load it as the version in force."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help=f"catalog YAML (default: {DEFAULT_PATH.name} in the app)")
        parser.add_argument("--check", action="store_true", help="validate only; write nothing")
        parser.add_argument("--user", help="record the load as this staff user (administrator or general counsel)")

    def handle(
        self, *args: Any, path: str | None = None, check: bool = False, user: str | None = None, **options: Any
    ) -> None:
        source = Path(path) if path else DEFAULT_PATH
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Could not read {source}: {exc}") from None
        try:
            if check:
                parsed = catalog_parse(text)
                self.stdout.write(f"catalog {parsed.version}: {len(parsed.entries)} entries, valid")
                return
            actor: Actor = SystemActor("load_authorities")
            if user:
                actor = get_user_model().objects.filter(username=user).first()
                if actor is None:
                    raise CommandError(f"No user {user!r}.")
            catalog = catalog_load(actor=actor, path=source)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        entries = catalog.entries.count()
        self.stdout.write(f"catalog {catalog.version} in force ({entries} entries, sha256 {catalog.sha256[:16]}...)")
