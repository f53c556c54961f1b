"""Ledger benchmarks (issue 3): append rate, bulk replay, proofs at 10M entries, full verify, pymerkle.

    .venv/bin/python bench/ledger_bench.py [--entries N] [--proof-entries N] [--no-postgres]

Writes bench/results/ledger.json. Each database runs in its own child process against a throwaway
database (a temporary SQLite file; PostgreSQL database `frontdesk_ledger_bench`, created and dropped,
when a server answers at FRONTDESK_BENCH_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/postgres).

What is measured, and how it is scaled to fit `make bench` (about 5 minutes on 2 cores):
- append: `event_append` through the real service, durable commits (SQLite WAL with synchronous=FULL;
  PostgreSQL defaults), one commit per event, group commits of 100 events, and 16 client threads
  committing one event each; the after-commit sequencer and automatic checkpoints run as in production.
- bulk replay: `ledger_sequence` integrating a backlog of --entries committed events (default 1,000,000,
  a tenth of the 10M goal; --pg-entries, default 500,000, on PostgreSQL); the rows are inserted
  beforehand, and that insert is reported separately.
- verify: `ledger verify` over the same events; the 10M figure is measured when the bench runs at 10M
  (`LEDGER_BENCH_ENTRIES=10000000 LEDGER_BENCH_PG_ENTRIES=10000000 make bench`, the backlog built through
  the bulk replay path), else extrapolated linearly (`measured_at_10M` says which).
- The load average is recorded: other work on the machine slows every figure.
- proofs: the tree is then extended to --proof-entries leaves (default 10,000,000: the full goal) through
  the sequencer's own tile code; inclusion and consistency proofs are timed at that size, each built from
  the stored tiles with no cache carried between proofs (the auditor endpoint's path).
- pymerkle==7.0.0 (SqliteTree) does the same appends and proofs at --entries leaves, side by side.
"""

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "ledger.json"
PG_ADMIN_URL = os.environ.get("FRONTDESK_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "frontdesk_ledger_bench"


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 4),
        "p99_ms": round(p99 * 1000, 4),
        "max_ms": round(ordered[-1] * 1000, 4),
        "samples": len(ordered),
    }


# --- child: one database ---------------------------------------------------------------------------


def child(args: argparse.Namespace) -> dict:
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["FRONTDESK_LEDGER_SIGNING_KEY"] = "42" * 32
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.backends.signals import connection_created

    from frontdesk.core.progress_output import progress_for

    def durable(sender, connection, **kwargs) -> None:  # every thread's connection, not just this one
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=FULL")

    connection_created.connect(durable, weak=False)
    call_command("migrate", "ledger", verbosity=0)
    vendor = connection.vendor
    out: dict = {"database": vendor}
    # stderr is a pipe to the parent, which relays it: plain lines every few seconds.
    with progress_for(sys.stderr) as progress, progress.task(f"ledger {vendor}", total=6, unit="phases") as phases:
        out["append"] = bench_append(args)
        phases.advance()
        out["bulk_replay"] = bench_replay(args)
        phases.advance()
        out["verify"] = bench_verify(args, progress)
        phases.advance()
        out["proofs_at_entries"] = bench_proofs(args, args.entries)
        phases.advance()
        extend_tree(args.proof_entries, progress)
        phases.advance()
        out["proofs_at_proof_entries"] = bench_proofs(args, args.proof_entries)
        phases.advance()
    return out


def bench_append(args: argparse.Namespace) -> dict:
    from django.db import transaction

    from frontdesk.core.crypto import pseudonym
    from frontdesk.ledger.services import event_append, ledger_sequence

    person = pseudonym("person", "bench")
    results = {}
    for group, count in ((1, args.append_single), (100, args.append_grouped)):
        start = time.perf_counter()
        for _ in range(count // group):
            with transaction.atomic():
                for _ in range(group):
                    event_append(
                        type="records.person.viewed",
                        actor=None,
                        purpose="bench",
                        subjects=[person],
                        refs={"appointment": "K7Q2M9"},
                    )
        elapsed = time.perf_counter() - start
        ledger_sequence()
        results[f"events_per_commit_{group}"] = {
            "events": count,
            "events_per_s": round(count / elapsed),
        }
    results["events_per_commit_1_clients_16"] = bench_append_concurrent(args.append_single, clients=16)
    return results


def bench_append_concurrent(count: int, *, clients: int) -> dict:
    """Booking-like load: `clients` threads, each committing one event per transaction."""
    import threading

    from django.db import connections, transaction

    from frontdesk.core.crypto import pseudonym
    from frontdesk.ledger.services import event_append, ledger_sequence

    person = pseudonym("person", "bench")

    def client() -> None:
        try:
            for _ in range(count // clients):
                with transaction.atomic():
                    event_append(type="scheduling.appointment.booked", actor=None, subjects=[person])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    ledger_sequence()
    return {"events": count // clients * clients, "events_per_s": round(count / elapsed)}


CANONICAL = (
    '{{"actor":"staff:clerk{a}","purpose":"check-in","refs":{{"n":{n}}},"role":"counter_clerk",'
    '"subjects":["person:{p}"],"time":"2026-01-02T03:04:05.{us:06d}Z","type":"records.person.viewed"}}'
)


def insert_backlog(count: int) -> float:
    """Committed, unsequenced events, as if `count` actions had committed (RFC 8785 text by template)."""
    import datetime as dt
    import hashlib

    from django.db import connection, transaction

    sha = hashlib.sha256
    moment = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    start = time.perf_counter()
    chunk = 20_000
    for offset in range(0, count, chunk):
        rows = []
        for n in range(offset, min(count, offset + chunk)):
            canonical = CANONICAL.format(a=n % 50, n=n, p=f"{n:032x}", us=n % 1_000_000)
            salt = os.urandom(32)
            rows.append(
                ("records.person.viewed", moment, canonical, canonical, salt, sha(salt + canonical.encode()).digest())
            )
        with transaction.atomic(), connection.cursor() as cursor:
            # Event rows and their places in the pending queue, as event_append writes them.
            if connection.vendor == "postgresql":
                copy_backlog(cursor, rows)
            else:
                first = _next_event_id(cursor)
                cursor.executemany(
                    "INSERT INTO ledger_event (id, type, time, event, canonical, salt, commitment) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    [(first + n, *row) for n, row in enumerate(rows)],
                )
                cursor.executemany(
                    "INSERT INTO ledger_pending (event_id, commitment) VALUES (%s, %s)",
                    [(first + n, row[-1]) for n, row in enumerate(rows)],
                )
    return time.perf_counter() - start


def _next_event_id(cursor) -> int:
    cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM ledger_event")
    return cursor.fetchone()[0]


def copy_backlog(cursor, rows: list[tuple]) -> None:
    """PostgreSQL: COPY the event rows (ids taken from the table's sequence) and their queue rows."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence('ledger_event', 'id')) FROM generate_series(1, %s)", [len(rows)]
    )
    ids = [row[0] for row in cursor.fetchall()]
    raw = cursor.cursor  # the psycopg cursor under Django's wrapper
    with raw.copy("COPY ledger_event (id, type, time, event, canonical, salt, commitment) FROM STDIN") as copy:
        for event_id, row in zip(ids, rows, strict=True):
            copy.write_row((event_id, *row))
    with raw.copy("COPY ledger_pending (event_id, commitment) FROM STDIN") as copy:
        for event_id, row in zip(ids, rows, strict=True):
            copy.write_row((event_id, row[-1]))


def bench_replay(args: argparse.Namespace) -> dict:
    from frontdesk.ledger.services import ledger_sequence

    before = ledger_sequence()
    inserted = insert_backlog(args.entries)
    start = time.perf_counter()
    size = ledger_sequence(batch=20_000)
    elapsed = time.perf_counter() - start
    return {
        "entries": size - before,
        "entries_per_s": round((size - before) / elapsed),
        "seconds": round(elapsed, 2),
        "backlog_insert_rows_per_s": round(args.entries / inserted),
    }


def bench_verify(args: argparse.Namespace, progress) -> dict:
    from frontdesk.ledger import verify
    from frontdesk.ledger.services import checkpoint_create

    checkpoint_create()
    start = time.perf_counter()
    report = verify.database_report(sequence=False, progress=progress)  # counted per 4096 entries: no cost
    elapsed = time.perf_counter() - start
    assert report.ok, report.summary()
    rate = report.size / elapsed
    measured = report.size >= 10_000_000
    return {
        "entries": report.size,
        "seconds": round(elapsed, 2),
        "entries_per_s": round(rate),
        "extrapolated_seconds_for_10M": round(10_000_000 / rate, 1),
        # Measured when the bench ran at 10M entries (LEDGER_BENCH_ENTRIES / LEDGER_BENCH_PG_ENTRIES), else
        # the linear extrapolation above.
        "seconds_for_10M": round(elapsed * 10_000_000 / report.size, 1) if measured else round(10_000_000 / rate, 1),
        "measured_at_10M": measured,
    }


def extend_tree(target: int, progress) -> None:
    """Grow the tree to `target` leaves of synthetic commitments with the sequencer's own tile code."""
    import hashlib

    from django.db import transaction

    from frontdesk.ledger import merkle
    from frontdesk.ledger.models import LedgerTree
    from frontdesk.ledger.services import _extend_tiles, _lock_tree

    sha = hashlib.sha256
    with transaction.atomic():
        tree = _lock_tree(wait=True)
        compact = merkle.CompactTree.from_bytes(tree.size, bytes(tree.frontier))
    step = merkle.TILE_WIDTH * 2000
    task = progress.task("extend tree", total=max(0, target - compact.size), unit="leaves")
    while compact.size < target:
        grown_from = compact.size
        additions: dict[tuple[int, int], list[bytes]] = {}

        def emit(level: int, index: int, node: bytes, additions=additions) -> None:
            additions.setdefault((level, index >> merkle.TILE_HEIGHT), []).append(node)

        for i in range(compact.size, min(target, compact.size + step)):
            compact.append(sha(b"\x00" + sha(i.to_bytes(8, "big")).digest()).digest(), emit)
        with transaction.atomic():
            _extend_tiles(additions)
            LedgerTree.objects.filter(pk=1).update(size=compact.size, frontier=compact.to_bytes())
        task.advance(compact.size - grown_from)
    task.close()


def bench_proofs(args: argparse.Namespace, size: int) -> dict:
    """The auditor endpoints' work (selectors): read the tiles in one query, build the proof and roots."""
    from types import SimpleNamespace

    from frontdesk.accounts.roles import Role
    from frontdesk.ledger import merkle, selectors

    auditor = SimpleNamespace(is_authenticated=True, is_active=True, _frontdesk_roles={Role.AUDITOR})
    rng = random.Random(7)
    inclusion, consistency = [], []
    for _ in range(args.samples):
        index = rng.randrange(size)
        start = time.perf_counter()
        proof = selectors.inclusion_proof_get(actor=auditor, index=index, tree_size=size)
        inclusion.append(time.perf_counter() - start)
        assert merkle.verify_inclusion(proof.leaf_hash, index, size, proof.proof, proof.root)

        first = rng.randrange(1, size)
        start = time.perf_counter()
        result = selectors.consistency_proof_get(actor=auditor, first=first, second=size)
        consistency.append(time.perf_counter() - start)
        assert merkle.verify_consistency(first, size, result.proof, result.first_root, result.second_root)
    return {
        "tree_size": size,
        "inclusion": percentiles(inclusion),
        "consistency": percentiles(consistency),
    }


# --- pymerkle, side by side --------------------------------------------------------------------------


def bench_pymerkle(args: argparse.Namespace) -> dict:
    try:
        import pymerkle
        from pymerkle import SqliteTree
    except ImportError:
        return {"skipped": "pip install pymerkle==7.0.0 to compare"}
    out: dict = {"version": getattr(pymerkle, "__version__", "7.0.0")}
    with tempfile.TemporaryDirectory() as tmp:
        tree = SqliteTree(os.path.join(tmp, "pymerkle.db"))
        entries = [os.urandom(32) for _ in range(args.entries)]
        start = time.perf_counter()
        tree.append_entries(entries)
        out["bulk_append"] = {
            "entries": args.entries,
            "entries_per_s": round(args.entries / (time.perf_counter() - start)),
        }
        start = time.perf_counter()
        for entry in entries[: args.append_single]:
            tree.append_entry(entry)
        out["append_one_per_commit"] = {
            "entries": args.append_single,
            "entries_per_s": round(args.append_single / (time.perf_counter() - start)),
        }
        size = tree.get_size()
        rng = random.Random(7)
        inclusion, consistency = [], []
        for _ in range(args.pymerkle_samples):
            index = rng.randint(1, size)
            start = time.perf_counter()
            tree.prove_inclusion(index, size)
            inclusion.append(time.perf_counter() - start)
            first = rng.randint(1, size - 1)
            start = time.perf_counter()
            tree.prove_consistency(first, size)
            consistency.append(time.perf_counter() - start)
        out["proofs"] = {
            "tree_size": size,
            "inclusion": percentiles(inclusion),
            "consistency": percentiles(consistency),
        }
        tree.close()
    return out


# --- parent ---------------------------------------------------------------------------------------------


def postgres_database() -> str | None:
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(
            PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True, connect_timeout=3
        ) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            conn.execute(f"CREATE DATABASE {PG_DB}")
    except psycopg.Error:
        return None
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}"


def drop_postgres_database() -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")


def run_child(args: argparse.Namespace, url: str, entries: int) -> dict:
    command = [
        sys.executable, __file__, "--child", "--database-url", url,
        "--entries", str(entries), "--proof-entries", str(args.proof_entries),
        "--samples", str(args.samples), "--append-single", str(args.append_single),
        "--append-grouped", str(args.append_grouped),
    ]  # fmt: skip
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    errors: list[str] = []

    def relay() -> None:
        """The child's progress lines, shown as they come; its error output is also kept for the report."""
        for line in child.stderr:
            sys.stderr.write(line)
            sys.stderr.flush()
            errors.append(line)

    relaying = threading.Thread(target=relay)
    relaying.start()
    output = child.stdout.read()
    child.wait()
    relaying.join()
    if child.returncode != 0:
        return {"error": "".join(errors)[-3000:]}
    result = json.loads(output.strip().splitlines()[-1])
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    return result


def ratios(ours: dict, theirs: dict) -> dict:
    if "proofs" not in theirs or "error" in ours:
        return {}
    same = ours["proofs_at_entries"]
    return {
        "note": "ours / pymerkle for rates (higher is better); pymerkle / ours for latencies (higher is better)",
        "append_one_per_commit": round(
            ours["append"]["events_per_commit_1"]["events_per_s"] / theirs["append_one_per_commit"]["entries_per_s"], 2
        ),
        "bulk": round(ours["bulk_replay"]["entries_per_s"] / theirs["bulk_append"]["entries_per_s"], 2),
        "inclusion_median": round(theirs["proofs"]["inclusion"]["median_ms"] / same["inclusion"]["median_ms"], 1),
        "inclusion_p99": round(theirs["proofs"]["inclusion"]["p99_ms"] / same["inclusion"]["p99_ms"], 1),
        "consistency_median": round(theirs["proofs"]["consistency"]["median_ms"] / same["consistency"]["median_ms"], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=int(os.environ.get("LEDGER_BENCH_ENTRIES", 1_000_000)))
    parser.add_argument(
        "--proof-entries", type=int, default=int(os.environ.get("LEDGER_BENCH_PROOF_ENTRIES", 10_000_000))
    )
    parser.add_argument(
        "--pg-entries",
        type=int,
        default=int(os.environ.get("LEDGER_BENCH_PG_ENTRIES", 500_000)),
        help="bulk replay and verify size on PostgreSQL (slower to load; keeps `make bench` near 5 minutes)",
    )
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--pymerkle-samples", type=int, default=100)
    parser.add_argument("--append-single", type=int, default=2000)
    parser.add_argument("--append-grouped", type=int, default=20_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--output", default=str(RESULTS))
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        print(json.dumps(child(args)))
        return

    started = time.perf_counter()
    report: dict = {
        "benchmark": "ledger",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "scale": {
            "entries": args.entries,
            "pg_entries": args.pg_entries,
            "proof_entries": args.proof_entries,
            "note": "bulk replay and verify run at `entries` on SQLite (the 10M goal / "
            f"{10_000_000 / args.entries:g}) and `pg_entries` on PostgreSQL; proofs at `proof_entries` on both",
        },
        "goals": {
            "append_events_per_s": 5000,
            "bulk_replay_entries_per_s": 100_000,
            "proof_at_10M_median_ms": 1,
            "proof_at_10M_p99_ms": {"sqlite": 5, "postgresql": 10},
            "verify_10M_seconds": 60,
        },
    }
    with tempfile.TemporaryDirectory() as tmp:
        report["sqlite"] = run_child(args, f"sqlite:///{tmp}/ledger-bench.sqlite3", args.entries)
        print(f"sqlite done in {report['sqlite'].get('wall_seconds')} s", file=sys.stderr)
    url = None if args.no_postgres else postgres_database()
    if url:
        try:
            report["postgresql"] = run_child(args, url, args.pg_entries)
            print(f"postgresql done in {report['postgresql'].get('wall_seconds')} s", file=sys.stderr)
        finally:
            drop_postgres_database()
    else:
        report["postgresql"] = {"skipped": "no PostgreSQL server answered"}
    report["pymerkle"] = bench_pymerkle(args)
    report["ratios_vs_pymerkle"] = ratios(report["sqlite"], report["pymerkle"])
    report["wall_seconds"] = round(time.perf_counter() - started, 1)
    report["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
