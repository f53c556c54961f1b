"""`frontdesk witness init | serve`: a C2SP tlog-witness for this (or any) log, as its own process."""

import signal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.ledger import notes
from frontdesk.ledger.witness import Witness, WitnessError, make_server


def _key_text(value: str) -> str:
    """A verifier key given inline or as the path of a file that holds it."""
    path = Path(value)
    return path.read_text().strip() if "+" not in value and path.is_file() else value


class Command(BaseCommand):
    help = "Run a transparency-log witness (C2SP tlog-witness) with its own key and state directory."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, text in (
            ("init", "Create the witness's key and state if missing; print its verifier key."),
            ("serve", "Serve add-checkpoint and the monitoring checkpoint over HTTP."),
        ):
            command = sub.add_parser(name, help=text)
            command.add_argument("--state", required=True, help="The witness's own state directory.")
            command.add_argument("--name", help="The witness's key name (fixed on first use).")
            command.add_argument(
                "--log", action="append", default=[], help="A log verifier key (text or file) to trust."
            )
            if name == "serve":
                command.add_argument("--host", default="127.0.0.1")
                command.add_argument("--port", type=int, default=8201)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            witness = Witness(options["state"], name=options.get("name"))
            for log in options["log"]:
                witness.trust_log(_key_text(log))
        except (WitnessError, notes.NoteError, OSError) as error:
            raise CommandError(f"Cannot start the witness: {error}", returncode=2) from error
        if options["action"] == "init":
            self.stdout.write(witness.key.text())
            return
        if not witness.logs():
            raise CommandError("The witness trusts no log: give --log with the log's verifier key.", returncode=2)
        server = make_server(witness, options["host"], options["port"])
        host, port = server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        self.stdout.write(f"Witness {witness.key.text()} on http://{host}:{port}/")
        for state in witness.logs():
            self.stdout.write(f"  log {state.origin}: cosigned up to size {state.size}")

        def stop(signum: int, frame: object) -> None:
            raise KeyboardInterrupt  # the supervisor's SIGTERM: close the socket and exit 0

        signal.signal(signal.SIGTERM, stop)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
