"""The benchmark report a person can read: each goal met or missed, and a plot.

    .venv/bin/python bench/report.py          (`make bench` runs it last)

Reads the JSON the benchmarks wrote (bench/results/*.json) and the run before it (bench/results/previous/,
which `bench/run.py` keeps before it starts), prints a table of every goal with this run's figure, the
previous run's and whether the goal is met, and draws bench/results/report.png: throughput (bookings,
ledger appends, bulk replay) and latency percentiles (booking, availability), this run beside the previous
one, and beside django-appointment and pymerkle where the same run measured them. A goal without a figure
(a step that did not run) is shown as "not measured", never as met.
"""

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULTS, ROOT

PREVIOUS = RESULTS / "previous"
PLOT = RESULTS / "report.png"
DRILL = ROOT / "var" / "drill" / "failover.json"


def load(folder: Path) -> dict[str, dict]:
    found = {path.stem: json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))}
    if folder == RESULTS and DRILL.exists():
        found["failover"] = json.loads(DRILL.read_text())
    return found


def dig(data: dict, *keys):
    """data[k1][k2]...; None when any step is missing (a benchmark that did not run, or was skipped)."""
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data if isinstance(data, int | float) else None


def worst_p99(latency: dict) -> float | None:
    values = [r.get("p99_ms") for r in (latency.get("results") or {}).values() if isinstance(r, dict)]
    values = [v for v in values if isinstance(v, int | float)]
    return max(values) if values else None


@dataclass(frozen=True)
class Goal:
    name: str
    figure: Callable[[dict[str, dict]], float | None]
    target: float
    at_least: bool  # the figure must be >= target (throughput) rather than <= target (time)
    unit: str

    def met(self, value: float | None) -> str:
        if value is None:
            return "not measured"
        return "met" if (value >= self.target if self.at_least else value <= self.target) else "MISSED"


def _in(result: str, *keys: str) -> Callable[[dict[str, dict]], float | None]:
    return lambda r: dig(r.get(result, {}), *keys)


def _ledger(vendor: str, *keys: str) -> Callable[[dict[str, dict]], float | None]:
    return _in("ledger", vendor, *keys)


def _ledger_goals(vendor: str, label: str) -> list[Goal]:
    return [
        Goal(
            f"Ledger durable append, 100 events a commit, {label}",
            _ledger(vendor, "append", "events_per_commit_100", "events_per_s"),
            5000,
            True,
            "/s",
        ),
        Goal(f"Ledger bulk replay, {label}", _ledger(vendor, "bulk_replay", "entries_per_s"), 100_000, True, "/s"),
        Goal(
            f"Ledger verify of 10 M entries (extrapolated unless run at 10 M), {label}",
            lambda r: (
                dig(r.get("ledger", {}), vendor, "verify", "seconds_for_10M")
                or dig(r.get("ledger", {}), vendor, "verify", "extrapolated_seconds_for_10M")
            ),
            60,
            False,
            " s",
        ),
        Goal(
            f"Inclusion proof median at 10 M, {label}",
            _ledger(vendor, "proofs_at_proof_entries", "inclusion", "median_ms"),
            1,
            False,
            " ms",
        ),
    ]


GOALS = [
    Goal("Bookings over HTTP, PostgreSQL, 16 clients", _in("booking", "bookings_per_second"), 300, True, "/s"),
    Goal("Double bookings after the booking run", _in("booking", "overlapping_active_holds_after"), 0, False, ""),
    Goal(
        "Availability p99, SQLite (worst endpoint)", lambda r: worst_p99(r.get("latency_sqlite", {})), 50, False, " ms"
    ),
    Goal(
        "Availability p99, PostgreSQL (worst endpoint)",
        lambda r: worst_p99(r.get("latency_postgresql", {})),
        50,
        False,
        " ms",
    ),
    *_ledger_goals("sqlite", "SQLite"),
    *_ledger_goals("postgresql", "PostgreSQL"),
    Goal("frontdesk faster than django-appointment (30 days)", _in("dja", "ratio"), 50, True, "x"),
    Goal("Failover drill: acknowledged writes lost", _in("failover", "lost"), 0, False, ""),
    *(
        Goal(
            f"Regional dashboard p95, {label} (national counters)",
            lambda r, v=vendor: next(
                (
                    run["worst_regional_p95_ms"]
                    for run in r.get("dashboard", {}).get("runs", [])
                    if run["database"] == v
                ),
                None,
            ),
            500,
            False,
            " ms",
        )
        for vendor, label in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL"))
    ),
]


def table(now: dict[str, dict], before: dict[str, dict]) -> list[str]:
    def show(value: float | None, unit: str) -> str:
        if value is None:
            return "-"
        return f"{value:,.0f}{unit}" if abs(value) >= 100 else f"{value:g}{unit}"

    rows = [("Goal", "Target", "This run", "Previous", "")]
    for goal in GOALS:
        value, previous = goal.figure(now), goal.figure(before)
        target = ("≥ " if goal.at_least else "≤ ") + show(goal.target, goal.unit)
        rows.append((goal.name, target, show(value, goal.unit), show(previous, goal.unit), goal.met(value)))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]


# The same series keep the same place and colour in both panels.
SERIES = {"this run": "#2e7d32", "previous run": "#9e9e9e", "pymerkle": "#ef6c00", "django-appointment": "#6a1b9a"}


def _bars(axis, groups: list[tuple[str, dict[str, float | None]]], title: str, unit: str, log: bool) -> None:
    present = {name for _, values in groups for name, value in values.items() if value is not None}
    series = [name for name in SERIES if name in present]
    width = 0.8 / max(1, len(series))
    for i, name in enumerate(series):
        heights = [values.get(name) or 0 for _, values in groups]
        axis.bar([g + i * width for g in range(len(groups))], heights, width, label=name, color=SERIES[name])
    axis.set_xticks([g + width * (len(series) - 1) / 2 for g in range(len(groups))])
    axis.set_xticklabels([label for label, _ in groups], rotation=15, ha="right", fontsize=8)
    axis.set_title(title, fontsize=10)
    axis.set_ylabel(unit)
    if log:
        axis.set_yscale("log")
        axis.set_ylim(bottom=1)  # bars start from 1, not from the smallest bar, so heights compare honestly
    if series:
        axis.legend(fontsize=8)


def plot(now: dict[str, dict], before: dict[str, dict], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # no display: draw straight to a file
    import matplotlib.pyplot as plt

    def runs(figure: Callable[[dict[str, dict]], float | None]) -> dict[str, float | None]:
        return {"this run": figure(now), "previous run": figure(before)}

    throughput = [
        ("bookings/s (PG, HTTP)", runs(lambda r: dig(r.get("booking", {}), "bookings_per_second"))),
        ("ledger append/s SQLite", runs(_ledger("sqlite", "append", "events_per_commit_100", "events_per_s"))),
        ("ledger append/s PG", runs(_ledger("postgresql", "append", "events_per_commit_100", "events_per_s"))),
        (
            "one event a commit/s",
            runs(_ledger("sqlite", "append", "events_per_commit_1", "events_per_s"))
            | {"pymerkle": dig(now.get("ledger", {}), "pymerkle", "append_one_per_commit", "entries_per_s")},
        ),
        (
            "bulk replay/s",
            runs(_ledger("sqlite", "bulk_replay", "entries_per_s"))
            | {"pymerkle": dig(now.get("ledger", {}), "pymerkle", "bulk_append", "entries_per_s")},
        ),
    ]
    latency = [
        (f"booking {p}", runs(lambda r, p=p: dig(r.get("booking", {}), "latency", f"{p}_ms")))
        for p in ("p50", "p90", "p99")
    ] + [
        ("availability p99 SQLite", runs(lambda r: worst_p99(r.get("latency_sqlite", {})))),
        ("availability p99 PG", runs(lambda r: worst_p99(r.get("latency_postgresql", {})))),
        (
            "30 days of slots",
            runs(lambda r: dig(r.get("dja", {}), "frontdesk", "median_ms"))
            | {"django-appointment": dig(now.get("dja", {}), "django_appointment", "median_ms")},
        ),
    ]
    figure, (left, right) = plt.subplots(1, 2, figsize=(14, 5.5))
    _bars(left, throughput, "Throughput (higher is better)", "per second (log)", log=True)
    _bars(right, latency, "Latency (lower is better)", "milliseconds (log)", log=True)
    figure.suptitle("frontdesk benchmarks: this run, the previous run, and the libraries measured alongside")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def main() -> int:
    now, before = load(RESULTS), load(PREVIOUS) if PREVIOUS.exists() else {}
    lines = table(now, before)
    print("\n".join(lines))
    try:
        print(f"\nplot: {plot(now, before, PLOT).relative_to(ROOT)}")
    except ImportError:
        print("\nno plot: matplotlib is not installed (`pip install -e '.[bench]'` installs it)")
    (RESULTS / "goals.txt").write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
