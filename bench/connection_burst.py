"""Open N new connections at the same instant against a running server and count what comes back.

    python bench/connection_burst.py http://127.0.0.1:8000 / /api/v1/services --clients 40 200

Each client thread waits on one barrier, then opens its own TCP connection and sends one GET. A
request counts as dropped when the connection is refused or reset, or no response arrives within the
timeout. Prints one JSON line per (path, clients).
"""

import argparse
import http.client
import json
import threading
import time
from urllib.parse import urlsplit


def burst(host: str, port: int, path: str, clients: int, timeout: float) -> dict:
    barrier = threading.Barrier(clients)
    results: list[tuple[str, float]] = []
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        started = time.perf_counter()
        try:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
            connection.request("GET", path, headers={"Connection": "close"})
            response = connection.getresponse()
            response.read()
            outcome = str(response.status)
            connection.close()
        except OSError as error:  # refused, reset, timed out
            outcome = type(error).__name__
        with lock:
            results.append((outcome, time.perf_counter() - started))

    threads = [threading.Thread(target=one) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes: dict[str, int] = {}
    for outcome, _ in results:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    seconds = sorted(s for _, s in results)
    return {
        "path": path,
        "clients": clients,
        "ok": outcomes.get("200", 0),
        "dropped": sum(n for o, n in outcomes.items() if not o.isdigit()),
        "outcomes": outcomes,
        "p50_s": round(seconds[len(seconds) // 2], 3),
        "max_s": round(seconds[-1], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--clients", type=int, nargs="+", default=[40, 200])
    parser.add_argument("--timeout", type=float, default=60.0)
    options = parser.parse_args()
    url = urlsplit(options.base)
    for path in options.paths:
        for clients in options.clients:
            print(json.dumps(burst(url.hostname, url.port or 80, path, clients, options.timeout)), flush=True)


if __name__ == "__main__":
    main()
