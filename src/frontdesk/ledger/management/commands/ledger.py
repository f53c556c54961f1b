"""`frontdesk ledger verify | audit | monitor | export | check-proof | checkpoint | sequence`."""

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.core.progress_output import add_progress_argument, command_progress
from frontdesk.ledger import audit, merkle, monitor, notes, verify
from frontdesk.ledger.bundle import export_bundle
from frontdesk.ledger.cosignature import CosignerKey
from frontdesk.ledger.services import checkpoint_sign_and_cosign, ledger_sequence


def _key_text(value: str) -> str:
    """A key given inline or as the path of a file that holds it."""
    path = Path(value)
    return path.read_text().strip() if "+" not in value and path.is_file() else value


DEFAULT_STATE = Path("var/ledger-audit-state.json")
DEFAULT_MONITOR_STATE = Path("var/ledger-monitor-state.json")


class Command(BaseCommand):
    help = "Verify, audit, export and checkpoint the tamper-evident ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)

        check = sub.add_parser("verify", help="Recompute the log from the stored events; check every checkpoint.")
        check.add_argument("--bundle", help="Verify an export bundle instead of the database (works offline).")
        check.add_argument("--key", help="Verifier key (text or file) to trust instead of the configured one.")
        check.add_argument("--no-sequence", action="store_true", help="Do not sequence pending events first.")
        add_progress_argument(check)

        watch = sub.add_parser("audit", help="Check the public checkpoint and tiles over HTTP, as a watchdog.")
        watch.add_argument("--url", required=True, help="The log's base URL, e.g. https://host/ledger")
        watch.add_argument("--key", required=True, help="The log's verifier key (text or file).")
        watch.add_argument("--state", default=str(DEFAULT_STATE), help="Where to keep the last trusted checkpoint.")
        watch.add_argument(
            "--witness", action="append", default=[], help="A witness key (text or file) to count toward the quorum."
        )
        watch.add_argument("--quorum", type=int, default=None, help="Cosignatures required (default: all witnesses).")
        watch.add_argument("--max-age", type=int, default=None, help="Seconds a cosignature stays fresh.")
        add_progress_argument(watch)

        look = sub.add_parser("monitor", help="Watch a log and its witnesses for a split view.")
        look.add_argument("--url", required=True, help="The log's base URL, e.g. https://host/ledger")
        look.add_argument("--key", required=True, help="The log's verifier key (text or file).")
        look.add_argument(
            "--witness", action="append", default=[], help="'<monitoring url> <witness key>' of a witness to ask."
        )
        look.add_argument("--state", default=str(DEFAULT_MONITOR_STATE), help="The checkpoints seen so far.")
        look.add_argument("--evidence", default="ledger-split-view.json", help="Where to write a split view's proof.")
        look.add_argument("--every", type=float, default=0, help="Look again every N seconds (default: once).")
        look.add_argument("--rounds", type=int, default=0, help="Stop after this many rounds (0: never, with --every).")

        dump = sub.add_parser("export", help="Write a self-contained bundle for offline verification.")
        dump.add_argument("--output", default="ledger-bundle.jsonl.gz", help="Bundle path (.gz compresses).")
        add_progress_argument(dump)

        held = sub.add_parser("check-proof", help="Check a proof bundle offline (docs/ledger-proof-bundle.md).")
        held.add_argument("file", help="The proof bundle (JSON).")
        held.add_argument("--key", help="The log's verifier key (text or file) instead of the one in the bundle.")
        held.add_argument(
            "--witness", action="append", default=None, help="A witness key (text or file) instead of the bundle's."
        )
        held.add_argument("--quorum", type=int, default=None, help="Cosignatures required (default: the bundle's).")

        sign = sub.add_parser("checkpoint", help="Sign a checkpoint now.")
        sign.add_argument("--force", action="store_true", help="Sign even if the tree has not grown.")
        sign.add_argument("--every", type=float, default=0, help="Keep signing every N seconds.")

        sub.add_parser("sequence", help="Give committed events their leaf indices now.")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"].replace("-", "_")
        getattr(self, f"_{action}")(options)

    def _check_proof(self, options: dict[str, Any]) -> None:
        from frontdesk.ledger.proof import check_proof

        try:
            bundle = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise CommandError(f"Cannot read the bundle: {error}", returncode=2) from error
        witnesses = [_key_text(k) for k in options["witness"]] if options.get("witness") is not None else None
        report = check_proof(
            bundle,
            log_key=_key_text(options["key"]) if options.get("key") else None,
            witness_keys=witnesses,
            quorum=options.get("quorum"),
        )
        for problem in report.problems:
            self.stderr.write(f"  {problem}")
        if not report.ok:
            raise CommandError("The proof does not hold.", returncode=1)
        for fact in report.facts:
            self.stdout.write(fact)
        self.stdout.write("OK: the proof holds.")

    def _verify(self, options: dict[str, Any]) -> None:
        verifier = audit.load_verifier(options["key"]) if options.get("key") else None
        try:
            with command_progress(self, options) as progress:
                if options.get("bundle"):
                    report = verify.bundle_report(options["bundle"], verifier=verifier, progress=progress)
                else:
                    report = verify.database_report(
                        verifier=verifier, sequence=not options.get("no_sequence"), progress=progress
                    )
        except (ImproperlyConfigured, notes.NoteError, ValueError, OSError) as error:
            raise CommandError(f"Cannot verify: {error}", returncode=2) from error
        for problem in sorted(report.problems, key=verify._order):
            self.stderr.write(f"  {problem}")
        for line in report.notes:
            self.stdout.write(f"  note: {line}")
        if not report.ok:
            raise CommandError(report.summary(), returncode=1)
        self.stdout.write(report.summary())

    def _audit(self, options: dict[str, Any]) -> None:
        try:
            verifier = audit.load_verifier(options["key"])
            keys = [CosignerKey.parse(_key_text(key)) for key in options["witness"]]
        except (notes.NoteError, OSError) as error:
            raise CommandError(f"Cannot audit: {error}", returncode=1) from error
        quorum = len(keys) if options["quorum"] is None else options["quorum"]
        max_age = dt.timedelta(seconds=options["max_age"]) if options["max_age"] else None
        policy = audit.WitnessPolicy(keys, quorum, max_age)
        try:
            with command_progress(self, options) as progress:
                result = audit.audit(
                    options["url"], verifier, Path(options["state"]), progress=progress, witnesses=policy
                )
        except (audit.AuditFailed, notes.NoteError, merkle.ProofError) as error:
            raise CommandError(f"AUDIT FAILED: {error}", returncode=1) from error
        self.stdout.write(result.summary())

    def _monitor(self, options: dict[str, Any]) -> None:
        try:
            verifier = audit.load_verifier(options["key"])
            witnesses = []
            for entry in options["witness"]:
                url, _, key = entry.strip().partition(" ")
                if not url.startswith(("http://", "https://")):
                    raise notes.NoteError(f"A witness is given as '<url> <witness key>', not {entry!r}.")
                witnesses.append(monitor.WitnessEndpoint(url, CosignerKey.parse(_key_text(key.strip()))))
        except (notes.NoteError, OSError) as error:
            raise CommandError(f"Cannot monitor: {error}", returncode=2) from error
        watcher = monitor.Monitor(options["url"], verifier, witnesses, fetch=audit.http_get)
        state = Path(options["state"])
        watcher.load(state)
        rounds = 0
        while True:
            try:
                sightings = watcher.round()
            except monitor.SplitView as split:
                monitor.write_evidence(Path(options["evidence"]), split)
                self.stdout.write(json.dumps(split.evidence(), indent=2))
                raise CommandError(f"{split}; evidence in {options['evidence']}", returncode=1) from split
            except (audit.AuditFailed, notes.NoteError, merkle.ProofError) as error:
                raise CommandError(f"MONITOR FAILED: {error}", returncode=1) from error
            watcher.save(state)
            self.stdout.write("OK: " + "; ".join(f"{s.source} at size {s.size}" for s in sightings) + " (one history)")
            rounds += 1
            if not options["every"] or (options["rounds"] and rounds >= options["rounds"]):
                return
            time.sleep(options["every"])

    def _export(self, options: dict[str, Any]) -> None:
        try:
            with command_progress(self, options) as progress:
                count = export_bundle(options["output"], progress=progress)
        except ImproperlyConfigured as error:
            raise CommandError(str(error), returncode=2) from error
        self.stdout.write(f"Wrote {count} events to {options['output']}.")

    def _checkpoint(self, options: dict[str, Any]) -> None:
        # The loop survives a lost database connection (docs/adr/0010-process-supervision.md).
        from frontdesk.core.runtime import resilient_loop

        every = options.get("every") or 0
        last_id: list[int] = []
        last_outcomes: dict[str, str] = {}

        def sign() -> None:
            # Witnessing follows signing and can only delay itself: whatever a witness does, the
            # checkpoint is signed and the next one will be (docs/adr/0020-witnessed-checkpoints.md).
            try:
                checkpoint, outcomes = checkpoint_sign_and_cosign(force=options.get("force", False))
            except ImproperlyConfigured as error:
                raise CommandError(str(error), returncode=2) from error
            if last_id != [checkpoint.id]:  # a loop says nothing while the tree has not grown
                self.stdout.write(f"Checkpoint at size {checkpoint.size} (#{checkpoint.id}).")
                last_id[:] = [checkpoint.id]
            if outcomes != last_outcomes:  # say only what changed
                for name, outcome in sorted(outcomes.items()):
                    self.stdout.write(f"  witness {name}: {outcome}")
                last_outcomes.clear()
                last_outcomes.update(outcomes)

        if every <= 0:
            sign()
            return
        resilient_loop(sign, every=every, name="signer")

    def _sequence(self, options: dict[str, Any]) -> None:
        self.stdout.write(f"The tree has {ledger_sequence()} entries.")
