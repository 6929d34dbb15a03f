"""Private services and the product's own processes, for tests that kill or restart them.

The machine's shared PostgreSQL and Redis are never stopped: every fault is injected into a private
PostgreSQL cluster (initdb + pg_ctl on a free port) and a private `redis-server`, each owned by the
test that starts it. The web server (uvicorn), the Celery worker and Celery beat run as real
processes, exactly as in production, so that a SIGKILL or a restart hits the code paths it would hit
in a bank.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import psycopg

from fdsportal.launcher import beat_command, web_command, worker_command

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], bool], *, timeout: float, interval: float = 0.1, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def postgres_bin_dir() -> Path | None:
    """The newest PostgreSQL server binaries on this machine (Debian keeps them out of PATH)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def missing_binaries() -> list[str]:
    missing = []
    if postgres_bin_dir() is None:
        missing.append("PostgreSQL server (initdb, pg_ctl)")
    if shutil.which("redis-server") is None:
        missing.append("redis-server")
    return missing


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a free loopback port, trust auth, no fsync.

    PostgreSQL refuses to run as root; as root (CI), the cluster runs as the `postgres` system user
    that the Debian package creates.
    """

    def __init__(self) -> None:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL server binaries not found")
        self.bin = bin_dir
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="fds-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "postgres.log"
        self._as: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise RuntimeError("running as root needs the postgres system user") from exc
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def init(self) -> None:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        self.start()

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        """`fast` disconnects every client and stops; `immediate` is a crash (no shutdown checkpoint)."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def execute(self, sql: str, database: str = "postgres") -> None:
        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[call-overload]  # statements built from test-chosen names

    def clone(self, *, template: str, name: str) -> str:
        self.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url(name)

    def destroy(self) -> None:
        if self.is_running():
            with suppress(subprocess.CalledProcessError):
                self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)


class PrivateRedis:
    """A `redis-server` on a free loopback port without persistence, like CI's and production's
    cache-only set-up: a restart loses every queued Celery message and every pub/sub subscription."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self._log = open(self.directory / "redis.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.directory),
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(self.ping, timeout=10, what="redis-server")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: the server vanishes mid-stream, as in a crash or a node loss."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def restart(self, *, down_seconds: float) -> None:
        self.kill()
        time.sleep(down_seconds)
        self.start()


@dataclass
class AppProcess:
    name: str
    args: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    def start(self) -> None:
        self._log = open(self.log_path, "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.args, cwd=ROOT, env=self.env, stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL, pool processes first: a Celery pool process outlives a killed main process."""
        if self.process is not None and self.process.poll() is None:
            for child in children_of(self.process.pid):
                kill(child)
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """Tear down without ceremony: a graceful stop would wait for open websockets and running
        batches, and nothing after a test depends on it."""
        self.kill()
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def children_of(pid: int) -> list[int]:
    """Direct child processes (from /proc): the Celery pool processes under a worker's main process."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


@dataclass
class Stack:
    """The product against one database and one Redis: web, worker(s) and beat."""

    database_url: str
    redis_url: str
    directory: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, AppProcess] = field(default_factory=dict)
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            # The test process's own Django and pytest settings are not the servers' business.
            if not key.startswith(("PYTEST_", "DJANGO_ALLOW_ASYNC"))
        }
        env.update(
            {
                "DATABASE_URL": self.database_url,
                "REDIS_URL": self.redis_url,
                "DJANGO_SETTINGS_MODULE": "fdsportal.settings",
                "CELERY_TASK_ALWAYS_EAGER": "false",
                "FDS_INSECURE_DEV_KEY": "true",
                "FDS_SECURE_COOKIES": "false",
                "FDS_AXES_ENABLED": "false",
                "FDS_LOG_LEVEL": "WARNING",
                "FDS_CACHE_PREFIX": "fdsfaults",
                "FDS_STATIC_FINDERS": "true",  # serve /static/ without collectstatic
                "FDS_VAR_DIR": str(self.directory),
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.pop("FDS_EMBEDDED_REDIS", None)
        env.update(self.extra_env)
        return env

    def _add(self, name: str, args: list[str]) -> AppProcess:
        env = self.env()
        # Each process names itself to PostgreSQL, so a test can see which one holds which locks.
        env["DATABASE_URL"] = f"{self.database_url}?application_name={name}"
        process = AppProcess(name, args, env, self.directory / f"{name}.log")
        process.start()
        self.processes[name] = process
        return process

    def start_web(self) -> AppProcess:
        process = self._add("web", web_command(port=self.port, server="uvicorn"))
        # Generous: on a busy 2-core machine importing the product alone takes tens of seconds.
        wait_until(lambda: self._healthy(process), timeout=180, interval=0.2, what="the web server")
        return process

    def _healthy(self, process: AppProcess) -> bool:
        if not process.alive():
            raise RuntimeError(f"the web server exited:\n{process.log_tail()}")
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                return bool(response.status == 200)
        except (OSError, urllib.error.HTTPError):
            return False

    def start_worker(self, name: str = "worker", *, pool: str = "prefork", wait: bool = True) -> AppProcess:
        args = worker_command(
            loglevel="INFO",
            solo=pool == "solo",
            concurrency=1 if pool == "prefork" else None,
            name=f"{name}@%h",
        )
        process = self._add(name, args)
        if wait:
            self.wait_worker_ready(process)
        return process

    def start_beat(self) -> AppProcess:
        return self._add(
            "beat", beat_command(schedule=self.directory / "celerybeat-schedule", loglevel="WARNING")
        )

    def start_all(self, *, pool: str = "prefork", workers: tuple[str, ...] = ("worker",)) -> None:
        """Web, the workers and beat, started together (each takes seconds to import the product)."""
        started = [self.start_worker(name, pool=pool, wait=False) for name in workers]
        self.start_beat()
        self.start_web()
        for worker in started:
            self.wait_worker_ready(worker)

    @staticmethod
    def wait_worker_ready(worker: AppProcess) -> None:
        wait_until(
            lambda: "ready." in worker.log_tail(100_000) or not worker.alive(),
            timeout=180,
            interval=0.2,
            what=f"the Celery worker {worker.name}",
        )
        if not worker.alive():
            raise RuntimeError(f"the Celery worker exited:\n{worker.log_tail()}")

    def stop(self) -> None:
        for process in self.processes.values():
            process.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {name}.log\n{p.log_tail()}" for name, p in self.processes.items())


def seed(database_url: str, directory: Path, *, analysts: int) -> dict[str, Any]:
    """Migrate `database_url` and give it a model, an ingest token and analysts with sessions."""
    out = directory / "seed.json"
    env = Stack(database_url, "redis://127.0.0.1:1/0", directory).env()
    env["CELERY_TASK_ALWAYS_EAGER"] = "true"  # nothing is queued while seeding
    subprocess.run(
        [sys.executable, "-m", "tests.faults.seed", str(out), "--analysts", str(analysts)],
        cwd=ROOT,
        env=env,
        check=True,
    )
    return dict(json.loads(out.read_text()))


@contextmanager
def database(url: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(url, autocommit=True) as conn:
        yield conn


def kill(pid: int) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
