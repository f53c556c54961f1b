"""One ledger measurement with a chosen checkout's code, for old/new comparisons on one machine.

    .venv/bin/python bench/ledger_ab.py ROOT DATABASE_URL MODE N

ROOT is a checkout (e.g. /work/main or this one): its `src` is imported first. MODE is `append100`
(N events, 100 a commit; `append1` for one a commit), `build` (a backlog of N committed events,
then the sequencer's bulk replay and a checkpoint), `verify` (the whole ledger as it stands) or `proofs`
(N inclusion and N consistency proofs at the ledger's size, as `make bench` takes them). Prints
one JSON line: the rate and the process's CPU time (user + system, worker processes included) per
event. Run old and new interleaved against the same databases (docs/adr/0043) and read ratios; on a
shared machine the CPU figures move less than the rates.
"""

import json
import os
import resource
import sys
import time


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    root, url, mode, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["FRONTDESK_LEDGER_SIGNING_KEY"] = "42" * 32
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.path[:0] = [os.path.join(root, "src"), root, here]
    import django

    django.setup()
    from django.db import connection

    from bench.ledger_bench import append_events, ledger_ready
    from frontdesk.ledger.services import checkpoint_create, ledger_sequence

    ledger_ready()
    out: dict = {"root": root, "mode": mode, "n": count, "vendor": connection.vendor, "load": os.getloadavg()[0]}
    if mode.startswith("append"):
        group = int(mode[len("append") :] or 100)
        wall, cpu = time.perf_counter(), cpu_seconds()
        append_events(count, group)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        out.update(events_per_s=round(count / wall), cpu_us_per_event=round(cpu / count * 1e6, 1))
        ledger_sequence()
    elif mode == "build":
        from bench.ledger_bench import insert_backlog

        inserted = insert_backlog(count)
        wall, cpu = time.perf_counter(), cpu_seconds()
        size = ledger_sequence(batch=20_000)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        checkpoint_create()
        out.update(
            insert_s=round(inserted, 1),
            replay_per_s=round(count / wall),
            replay_cpu_us=round(cpu / count * 1e6, 2),
            size=size,
        )
    elif mode == "verify":
        from frontdesk.ledger import verify

        wall, cpu = time.perf_counter(), cpu_seconds()
        report = verify.database_report(sequence=False)
        wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
        if not report.ok:
            raise SystemExit(report.summary())
        out.update(
            size=report.size,
            verify_per_s=round(report.size / wall),
            seconds=round(wall, 2),
            cpu_us_per_entry=round(cpu / report.size * 1e6, 2),
        )
    elif mode == "proofs":
        from types import SimpleNamespace

        from bench.ledger_bench import bench_proofs
        from frontdesk.ledger.selectors import tree_size

        out.update(bench_proofs(SimpleNamespace(samples=count or 1000), tree_size()))
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
