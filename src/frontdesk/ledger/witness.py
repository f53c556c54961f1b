"""A C2SP tlog-witness: checks each checkpoint a log sends against the last one it cosigned for that
log, and cosigns it (C2SP tlog-cosignature, `cosignature/v1`) only if the log's history still holds.

It runs as its own small server (`frontdesk witness serve`) with its own key and its own state, so it
needs nothing from the log but HTTP: no database, no Django settings. Its state directory holds

- `witness-key.pem`: its Ed25519 key (created mode 0600 on first use, never in the repository);
- `witness.sqlite3`: its name, the logs it trusts (origin and verifier key), the latest size, root and
  cosigned checkpoint per log, and the refusals of validly signed checkpoints (evidence of a log that
  misbehaved, as tlog-witness allows).

The check of the old size and the write of the new state are one SQLite `BEGIN IMMEDIATE` transaction
(synchronous=FULL, so it is on disk before the answer), which closes the race tlog-witness describes
(two requests rolling each other back) even between two processes sharing a state directory.
"""

import base64
import binascii
import hashlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)

from frontdesk.ledger import merkle, notes
from frontdesk.ledger.cosignature import Cosigner, CosignerKey, split_note

logger = logging.getLogger(__name__)

KEY_FILE = "witness-key.pem"
STATE_FILE = "witness.sqlite3"
MAX_BODY = 64 * 1024
MAX_PROOF_LINES = 63
SIZE_CONTENT_TYPE = "text/x.tlog.size"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS logs (
    origin TEXT PRIMARY KEY,
    log_key TEXT NOT NULL,
    size INTEGER NOT NULL DEFAULT 0,
    root BLOB,
    checkpoint TEXT,
    updated_at INTEGER
);
CREATE TABLE IF NOT EXISTS refusals (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    status INTEGER NOT NULL,
    reason TEXT NOT NULL,
    request TEXT NOT NULL,
    at INTEGER NOT NULL
);
"""


class WitnessError(Exception):
    """The witness cannot start: a missing or conflicting name, key or trusted log."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class LogState:
    origin: str
    log_key: str
    size: int
    root: bytes | None
    checkpoint: str | None
    updated_at: int | None


def origin_hash(origin: str) -> str:
    """The monitoring path component for a log: lowercase hex SHA-256 of its origin (tlog-witness)."""
    return hashlib.sha256(origin.encode()).hexdigest()


def _load_or_create_key(path: Path) -> Ed25519PrivateKey:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: use theirs
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
                handle.flush()
                os.fsync(handle.fileno())
    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise WitnessError(f"{path} is not an Ed25519 key.")
    return key


class Witness:
    """One witness: a name, a key and a state directory. Thread-safe; every call opens its own connection."""

    def __init__(self, state_dir: Path | str, *, name: str | None = None, clock: Callable[[], float] = time.time):
        self.state_dir = Path(state_dir)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(self.state_dir, 0o700)
        self._clock = clock
        self._lock = threading.Lock()
        db = self._connect()
        try:
            db.executescript(SCHEMA)
            stored = db.execute("SELECT value FROM meta WHERE key = 'name'").fetchone()
            if stored is None:
                if not name:
                    raise WitnessError(f"{self.state_dir} holds no witness yet: give it a name.")
                db.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('name', ?)", (name,))
            elif name and name != stored[0]:
                raise WitnessError(f"{self.state_dir} is the witness {stored[0]!r}, not {name!r}.")
            self.name = name or stored[0]
        finally:
            db.close()
        if not self.name or "+" in self.name or any(c.isspace() for c in self.name):
            raise WitnessError("A witness name has no spaces and no '+'.")
        self.cosigner = Cosigner(self.name, _load_or_create_key(self.state_dir / KEY_FILE))

    @property
    def key(self) -> CosignerKey:
        return self.cosigner.key

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.state_dir / STATE_FILE, timeout=30, isolation_level=None)
        db.execute("PRAGMA synchronous = FULL")
        return db

    # --- configuration -------------------------------------------------------------------------

    def trust_log(self, verifier_text: str) -> notes.Verifier:
        """Trust a log's verifier key for its origin (the key's name). A different key for a known
        origin is refused: changing a log's key is a decision for the witness's operator, made by hand."""
        verifier = notes.Verifier.parse(verifier_text)
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT log_key FROM logs WHERE origin = ?", (verifier.name,)).fetchone()
            if row is None:
                db.execute("INSERT INTO logs (origin, log_key) VALUES (?, ?)", (verifier.name, verifier.text()))
            elif row[0] != verifier.text():
                raise WitnessError(f"The witness already trusts another key for {verifier.name!r}: {row[0]}")
            db.execute("COMMIT")
        finally:
            if db.in_transaction:
                db.execute("ROLLBACK")
            db.close()
        return verifier

    def log_state(self, origin: str) -> LogState | None:
        db = self._connect()
        try:
            row = db.execute(
                "SELECT origin, log_key, size, root, checkpoint, updated_at FROM logs WHERE origin = ?", (origin,)
            ).fetchone()
        finally:
            db.close()
        return None if row is None else LogState(row[0], row[1], row[2], row[3], row[4], row[5])

    def logs(self) -> list[LogState]:
        db = self._connect()
        try:
            rows = db.execute("SELECT origin, log_key, size, root, checkpoint, updated_at FROM logs").fetchall()
        finally:
            db.close()
        return [LogState(*row) for row in rows]

    def refusals(self) -> list[tuple[str, int, str]]:
        db = self._connect()
        try:
            return db.execute("SELECT origin, status, reason FROM refusals ORDER BY id").fetchall()
        finally:
            db.close()

    # --- add-checkpoint ------------------------------------------------------------------------

    def add_checkpoint(self, body: bytes) -> Answer:
        """C2SP tlog-witness add-checkpoint: `old <size>`, proof lines, a blank line, the checkpoint."""
        try:
            request = body.decode("utf-8")
        except UnicodeDecodeError:
            return Answer(400, "The request is not UTF-8.\n")
        head, separator, note = request.partition("\n\n")
        if not separator:
            return Answer(400, "The request has an old size line, proof lines, a blank line and a checkpoint.\n")
        lines = head.split("\n")
        old_line, proof_lines = lines[0], lines[1:]
        old_text = old_line.removeprefix("old ")
        if old_text == old_line or not old_text.isascii() or not old_text.isdigit():
            return Answer(400, "The first line is `old <size>`.\n")
        if old_text != "0" and old_text.startswith("0"):
            return Answer(400, "The old size has no leading zeroes.\n")
        if len(proof_lines) > MAX_PROOF_LINES:
            return Answer(400, "At most 63 consistency proof lines.\n")
        proof: list[bytes] = []
        for line in proof_lines:
            try:
                node = base64.b64decode(line, validate=True)
            except binascii.Error:
                return Answer(400, "Each proof line is one base64 hash.\n")
            if len(node) != merkle.HASH_SIZE:
                return Answer(400, "Each proof line is one base64 hash.\n")
            proof.append(node)
        old = int(old_text)
        try:
            text, signatures = split_note(note)
            checkpoint = notes.parse_checkpoint(text)
        except notes.NoteError as error:
            return Answer(400, f"The checkpoint is malformed: {error}\n")

        state = self.log_state(checkpoint.origin)
        if state is None:
            return Answer(404, f"This witness does not know the log {checkpoint.origin!r}.\n")
        verifier = notes.Verifier.parse(state.log_key)
        trusted = [line for line in signatures if line.name == verifier.name and line.key_id == verifier.key_id]
        if not trusted:
            return Answer(403, "The checkpoint carries no signature by the log's trusted key.\n")
        for signature in trusted:
            if not verifier.verify(text.encode(), signature.raw[4:]):
                return Answer(403, "The log's signature on the checkpoint does not verify.\n")
        if old > checkpoint.size:
            return Answer(400, "The old size is larger than the checkpoint's size.\n")

        with self._lock:
            return self._check_and_cosign(checkpoint, text, note, old, proof, request)

    def _check_and_cosign(
        self, checkpoint: notes.Checkpoint, text: str, note: str, old: int, proof: list[bytes], request: str
    ) -> Answer:
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            size, root = db.execute("SELECT size, root FROM logs WHERE origin = ?", (checkpoint.origin,)).fetchone()
            root = bytes(root) if root is not None else None
            if old != size:
                db.execute("ROLLBACK")
                return Answer(409, f"{size}\n", SIZE_CONTENT_TYPE)
            reason = _inconsistency(checkpoint, old, proof, root)
            if reason is not None:
                db.execute(
                    "INSERT INTO refusals (origin, status, reason, request, at) VALUES (?, 422, ?, ?, ?)",
                    (checkpoint.origin, reason, request, int(self._clock())),
                )
                db.execute("COMMIT")
                logger.warning("Refused a checkpoint of %s: %s", checkpoint.origin, reason)
                return Answer(422, reason + "\n")
            timestamp = int(self._clock())
            line = self.cosigner.cosign(text, timestamp)
            db.execute(
                "UPDATE logs SET size = ?, root = ?, checkpoint = ?, updated_at = ? WHERE origin = ?",
                (checkpoint.size, checkpoint.root, note + line.text(), timestamp, checkpoint.origin),
            )
            db.execute("COMMIT")  # synchronous=FULL: on disk before the cosignature leaves
            return Answer(200, line.text())
        finally:
            if db.in_transaction:
                db.execute("ROLLBACK")
            db.close()


def _inconsistency(checkpoint: notes.Checkpoint, old: int, proof: list[bytes], old_root: bytes | None) -> str | None:
    """Why the checkpoint does not extend the witnessed history, or None if it does (tlog-witness 422s)."""
    if checkpoint.size == 0 and checkpoint.root != merkle.EMPTY_ROOT:
        return "A checkpoint of size 0 has the empty tree's root."
    if old == 0:
        return "No consistency proof is sent from size 0." if proof else None
    assert old_root is not None
    if old == checkpoint.size:
        if proof:
            return "No consistency proof is sent for the same size."
        if checkpoint.root != old_root:
            return f"A different root for size {old}: the log's history was rewritten."
        return None
    if not merkle.verify_consistency(old, checkpoint.size, proof, old_root, checkpoint.root):
        return f"The consistency proof from size {old} to {checkpoint.size} does not verify."
    return None


# --- HTTP ------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    server_version = "frontdesk-witness/1"
    timeout = 15  # a slow client cannot hold a thread for long
    witness: Witness

    def _send(self, answer: Answer) -> None:
        data = answer.body.encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        if self.path != "/add-checkpoint":
            self._send(Answer(404, "Not found.\n"))
            return
        length = self.headers.get("Content-Length", "")
        if not length.isdigit():
            self._send(Answer(411, "A Content-Length is required.\n"))
            return
        if int(length) > MAX_BODY:
            self._send(Answer(413, "The request is too large.\n"))
            return
        body = self.rfile.read(int(length))
        try:
            answer = self.witness.add_checkpoint(body)
        except Exception:  # a witness keeps serving; the request gets a plain 500
            logger.exception("add-checkpoint failed")
            answer = Answer(500, "The witness failed; try again.\n")
        self._send(answer)

    def do_GET(self) -> None:
        if self.path in {"/", "/key"}:
            self._send(Answer(200, self.witness.key.text() + "\n"))
            return
        parts = self.path.strip("/").split("/")
        if len(parts) == 2 and parts[1] == "checkpoint":
            for state in self.witness.logs():
                if origin_hash(state.origin) == parts[0] and state.checkpoint:
                    self._send(Answer(200, state.checkpoint))
                    return
        self._send(Answer(404, "Not found.\n"))

    def log_message(self, format: str, *args: object) -> None:
        logger.info("%s %s", self.address_string(), format % args)


def make_server(witness: Witness, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server for the witness (port 0 picks a free port: `server.server_address[1]`)."""
    handler = type("WitnessHandler", (_Handler,), {"witness": witness})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
