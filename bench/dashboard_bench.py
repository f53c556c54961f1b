"""Render time of the managers' dashboards on the national dataset (goal: a regional dashboard under
500 ms at p95).

    .venv/bin/python bench/dashboard_bench.py [--offices N] [--requests N] [--no-postgres]

Writes bench/results/dashboard.json. Each database runs in a child process against a throwaway
database (a temporary SQLite file; on PostgreSQL `frontdesk_dashboard_bench`, created and dropped).

The dataset: all 1,193 offices of the national directory, every one staffed (`resources_ensure`); the
first --offices offices of region 2 (default 6) get real appointments over eight weeks (four past, four
ahead, 70% booked, `seed_offices`), and `stats_rebuild` turns them into counters (its time is recorded).
Every other office gets a copy of a seeded office's daily counters and a wait histogram per past day,
so the counter tables hold what a national eight weeks would hold (the dashboards read only those
tables, never the appointments). Pages render in-process through Django's test client with every
middleware, as web_bench.py does.
"""

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "dashboard.json"
PG_ADMIN_URL = os.environ.get("FRONTDESK_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "frontdesk_dashboard_bench"
GOAL_P95_MS = 500.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def child(database_url: str, offices: int, requests: int) -> dict:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import statistics
    from datetime import UTC, datetime, timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from frontdesk.accounts.roles import Role
    from frontdesk.offices.models import Office
    from frontdesk.scheduling.models import Appointment
    from frontdesk.scheduling.seeding import SeedOptions, resources_ensure, seed_offices
    from frontdesk.stats.buckets import LAST
    from frontdesk.stats.models import OfficeDayStats, OfficeDayWait, WaitKind
    from frontdesk.stats.rebuild import stats_rebuild
    from tests.factories import staff_user
    from tests.web.auth import verified_login

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("init_ledger_key", verbosity=0)
    call_command("import_offices", verbosity=0)
    every = list(Office.objects.order_by("code"))
    resources_ensure(every)
    today = datetime.now(UTC).date()
    seeded = [o for o in every if o.region == 2][:offices]
    seed_offices(seeded, SeedOptions(start=today - timedelta(days=28), days=56))
    began = time.perf_counter()
    rebuilt = stats_rebuild()
    rebuild_seconds = time.perf_counter() - began
    # Every other office: a seeded office's days, and a wait histogram for each past day.
    templates = [list(OfficeDayStats.objects.filter(office=o).values()) for o in seeded]
    seeded_ids = {o.id for o in seeded}
    rng = random.Random(1)
    rows, waits = [], []
    for n, office in enumerate(o for o in every if o.id not in seeded_ids):
        for row in templates[n % len(templates)]:
            rows.append(OfficeDayStats(**{**row, "id": None, "office_id": office.id}))
        for back in range(1, 29):
            for bucket in range(LAST + 1):
                count = max(0, int(rng.gauss(30 / (bucket + 1), 4)))
                if count:
                    day = today - timedelta(days=back)
                    waits.append(
                        OfficeDayWait(office=office, day=day, kind=WaitKind.WALK_IN, bucket=bucket, count=count)
                    )
        if len(rows) > 50_000:
            OfficeDayStats.objects.bulk_create(rows, batch_size=5000)
            OfficeDayWait.objects.bulk_create(waits, batch_size=5000)
            rows, waits = [], []
    OfficeDayStats.objects.bulk_create(rows, batch_size=5000)
    OfficeDayWait.objects.bulk_create(waits, batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    setup_seconds = time.perf_counter() - started

    regions = {o.region for o in every}
    biggest = max(regions, key=lambda r: sum(1 for o in every if o.region == r))
    officer = verified_login(Client(), staff_user("bench-rpo", Role.REGIONAL_PRIVACY_OFFICER, region=biggest))
    manager = verified_login(Client(), staff_user("bench-manager", Role.OFFICE_MANAGER, seeded[0]))
    region2 = verified_login(Client(), staff_user("bench-rpo-2", Role.REGIONAL_PRIVACY_OFFICER, region=2))
    four_weeks = f"start={(today - timedelta(days=27)).isoformat()}&end={today.isoformat()}"
    quarter = f"start={(today - timedelta(days=45)).isoformat()}&end={(today + timedelta(days=45)).isoformat()}"
    pages = {
        f"region {biggest} (largest), last four weeks": (officer, f"/console/dashboard/?region={biggest}&{four_weeks}"),
        f"region {biggest} (largest), 91 days": (officer, f"/console/dashboard/?region={biggest}&{quarter}"),
        f"region {biggest}, CSV, 91 days": (officer, f"/console/dashboard/csv/?region={biggest}&{quarter}"),
        "region 2 (seeded offices), last four weeks": (region2, f"/console/dashboard/?region=2&{four_weeks}"),
        "one office, last four weeks": (manager, f"/console/dashboard/?office={seeded[0].code}&{four_weeks}"),
    }
    results = {}
    for name, (client, url) in pages.items():
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
        times = []
        for _ in range(requests):
            t = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - t) * 1000)
        results[name] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(percentile(times, 95), 1),
            "max_ms": round(max(times), 1),
            "requests": requests,
        }
        print(f"  {name:48s} p50 {results[name]['p50_ms']:7.1f} ms  p95 {results[name]['p95_ms']:7.1f} ms", flush=True)
    regional = [v["p95_ms"] for k, v in results.items() if k.startswith("region")]
    return {
        "database": connection.vendor,
        "offices_in_directory": len(every),
        "offices_in_largest_region": sum(1 for o in every if o.region == biggest),
        "offices_with_real_appointments": len(seeded),
        "appointments": Appointment.objects.count(),
        "stats_rows": OfficeDayStats.objects.count(),
        "wait_rows": OfficeDayWait.objects.count(),
        "rebuild": {**rebuilt, "seconds": round(rebuild_seconds, 2)},
        "setup_seconds": round(setup_seconds, 1),
        "pages": results,
        "worst_regional_p95_ms": max(regional),
        "goal_p95_ms": GOAL_P95_MS,
        "meets_goal": max(regional) < GOAL_P95_MS,
        "load_average": os.getloadavg(),
    }


def run_child(database_url: str, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--child", database_url, "--offices", str(args.offices)]
    command += ["--requests", str(args.requests)]
    output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    sys.stdout.write(output.stdout.split("@@RESULT@@")[0])
    return json.loads(output.stdout.split("@@RESULT@@")[1])


def postgres_database(admin_url: str) -> str | None:
    import psycopg

    url = admin_url.replace("postgres://", "postgresql://", 1)
    try:
        admin = psycopg.connect(url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        return None
    admin.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
    admin.execute(f"CREATE DATABASE {PG_DB}")
    admin.close()
    return admin_url.rsplit("/", 1)[0] + f"/{PG_DB}"


def drop_postgres(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url.replace("postgres://", "postgresql://", 1), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {PG_DB} WITH (FORCE)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offices", type=int, default=6, help="Offices of region 2 given real appointments")
    parser.add_argument("--requests", type=int, default=40, help="Timed requests per page")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("@@RESULT@@" + json.dumps(child(args.child, args.offices, args.requests)))
        return
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["FRONTDESK_VAR_DIR"] = scratch
        print("SQLite:", flush=True)
        runs.append(run_child(f"sqlite:///{scratch}/dashboard-bench.sqlite3", args))
        url = None if args.no_postgres else postgres_database(PG_ADMIN_URL)
        if url is None:
            print("PostgreSQL: skipped (not reachable or --no-postgres)")
        else:
            print("PostgreSQL:", flush=True)
            os.environ["FRONTDESK_VAR_DIR"] = tempfile.mkdtemp(dir=scratch)
            try:
                runs.append(run_child(url, args))
            finally:
                drop_postgres(PG_ADMIN_URL)
    report = {
        "benchmark": "managers' dashboards render time (server side, in-process), national counters",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "runs": runs,
        "meets_goal": all(run["meets_goal"] for run in runs),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}; regional p95 goal {GOAL_P95_MS} ms met: {report['meets_goal']}")


if __name__ == "__main__":
    main()
