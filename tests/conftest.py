from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client

from fdsportal import roles
from fdsportal.services import api_token_create

CHROMIUM = os.environ.get("FDS_CHROMIUM", "/usr/bin/chromium")
REQUIRE_SERVICES = os.environ.get("FDS_REQUIRE_SERVICES", "") not in ("", "0", "false")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL-only and browser tests skip on a bare machine, and fail in CI instead of skipping.

    CI (.ci/run) sets FDS_REQUIRE_SERVICES=1 after starting PostgreSQL and installing Chromium, so a
    missing service there is an error, never a silent skip.
    """
    is_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    has_chromium = shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM)
    for item in items:
        if "postgres" in item.keywords and not is_postgres:
            if REQUIRE_SERVICES:
                item.add_marker(pytest.mark.xfail(reason="DATABASE_URL must name PostgreSQL", strict=True, run=False))
                raise pytest.UsageError("FDS_REQUIRE_SERVICES is set but DATABASE_URL is not PostgreSQL")
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…"))
        if "browser" in item.keywords and not has_chromium:
            if REQUIRE_SERVICES:
                raise pytest.UsageError(f"FDS_REQUIRE_SERVICES is set but {CHROMIUM} is missing")
            item.add_marker(pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium)"))


@pytest.fixture(autouse=True)
def _audit_triggers_around_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """Transactional tests end with a flush of every table, which the audit triggers rightly refuse.

    Only for those tests, the triggers are dropped just before the flush and put back at the next
    test's start; every other test runs with the triggers in place.
    """
    from audit.db import append_only_triggers_drop, append_only_triggers_install

    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    if "db" in request.fixturenames or transactional:
        request.getfixturevalue("transactional_db" if transactional else "db")
        append_only_triggers_install(connection)
    yield
    if transactional:
        append_only_triggers_drop(connection)


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    counter = {"n": 0}

    def make(role: str | None, username: str | None = None, password: str = "correct-horse-battery") -> User:
        counter["n"] += 1
        name = username or f"{role or 'norole'}{counter['n']}"
        user = User.objects.create_user(username=name, password=password)
        if role is not None:
            roles.roles_sync()
            user.groups.add(Group.objects.get(name=role))
        if role == roles.ADMINISTRATOR:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        return User.objects.get(pk=user.pk)  # fresh instance: no stale permission cache

    return make


@pytest.fixture
def analyst(make_user: Callable[..., User]) -> User:
    return make_user(roles.FRAUD_ANALYST, "analyst")


@pytest.fixture
def senior(make_user: Callable[..., User]) -> User:
    return make_user(roles.SENIOR_ANALYST, "senior")


@pytest.fixture
def compliance(make_user: Callable[..., User]) -> User:
    return make_user(roles.COMPLIANCE_REVIEWER, "compliance")


@pytest.fixture
def employee(make_user: Callable[..., User]) -> User:
    return make_user(roles.EMPLOYEE, "employee")


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def service_token(make_user: Callable[..., User]) -> str:
    """A bearer token of an ingest service client."""
    user = make_user(roles.INGEST_SERVICE, "core-banking")
    _token, key = api_token_create(user=user, name="core banking")
    return key


@pytest.fixture
def api_client(service_token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {service_token}"})
