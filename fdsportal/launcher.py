"""Starting and stopping the portal's processes: the web server, Celery workers and beat.

One place for the command lines and the clean shutdown, used by `run.py demo`, the benchmarks in
bench/ and the tests' live servers. Standard library only, and nothing here imports Django, so the
launcher runs before settings are loaded.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import IO

ASGI_APP = "fdsportal.asgi:application"


def web_command(*, port: int, server: str = "daphne", workers: int = 1) -> list[str]:
    """The ASGI server on 127.0.0.1:`port`: daphne (demo, tests) or uvicorn with `workers` processes."""
    if server == "daphne":
        return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), ASGI_APP]
    if server == "uvicorn":
        return [
            sys.executable,
            "-m",
            "uvicorn",
            ASGI_APP,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ]
    raise ValueError(f"unknown web server {server!r}")


def worker_command(
    *,
    loglevel: str = "INFO",
    concurrency: int | None = None,
    solo: bool = False,
    name: str = "",
    queues: str = "",
    heartbeat: bool = True,
) -> list[str]:
    """A Celery worker of the fdsportal app (gossip and mingle off: workers need not know each other)."""
    command = [sys.executable, "-m", "celery", "-A", "fdsportal", "worker", "--loglevel", loglevel]
    if solo:
        command += ["--pool", "solo"]
    if concurrency is not None:
        command += ["--concurrency", str(concurrency)]
    if name:
        command += ["-n", name]
    if queues:
        command += ["-Q", queues]
    command += ["--without-gossip", "--without-mingle"]
    if not heartbeat:
        command += ["--without-heartbeat"]
    return command


def beat_command(*, schedule: Path, loglevel: str = "INFO") -> list[str]:
    """Celery beat (run exactly one), keeping its schedule state in `schedule`."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "fdsportal",
        "beat",
        "--loglevel",
        loglevel,
        "--schedule",
        str(schedule),
    ]


class ProcessGroup:
    """Child processes started together, each logging to its own file, and stopped together."""

    def __init__(self, *, env: dict[str, str], cwd: Path, logs: Path) -> None:
        self.env = env
        self.cwd = cwd
        self.logs = logs
        self.processes: list[subprocess.Popen[bytes]] = []
        self._logs: list[IO[bytes]] = []
        logs.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, command: Sequence[str], *, append: bool = False) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "ab" if append else "wb")  # noqa: SIM115 - closed in stop()
        self._logs.append(log)
        # The commands are this module's own (or the caller's fixed argv), never user input.
        process = subprocess.Popen(  # noqa: S603
            list(command), env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def all_running(self) -> bool:
        return all(p.poll() is None for p in self.processes)

    def stop(self, timeout: float = 10) -> None:
        """SIGTERM to every child, then wait; a child still running after `timeout` is killed."""
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in self._logs:
            log.close()


def wait_http_ok(url: str, *, timeout: float = 60, watch: subprocess.Popen[bytes] | None = None) -> bool:
    """Poll `url` until it answers 200; False on timeout or when `watch` exits first.

    Each attempt may take up to 10 s: the first request loads the URLconf (and with it the models'
    libraries), which on a busy machine takes several seconds, and a shorter client timeout would
    cancel that request again and again."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a local server
                if response.status == 200:
                    return True
        except OSError:
            pass
        if watch is not None and watch.poll() is not None:
            return False
        time.sleep(0.2)
    return False


def python_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment plus `extra`, with unbuffered child output (logs appear at once)."""
    return {**os.environ, "PYTHONUNBUFFERED": "1", **(extra or {})}
