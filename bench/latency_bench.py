"""Availability latency on a seeded database (run seed_bench.py first), server-side, p50/p99.

    .venv/bin/python bench/latency_bench.py --database sqlite|postgresql [--samples 300]

Two requests, each through the whole Django stack in-process (URL routing, the API's validation,
the engine, JSON), so the time is what the server spends; no network:
- office: GET /api/v1/availability?office=..&service=..&mode=.. (one office, one service, the next
  14 days, the API's default of 10 slots), for random seeded offices, services and modes;
- near:   GET /api/v1/availability?zip=..&radius_miles=50&interpreter_language=ase&start=..&end=..
  (earliest 10 in 60 days, ASL interpreter, in person), for random ZIP codes of the seeded states.
Goal: p99 at most 50 ms for both. Writes bench/results/latency_<database>.json.
"""

import argparse
import os
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PYTHON, ROOT, django_env, machine, percentiles, write_result
from bench.seed_bench import database_url

GOAL_P99_MS = 50.0


def child(args: argparse.Namespace) -> None:
    from bench.common import setup_django

    setup_django()
    import json

    import zipcodes
    from django.db import connection
    from django.test import Client

    from frontdesk.core.progress_output import progress_for
    from frontdesk.offices.models import Office
    from frontdesk.scheduling.models import Appointment, Service

    at_start = machine()
    rng = random.Random(args.seed)
    seeded = list(
        Office.objects.filter(id__in=Appointment.objects.values("office_id").distinct()).values_list("code", "state")
    )
    if not seeded:
        raise SystemExit("No seeded offices: run bench/seed_bench.py first.")
    services = list(Service.objects.filter(active=True).values_list("code", "modes"))
    in_person = [code for code, modes in services if "in_person" in modes]
    states = sorted({state for _code, state in seeded})
    zips = [z["zip_code"] for z in zipcodes.list_all() if z["state"] in states and z["zip_code_type"] == "STANDARD"]
    client = Client(HTTP_HOST="127.0.0.1")

    def office_query() -> dict:
        code, _state = rng.choice(seeded)
        service, modes = rng.choice(services)
        return {"office": code, "service": service, "mode": rng.choice(modes)}

    today = datetime.now(UTC).date()

    def near_query() -> dict:
        return {
            "zip": rng.choice(zips),
            "radius_miles": 50,
            "service": rng.choice(in_person),
            "mode": "in_person",
            "interpreter_language": "ase",
            "start": today.isoformat(),
            "end": (today + timedelta(days=59)).isoformat(),
            "limit": 10,
        }

    def measure(make, timings: list, slowest: list, found: list, statuses: dict) -> None:
        query = make()
        started = time.perf_counter()
        response = client.get("/api/v1/availability", query)
        elapsed = (time.perf_counter() - started) * 1000
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        timings.append(elapsed)
        if response.status_code == 200:
            found.append(len(json.loads(response.content)))
        slowest.append((elapsed, query))

    results = {}
    for name, make in (("office_14_days", office_query), ("zip_50_miles_asl_60_days", near_query)):
        for _ in range(args.warmup):
            client.get("/api/v1/availability", make())
        timings, slowest, found, statuses = [], [], [], {}
        deadline = time.monotonic() + args.max_seconds
        # Drawn between requests only (no background thread), so the drawing never lands in a sample.
        progress = progress_for(sys.stderr, background=False)
        with progress as display, display.task(name, total=args.samples, unit="requests") as task:
            while len(timings) < args.samples and time.monotonic() < deadline:
                measure(make, timings, slowest, found, statuses)
                task.advance(1)
        slowest.sort(key=lambda item: -item[0])
        stats = percentiles(timings)
        results[name] = {
            **stats,
            "goal_p99_ms": GOAL_P99_MS,
            "goal_met": stats.get("p99_ms", 1e9) <= GOAL_P99_MS,
            "statuses": statuses,
            "mean_slots_returned": round(sum(found) / len(found), 1) if found else 0,
            "empty_results": sum(1 for n in found if n == 0),
            "slowest": [{"ms": round(ms, 1), "query": q} for ms, q in slowest[:5]],
        }
        print(
            f"latency {connection.vendor} {name}: p50 {stats['p50_ms']} ms, p99 {stats['p99_ms']} ms "
            f"({stats['samples']} requests{'' if results[name]['goal_met'] else '; goal p99 <= 50 ms missed'})"
        )
    scale = json.loads((ROOT / "bench" / "results" / f"seed_{connection.vendor}.json").read_text()).get("scale", "?")
    write_result(
        f"latency_{connection.vendor}",
        {
            "benchmark": "availability latency (server-side, in-process request)",
            "database": connection.vendor,
            "scale": scale,
            "seeded_offices": len(seeded),
            "zip_codes_sampled_from": len(zips),
            "results": results,
            "machine": at_start,
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), required=True)
    parser.add_argument("--samples", type=int, default=int(os.environ.get("BENCH_LATENCY_SAMPLES", 300)))
    parser.add_argument("--max-seconds", type=float, default=75.0, help="Per request type")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    argv = [a for a in sys.argv[1:] if a != "--child"]
    subprocess.run(
        [PYTHON, __file__, "--child", *argv], env=django_env(database_url(args.database)), cwd=ROOT, check=True
    )


if __name__ == "__main__":
    main()
