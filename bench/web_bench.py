"""Server-side render time of the main web pages (issue 5): goal p95 under 100 ms.

    .venv/bin/python bench/web_bench.py [--offices N] [--requests N] [--postgres URL | --no-postgres]

Writes bench/results/web.json. Each database runs in a child process against a throwaway database (a
temporary SQLite file; on PostgreSQL the database `frontdesk_web_bench`, created and dropped, when a
server answers at FRONTDESK_BENCH_POSTGRES_URL or postgres://postgres@127.0.0.1:5432/postgres).

The dataset: every office of the national directory (`import_offices`), then `frontdesk seed` (staff,
interpreters, about 70% of 60 days booked) for the first --offices offices of region 2 (default 60), so
the pages measured see a fully booked office among a directory of 1,193. Seeding every office takes
many minutes; pass --offices 0 to seed them all. Pages are rendered in-process through Django's test
client with every middleware (CSP, sessions, locale, OTP, access rules, axes), so the time is the
server's: URL resolution, database queries, template rendering. Staff pages that read personal data
write their ledger event, as in production.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "web.json"
PG_ADMIN_URL = os.environ.get("FRONTDESK_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = "frontdesk_web_bench"
GOAL_P95_MS = 100.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def child(database_url: str, offices: int, requests: int) -> dict:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from datetime import UTC, datetime, timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from frontdesk.accounts.roles import Role
    from frontdesk.core.progress_output import progress_for
    from frontdesk.offices.models import Office
    from frontdesk.scheduling.models import Appointment
    from frontdesk.scheduling.seeding import SeedOptions, seed_offices
    from tests.factories import staff_user
    from tests.web.auth import verified_login

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("init_ledger_key", verbosity=0)
    call_command("import_offices", verbosity=0)
    chosen = Office.objects.filter(region=2).order_by("code")
    chosen = list(chosen[:offices] if offices else Office.objects.order_by("code"))
    with progress_for(sys.stderr) as progress:  # the longest part of the setup: a bar or lines on stderr
        seed_offices(chosen, SeedOptions(start=datetime.now(UTC).date(), days=60), progress=progress)
    setup_seconds = time.perf_counter() - started

    office = chosen[0]
    zip_code = office.zip_code
    clerk = staff_user("bench-clerk", Role.COUNTER_CLERK, office)
    manager = staff_user("bench-manager", Role.OFFICE_MANAGER, office)
    public, staff, boss = Client(), verified_login(Client(), clerk), verified_login(Client(), manager)

    booked = Appointment.objects.filter(office=office, starts_at__gt=datetime.now(UTC)).select_related("person").first()
    find = {
        "code": booked.code,
        "last_name": booked.person.last_name,
        "dob_month": booked.person.date_of_birth.month,
        "dob_day": booked.person.date_of_birth.day,
        "dob_year": booked.person.date_of_birth.year,
    }
    assert public.post("/appointment/find/", find).status_code == 302
    choice = f"office={office.code}&service=ssi_redetermination&mode=in_person"
    time_page = public.get(f"/book/time/?{choice}")
    found = re.search(r'name="start" value="([^"]+)"', time_page.content.decode())
    start = found.group(1) if found else ""
    today = datetime.now(UTC).astimezone(office.zone).date()
    weekday = today + timedelta(days=(7 - today.weekday()) % 7 or 0)

    pages = {
        "public: home": (public, "/"),
        "public: home (Spanish)": (public, "/es/"),
        "public: offices near a ZIP": (public, f"/offices/?zip={zip_code}"),
        "public: office hours and address": (public, f"/offices/{office.code}/"),
        "public: choose a service": (public, f"/book/?office={office.code}"),
        "public: options": (public, f"/book/options/?office={office.code}&service=ssi_redetermination"),
        "public: pick a time (availability)": (public, f"/book/time/?{choice}"),
        "public: pick a time, with ASL": (public, f"/book/time/?{choice}&interpreter=ase"),
        "public: your details": (public, f"/book/details/?{choice}&start={start}"),
        "public: your appointment": (public, "/appointment/"),
        "public: privacy": (public, "/privacy/"),
        "console: home": (staff, "/console/"),
        "console: day schedule (purpose, ledger read)": (
            staff,
            f"/console/schedule/?purpose=run_schedule&date={weekday.isoformat()}",
        ),
        "console: walk-in queue": (staff, "/console/queue/"),
        "console: book for a caller (times)": (staff, "/console/book/?service=ssi_redetermination&mode=in_person"),
        "console: office setup": (boss, "/console/office/"),
    }
    results = {}
    for name, (client, url) in pages.items():
        for _ in range(3):  # warm caches, as a running server would have them
            response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
        times = []
        for _ in range(requests):
            began = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        results[name] = {
            "url": url.split("?")[0],
            "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 95), 2),
            "p99_ms": round(percentile(times, 99), 2),
            "max_ms": round(max(times), 2),
            "requests": requests,
        }
        print(f"  {name:48s} p50 {results[name]['p50_ms']:7.2f} ms  p95 {results[name]['p95_ms']:7.2f} ms", flush=True)
    worst = max(r["p95_ms"] for r in results.values())
    return {
        "database": connection.vendor,
        "offices_in_directory": Office.objects.count(),
        "offices_seeded": len(chosen),
        "appointments": Appointment.objects.count(),
        "setup_seconds": round(setup_seconds, 1),
        "pages": results,
        "worst_p95_ms": worst,
        "goal_p95_ms": GOAL_P95_MS,
        "meets_goal": worst < GOAL_P95_MS,
    }


def run_child(database_url: str, args: argparse.Namespace) -> dict:
    command = [sys.executable, __file__, "--child", database_url, "--offices", str(args.offices)]
    command += ["--requests", str(args.requests)]
    output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    sys.stdout.write(output.stdout.split("@@RESULT@@")[0])
    return json.loads(output.stdout.split("@@RESULT@@")[1])


def postgres_database(admin_url: str):
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
    parser.add_argument("--offices", type=int, default=60, help="Offices of region 2 to seed (0: every office)")
    parser.add_argument("--requests", type=int, default=60, help="Timed requests per page")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child(args.child, args.offices, args.requests)
        print("@@RESULT@@" + json.dumps(result))
        return

    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["FRONTDESK_VAR_DIR"] = scratch  # throwaway keys and the SQLite file
        print("SQLite:", flush=True)
        runs.append(run_child(f"sqlite:///{scratch}/web-bench.sqlite3", args))
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
        "benchmark": "web page render time (server side, in-process)",
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "requests_per_page": args.requests,
        "runs": runs,
        "meets_goal": all(run["meets_goal"] for run in runs),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}; p95 goal {GOAL_P95_MS} ms met: {report['meets_goal']}")


if __name__ == "__main__":
    main()
