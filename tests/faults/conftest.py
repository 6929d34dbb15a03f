"""Fixtures for the fault-injection tests: a private PostgreSQL cluster per test session, a private
Redis and the product's processes per test. Nothing here touches the machine's shared services."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.faults.clients import FeedSocket
from tests.faults.stack import PrivatePostgres, PrivateRedis, Stack, missing_binaries, seed

TEMPLATE = "fds_faults_template"

# Short enough that a test sees the sweeper act, long enough that a healthy pipeline (well under a
# second from commit to score) is never swept.
FAULT_ENV = {
    "FDS_SCORE_SWEEP_AFTER_SECONDS": "4",
    "FDS_SCORE_SWEEP_EVERY_SECONDS": "2",
    "FDS_FEED_CATCHUP_SECONDS": "2",
    "FDS_SCORE_BATCH_SIZE": "250",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = missing_binaries()
    if not missing:
        return
    required = os.environ.get("FDS_REQUIRE_SERVICES", "") not in ("", "0", "false")
    for item in items:
        if "faults" in item.keywords:
            if required:
                raise pytest.UsageError(f"FDS_REQUIRE_SERVICES is set but {', '.join(missing)} is missing")
            item.add_marker(pytest.mark.skip(reason=f"fault tests need {', '.join(missing)}"))


@pytest.fixture(scope="session")
def private_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PrivatePostgres, dict]]:
    """A private cluster with a migrated, seeded template database that each test copies."""
    cluster = PrivatePostgres()
    try:
        cluster.init()
        cluster.execute(f'CREATE DATABASE "{TEMPLATE}"')
        seeded = seed(cluster.url(TEMPLATE), tmp_path_factory.mktemp("faults-seed"), analysts=3)
        yield cluster, seeded
    finally:
        cluster.destroy()


@pytest.fixture
def fault_db(private_postgres: tuple[PrivatePostgres, dict]) -> tuple[PrivatePostgres, str, dict[str, Any]]:
    cluster, seeded = private_postgres
    if not cluster.is_running():  # a test that stopped it and failed before starting it again
        cluster.start()
    url = cluster.clone(template=TEMPLATE, name=f"fds_fault_{uuid.uuid4().hex[:10]}")
    return cluster, url, seeded


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.kill()


@pytest.fixture
def stack(
    fault_db: tuple[PrivatePostgres, str, dict[str, Any]],
    private_redis: PrivateRedis,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Iterator[Stack]:
    _cluster, url, _seeded = fault_db
    services = Stack(url, private_redis.url, tmp_path, extra_env=dict(FAULT_ENV))
    yield services
    services.stop()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(services.logs())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def analysts_watching(stack: Stack, fault_db: tuple[PrivatePostgres, str, dict[str, Any]]) -> Iterator[Any]:
    """Open the live alert queue of `n` analysts (call after the web server is up)."""
    _cluster, _url, seeded = fault_db
    opened: list[FeedSocket] = []

    def open_queues(n: int = 2) -> list[FeedSocket]:
        sockets = [FeedSocket(stack.url, key) for key in seeded["sessions"][:n]]
        for sock in sockets:
            sock.start()
        for sock in sockets:
            assert sock.connected.wait(15), "an analyst's live queue did not connect"
        opened.extend(sockets)
        return sockets

    yield open_queues
    for sock in opened:
        sock.stop_event.set()
