"""Shared by the benchmark modules: where things are, scales, databases, percentiles, results."""

import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
WORK = Path(os.environ.get("FRONTDESK_BENCH_DIR", ROOT / "var" / "bench"))
PG_ADMIN_URL = os.environ.get("FRONTDESK_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_DB = os.environ.get("FRONTDESK_BENCH_POSTGRES_DB", "frontdesk_bench")
PYTHON = sys.executable

# `small` fits `make bench` in about ten minutes on two cores; `full` is the national dataset.
# Each query touches one office or the offices around one ZIP, so per-query work is the same at any
# scale; what a smaller scale changes is table sizes (index depth) and the seed time.
SCALES: dict[str, dict] = {
    "tiny": {"regions": "1", "days": 60, "fill": 0.7},  # 67 offices: for trying the harness
    "small": {"regions": "1,2", "days": 60, "fill": 0.7},  # 174 offices, New England to Puerto Rico
    "medium": {"regions": "1,2,3", "days": 60, "fill": 0.7},  # 305 offices
    "full": {"regions": "", "days": 60, "fill": 0.7},  # all 1,193 offices
}


def pg_url(database: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + database


def pg_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), connect_timeout=3).close()
        return True
    except Exception:
        return False


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def secrets_file() -> Path:
    """A throwaway secrets file for this machine's benchmark runs (never the demo's or production's)."""
    path = WORK / "bench-secrets.env"
    if not path.exists():
        WORK.mkdir(parents=True, exist_ok=True)
        lines = [
            f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}",
            f"FRONTDESK_PII_HASH_KEY={secrets.token_hex(32)}",
            f"FRONTDESK_PSEUDONYM_KEY={secrets.token_hex(32)}",
            f"FRONTDESK_PII_ENCRYPTION_KEYS={secrets.token_hex(32)}",
            f"FRONTDESK_LEDGER_SIGNING_KEY={secrets.token_hex(32)}",
        ]
        path.write_text("\n".join(lines) + "\n")
        path.chmod(0o600)
    return path


def django_env(database_url: str, **extra: str) -> dict[str, str]:
    """Environment for a child process running frontdesk against one benchmark database."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings_bench",
        FRONTDESK_SECRETS_FILE=str(secrets_file()),
        FRONTDESK_VAR_DIR=str(WORK / "var"),
        DATABASE_URL=database_url,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        FRONTDESK_LOG_LEVEL="ERROR",
        # The load clients all come from 127.0.0.1 (some as one person): lift the public's limits.
        FRONTDESK_LOOKUP_RATE_CLIENT="1000000/1m",
        FRONTDESK_BOOKING_RATE_CLIENT="1000000/1m",
        FRONTDESK_BOOKING_RATE_PERSON="1000000/1m",
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")]),
    )
    env.update(extra)
    return env


def setup_django() -> None:
    """In a child process started with django_env(): make frontdesk importable and start Django."""
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()


def manage(database_url: str, *args: str, **extra_env: str) -> str:
    done = subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), *args],
        env=django_env(database_url, **extra_env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    if not ordered:
        return {"samples": 0}

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 2)

    return {
        "samples": len(ordered),
        "p50_ms": at(0.50),
        "p90_ms": at(0.90),
        "p99_ms": at(0.99),
        "max_ms": round(ordered[-1], 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write_result(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


class Stopwatch:
    def __enter__(self) -> "Stopwatch":
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started


# In-process page benchmarks (web_bench.py, dashboard_bench.py): each database runs in a child process
# (`<script> --child URL ...`) against a throwaway database, renders pages through Django's test client
# with every middleware, and prints its result after a marker line for the parent to read.
RESULT_MARK = "@@RESULT@@"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of the values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def page_child_setup(database_url: str) -> None:
    """In a page benchmark's child: start Django on the test settings against this database."""
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def national_directory() -> list:
    """Migrate, make a ledger key and import the national directory (1,193 offices); the offices by code."""
    from django.core.management import call_command

    from frontdesk.offices.models import Office

    call_command("migrate", verbosity=0)
    call_command("init_ledger_key", verbosity=0)
    call_command("import_offices", verbosity=0)
    return list(Office.objects.order_by("code"))


def time_pages(pages: dict, requests: int, *, digits: int = 2) -> dict[str, dict]:
    """Render each page (name: (client, url)) three times to warm up, then `requests` timed times.

    Also counts the statements one rendering runs, and the time this process spent on the CPU: unlike
    the wall-clock times, the count does not depend on the machine's load, and the CPU time less so
    (on SQLite it includes the database's work; on PostgreSQL the server's is left out).
    """
    from django.db import connection

    statements: list[str] = []

    def count(execute, sql, params, many, context):  # a wrapper stays across the connection's reopening
        statements.append(sql)
        return execute(sql, params, many, context)

    results = {}
    for name, (client, url) in pages.items():
        for _ in range(3):  # warm caches, as a running server would have them
            response = client.get(url)
            assert response.status_code == 200, (name, response.status_code)
        statements.clear()
        with connection.execute_wrapper(count):
            client.get(url)
        queries = list(statements)
        times, cpu = [], []
        for _ in range(requests):
            began, began_cpu = time.perf_counter(), time.process_time()
            client.get(url)
            times.append((time.perf_counter() - began) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
        results[name] = {
            "url": url.split("?")[0],
            "p50_ms": round(statistics.median(times), digits),
            "p95_ms": round(percentile(times, 95), digits),
            "p99_ms": round(percentile(times, 99), digits),
            "max_ms": round(max(times), digits),
            "cpu_p50_ms": round(statistics.median(cpu), digits),
            "requests": requests,
            "statements": len(queries),
        }
        line = f"p50 {results[name]['p50_ms']:7.{digits}f} ms  p95 {results[name]['p95_ms']:7.{digits}f} ms"
        line += f"  cpu p50 {results[name]['cpu_p50_ms']:7.{digits}f} ms"
        print(f"  {name:48s} {line}  {len(queries):3d} statements", flush=True)
    return results


def run_page_child(script: str, database_url: str, args: list[str]) -> dict:
    command = [PYTHON, script, "--child", database_url, *args]
    output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    printed, _, result = output.stdout.partition(RESULT_MARK)
    sys.stdout.write(printed)
    return json.loads(result)


def throwaway_postgres(database: str) -> str | None:
    """Create (or recreate) an empty PostgreSQL database; its URL, or None when no server answers."""
    import psycopg

    try:
        admin = psycopg.connect(
            PG_ADMIN_URL.replace("postgres://", "postgresql://", 1), autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError:
        return None
    admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    admin.execute(f"CREATE DATABASE {database}")
    admin.close()
    return pg_url(database)


def drop_postgres(database: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://", 1), autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def page_runs(script: str, *, name: str, postgres_db: str, args: list[str], postgres: bool = True) -> list[dict]:
    """Run a page benchmark's child on a temporary SQLite file, then on a throwaway PostgreSQL database
    (when one answers and `postgres`), each with throwaway keys; their results in that order."""
    import tempfile

    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["FRONTDESK_VAR_DIR"] = scratch  # throwaway keys and the SQLite file
        print("SQLite:", flush=True)
        runs.append(run_page_child(script, sqlite_url(Path(scratch) / f"{name}.sqlite3"), args))
        url = throwaway_postgres(postgres_db) if postgres else None
        if url is None:
            print("PostgreSQL: skipped (not reachable or --no-postgres)")
        else:
            print("PostgreSQL:", flush=True)
            os.environ["FRONTDESK_VAR_DIR"] = tempfile.mkdtemp(dir=scratch)
            try:
                runs.append(run_page_child(script, url, args))
            finally:
                drop_postgres(postgres_db)
    return runs
