"""Side by side: django-appointment (from PyPI) and frontdesk computing 30 days of one staff member's
availability, on the same hours and the same booked times. Goal: frontdesk 50x faster.

    .venv/bin/python bench/dja_bench.py [--days 30] [--fill 0.7]

django-appointment runs in its own throwaway virtualenv (DJA_VENV, default /tmp/dja-venv; created with
`pip install django-appointment==3.12.0` when missing), never in frontdesk's, with the settings in
bench/dja/settings.py. Both run on SQLite files, in-process, warm, and compute every open 15-minute
slot of a Monday-to-Friday 9:00-16:00 staff member over the days, with about 70% already booked and
federal holidays off (frontdesk knows them; django-appointment gets them as days off). Both must find
the same slots. Writes bench/results/dja.json.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as wall
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PYTHON, ROOT, WORK, django_env, machine, manage, sqlite_url, write_result

DJA_VERSION = "3.12.0"
DJA_VENV = Path(os.environ.get("DJA_VENV", "/tmp/dja-venv"))
GOAL_RATIO = 50
OPENS, CLOSES, SLOT_MINUTES = wall(9), wall(16), 15


def ensure_venv() -> str | None:
    """django-appointment's interpreter, installing it into its own virtualenv if needed."""
    python = DJA_VENV / "bin" / "python"
    probe = [str(python), "-c", "import appointment"]
    if python.exists() and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return str(python)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(DJA_VENV)], check=True, capture_output=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"django-appointment=={DJA_VERSION}"],
            check=True,
            capture_output=True,
            timeout=600,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"django-appointment could not be installed in {DJA_VENV}: {exc}", file=sys.stderr)
        return None
    return str(python)


def plan(args: argparse.Namespace) -> dict:
    from frontdesk.offices.calendar import federal_holiday

    rng = random.Random(args.seed)
    today = datetime.now(UTC).date()
    start = today + timedelta(days=7 - today.weekday() + 7)  # the Monday after next: no lead-time effects
    days = [start + timedelta(days=n) for n in range(args.days)]
    booked, days_off = [], []
    for day in days:
        if day.weekday() >= 5:
            continue
        if federal_holiday(day):
            days_off.append(day.isoformat())
            continue
        t = datetime.combine(day, OPENS)
        while t.time() < CLOSES:
            if rng.random() < args.fill:
                booked.append((day.isoformat(), t.strftime("%H:%M"), (t + timedelta(minutes=15)).strftime("%H:%M")))
            t += timedelta(minutes=SLOT_MINUTES)
    return {
        "start": start.isoformat(),
        "days": args.days,
        "hours": [(weekday, "09:00", "16:00") for weekday in range(5)],
        "slot_minutes": SLOT_MINUTES,
        "duration_minutes": 15,
        "booked": booked,
        "days_off": days_off,
        "repeats": args.dja_repeats,
    }


def frontdesk_side(schedule: dict, repeats: int) -> dict:
    from zoneinfo import ZoneInfo

    from frontdesk.offices.models import Office, OfficeHours, Resource, ResourceKind
    from frontdesk.scheduling.availability import Need, office_slots
    from frontdesk.scheduling.catalog import SKILLS
    from frontdesk.scheduling.models import Appointment, Person, ResourceHold, Service

    zone = ZoneInfo("America/New_York")
    office = Office.objects.create(
        code="DJA",
        name="Side-by-side office",
        city="Washington",
        state="DC",
        zip_code="20001",
        latitude=38.91,
        longitude=-77.02,
        timezone="America/New_York",
        region=3,
        slot_minutes=SLOT_MINUTES,
    )
    OfficeHours.objects.bulk_create(OfficeHours(office=office, weekday=d, opens=OPENS, closes=CLOSES) for d in range(5))
    agent = Resource.objects.create(office=office, kind=ResourceKind.STAFF, name="Agent", skills=list(SKILLS))
    service = Service.objects.get(code="direct_deposit_change")
    person = Person.objects.create(
        first_name="Ana", last_name="Rivera", last_name_key="rivera", date_of_birth=date(1960, 5, 17)
    )
    for n, (day, starts, ends) in enumerate(schedule["booked"]):
        d = date.fromisoformat(day)
        s = datetime.combine(d, datetime.strptime(starts, "%H:%M").time(), zone)
        e = datetime.combine(d, datetime.strptime(ends, "%H:%M").time(), zone)
        appointment = Appointment.objects.create(
            code=f"DJAB-{n:04d}",
            person=person,
            office=office,
            service=service,
            mode="in_person",
            starts_at=s,
            ends_at=e,
        )
        ResourceHold.objects.create(appointment=appointment, resource=agent, starts_at=s, ends_at=e)
    first = date.fromisoformat(schedule["start"])
    last = first + timedelta(days=schedule["days"] - 1)
    now = datetime.combine(first - timedelta(days=1), wall(0), UTC)
    need = Need(service=service, mode="in_person")
    office = Office.objects.get(pk=office.pk)
    timings, slots = [], []
    office_slots(office=office, need=need, start=first, end=last, limit=100_000, now=now)  # warm
    for _ in range(repeats):
        started = time.perf_counter()
        slots = office_slots(office=office, need=need, start=first, end=last, limit=100_000, now=now)
        timings.append(time.perf_counter() - started)
    local = [s.starts_at.astimezone(zone).replace(tzinfo=None).isoformat() for s in slots]
    return {"seconds": timings, "slots": local}


def child(args: argparse.Namespace) -> None:
    from bench.common import setup_django

    setup_django()
    at_start = machine()
    python = ensure_venv()
    schedule = plan(args)
    ours = frontdesk_side(schedule, args.repeats)
    result: dict = {
        "benchmark": "30 days of one staff member's availability: django-appointment vs frontdesk",
        "days": args.days,
        "fill": args.fill,
        "booked_slots": len(schedule["booked"]),
        "federal_holidays_off": schedule["days_off"],
        "frontdesk": {
            "median_ms": round(statistics.median(ours["seconds"]) * 1000, 3),
            "repeats": len(ours["seconds"]),
            "slots_found": len(ours["slots"]),
        },
        "goal_ratio": GOAL_RATIO,
        "machine": at_start,
    }
    if python is None:
        result["django_appointment"] = "skipped: could not install it in its own virtualenv"
    else:
        db = WORK / "dja-bench.sqlite3"
        db.unlink(missing_ok=True)
        out = WORK / "dja-bench.json"
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="bench.dja.settings",
            DJA_BENCH_DB=str(db),
            DJA_BENCH_OUT=str(out),
            PYTHONPATH=str(ROOT),
        )
        env.pop("DATABASE_URL", None)
        done = subprocess.run(
            [python, str(ROOT / "bench" / "dja" / "compute.py")],
            input=json.dumps(schedule),
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise SystemExit(f"django-appointment side failed:\n{done.stderr[-3000:]}")
        theirs = json.loads(out.read_text())
        version = subprocess.run(
            [python, "-c", "import importlib.metadata as m; print(m.version('django-appointment'))"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        their_ms = statistics.median(theirs["seconds"]) * 1000
        ratio = their_ms / result["frontdesk"]["median_ms"]
        result["django_appointment"] = {
            "version": version,
            "median_ms": round(their_ms, 3),
            "repeats": len(theirs["seconds"]),
            "slots_found": len(theirs["slots"]),
        }
        result["same_slots"] = sorted(theirs["slots"]) == sorted(ours["slots"])
        result["ratio"] = round(ratio, 1)
        result["goal_met"] = ratio >= GOAL_RATIO
        print(
            f"django-appointment {version}: {their_ms:.1f} ms vs frontdesk {result['frontdesk']['median_ms']:.1f} ms "
            f"for {args.days} days ({len(ours['slots'])} open slots, same slots: {result['same_slots']}): "
            f"frontdesk is {ratio:.1f}x faster" + ("" if result["goal_met"] else f" (goal {GOAL_RATIO}x missed)")
        )
    write_result("dja", result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--fill", type=float, default=0.7)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--dja-repeats", type=int, default=10)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    db = WORK / "dja-frontdesk.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    url = sqlite_url(db)
    manage(url, "migrate", "--no-input", "-v", "0")
    argv = [a for a in sys.argv[1:] if a != "--child"]
    subprocess.run([PYTHON, __file__, "--child", *argv], env=django_env(url), cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
