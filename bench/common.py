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
