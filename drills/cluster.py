"""A throwaway PostgreSQL primary and hot standby in temporary directories, from Debian's binaries.

The primary streams to the standby synchronously (`synchronous_standby_names`), so a commit the
application has seen acknowledged is already on the standby's disk. Run as root, the server programs
run as the `postgres` user (PostgreSQL refuses to run as root).
"""

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

STANDBY_NAME = "standby"


def bin_dir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise RuntimeError("PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) are not installed")
    return found[-1].parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Node:
    name: str
    datadir: Path
    port: int

    def url(self, database: str, **options: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in options.items())
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}" + (f"?{query}" if query else "")


class Cluster:
    def __init__(self) -> None:
        self.bin = bin_dir()
        self.root = Path(tempfile.mkdtemp(prefix="frontdesk-drill-"))
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.primary = Node("primary", self.root / "primary", free_port())
        self.standby = Node("standby", self.root / "standby", free_port())

    def _run(self, program: str, *args: str, timeout: float = 120) -> str:
        command = [str(self.bin / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=self.root, check=False)
        if done.returncode:
            raise RuntimeError(f"{program} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def _append_conf(self, node: Node, lines: list[str]) -> None:
        path = node.datadir / "postgresql.auto.conf"
        with path.open("a") as conf:
            conf.write("\n".join(lines) + "\n")

    def start(self, node: Node) -> None:
        self._run(
            "pg_ctl", "-D", str(node.datadir), "-l", str(self.root / f"{node.name}.log"), "-w", "-t", "60", "start"
        )

    def create(self) -> None:
        """initdb the primary, start it, copy it to a standby with pg_basebackup, start the standby."""
        self._run("initdb", "-D", str(self.primary.datadir), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self._append_conf(
            self.primary,
            [
                f"port = {self.primary.port}",
                "listen_addresses = '127.0.0.1'",
                f"unix_socket_directories = '{self.root}'",
                "wal_level = replica",
                "max_wal_senders = 4",
                "hot_standby = on",
                "shared_buffers = 64MB",
                "max_connections = 60",
                # Acknowledged means on the standby's disk too (issue 12: failover without loss).
                f"synchronous_standby_names = '{STANDBY_NAME}'",
                "synchronous_commit = on",
            ],
        )
        self.start(self.primary)
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
            "-D", str(self.standby.datadir), "-R", "-X", "stream", "--no-sync",
        )  # fmt: skip
        self._append_conf(
            self.standby,
            [
                f"port = {self.standby.port}",
                f"primary_conninfo = 'host=127.0.0.1 port={self.primary.port} user=postgres "
                f"application_name={STANDBY_NAME}'",
                # Promoted, it runs alone until an operator adds a new standby (docs/runbooks/failover.md).
                "synchronous_standby_names = ''",
            ],
        )
        self.start(self.standby)
        self.wait_streaming()

    def psql(self, node: Node, sql: str, database: str = "postgres") -> str:
        return self._run(
            "psql", "-h", "127.0.0.1", "-p", str(node.port), "-U", "postgres", "-d", database, "-At", "-c", sql
        ).strip()

    def wait_streaming(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.psql(self.primary, "SELECT sync_state FROM pg_stat_replication")
            if state == "sync":
                return
            time.sleep(0.2)
        raise RuntimeError("the standby did not start streaming synchronously")

    def kill_primary(self) -> None:
        """The primary's machine dies: the postmaster and all its backends get SIGKILL at once."""
        pid = int((self.primary.datadir / "postmaster.pid").read_text().split()[0])
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        for victim in [pid, *map(int, children)]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(victim, 9)

    def promote(self) -> None:
        self._run("pg_ctl", "-D", str(self.standby.datadir), "-w", "-t", "60", "promote")

    def destroy(self) -> None:
        for node in (self.standby, self.primary):
            if (node.datadir / "postmaster.pid").exists():
                with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                    self._run("pg_ctl", "-D", str(node.datadir), "-m", "immediate", "-w", "stop", timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)
