from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from frontdesk.ledger import signing


class Command(BaseCommand):
    help = "Create the ledger's Ed25519 checkpoint signing key file if it is missing; print the verifier key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--verifier-file", help="Also write the verifier key to this file (for witnesses).")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.FRONTDESK_LEDGER_SIGNING_KEY:
            self.stdout.write("The signing key comes from FRONTDESK_LEDGER_SIGNING_KEY; no file needed.")
        else:
            path = Path(settings.FRONTDESK_LEDGER_SIGNING_KEY_FILE)
            made = signing.generate_key_file(path)
            self.stdout.write(f"{'Created' if made else 'Kept'} the ledger signing key at {path}.")
        verifier = signing.load_verifier().text()
        self.stdout.write(f"Verifier key: {verifier}")
        if options.get("verifier_file"):
            path = Path(options["verifier_file"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(verifier + "\n")
