"""`ledger verify`: recompute the log from the stored events and hold it against the signed checkpoints.

Three sources are compared:
- E, the leaves recomputed from each event and salt (what happened);
- P, the published leaves (the stored level-0 tiles, or the entries in an export bundle);
- the signed checkpoints (the only thing trusted: an auditor holds copies).
A checkpoint whose root matches P authenticates P up to its size, so the first index where E and P
differ is exactly the first bad index. If P was rewritten too, the first checkpoint that fails bounds
the damage to the entries after the last good checkpoint, and that bound is what is named.
"""

import bisect
import contextlib
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from frontdesk.core.progress import SILENT, SILENT_TASK, Progress, Task
from frontdesk.ledger import merkle, notes
from frontdesk.ledger.bundle_format import read_bundle

MAX_PROBLEMS = 50
# Records are counted for progress in chunks of this many: the loop runs at ~100k entries/s, so no
# call per entry.
PROGRESS_EVERY = 4096
MISSING = bytes(32)  # stands in for the leaf of an entry that is not there


# One stored event as the verifier reads it: (index, canonical bytes, salt, event, stored commitment).
# `event` is the queryable JSON copy to compare with the canonical text, or None when there is none or
# the database already found the two equal; the stored commitment is None when the source has none.
Record = tuple[int, bytes, bytes, Any, bytes | None]


@dataclass(frozen=True)
class Problem:
    index: int | None
    message: str

    def __str__(self) -> str:
        where = "" if self.index is None else f"index {self.index}: "
        return f"{where}{self.message}"


@dataclass
class Report:
    size: int = 0
    checkpoints: int = 0
    verified_size: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_index(self) -> int | None:
        indices = [p.index for p in self.problems if p.index is not None]
        return min(indices) if indices else None

    def add(self, index: int | None, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(index, message))

    def sorted_problems(self) -> list[Problem]:
        """Problems with an index first, in index order; then checkpoint problems."""
        return sorted(self.problems, key=_order)

    def summary(self) -> str:
        if self.ok:
            return (
                f"OK: {self.size} entries; {self.checkpoints} signed checkpoints verified, "
                f"the latest covering {self.verified_size} entries."
            )
        first = self.first_bad_index
        where = f"first bad index {first}" if first is not None else "a signed checkpoint is bad"
        return f"FAILED: {where}. " + "; ".join(str(p) for p in sorted(self.problems, key=_order)[:5])


def _order(problem: Problem) -> tuple[int, int]:
    return (0, problem.index) if problem.index is not None else (1, 0)


@dataclass(frozen=True)
class SignedCheckpoint:
    label: str
    note: str
    size: int | None = None  # the size and root the database row claims, if any
    root: bytes | None = None


def verify(
    *,
    records: Iterable[Record],
    published: Callable[[int], bytes | None],
    checkpoints: list[SignedCheckpoint],
    verifier: notes.Verifier,
    origin: str | None = None,
    upper_tile: Callable[[int, int], bytes | None] | None = None,
    published_tile: Callable[[int], bytes | None] | None = None,
) -> Report:
    """Check every record, then every checkpoint. `published(i)` is the published leaf hash i."""
    report = Report(checkpoints=len(checkpoints))
    opened: list[tuple[SignedCheckpoint, notes.Checkpoint | None]] = []
    for checkpoint in checkpoints:
        try:
            parsed = notes.open_checkpoint(checkpoint.note, verifier, origin)
        except notes.NoteError as error:
            report.add(None, f"{checkpoint.label}: {error}")
            opened.append((checkpoint, None))
            continue
        if checkpoint.size is not None and (parsed.size, parsed.root) != (checkpoint.size, checkpoint.root):
            report.add(None, f"{checkpoint.label}: stored size or root differs from the signed note")
        opened.append((checkpoint, parsed))
    sizes = {parsed.size for _, parsed in opened if parsed is not None}

    event_tree = merkle.CompactTree()
    published_tree: merkle.CompactTree | None = None  # forks from event_tree at the first difference
    event_roots: dict[int, bytes] = {}
    published_roots: dict[int, bytes] = {}
    first_difference: int | None = None
    tile_check = _UpperTileCheck(upper_tile, report) if upper_tile else None
    if 0 in sizes:
        event_roots[0] = published_roots[0] = merkle.EMPTY_ROOT

    def feed(index: int, leaf: bytes, stored_leaf: bytes) -> None:
        nonlocal published_tree, first_difference
        if published_tree is None and stored_leaf != leaf:
            first_difference = index
            published_tree = merkle.CompactTree(event_tree.size, event_tree.frontier)
        if published_tree is None:
            event_tree.append(leaf, emit, leaves=False)
        else:
            event_tree.append(leaf)
            published_tree.append(stored_leaf, emit, leaves=False)
        if index + 1 in sizes:
            event_roots[index + 1] = event_tree.root()
            published_roots[index + 1] = (published_tree or event_tree).root()

    emit = tile_check.emit if tile_check else None
    sha256 = hashlib.sha256
    expected = 0
    checkpoint_sizes = sorted(sizes)
    width = merkle.TILE_WIDTH
    blocks = records.tile_blocks() if isinstance(records, DatabaseRecords) else _tile_blocks(records)
    for block in blocks:
        first = expected
        if isinstance(block, VerifiedTile):
            # A worker process has checked this whole tile (docs/adr/0043): its records are in place, and
            # their recomputed leaves are the published level-0 tile, whose subtree hash it sends.
            if published_tree is None and block.first == first:
                if not _checkpoint_inside(checkpoint_sizes, first, first + width):
                    event_tree.append_subtree(block.root, merkle.TILE_HEIGHT, emit)
                    expected = first + width
                    if expected in sizes:
                        event_roots[expected] = published_roots[expected] = event_tree.root()
                    continue
                data = published_tile(first >> merkle.TILE_HEIGHT) if published_tile else None
                if data is not None and len(data) >= width * merkle.HASH_SIZE:
                    # A checkpoint ends inside: the same leaves one by one (they are the published ones).
                    for offset in range(0, width * merkle.HASH_SIZE, merkle.HASH_SIZE):
                        event_tree.append(data[offset : offset + merkle.HASH_SIZE], emit, leaves=False)
                        expected += 1
                        if expected in sizes:
                            event_roots[expected] = published_roots[expected] = event_tree.root()
                    continue
            block = block.records()  # anything else: the records themselves, judged below
        # The common case, a whole tile at a time: indices in place, the JSON copy already found equal,
        # every commitment and published leaf as recomputed, no checkpoint inside the tile. Hashes are
        # computed in list comprehensions and compared as whole lists; anything else takes the
        # entry-by-entry path below, which names what is wrong.
        if (
            published_tree is None
            and len(block) == width
            and not first % width
            and block[0][0] == first
            and block[-1][0] == first + width - 1
            and not _checkpoint_inside(checkpoint_sizes, first, first + width)
        ):
            commitments = [sha256(record[2] + record[1]).digest() for record in block]
            leaves = [sha256(b"\x00" + commitment).digest() for commitment in commitments]
            if (
                [record[0] for record in block] == list(range(first, first + width))
                and all(record[3] is None for record in block)
                and commitments == [record[4] for record in block]
                and _published_match(leaves, first, published, published_tile)
            ):
                event_tree.append_subtree(merkle.subtree_hash(leaves), merkle.TILE_HEIGHT, emit)
                expected = first + width
                if expected in sizes:
                    event_roots[expected] = published_roots[expected] = event_tree.root()
                continue
        for index, canonical, salt, event, stored_commitment in block:
            if index != expected:
                if index < expected:
                    report.add(index, "entry appears twice or out of order")
                    continue
                report.add(expected, f"entries {expected} to {index - 1} are missing")
                for missing in range(expected, index):
                    # Keep both trees aligned by index, so later entries and checkpoints are judged fairly.
                    feed(missing, MISSING, published(missing) or MISSING)
                expected = index
            commitment = sha256(salt + canonical).digest()
            if stored_commitment is not None and stored_commitment != commitment:
                report.add(index, "the stored event or salt does not match its commitment")
            if event is not None and _decoded(event) != _decoded(canonical):
                report.add(index, "the event column differs from the canonical event")
            leaf = sha256(b"\x00" + commitment).digest()
            stored_leaf = published(index)
            if stored_leaf is None:
                report.add(index, "no published leaf hash for this entry")
                stored_leaf = leaf
            expected += 1
            if published_tree is None and stored_leaf == leaf and expected not in sizes:
                event_tree.append(leaf, emit, leaves=False)  # the common case, kept short
            else:
                feed(index, leaf, stored_leaf)
    report.size = expected

    previous_good = 0
    previous: notes.Checkpoint | None = None
    for checkpoint, signed in opened:
        if signed is None:
            continue
        if previous is not None and signed.size < previous.size:
            report.add(None, f"{checkpoint.label}: size {signed.size} is smaller than an earlier checkpoint's")
        previous = signed
        if signed.size > report.size:
            report.add(report.size, f"{checkpoint.label} covers {signed.size} entries; entry {report.size} is missing")
            continue
        if event_roots.get(signed.size) == signed.root:
            previous_good = max(previous_good, signed.size)
            report.verified_size = max(report.verified_size, signed.size)
            continue
        if published_roots.get(signed.size) == signed.root and first_difference is not None:
            report.add(first_difference, "this entry was changed, removed or moved since it was published")
        else:
            report.add(
                previous_good,
                f"{checkpoint.label} does not match entries {previous_good} to {signed.size - 1}, "
                "and the published hashes were rewritten as well",
            )
    if first_difference is not None and not any(p.index == first_difference for p in report.problems):
        report.add(first_difference, "the event does not match its published leaf hash")
    if report.ok and report.size > report.verified_size:
        report.notes.append(
            f"{report.size - report.verified_size} entries after the latest checkpoint are not signed yet."
        )
    return report


def _tile_blocks(records: Iterable[Record]) -> Iterator[list[Record]]:
    """Records in runs that end at each tile boundary (index 255, 511, ...) or after 256 records."""
    block: list[Record] = []
    last = merkle.TILE_WIDTH - 1
    for record in records:
        block.append(record)
        if record[0] & last == last or len(block) > last:
            yield block
            block = []
    if block:
        yield block


def _checkpoint_inside(sizes: list[int], start: int, end: int) -> bool:
    """Whether a checkpoint size falls strictly between start and end (its root needs a partial tile)."""
    at = bisect.bisect_right(sizes, start)
    return at < len(sizes) and sizes[at] < end


def _published_match(
    leaves: list[bytes],
    first: int,
    published: Callable[[int], bytes | None],
    published_tile: Callable[[int], bytes | None] | None,
) -> bool:
    if published_tile is not None:
        data = published_tile(first >> merkle.TILE_HEIGHT)
        return data is not None and data[: len(leaves) * merkle.HASH_SIZE] == b"".join(leaves)
    return [published(index) for index in range(first, first + len(leaves))] == leaves


def _decoded(value: Any) -> Any:
    if isinstance(value, bytes | str):
        try:
            return json.loads(value)
        except ValueError:
            return _UNREADABLE
    return value


_UNREADABLE = object()  # never equal to anything, itself included


class _UpperTileCheck:
    """Compares hashes at levels 8, 16, ... recomputed from the published leaves with the stored tiles."""

    def __init__(self, read: Callable[[int, int], bytes | None], report: Report) -> None:
        self._read = read
        self._report = report
        self._tiles: dict[tuple[int, int], bytes | None] = {}
        self._failed = False

    def emit(self, level: int, index: int, node: bytes) -> None:
        if level == 0 or self._failed:
            return
        key = (level, index >> merkle.TILE_HEIGHT)
        if key not in self._tiles:
            self._tiles = {k: v for k, v in self._tiles.items() if k[0] != level}
            self._tiles[key] = self._read(*key)
        data = self._tiles[key]
        offset = (index & (merkle.TILE_WIDTH - 1)) * merkle.HASH_SIZE
        if data is None or data[offset : offset + merkle.HASH_SIZE] != node:
            self._failed = True
            first_leaf = index << (merkle.TILE_HEIGHT * level)
            self._report.add(None, f"stored hash tile {key[0]}/{key[1]} is wrong (covering entry {first_leaf} on)")


# --- Sources -------------------------------------------------------------------------------------


def database_report(
    *,
    verifier: notes.Verifier | None = None,
    sequence: bool = True,
    progress: Progress = SILENT,
    workers: int | None = None,
) -> Report:
    """Verify the ledger tables in this database (`workers`: processes for a large ledger, see
    `_worker_count`; 1 keeps it in this process, as a web request must)."""
    from django.conf import settings

    from frontdesk.ledger import signing
    from frontdesk.ledger.models import LedgerCheckpoint
    from frontdesk.ledger.selectors import tree_size
    from frontdesk.ledger.services import ledger_sequence

    if sequence:
        ledger_sequence()
    verifier = verifier or signing.load_verifier()
    checkpoints = [
        SignedCheckpoint(f"checkpoint #{c.id} (size {c.size})", c.note, c.size, bytes(c.root))
        for c in LedgerCheckpoint.objects.order_by("id")
    ]
    leaves = _TileCache(0)
    upper: dict[int, _TileCache] = {}

    def upper_tile(level: int, tile_index: int) -> bytes | None:
        return upper.setdefault(level, _TileCache(level)).get(tile_index)

    with progress.task("verify", total=tree_size(), unit="entries") as task:
        report = verify(
            records=database_records(progress=task, workers=workers),
            published=leaves.leaf,
            published_tile=leaves.get,
            checkpoints=checkpoints,
            verifier=verifier,
            origin=settings.FRONTDESK_LEDGER_ORIGIN,
            upper_tile=upper_tile,
        )
    state_size = tree_size()
    if state_size > report.size:
        report.add(report.size, f"the tree holds {state_size} entries but only {report.size} events are stored")
    dropped = _events_outside_the_log(state_size)
    if dropped > 0:
        report.add(report.size, f"{dropped} stored events are neither in the log nor waiting for an index")
    return report


def _events_outside_the_log(size: int) -> int:
    """Events that have no leaf and no place in the pending queue (a queue row deleted by hand)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT (SELECT count(*) FROM ledger_event) - (SELECT count(*) FROM ledger_pending)")
        (queued_or_logged,) = cursor.fetchone()
    return int(queued_or_logged) - size


def database_records(
    page: int = 80 * merkle.TILE_WIDTH, *, progress: Task = SILENT_TASK, workers: int | None = None
) -> "DatabaseRecords":
    """Sequenced events in index order, read a range of leaf indices at a time (keyset pagination).

    Each range is two queries, both plain index range scans: the leaf rows `leaf_index >= a AND < a +
    page`, then the events whose ids span theirs (`id BETWEEN min AND max`: the sequencer numbers queued
    events in id order, so that span is about a page), joined here by id. A range whose ids are spread
    out (events sequenced long after their neighbours, or a tampered leaf) reads its events by id list
    instead. A join in SQL made PostgreSQL fetch the events one index probe at a time (a nested loop).
    The same code runs on SQLite and PostgreSQL; `progress` advances as records are consumed.
    """
    return DatabaseRecords(page, progress, workers)


class DatabaseRecords:
    """Iterate for records; `tile_blocks()` gives the same records already cut at tile boundaries (and,
    for a large ledger, whole tiles already checked by worker processes as `VerifiedTile`s)."""

    def __init__(self, page: int, progress: Task, workers: int | None = None) -> None:
        if page % merkle.TILE_WIDTH:
            raise ValueError("A page of records is a whole number of tiles.")
        self.page = page
        self.progress = progress
        self.workers = workers

    def __iter__(self) -> Iterator[Record]:
        for rows in self._pages():
            assert not isinstance(rows, _CheckedPage)  # only tile_blocks asks for worker-checked pages
            for at in range(0, len(rows), PROGRESS_EVERY):
                chunk = rows[at : at + PROGRESS_EVERY]
                yield from chunk
                self.progress.advance(len(chunk))

    def tile_blocks(self) -> Iterator["list[Record] | VerifiedTile"]:
        width = merkle.TILE_WIDTH
        uncounted = 0
        for rows in self._pages(parallel=True):
            blocks: Iterable[list[Record] | VerifiedTile]
            if isinstance(rows, _CheckedPage):
                blocks = rows.blocks()
            elif rows and rows[-1][0] - rows[0][0] == len(rows) - 1 and not rows[0][0] % width:
                # Every index of the range is there: the blocks are plain slices.
                blocks = (rows[at : at + width] for at in range(0, len(rows), width))
            else:
                blocks = _tile_blocks(rows)
            for block in blocks:
                yield block
                uncounted += width if isinstance(block, VerifiedTile) else len(block)
                while uncounted >= PROGRESS_EVERY:  # progress in the same chunks as record by record
                    self.progress.advance(PROGRESS_EVERY)
                    uncounted -= PROGRESS_EVERY
        if uncounted:
            self.progress.advance(uncounted)

    def _pages(self, parallel: bool = False) -> Iterator["list[Record] | _CheckedPage"]:
        from django.db import connection

        from frontdesk.ledger import guards

        page = self.page
        with connection.cursor() as cursor:
            cursor.execute("SELECT max(leaf_index) FROM ledger_leaf")
            (last,) = cursor.fetchone()
        if last is None:
            return
        # The database compares the JSON copy with the canonical text, so Python parses only rows that
        # differ: SQLite stores the copy as canonical text; on PostgreSQL a validated CHECK constraint
        # already holds every row to `event = canonical::jsonb`, and only without it is each row compared.
        if connection.vendor == "postgresql":
            same = "TRUE" if guards.json_copy_constraint_holds(connection) else "e.event = e.canonical::jsonb"
        else:
            same = "e.event = e.canonical"
        starts = range(0, last + 1, page)
        workers = _worker_count(connection, last + 1, self.workers) if parallel else 0
        if workers > 1:
            yield from _checked_in_workers(connection, starts, page, same, workers, last + 1)
        elif same == "TRUE":
            # Nothing can fail in these queries: the next range is read by a second thread on the same
            # (thread-safe) psycopg connection, in the same transaction, while this one hashes the last.
            # psycopg waits for the server without the GIL, so reading and hashing overlap.
            yield from _read_ahead(_binary_cursor(connection.connection), starts, page, same)
        else:
            for start in starts:
                yield _records_between(connection.cursor, start, start + page, page, same)


# --- Large ledgers: whole tiles checked in worker processes (docs/adr/0043) ---------------------------

# From this many entries `ledger verify` checks whole tiles in worker processes, each on its own
# connection; below it the start-up (a fork and a connection a worker) is not worth it.
PARALLEL_FROM = 1_000_000


@dataclass(frozen=True)
class VerifiedTile:
    """Tile `first >> 8`, checked by a worker: 256 records in place, the JSON copy equal to the canonical
    text, every commitment as stored, the recomputed leaves equal to the published level-0 tile. `root`
    is the tile's subtree hash. `records()` reads the records again, for whatever the verifier must
    judge entry by entry."""

    first: int
    root: bytes
    read: Callable[[int], list[Record]]

    def records(self) -> list[Record]:
        return self.read(self.first)


@dataclass(frozen=True)
class _CheckedPage:
    """A worker's answer for one page: per tile, its subtree hash or None (read and judged here)."""

    start: int
    roots: list[bytes | None]
    read: Callable[[int], list[Record]]

    def blocks(self) -> Iterator["list[Record] | VerifiedTile"]:
        width = merkle.TILE_WIDTH
        for n, root in enumerate(self.roots):
            first = self.start + n * width
            if root is None:
                yield self.read(first)
            else:
                yield VerifiedTile(first, root, self.read)


def _worker_count(connection: Any, size: int, wanted: int | None) -> int:
    """How many worker processes verify uses: none below PARALLEL_FROM entries, inside a transaction
    (workers see only what has committed; a test's ledger has not), for an in-memory SQLite database,
    or where processes cannot be forked; else FRONTDESK_LEDGER_VERIFY_WORKERS (default: the CPUs)."""
    import multiprocessing
    import os

    from django.conf import settings

    if wanted is None:
        wanted = getattr(settings, "FRONTDESK_LEDGER_VERIFY_WORKERS", None)
    if wanted is None:
        wanted = os.cpu_count() or 1
    if wanted < 2 or size < PARALLEL_FROM or connection.in_atomic_block:
        return 0
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        return 0
    if "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return wanted


def _checked_in_workers(
    connection: Any, starts: range, page: int, same: str, workers: int, end: int
) -> Iterator[_CheckedPage]:
    """Pages checked by `workers` forked processes, in order. Each opens its own connection (the
    parent's is never used in a child) and sends back only a subtree hash a tile."""
    import multiprocessing

    def read(first: int) -> list[Record]:
        return _records_between(connection.cursor, first, first + merkle.TILE_WIDTH, page, same)

    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_worker_start, initargs=(connection.alias, page, same, end)) as pool:
        for start, roots in zip(starts, pool.imap(_worker_check, starts), strict=True):
            yield _CheckedPage(start, roots, read)
        pool.close()
        pool.join()  # reaped, so their CPU time is counted as the caller's children's


_worker: dict[str, Any] = {}


def _worker_start(alias: str, page: int, same: str, end: int) -> None:
    """In a forked worker: a connection of its own, opened with the parent's settings. The parent's
    connection object is inherited but never used or closed here (a worker ends with os._exit)."""
    from django.db import connections

    wrapper = connections[alias]
    raw = wrapper.get_new_connection(wrapper.get_connection_params())
    if wrapper.vendor == "postgresql":
        raw.autocommit = True  # each page's reads in one statement-level snapshot; nothing is written
        opened: Callable[[], Any] = lambda: _binary_cursor(raw)()  # noqa: E731
    else:
        from django.db.backends.sqlite3.base import SQLiteCursorWrapper

        opened = lambda: _ClosingCursor(raw.cursor(factory=SQLiteCursorWrapper))  # noqa: E731
    _worker.update(cursor=opened, page=page, same=same, end=end)


class _ClosingCursor:
    """A sqlite3 cursor usable as `with cursor() as c:` (psycopg's already is)."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor

    def __enter__(self) -> Any:
        return self.cursor

    def __exit__(self, *exc: object) -> None:
        self.cursor.close()


def _worker_check(start: int) -> list[bytes | None]:
    """Check the tiles of the page from `start` (up to the last leaf): a subtree hash for each tile that
    passes every check of verify's fast path, None for any other (partial, out of place, different)."""
    cursor, page, same, end = _worker["cursor"], _worker["page"], _worker["same"], _worker["end"]
    width, size = merkle.TILE_WIDTH, merkle.HASH_SIZE
    try:
        # Nothing of the parent's (its connection, Django's transaction state) is touched here.
        rows = _records_between(cursor, start, start + page, page, same, atomic=contextlib.nullcontext)
    except Exception:  # e.g. a canonical text PostgreSQL cannot cast: the parent reads and judges the page
        return [None] * len(range(start, min(start + page, end), merkle.TILE_WIDTH))
    first_tile = start >> merkle.TILE_HEIGHT
    with cursor() as reading:
        reading.execute(
            "SELECT tile_index, hashes FROM ledger_tile WHERE level = 0 AND tile_index >= %s AND tile_index < %s",
            [first_tile, first_tile + page // width],
        )
        tiles = {tile_index: bytes(hashes) for tile_index, hashes in reading.fetchall()}
    sha256 = hashlib.sha256
    by_first = {}
    if rows and rows[-1][0] - rows[0][0] == len(rows) - 1 and rows[0][0] == start:
        by_first = {start + at: rows[at : at + width] for at in range(0, len(rows), width)}
    roots: list[bytes | None] = []
    for first in range(start, min(start + page, end), width):
        block = by_first.get(first)
        published = tiles.get(first >> merkle.TILE_HEIGHT)
        if block is None or len(block) != width or published is None or len(published) < width * size:
            roots.append(None)
            continue
        commitments = [sha256(record[2] + record[1]).digest() for record in block]
        leaves = [sha256(b"\x00" + commitment).digest() for commitment in commitments]
        ok = (
            [record[0] for record in block] == list(range(first, first + width))
            and all(record[3] is None for record in block)
            and commitments == [record[4] for record in block]
            and published[: width * size] == b"".join(leaves)
        )
        roots.append(merkle.subtree_hash(leaves) if ok else None)
    return roots


def _binary_cursor(raw: Any) -> Callable[[], Any]:
    """PostgreSQL cursors that receive rows in the binary format: bytea as its bytes (not hex text to
    decode) and the canonical text's UTF-8 bytes as they are (it is hashed as bytes)."""
    from psycopg.types.string import ByteaBinaryLoader

    from frontdesk.ledger.selectors import binary_cursor

    def cursor() -> Any:
        opened = binary_cursor(raw)
        opened.adapters.register_loader("text", ByteaBinaryLoader)
        return opened

    return cursor


def _read_ahead(cursor: Callable[[], Any], starts: range, page: int, same: str) -> Iterator[list[Record]]:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        for start in starts:
            future = pool.submit(_records_between, cursor, start, start + page, page, same)
            if pending is not None:
                yield pending.result()
            pending = future
        if pending is not None:
            yield pending.result()


def _records_between(
    cursor: Callable[[], Any], start: int, end: int, page: int, same: str, atomic: Callable[[], Any] | None = None
) -> list[Record]:
    """The records of leaf indices [start, end), in index order; a leaf whose event is gone is left out
    (verify names the gap). `atomic` guards the query that may fail (transaction.atomic by default)."""
    from django.db import DatabaseError, transaction

    atomic = atomic or transaction.atomic

    columns = "e.id, e.canonical, e.salt, CASE WHEN {same} THEN NULL ELSE e.event END, e.commitment"
    with cursor() as reading:
        reading.execute(
            "SELECT leaf_index, event_id FROM ledger_leaf WHERE leaf_index >= %s AND leaf_index < %s "
            "ORDER BY leaf_index",
            [start, end],
        )
        leaves = reading.fetchall()
    if not leaves:
        return []
    ids = [event_id for _index, event_id in leaves]
    low, high = min(ids), max(ids)
    if high - low < 2 * page:
        where, params = "e.id >= %s AND e.id <= %s", [low, high]
    else:
        where, params = f"e.id IN ({', '.join(['%s'] * len(ids))})", list(ids)
    query = f"SELECT {columns} FROM ledger_event e WHERE {where} ORDER BY e.id"  # noqa: S608 (no input in the text)
    if same == "TRUE":
        with cursor() as reading:
            reading.execute(query.format(same=same), params)
            events = reading.fetchall()
    else:
        try:
            with atomic(), cursor() as reading:
                reading.execute(query.format(same=same), params)
                events = reading.fetchall()
        except DatabaseError:  # a canonical text that is not JSON at all: compare in Python
            with atomic(), cursor() as reading:
                reading.execute(query.format(same="1 = 0"), params)
                events = reading.fetchall()
    # Both drivers return bytea/BLOB as bytes.
    if [row[0] for row in events] == ids:  # the common case: the range's events, in leaf order
        if events and isinstance(events[0][1], bytes):  # a binary cursor: already the bytes hashed
            return [
                (index, canonical, salt, event, commitment)
                for (index, _id), (_same_id, canonical, salt, event, commitment) in zip(leaves, events, strict=True)
            ]
        return [
            (index, canonical.encode(), salt, event, commitment)
            for (index, _id), (_same_id, canonical, salt, event, commitment) in zip(leaves, events, strict=True)
        ]
    by_id = {row[0]: row for row in events}
    records: list[Record] = []
    for index, event_id in leaves:
        found = by_id.get(event_id)
        if found is not None:
            _id, canonical, salt, event, commitment = found
            records.append((index, _utf8(canonical), bytes(salt), event, bytes(commitment)))
    return records


def _utf8(canonical: str | bytes) -> bytes:
    """The canonical text as bytes: a binary PostgreSQL cursor already gives them (see _binary_cursor)."""
    return canonical if isinstance(canonical, bytes) else canonical.encode()


class _TileCache:
    """Reads one level's stored tiles a batch at a time, in order."""

    def __init__(self, level: int, batch: int = 64) -> None:
        self.level = level
        self.batch = batch
        self.tiles: dict[int, bytes] = {}
        self.loaded_below = -1
        self.current = -1
        self.hashes: list[bytes] = []

    def get(self, tile_index: int) -> bytes | None:
        if tile_index not in self.tiles and tile_index > self.loaded_below:
            from frontdesk.ledger.models import LedgerTile

            end = tile_index + self.batch
            self.tiles = {
                t: bytes(h)
                for t, h in LedgerTile.objects.filter(
                    level=self.level, tile_index__gte=tile_index, tile_index__lt=end
                ).values_list("tile_index", "hashes")
            }
            self.loaded_below = end - 1
        return self.tiles.get(tile_index)

    def leaf(self, index: int) -> bytes | None:
        tile_index, offset = index >> merkle.TILE_HEIGHT, index & (merkle.TILE_WIDTH - 1)
        if tile_index != self.current:
            data = self.get(tile_index) or b""
            self.current = tile_index
            self.hashes = [data[i : i + merkle.HASH_SIZE] for i in range(0, len(data), merkle.HASH_SIZE)]
        return self.hashes[offset] if offset < len(self.hashes) else None


def bundle_report(path: str, *, verifier: notes.Verifier | None = None, progress: Progress = SILENT) -> Report:
    """Verify an export bundle offline: events, salts, published entries and signed checkpoints."""
    header, checkpoints, records, entries = read_bundle(path)
    verifier = verifier or notes.Verifier.parse(header["verifier_key"])
    with progress.task("verify", total=len(records), unit="entries") as task:
        report = verify(
            records=_counted(records, task),
            published=lambda i: merkle.leaf_hash(entries[i]) if i in entries else None,
            checkpoints=[
                SignedCheckpoint(f"checkpoint {n + 1} in the bundle", note) for n, note in enumerate(checkpoints)
            ],
            verifier=verifier,
            origin=header.get("origin"),
        )
    if header.get("size") is not None and header["size"] != report.size and report.ok:
        report.add(report.size, f"the bundle says it holds {header['size']} entries but has {report.size}")
    return report


def _counted(records: list[Record], task: Task) -> Iterator[Record]:
    for start in range(0, len(records), PROGRESS_EVERY):
        chunk = records[start : start + PROGRESS_EVERY]
        yield from chunk
        task.advance(len(chunk))
