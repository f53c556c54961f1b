"""Failover drill: the primary dies under load, the standby is promoted, nothing acknowledged is lost.

    make drill      (CI runs it; about a minute)

The drill builds its own primary and synchronous hot standby in temporary directories
(drills/cluster.py), sets frontdesk up on them as `make run` would, and serves it with gunicorn through
a multi-host connection string (`target_session_attrs=read-write`) with the standby as read replica.
Clients book over HTTP; a disclosure request goes from intake to release; then the primary's
processes are killed (SIGKILL) and the standby promoted, as the runbook says
(docs/runbooks/failover.md). Clients keep booking. Afterwards, on the promoted database:
- every booking a client saw acknowledged (201) is there, each with its ledger event;
- the release and its accounting entry are there;
- no resource is held twice;
- `ledger verify` passes.
The time from the kill to the next acknowledged booking is measured and written to
var/drill/failover.json.
"""

import http.client
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from drills.cluster import Cluster, free_port

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
RESULT = ROOT / "var" / "drill" / "failover.json"
CLIENTS = 6
BEFORE_KILL_SECONDS = 6
AFTER_PROMOTE_SECONDS = 8


@pytest.fixture(scope="module")
def cluster():
    cluster = Cluster()
    try:
        cluster.create()
        cluster.psql(cluster.primary, "CREATE DATABASE frontdesk")
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture(scope="module")
def app_env(cluster):
    work = cluster.root / "app"
    work.mkdir()
    secrets = work / "secrets.env"
    subprocess.run([PYTHON, "-m", "frontdesk.core.secrets_init", str(secrets)], cwd=ROOT, check=True, env=_pythonpath())
    primary, standby = cluster.primary.port, cluster.standby.port
    return _pythonpath() | {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "FRONTDESK_SECRETS_FILE": str(secrets),
        "FRONTDESK_VAR_DIR": str(work),
        # Whichever of the two accepts writes: the primary now, the promoted standby after the failover.
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{primary},127.0.0.1:{standby}/frontdesk"
        "?target_session_attrs=read-write&connect_timeout=3",
        "DATABASE_REPLICA_URLS": cluster.standby.url("frontdesk", connect_timeout="3"),
        "FRONTDESK_LOG_LEVEL": "WARNING",
        # Every drill client books from 127.0.0.1 for the same person: lift the public's per-client and
        # per-person limits.
        "FRONTDESK_LOOKUP_RATE_CLIENT": "1000000/1m",
        "FRONTDESK_BOOKING_RATE_CLIENT": "1000000/1m",
        "FRONTDESK_BOOKING_RATE_PERSON": "1000000/1m",
    }


def _pythonpath() -> dict[str, str]:
    return dict(os.environ) | {"PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}


def manage(env: dict, *args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"manage.py {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout


def request(port: int, method: str, path: str, body: dict | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        data = json.dumps(body) if body is not None else None
        all_headers = {"Host": "127.0.0.1"} | ({"Content-Type": "application/json"} if data else {}) | (headers or {})
        conn.request(method, path, body=data, headers=all_headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def server(app_env):
    manage(app_env, "migrate", "--no-input")
    manage(app_env, "init_ledger_key")
    manage(app_env, "import_offices")
    manage(app_env, "demo")
    port = free_port()
    env = app_env | {"FRONTDESK_BIND": f"127.0.0.1:{port}", "FRONTDESK_WEB_WORKERS": "2", "FRONTDESK_WEB_THREADS": "4"}
    log = open(Path(app_env["FRONTDESK_VAR_DIR"]) / "gunicorn.log", "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(
        [PYTHON, "-m", "gunicorn", "--config", "config/gunicorn.conf.py"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if request(port, "GET", "/api/v1/services")[0] == 200:
                break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        pytest.fail("gunicorn did not answer within 60 s")
    yield port
    process.terminate()
    process.wait(30)
    log.close()


def open_slots(port: int, wanted: int) -> list[dict]:
    status, body = request(port, "GET", "/api/v1/offices?page_size=40")
    assert status == 200
    offices = [o["code"] for o in json.loads(body)]
    slots: list[dict] = []
    for office in offices:
        for service, mode in (("direct_deposit_change", "phone"), ("new_application", "in_person")):
            status, body = request(
                port, "GET", f"/api/v1/availability?office={office}&service={service}&mode={mode}&limit=40"
            )
            if status == 200:
                slots += [
                    {"office": office, "service": service, "mode": mode, "starts_at": s["starts_at"]}
                    for s in json.loads(body)
                ]
        if len(slots) >= wanted:
            break
    assert len(slots) >= wanted // 2, f"only {len(slots)} open slots found"
    return slots


def book_until(port: int, pools: dict, lock: threading.Lock, killed: threading.Event, stop: threading.Event, log: list):
    """Book from the first pool until the primary is killed, then from the second (so both have work)."""
    run = uuid.uuid4().hex[:8]
    n = 0
    while not stop.is_set():
        with lock:
            pool = pools["after" if killed.is_set() else "before"]
            slot = pool.pop() if pool else None
        if slot is None:
            time.sleep(0.05)
            continue
        n += 1
        body = slot | {"person": {"first_name": "Drill", "last_name": "Person", "date_of_birth": "1970-01-02"}}
        sent = time.monotonic()
        try:
            status, answer = request(
                port, "POST", "/api/v1/appointments", body, {"Idempotency-Key": f"drill-{run}-{n}"}
            )
        except (OSError, http.client.HTTPException):
            status, answer = 0, b""
        code = json.loads(answer).get("code") if status == 201 else None
        with lock:
            log.append((sent, time.monotonic(), status, code))
        if status not in (201, 409):
            time.sleep(0.05)  # the database is away: do not spin


RELEASE = """
import json
from django.contrib.auth import get_user_model
from django.utils import timezone
from frontdesk.disclosures import demo
users = get_user_model().objects.in_bulk([demo.CLERK, demo.MANAGER, demo.PRIVACY, demo.COUNSEL], field_name="username")
subject = demo.people_with_appointments(4)[3]
released = demo.demo_release(
    users=tuple(users[n] for n in (demo.CLERK, demo.MANAGER, demo.PRIVACY, demo.COUNSEL)),
    agency=("Androscoggin County Sheriff's Office", "Sheriff Eric Samson"), case="DRILL-1", subject=subject,
    now=timezone.now(),
)
print(json.dumps({"request": str(released.public_id)}))
"""

CHECK = """
import json, sys
from frontdesk.disclosures.models import AccountingEntry, DisclosureRequest
from frontdesk.ledger.models import LedgerEvent
from frontdesk.scheduling.models import Appointment
from frontdesk.scheduling.seeding import overlapping_holds
codes = json.loads(sys.stdin.read())["codes"]
found = dict(Appointment.objects.filter(code__in=codes).values_list("code", "public_id"))
booked = {e["refs"]["appointment"] for e in LedgerEvent.objects.filter(type="scheduling.appointment.booked")
          .values_list("event", flat=True)}
released = DisclosureRequest.objects.get(public_id=REQUEST)
print(json.dumps({
    "missing": sorted(set(codes) - set(found)),
    "without_event": sorted(c for c, p in found.items() if str(p) not in booked),
    "release_status": released.status,
    "accounting_entries": AccountingEntry.objects.filter(request=released).count(),
    "overlapping_holds": overlapping_holds(),
}))
"""


def test_the_standby_takes_over_without_losing_an_acknowledged_write(cluster, app_env, server):
    slots = open_slots(server, wanted=1200)
    pools = {"before": slots[: len(slots) // 2], "after": slots[len(slots) // 2 :]}
    lock, killing, stop, log = threading.Lock(), threading.Event(), threading.Event(), []
    clients = [
        threading.Thread(target=book_until, args=(server, pools, lock, killing, stop, log)) for _ in range(CLIENTS)
    ]
    for client in clients:
        client.start()

    # Under that load, one disclosure request goes from intake to release and is acknowledged.
    released = json.loads(manage(app_env, "shell", "-c", RELEASE).strip().splitlines()[-1])["request"]
    time.sleep(BEFORE_KILL_SECONDS)

    killed = time.monotonic()
    killing.set()
    cluster.kill_primary()
    cluster.promote()
    promoted = time.monotonic()
    time.sleep(AFTER_PROMOTE_SECONDS)
    stop.set()
    for client in clients:
        client.join(60)

    statuses: dict[int, int] = {}
    for _, _, status, _ in log:
        statuses[status] = statuses.get(status, 0) + 1
    # While the database is away a request is refused with 503 (or its connection drops): never a 500.
    assert set(statuses) <= {0, 201, 409, 503}, statuses
    acknowledged = [code for _, _, status, code in log if status == 201]
    after = [answered for sent, answered, status, _ in log if status == 201 and sent > killed]
    assert acknowledged and after, f"bookings before/after the failover: {len(acknowledged)}, {len(after)}"
    recovered = min(after) - killed

    check = CHECK.replace("REQUEST", repr(released))
    done = subprocess.run(
        [PYTHON, "manage.py", "shell", "-c", check],
        cwd=ROOT,
        env=app_env,
        input=json.dumps({"codes": acknowledged}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["missing"] == [], "acknowledged bookings lost in the failover"
    assert found["without_event"] == [], "acknowledged bookings whose ledger event was lost"
    assert found["release_status"] == "released" and found["accounting_entries"] >= 1
    assert found["overlapping_holds"] == 0
    manage(app_env, "ledger", "sequence")
    assert "OK" in manage(app_env, "ledger", "verify")

    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(
        json.dumps(
            {
                "acknowledged_bookings": len(acknowledged),
                "acknowledged_after_failover": len(after),
                "statuses": {str(k): v for k, v in sorted(statuses.items())},
                "promote_seconds": round(promoted - killed, 3),
                "recovery_seconds": round(recovered, 3),
                "lost": 0,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"failover drill: {len(acknowledged)} bookings acknowledged, none lost; recovered in {recovered:.2f} s")
