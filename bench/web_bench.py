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
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULT_MARK, ROOT, national_directory, page_child_setup, page_runs, time_pages

RESULTS = ROOT / "bench" / "results" / "web.json"
PG_DB = "frontdesk_web_bench"
GOAL_P95_MS = 100.0


def child(database_url: str, offices: int, requests: int) -> dict:
    page_child_setup(database_url)
    from datetime import UTC, datetime, timedelta

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
    every = national_directory()
    chosen = [o for o in every if o.region == 2][:offices] if offices else every
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
    results = time_pages(pages, requests, digits=2)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--offices", type=int, default=60, help="Offices of region 2 to seed (0: every office)")
    parser.add_argument("--requests", type=int, default=60, help="Timed requests per page")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(RESULT_MARK + json.dumps(child(args.child, args.offices, args.requests)))
        return
    child_args = ["--offices", str(args.offices), "--requests", str(args.requests)]
    runs = page_runs(__file__, name="web-bench", postgres_db=PG_DB, args=child_args, postgres=not args.no_postgres)
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
