"""Test helpers: a toy log that signs checkpoints and builds consistency proofs, and live witness servers."""

import hashlib
import socket
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from frontdesk.ledger import merkle, notes
from frontdesk.ledger.witness import Witness, make_server
from frontdesk.ledger.witness_client import request_body

from . import rfc9162

ORIGIN = "toy.example/log"


class ToyLog:
    """A log of numbered leaves with its own key; it can also sign a forked history (as an attacker)."""

    def __init__(self, origin: str = ORIGIN) -> None:
        self.signer = notes.Signer(origin, Ed25519PrivateKey.generate())
        self.leaves: list[bytes] = []

    @property
    def key(self) -> str:
        return self.signer.verifier.text()

    def grow(self, count: int, tag: bytes = b"") -> None:
        start = len(self.leaves)
        self.leaves += [merkle.leaf_hash(tag + i.to_bytes(8, "big")) for i in range(start, start + count)]

    def root(self, size: int) -> bytes:
        return rfc9162.mth_of_hashes(self.leaves[:size])

    def checkpoint(self, size: int | None = None, root: bytes | None = None) -> str:
        size = len(self.leaves) if size is None else size
        body = notes.checkpoint_body(self.signer.name, size, root if root is not None else self.root(size))
        return self.signer.sign(body)

    def proof(self, old: int, new: int) -> list[bytes]:
        if old in (0, new):
            return []

        def node(level: int, index: int) -> bytes:
            return rfc9162.mth_of_hashes(self.leaves[index << level : (index + 1) << level])

        return merkle.consistency_proof(old, new, merkle.Subtrees(node))

    def request(self, old: int, size: int | None = None, note: str | None = None) -> bytes:
        size = len(self.leaves) if size is None else size
        return request_body(old, self.proof(old, size), note or self.checkpoint(size))


def post(url: str, body: bytes) -> tuple[int, str, str]:
    request = urllib.request.Request(f"{url}/add-checkpoint", data=body, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - our own loopback server
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - our own loopback server
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@contextmanager
def serving(witness: Witness):
    """The witness on a free loopback port (bound to port 0), stopped and closed afterwards."""
    server = make_server(witness, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def origin_path(origin: str = ORIGIN) -> str:
    return hashlib.sha256(origin.encode()).hexdigest()


def new_witness(state: Path, log: ToyLog, name: str = "witness.test/w1") -> Witness:
    witness = Witness(state, name=name)
    witness.trust_log(log.key)
    return witness


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
