"""`make bench`: every benchmark, JSON under bench/results/, a short summary at the end.

    .venv/bin/python bench/run.py [--scale tiny|small|medium|full] [--only seed,latency,booking,dja,others]
                                  [--no-postgres]

Default scale `small` (regions 1 and 2: 174 offices, 60 days, 70% booked) so the whole run fits in
about ten minutes on two cores; `--scale full` (or BENCH_SCALE=full) seeds all 1,193 offices. The
scale that ran is recorded in every result. Order: seed and latency on SQLite; seed, latency and
HTTP booking throughput on PostgreSQL (when reachable); django-appointment side by side; then every
other `bench/*_bench.py` module (the ledger's, the web pages', ...) as a subprocess with its defaults.
Exits non-zero when a benchmark crashed or found a resource held twice; a missed speed goal is
reported, not fatal.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PYTHON, RESULTS, ROOT, SCALES, machine, pg_reachable, write_result

OURS = ("seed_bench.py", "latency_bench.py", "booking_bench.py", "dja_bench.py")
NOT_BENCHMARKS = ("settings_bench.py",)  # the settings module the benchmarks run with
STEPS = ("seed", "latency", "booking", "dja", "others")


def run(name: str, command: list[str], env: dict | None = None) -> dict:
    print(f"\n== {name}: {' '.join(Path(c).name if c.endswith('.py') else c for c in command[1:])}", flush=True)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, check=False)
    seconds = time.perf_counter() - started
    status = "ok" if done.returncode == 0 else f"failed (exit {done.returncode})"
    print(f"== {name}: {status} in {seconds:.0f} s", flush=True)
    return {"step": name, "status": status, "seconds": round(seconds, 1)}


def last_durations(scale: str) -> dict[str, float]:
    """How long each step took in the last run at this scale (bench/results/summary.json), if any."""
    path = RESULTS / "previous" / "summary.json"  # keep_previous() moved the last run there
    last = json.loads(path.read_text()) if path.exists() else {}
    if last.get("scale") != scale:
        return {}
    return {step["step"]: step["seconds"] for step in last.get("steps", []) if step.get("status") == "ok"}


def progress_line(steps: list[dict], plan: list[str], expected: dict[str, float], started: float) -> str:
    """`== 3/9 steps done in 4:10, 1.4 min a step, about 5:00 left (...)`: the time left comes from the
    last run's step times at this scale where known, else from this run's average step. The steps' own
    bars and lines (seed, latency, booking) show progress within a step."""
    elapsed = time.perf_counter() - started
    done = len(steps)
    average = elapsed / done
    remaining = plan[done:]
    line = f"== {done}/{len(plan)} steps done in {duration(elapsed)}, {average / 60:.1f} min a step"
    if not remaining:
        return line
    left = sum(expected.get(name, average) for name in remaining)
    basis = "the last run at this scale" if all(name in expected for name in remaining) else "this run's steps"
    return f"{line}, about {duration(left)} left (judged from {basis})"


def duration(seconds: float) -> str:
    minutes, seconds = divmod(max(0, round(seconds)), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}" if minutes >= 60 else f"{minutes}:{seconds:02d}"


def read(name: str) -> dict:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else {}


def summary(steps: list[dict], scale: str, started: float) -> list[str]:
    lines = [f"frontdesk benchmarks, scale {scale}: {time.perf_counter() - started:.0f} s in all"]
    for vendor in ("sqlite", "postgresql"):
        seed = read(f"seed_{vendor}")
        if seed.get("scale") == scale:
            lines.append(
                f"  seed {vendor}: {seed['offices']} offices, {seed['appointments']:,} appointments, "
                f"{seed['rows']:,} rows in {seed['seconds']} s = {seed['rows_per_second']:,} rows/s, "
                f"fill {seed['fill']:.0%}, overlaps {seed['overlapping_active_holds']}"
            )
        latency = read(f"latency_{vendor}")
        for name, r in latency.get("results", {}).items():
            goal = "ok" if r["goal_met"] else "MISSED"
            lines.append(f"  latency {vendor} {name}: p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms (goal 50 ms: {goal})")
    booking = read("booking")
    if booking:
        goal = "ok" if booking["goal_met"] else "MISSED"
        lines.append(
            f"  booking postgresql: {booking['bookings_per_second']} bookings/s, {booking['conflicts_409']} conflicts, "
            f"{booking['errors']} errors, double bookings {booking['overlapping_active_holds_after']} "
            f"(goal 300/s: {goal})"
        )
        per = booking.get("cpu_ms_per_booking")
        if per:
            cores = booking["machine"]["cpus"]
            lines.append(
                f"    CPU per booking: server {per['server']} ms, PostgreSQL {per['postgres_this_database']} ms "
                f"(300/s on {cores} cores needs <= {cores * 1000 / 300:.2f} ms for both together)"
            )
        floor = booking.get("floor")
        if isinstance(floor, dict):
            fper = floor["cpu_ms_per_request"]
            lines.append(
                f"    floor, GET {floor['path']} on the same server: {floor['requests_per_second']} requests/s, "
                f"CPU per request: server {fper['server']} ms, PostgreSQL {fper['postgres_this_database']} ms, "
                f"clients {fper['clients']} ms"
            )
    dja = read("dja")
    if isinstance(dja.get("django_appointment"), dict):
        goal = "ok" if dja["goal_met"] else "MISSED"
        lines.append(
            f"  django-appointment {dja['django_appointment']['median_ms']} ms vs frontdesk "
            f"{dja['frontdesk']['median_ms']} ms for 30 days: {dja['ratio']}x (goal 50x: {goal}; "
            f"same slots: {dja['same_slots']})"
        )
    for step in steps:
        if step["status"] != "ok":
            lines.append(f"  {step['step']}: {step['status']}")
    return lines


def keep_previous() -> None:
    """The last run's results move to bench/results/previous/, so the report can set this run beside it."""
    last = sorted(RESULTS.glob("*.json"))
    if not last:
        return
    previous = RESULTS / "previous"
    shutil.rmtree(previous, ignore_errors=True)
    previous.mkdir()
    for path in last:
        path.rename(previous / path.name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=sorted(SCALES), default=os.environ.get("BENCH_SCALE", "small"))
    parser.add_argument("--only", default=os.environ.get("BENCH_ONLY", ",".join(STEPS)))
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    keep_previous()
    started = time.perf_counter()
    postgres = not args.no_postgres and pg_reachable()
    env = dict(os.environ, BENCH_SCALE=args.scale)
    here = str(ROOT / "bench")
    plan: list[tuple[str, list[str]]] = []
    for vendor in ("sqlite", "postgresql") if postgres else ("sqlite",):
        if "seed" in only:
            plan.append((f"seed {vendor}", [PYTHON, f"{here}/seed_bench.py", "--database", vendor]))
        if "latency" in only:
            plan.append((f"latency {vendor}", [PYTHON, f"{here}/latency_bench.py", "--database", vendor]))
    if not postgres:
        print("PostgreSQL is not reachable: latency on PostgreSQL and booking throughput were not measured.")
    elif "booking" in only:
        plan.append(("booking", [PYTHON, f"{here}/booking_bench.py", "--profile"]))
    if "dja" in only:
        plan.append(("django-appointment", [PYTHON, f"{here}/dja_bench.py"]))
    if "others" in only:
        for module in sorted((ROOT / "bench").glob("*_bench.py")):
            if module.name not in OURS + NOT_BENCHMARKS:
                plan.append((module.stem, [PYTHON, str(module)]))
    expected = last_durations(args.scale)
    steps = []
    for name, command in plan:
        steps.append(run(name, command, env))
        print(progress_line(steps, [n for n, _ in plan], expected, started), flush=True)

    lines = summary(steps, args.scale, started)
    double = any(read(n).get(k, 0) for n, k in (("booking", "overlapping_active_holds_after"),)) or any(
        read(f"seed_{v}").get("overlapping_active_holds", 0) for v in ("sqlite", "postgresql")
    )
    write_result(
        "summary",
        {"scale": args.scale, "postgres": postgres, "steps": steps, "summary": lines, "machine": machine()},
    )
    print("\n" + "\n".join(lines) + "\n")
    subprocess.run([PYTHON, str(ROOT / "bench" / "report.py")], cwd=ROOT, check=False)
    if double or any(step["status"] != "ok" for step in steps):
        sys.exit(1)


if __name__ == "__main__":
    main()
