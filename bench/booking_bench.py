"""Booking throughput over HTTP: gunicorn on PostgreSQL, 16 concurrent clients for 30 seconds.

    .venv/bin/python bench/booking_bench.py [--clients 16] [--seconds 30] [--workers N] [--threads N]

Runs against the PostgreSQL database that seed_bench.py built (production settings, real server
process). Before the run, open slots are computed with the availability engine for seeded offices;
each client books from its own shuffled share through the public POST /api/v1/appointments (with an
Idempotency-Key, as a real client would), and a small share of requests deliberately aims at slots
other clients also want, so conflicts (409) happen as they would. Afterwards one SQL query checks
that no resource is held twice. With --profile (needs pyinstrument importable), a serial in-process
pass over the same endpoint is profiled into var/bench/booking_profile.txt.
Goal: at least 300 bookings/s on two cores, zero double bookings. Writes bench/results/booking.json.
Prints the CPU each booking cost the server (gunicorn, all workers) and PostgreSQL (the backends of this
database only, so other databases on the same server do not count), and the ceiling that puts on
bookings/s on this machine's cores: on a shared machine that, not bookings/s, is the comparable figure.
Rate-limit counters live in Redis, as in production, when one answers (FRONTDESK_BENCH_REDIS_URL; else
the database table, and the result says which).
Then the same clients read GET /api/v1/services from the same server for --floor-seconds (default 10): the
floor, what a request that books nothing costs the server, PostgreSQL and the clients on these cores.
"""

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import PYTHON, RESULTS, ROOT, WORK, django_env, machine, percentiles, write_result
from bench.seed_bench import database_url

GOAL_PER_SECOND = 300
FLOOR_PATH = "/api/v1/services"
RUN_ID = uuid.uuid4().hex[:12]
FIRST_NAMES = ("Ana", "Luis", "Mei", "John", "Fatima", "Olga", "Kwame", "Noa")
LAST_NAMES = ("Rivera", "Nguyen", "Smith", "O'Brien", "García", "Kowalski", "Okafor", "Begay")


def open_slots(rng: random.Random, offices: int, per_office: int) -> list[dict]:
    """Open slots from the availability engine: (office, service, mode, start) a person could book."""
    from frontdesk.offices.models import Office
    from frontdesk.scheduling.availability import Need, office_slots
    from frontdesk.scheduling.models import Appointment, Service

    seeded = list(Office.objects.filter(id__in=Appointment.objects.values("office_id").distinct()))
    rng.shuffle(seeded)
    services = list(Service.objects.filter(active=True))
    today = datetime.now(UTC).date()
    slots = []
    for office in seeded[:offices]:
        service = rng.choice(services)
        mode = rng.choice(service.modes)
        need = Need(service=service, mode=mode)
        for slot in office_slots(
            office=office, need=need, start=today + timedelta(days=1), end=today + timedelta(days=14), limit=per_office
        ):
            slots.append(
                {"office": office.code, "service": service.code, "mode": mode, "starts_at": slot.starts_at.isoformat()}
            )
    return slots


def _processes() -> list[tuple[int, int, str, float]]:
    """(pid, parent pid, name, CPU seconds so far) of every process on this machine."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, rest = text[text.index("(") + 1 : text.rindex(")")], text[text.rindex(")") + 2 :].split()
        found.append((int(stat.parent.name), int(rest[1]), name, (int(rest[11]) + int(rest[12])) / ticks))
    return found


def cpu_seconds(server_pid: int) -> tuple[float, float]:
    """CPU used so far by the gunicorn master and its workers, and by every PostgreSQL process
    (other users of the same server included)."""
    server = postgres = 0.0
    for pid, parent, name, seconds in _processes():
        if pid == server_pid or parent == server_pid:
            server += seconds
        elif name.startswith("postgres"):
            postgres += seconds
    return server, postgres


def backend_cpu(database: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to this benchmark's database: the
    database's own cost, whatever else the server is doing for other databases (a process that ends
    takes its seconds with it, so the server's total can even go down; these backends live through
    the run: `CONN_MAX_AGE`)."""
    import psycopg

    from bench.common import PG_ADMIN_URL

    with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        pids = [row[0] for row in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [database])]
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            rest = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(rest[11]) + int(rest[12])) / ticks
    return found


def cpu_budget_line(result: dict) -> str:
    """What the run says about the goal in CPU: on this machine's cores, bookings per second can be at
    most cores / (server + database CPU per booking), however many clients."""
    per = result["cpu_ms_per_booking"]
    total = per["server"] + per["postgres_this_database"]
    cores = os.cpu_count() or 1
    ceiling = cores * 1000 / total if total else 0
    budget = cores * 1000 / GOAL_PER_SECOND
    return (
        f"CPU per booking: server {per['server']} ms + PostgreSQL {per['postgres_this_database']} ms "
        f"= {total:.2f} ms; {cores} cores allow at most {ceiling:.0f} bookings/s "
        f"(the goal of {GOAL_PER_SECOND}/s needs <= {budget:.2f} ms); measured {result['bookings_per_second']}/s "
        f"at a load average of {result['machine']['load_average_at_start'][0]:.1f}; the database's share alone "
        f"allows {cores * 1000 / per['postgres_this_database'] if per['postgres_this_database'] else 0:.0f}/s "
        f"with the application on other cores; rate-limit counters: {result['server']['rate_limit_counters']}"
    )


def floor_line(floor: dict) -> str:
    """The floor in the goal's terms: what a request that does no booking costs on this machine."""
    per = floor["cpu_ms_per_request"]
    total = per["server"] + per["postgres_this_database"] + per["clients"]
    cores = os.cpu_count() or 1
    return (
        f"Floor (GET {floor['path']}, same server and clients): {floor['requests_per_second']} requests/s; "
        f"CPU per request: server {per['server']} ms + PostgreSQL {per['postgres_this_database']} ms + "
        f"clients {per['clients']} ms = {total:.2f} ms, at most {cores * 1000 / total if total else 0:.0f} "
        f"requests/s on {cores} cores before any booking work"
    )


def counter_store() -> dict[str, str]:
    """Where the server (and the profiled pass) keep rate-limit counters: Redis, as in production (ADR
    0018), when one answers at FRONTDESK_BENCH_REDIS_URL (default a spare database of the local Redis;
    FRONTDESK_REDIS_URL, when set, is used as it is); else the database table, the embedded default.
    Returns the environment for it."""
    if os.environ.get("FRONTDESK_REDIS_URL"):
        return {}
    url = os.environ.get("FRONTDESK_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.ping()
        client.flushdb()  # counters of an earlier run would count against this one
    except Exception:
        return {}
    return {"FRONTDESK_REDIS_URL": url}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(args: argparse.Namespace, port: int, env: dict) -> subprocess.Popen:
    """gunicorn as `make run` starts it (config/gunicorn.conf.py: workers, threads, preload, access log),
    with the sizes given on the command line, if any, passed the way an operator would (environment)."""
    command = [PYTHON, "-m", "gunicorn", "--config", str(ROOT / "config" / "gunicorn.conf.py")]
    env = dict(env, FRONTDESK_BIND=f"127.0.0.1:{port}", FRONTDESK_WEB_LOG_LEVEL="warning")
    if args.workers:
        env["FRONTDESK_WEB_WORKERS"] = str(args.workers)
    if args.threads:
        env["FRONTDESK_WEB_THREADS"] = str(args.threads)
    if args.worker_class:
        command += ["--worker-class", args.worker_class]
    log = open(WORK / "gunicorn-bench.log", "w")  # noqa: SIM115 (closed with the process)
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/services", headers={"Host": "127.0.0.1"})
            if conn.getresponse().status == 200:
                conn.close()
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError(f"gunicorn did not answer; see {WORK / 'gunicorn-bench.log'}")


def client_loop(port: int, queue: list[dict], hot: list[dict], hot_share: float, stop: float, seed: int, out: dict):
    rng = random.Random(seed)
    run = RUN_ID  # keys are unique per run: a rerun on the same database must not replay old answers
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, statuses, errors = [], {}, []
    n = 0
    while time.monotonic() < stop and (queue or hot):
        slot = rng.choice(hot) if hot and (not queue or rng.random() < hot_share) else queue.pop()
        n += 1
        body = json.dumps(
            {
                **slot,
                "person": {
                    "first_name": rng.choice(FIRST_NAMES),
                    "last_name": rng.choice(LAST_NAMES),
                    "date_of_birth": f"19{rng.randint(30, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                    "phone": f"20255501{rng.randint(10, 99)}",
                },
            }
        )
        headers = {
            "Host": "127.0.0.1",
            "Content-Type": "application/json",
            "Idempotency-Key": f"bench-{run}-{seed}-{n}",
        }
        started = time.perf_counter()
        try:
            conn.request("POST", "/api/v1/appointments", body=body, headers=headers)
            response = conn.getresponse()
            payload = response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            status, payload = 0, repr(exc).encode()
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        if status not in (201, 409) and len(errors) < 5:
            errors.append({"status": status, "body": payload[:300].decode(errors="replace")})
    conn.close()
    out.update(latencies=latencies, statuses=statuses, errors=errors)


def floor_loop(port: int, stop: float, out: dict) -> None:
    """The same client asking the same server for the list of services (one small read of the services
    table, no write, no transaction): what any request costs before a booking's own work."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, statuses = [], {}
    while time.monotonic() < stop:
        started = time.perf_counter()
        try:
            conn.request("GET", FLOOR_PATH, headers={"Host": "127.0.0.1"})
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
    conn.close()
    out.update(latencies=latencies, statuses=statuses)


def floor_pass(args: argparse.Namespace, port: int, server: subprocess.Popen, database: str) -> dict:
    """The request floor on this server and machine: the booking run's clients and server, reading instead
    of booking, for --floor-seconds. Its CPU per request is the share of the booking's cost that no change
    to the booking path can remove."""
    outs = [{} for _ in range(args.clients)]
    stop = time.monotonic() + args.floor_seconds
    threads = [threading.Thread(target=floor_loop, args=(port, stop, out)) for out in outs]
    (server_before, _), client_before = cpu_seconds(server.pid), time.process_time()
    backends_before = backend_cpu(database)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    server_cpu = cpu_seconds(server.pid)[0] - server_before
    database_cpu = sum(s - backends_before.get(pid, 0.0) for pid, s in backend_cpu(database).items())
    client_cpu = time.process_time() - client_before
    latencies = [ms for out in outs for ms in out["latencies"]]
    statuses: dict[int, int] = {}
    for out in outs:
        for status, n in out["statuses"].items():
            statuses[status] = statuses.get(status, 0) + n
    requests = sum(statuses.values())
    return {
        "path": FLOOR_PATH,
        "seconds": round(elapsed, 2),
        "requests": requests,
        "requests_per_second": round(requests / elapsed, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "latency": percentiles(latencies),
        "cpu_ms_per_request": {
            "server": round(server_cpu * 1000 / max(1, requests), 2),
            "postgres_this_database": round(database_cpu * 1000 / max(1, requests), 2),
            "clients": round(client_cpu * 1000 / max(1, requests), 2),
        },
    }


def profile(slots: list[dict], count: int) -> dict:
    """A serial in-process pass over the same endpoint: queries per booking, and where time goes."""
    import logging

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    logging.disable(logging.WARNING)  # 409s are expected here
    client = Client(HTTP_HOST="127.0.0.1")

    def post(i: int, slot: dict):
        body = {**slot, "person": {"first_name": "Ana", "last_name": "Rivera", "date_of_birth": "1960-05-17"}}
        return client.post(
            "/api/v1/appointments", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"prof-{RUN_ID}-{i}"
        )

    # The first booking of a process also fills its caches (office, service) and may sequence the
    # ledger; the ones after it are what every booking costs.
    with CaptureQueriesContext(connection) as queries:
        status = post(0, slots[0]).status_code
    warm = []
    for i, slot in enumerate(slots[1:11], start=1):
        with CaptureQueriesContext(connection) as each:
            if post(i, slot).status_code == 201:
                warm.append(len(each.captured_queries))
    result: dict = {
        "queries_for_first_booking": len(queries.captured_queries),
        "queries_per_booking": sorted(warm)[len(warm) // 2] if warm else None,
        "status": status,
    }
    slots = slots[10:]
    try:
        from pyinstrument import Profiler
    except ImportError:
        result["profile"] = "skipped: pyinstrument is not importable (set BENCH_PYINSTRUMENT_PATH)"
        return result
    profiler = Profiler(interval=0.0005)
    profiler.start()
    started = time.perf_counter()
    for i, slot in enumerate(slots[1:count], start=1):
        post(i, slot)
    elapsed = time.perf_counter() - started
    profiler.stop()
    path = WORK / "booking_profile.txt"
    path.write_text(profiler.output_text(unicode=True, color=False, show_all=False))
    result.update(profile=str(path), serial_ms_per_request=round(elapsed * 1000 / max(1, count - 1), 2))
    return result


def wait(threads: list[threading.Thread], seconds: float, started: float) -> None:
    """Join the clients, showing the run's seconds go by (redrawn from here, once a second: no thread
    of its own competing with the clients)."""
    from frontdesk.core.progress_output import progress_for

    shown = 0
    display = progress_for(sys.stderr, background=False)
    with display as progress, progress.task("booking", total=round(seconds), unit="s") as task:
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=1.0)
                now = min(round(seconds), int(time.perf_counter() - started))
                task.advance(now - shown)
                shown = now


def child(args: argparse.Namespace) -> None:
    from bench.common import setup_django

    setup_django()
    from django.db import connection

    from frontdesk.scheduling.models import Appointment
    from frontdesk.scheduling.seeding import overlapping_holds

    if connection.vendor != "postgresql":
        raise SystemExit("The booking benchmark runs on PostgreSQL.")
    at_start = machine()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    slots = open_slots(rng, args.offices, args.slots_per_office)
    precompute_seconds = time.perf_counter() - started
    rng.shuffle(slots)
    hot, slots = slots[: args.hot_slots], slots[args.hot_slots :]
    queues = [slots[i :: args.clients] for i in range(args.clients)]
    profile_slots = []
    if args.profile:
        profile_slots, queues[-1] = queues[-1][: args.profile_count], queues[-1][args.profile_count :]
    # In service the signer sequences the ledger every few seconds (config/supervisord.conf) and no
    # request does (production settings); here no signer runs, so the events earlier runs left
    # pending are sequenced first, as the signer would have done.
    from frontdesk.ledger.services import ledger_sequence

    ledger_sequence()
    connection.close()

    port = free_port()
    counters = "redis" if os.environ.get("FRONTDESK_REDIS_URL") else "database"
    env = django_env(os.environ["DATABASE_URL"])
    server = start_server(args, port, env)
    before = Appointment.objects.count()
    connection.close()
    try:
        outs = [{} for _ in range(args.clients)]
        stop = time.monotonic() + args.seconds
        threads = [
            threading.Thread(target=client_loop, args=(port, q, hot, args.hot_share, stop, args.seed * 100 + i, out))
            for i, (q, out) in enumerate(zip(queues, outs, strict=True))
        ]
        database = connection.settings_dict["NAME"]
        (server_before, postgres_before), client_before = cpu_seconds(server.pid), time.process_time()
        backends_before = backend_cpu(database)
        run_started = time.perf_counter()
        for thread in threads:
            thread.start()
        wait(threads, args.seconds, run_started)
        elapsed = time.perf_counter() - run_started
        server_after, postgres_after = cpu_seconds(server.pid)
        backends_after = backend_cpu(database)
        server_cpu, postgres_cpu = server_after - server_before, postgres_after - postgres_before
        database_cpu = sum(seconds - backends_before.get(pid, 0.0) for pid, seconds in backends_after.items())
        client_cpu = time.process_time() - client_before
        floor = floor_pass(args, port, server, database) if args.floor_seconds > 0 else {}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()

    statuses: dict[int, int] = {}
    latencies: list[float] = []
    errors: list[dict] = []
    for out in outs:
        latencies += out.get("latencies", [])
        errors += out.get("errors", [])
        for status, n in out.get("statuses", {}).items():
            statuses[status] = statuses.get(status, 0) + n
    booked, conflicts = statuses.get(201, 0), statuses.get(409, 0)
    failed = sum(n for status, n in statuses.items() if status not in (201, 409))
    created = Appointment.objects.count() - before
    check_started = time.perf_counter()
    overlaps = overlapping_holds()
    check_seconds = time.perf_counter() - check_started
    profiled = profile(profile_slots, args.profile_count) if args.profile and profile_slots else {}
    scale = json.loads((RESULTS / "seed_postgresql.json").read_text()).get("scale", "?")
    result = {
        "benchmark": "booking throughput over HTTP (gunicorn, PostgreSQL)",
        "scale": scale,
        "server": {
            "config": "config/gunicorn.conf.py",
            "workers": args.workers or "config default",
            "worker_class": args.worker_class or "config default",
            "threads": args.threads or "config default",
            "rate_limit_counters": counters,
        },
        "clients": args.clients,
        "seconds": round(elapsed, 2),
        "requests": sum(statuses.values()),
        "bookings": booked,
        "bookings_per_second": round(booked / elapsed, 1),
        "conflicts_409": conflicts,
        "errors": failed,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "error_samples": errors[:5],
        "latency": percentiles(latencies),
        "cpu_seconds": {
            "server_gunicorn": round(server_cpu, 1),
            "postgres_all_sessions": round(postgres_cpu, 1),
            "postgres_this_database": round(database_cpu, 1),
            "clients": round(client_cpu, 1),
        },
        # What a request costs the machine, whatever else runs on it: the load-independent figure.
        "cpu_ms_per_request": {
            "server": round(server_cpu * 1000 / max(1, sum(statuses.values())), 2),
            "postgres": round(postgres_cpu * 1000 / max(1, sum(statuses.values())), 2),
            "postgres_this_database": round(database_cpu * 1000 / max(1, sum(statuses.values())), 2),
        },
        # The goal's own unit: what one booking made costs (409s and errors included in the cost).
        "cpu_ms_per_booking": {
            "server": round(server_cpu * 1000 / max(1, booked), 2),
            "postgres_this_database": round(database_cpu * 1000 / max(1, booked), 2),
        },
        "floor": floor or "not run (--floor-seconds 0)",
        "appointments_created": created,
        "overlapping_active_holds_after": overlaps,
        "overlap_check_seconds": round(check_seconds, 2),
        "goal_per_second": GOAL_PER_SECOND,
        "goal_met": booked / elapsed >= GOAL_PER_SECOND and overlaps == 0,
        "open_slots_precomputed": len(slots) + len(hot),
        "hot_slots": len(hot),
        "hot_share": args.hot_share,
        "precompute_seconds": round(precompute_seconds, 1),
        "profile": profiled or "not run (pass --profile)",
        "machine": at_start,
    }
    write_result("booking", result)
    print(
        f"booking postgresql: {result['bookings_per_second']} bookings/s ({booked} in {elapsed:.1f} s, "
        f"{args.clients} clients), {conflicts} conflicts, {failed} errors, p50 {result['latency'].get('p50_ms')} ms, "
        f"p99 {result['latency'].get('p99_ms')} ms; overlapping holds after: {overlaps}"
        + ("" if result["goal_met"] else "; goal 300/s missed")
    )
    print(cpu_budget_line(result))
    if floor:
        print(floor_line(floor))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0)
    # Unset: config/gunicorn.conf.py decides, as for `make run`.
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_GUNICORN_WORKERS", 0)))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_GUNICORN_THREADS", 0)))
    parser.add_argument("--worker-class", default=os.environ.get("BENCH_GUNICORN_WORKER_CLASS", ""))
    parser.add_argument("--offices", type=int, default=170, help="Offices to draw open slots from")
    parser.add_argument("--slots-per-office", type=int, default=100)
    parser.add_argument("--hot-slots", type=int, default=20, help="Slots every client may also try")
    parser.add_argument("--hot-share", type=float, default=0.05, help="Share of requests aimed at hot slots")
    parser.add_argument("--profile", action="store_true", help="Profile a serial pass (pyinstrument)")
    parser.add_argument("--profile-count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--floor-seconds", type=float, default=10.0, help="Seconds of the read-only floor pass after the run (0: none)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    argv = [a for a in sys.argv[1:] if a != "--child"]
    extra = counter_store()
    pyinstrument_dir = os.environ.get("BENCH_PYINSTRUMENT_PATH")
    if pyinstrument_dir:
        extra["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), pyinstrument_dir])
    subprocess.run(
        [PYTHON, __file__, "--child", *argv], env=django_env(database_url("postgresql"), **extra), cwd=ROOT, check=True
    )


if __name__ == "__main__":
    main()
