"""Seed benchmark: build a fresh database and seed it at a scale; time the seed and check it.

    .venv/bin/python bench/seed_bench.py --database sqlite|postgresql [--scale small] [--seed 1]

Writes bench/results/seed_<database>.json and leaves the database in place for the latency and
booking benchmarks (SQLite: var/bench/frontdesk-bench.sqlite3; PostgreSQL: frontdesk_bench).
"""

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PG_ADMIN_URL, PG_DB, SCALES, WORK, machine, manage, pg_url, sqlite_url, write_result


def database_url(database: str) -> str:
    if database == "sqlite":
        return sqlite_url(WORK / "frontdesk-bench.sqlite3")
    return pg_url(PG_DB)


def recreate(database: str) -> str:
    """An empty, migrated database with the office directory loaded."""
    url = database_url(database)
    if database == "sqlite":
        path = WORK / "frontdesk-bench.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
    manage(url, "migrate", "--no-input", "-v", "0")
    manage(url, "import_offices")
    return url


def child(args: argparse.Namespace) -> None:
    """Runs inside Django (started by main with the benchmark database's environment)."""
    from bench.common import setup_django

    setup_django()
    import time

    from django.db import connection

    from frontdesk.core.progress_output import progress_for
    from frontdesk.offices.models import Office
    from frontdesk.scheduling.seeding import SeedOptions, overlapping_holds, seed_offices

    at_start = machine()
    scale = SCALES[args.scale]
    offices = Office.objects.order_by("code")
    if scale["regions"]:
        offices = offices.filter(region__in=[int(r) for r in scale["regions"].split(",")])
    start = datetime.now(UTC).date()
    options = SeedOptions(start=start, days=scale["days"], fill=scale["fill"], seed=args.seed)
    with progress_for(sys.stderr) as progress:  # a bar on a terminal, a line every few seconds in a log
        report = seed_offices(list(offices), options, progress=progress)
    started = time.perf_counter()
    overlaps = overlapping_holds()
    check_seconds = time.perf_counter() - started
    result = {
        "benchmark": "seed",
        "database": connection.vendor,
        "scale": args.scale,
        "scale_definition": scale,
        "seed": args.seed,
        "start": start.isoformat(),
        **report.as_dict(),
        "overlapping_active_holds": overlaps,
        "overlap_check_seconds": round(check_seconds, 2),
        "machine": at_start,
    }
    path = write_result(f"seed_{connection.vendor}", result)
    print(
        f"seed {connection.vendor} [{args.scale}]: {report.offices} offices, {report.appointments:,} appointments, "
        f"{report.rows:,} rows in {report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s), "
        f"fill {report.fill:.1%}, overlaps {overlaps} -> {path}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--scale", choices=sorted(SCALES), default=os.environ.get("BENCH_SCALE", "small"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    import subprocess

    from bench.common import PYTHON, ROOT, django_env

    url = recreate(args.database)
    command = [
        PYTHON,
        __file__,
        "--child",
        "--database",
        args.database,
        "--scale",
        args.scale,
        "--seed",
        str(args.seed),
    ]
    subprocess.run(command, env=django_env(url), cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
