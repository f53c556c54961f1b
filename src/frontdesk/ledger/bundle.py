"""`ledger export`: a self-contained bundle (JSON Lines, gzip if the name ends in .gz) for offline checks.

Line 1 is a header (format, origin, verifier key, size); then every signed checkpoint; then every
sequenced event as its canonical text with its salt and published entry. `ledger verify --bundle`
accepts it with no database. It holds events and salts, so it is for auditors, not the public.
"""

import base64
import json
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from frontdesk.core.progress import SILENT, Progress
from frontdesk.ledger import signing
from frontdesk.ledger.bundle_format import BUNDLE_FORMAT, open_bundle
from frontdesk.ledger.models import LedgerCheckpoint
from frontdesk.ledger.services import ledger_sequence
from frontdesk.ledger.verify import database_records


def export_bundle(path: str | Path, *, progress: Progress = SILENT) -> int:
    """Write the bundle; returns how many events it holds."""
    size = ledger_sequence()
    header = {
        "format": BUNDLE_FORMAT,
        "origin": settings.FRONTDESK_LEDGER_ORIGIN,
        "verifier_key": signing.load_verifier().text(),
        "size": size,
        "exported_at": timezone.now().isoformat(),
    }
    written = 0
    with open_bundle(path, "w") as out, progress.task("export", total=size, unit="entries") as task:
        out.write(json.dumps(header) + "\n")
        for checkpoint in LedgerCheckpoint.objects.order_by("id"):
            out.write(json.dumps({"checkpoint": checkpoint.note}) + "\n")
        for index, canonical, salt, _event, commitment in database_records(progress=task):
            if index >= size:
                break
            line = {
                "index": index,
                "entry": base64.b64encode(commitment or b"").decode(),
                "salt": base64.b64encode(salt).decode(),
                "event": canonical.decode(),
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            written += 1
    return written
