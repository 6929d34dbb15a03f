from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client

from access.services import api_token_create
from fdsportal import roles

CHROMIUM = os.environ.get("FDS_CHROMIUM", "/usr/bin/chromium")
REQUIRE_SERVICES = os.environ.get("FDS_REQUIRE_SERVICES", "") not in ("", "0", "false")


def pytest_configure(config: pytest.Config) -> None:
    """Compile the message catalogues, as `run.py` does at set-up, so `pytest` run directly shows
    the Korean pages too (only .po files newer than their .mo are compiled)."""
    from fdsportal.catalogues import catalogues_compile

    catalogues_compile()


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
                raise pytest.UsageError("FDS_REQUIRE_SERVICES is set but DATABASE_URL is not PostgreSQL")
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://…"))
        if "browser" in item.keywords and not has_chromium:
            if REQUIRE_SERVICES:
                raise pytest.UsageError(f"FDS_REQUIRE_SERVICES is set but {CHROMIUM} is missing")
            item.add_marker(
                pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
            )
    # Browser tests last: they are the slowest, and they lift Django's async-safety guard.
    items.sort(key=lambda item: "browser" in item.keywords)


@pytest.fixture(autouse=True)
def _allow_sync_orm_beside_playwright(request: pytest.FixtureRequest) -> None:
    """Playwright's sync API keeps an event loop running in the test thread; the test's own ORM calls
    (and the database flush) are still plain synchronous code, so Django's async-safety guard is
    lifted for browser tests only. Defined first so it is in force before any database fixture."""
    if "page" in request.fixturenames:
        # Not undone afterwards: pytest-django's own database teardown runs after any fixture of ours.
        # Browser tests are ordered last (see pytest_collection_modifyitems), so no other test runs
        # with the guard lifted.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(autouse=True)
def _audit_checkpoint_per_test(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Each test's database starts a new audit chain, so each gets its own checkpoint file."""
    from django.test import override_settings

    with override_settings(
        FDS_AUDIT_CHECKPOINT_PATH=tmp_path_factory.mktemp("audit") / "audit-checkpoint.json"
    ):
        yield


@pytest.fixture(autouse=True)
def _audit_triggers_around_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """Transactional tests end with a flush of every table, which the audit triggers rightly refuse.

    Only for those tests, the triggers are dropped just before the flush and put back at the next
    test's start; every other test runs with the triggers in place.
    """
    from audit.db import append_only_triggers_drop, append_only_triggers_install

    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in request.fixturenames
        or "live_server" in request.fixturenames
        or (marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    )
    if "db" in request.fixturenames or transactional or marker is not None:
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
        # Test data is set up directly, like a loaded fixture: no role-change audit events, so tests
        # see only the events of what they do (role changes themselves are tested in tests/audit).
        if role is not None:
            roles.roles_sync()
            User.groups.through.objects.create(user=user, group=Group.objects.get(name=role))
        if role == roles.ADMINISTRATOR:
            User.objects.filter(pk=user.pk).update(is_staff=True)
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


# Most tests assert on English texts (the msgids), so their clients pick English with the language
# cookie, as a person would with the switch; the Korean default and the switch itself are tested in
# tests/i18n, with language=None.
TEST_LANGUAGE = "en"


def english_client(**kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = TEST_LANGUAGE
    return client


@pytest.fixture
def client() -> Client:
    """pytest-django's `client`, reading the English interface (see TEST_LANGUAGE)."""
    return english_client()


@pytest.fixture(autouse=True)
def _english_outside_requests() -> Iterator[None]:
    """Services called directly by a test (no request, so no person's language) answer in English,
    the language the tests assert on; each request still gets its own language from the middleware."""
    from django.utils import translation

    translation.activate(TEST_LANGUAGE)
    yield
    translation.deactivate()


@pytest.fixture
def client_for() -> Callable[..., Client]:
    def make(user: User, language: str | None = TEST_LANGUAGE) -> Client:
        client = Client()
        if language is not None:
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
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


# --- Live servers and a real browser -----------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _test_database_url() -> str:
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{settings_dict.get('HOST') or '127.0.0.1'}:{settings_dict.get('PORT') or 5432}/{settings_dict['NAME']}"


@pytest.fixture(scope="session")
def _live_processes(django_db_setup: None, django_db_blocker, tmp_path_factory: pytest.TempPathFactory):
    """An ASGI server (daphne, websockets included) and a Celery worker, as separate processes on the
    test database and the test Redis: the same path a browser takes in production."""
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    port = _free_port()
    logs = tmp_path_factory.mktemp("live")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "FDS_STATIC_FINDERS": "true",
        "FDS_AXES_ENABLED": "false",
        "PYTHONUNBUFFERED": "1",
    }
    from fdsportal.launcher import ProcessGroup, wait_http_ok, web_command, worker_command

    group = ProcessGroup(env=env, cwd=Path(settings.BASE_DIR), logs=logs)
    web = group.start("web", web_command(port=port))
    group.start(
        "worker", worker_command(loglevel="WARNING", solo=True, queues="celery,smishing", heartbeat=False)
    )
    url = f"http://127.0.0.1:{port}"
    if not wait_http_ok(url + "/healthz", timeout=90, watch=web):
        group.stop(timeout=0)
        raise RuntimeError(f"the test web server did not start: {(logs / 'web.log').read_text()[-3000:]}")
    yield {"url": url, "logs": logs}
    group.stop()


@pytest.fixture
def live_server_url(_live_processes: dict, transactional_db: None) -> str:
    return _live_processes["url"]


# Playwright's sync API runs an event loop in the test thread for as long as its `playwright` object
# lives. pytest-playwright keeps it for the whole session; here it lives per module, so that an
# asyncio test that a parallel worker runs after a browser module never finds a loop already running.
@pytest.fixture(scope="module")
def playwright(_pw_api_request_contexts: Any) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    if _pw_api_request_contexts:
        _pw_api_request_contexts.instrument(pw)
    yield pw
    pw.stop()


@pytest.fixture(scope="module")
def browser_type(django_db_setup: None, playwright, browser_name: str):
    # The test database is set up before Playwright starts its event loop and torn down after it
    # stops: Django refuses synchronous database work while an event loop runs in the thread.
    return getattr(playwright, browser_name)


@pytest.fixture(scope="module")
def launch_browser(browser_type_launch_args: dict, browser_type: Any) -> Any:
    def launch(**kwargs: Any) -> Any:
        return browser_type.launch(**{**browser_type_launch_args, **kwargs})

    return launch


@pytest.fixture(scope="module")
def browser_context_args(pytestconfig: pytest.Config, playwright: Any, device: Any, base_url: Any) -> dict:
    """pytest-playwright's own, at the scope of `playwright` above (no device, no video here)."""
    args: dict = {}
    if device:
        args.update(playwright.devices[device])
    if base_url:
        args["base_url"] = base_url
    return args


@pytest.fixture(scope="module")
def browser(launch_browser: Any) -> Iterator[Any]:
    browser = launch_browser()
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture
def login(live_server_url: str):
    """Log a Playwright page in through the real login form.

    `language` is picked with the language switch on the login page first, as a person would; the
    portal then saves it for a user who has no saved choice. Most browser tests read the English
    interface (their assertions name English texts); tests/i18n/test_korean_browser.py logs in with
    language=None and checks the Korean default."""

    def do(page, username: str, password: str = "correct-horse-battery", language: str | None = "en") -> None:
        page.goto(live_server_url + "/login/")
        if language is not None:
            page.select_option("#language-select", language)
            page.click("[data-testid=language-switch] button[type=submit]")
            page.wait_for_load_state("networkidle")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")

    return do
