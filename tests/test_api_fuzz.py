"""The whole API fuzzed from its own OpenAPI document against a live server: no 5xx, no half writes.

schemathesis generates valid and invalid requests for every operation (the schema is loaded from
code, `api.get_openapi_schema()`, since the docs pages need a login) and sends them over HTTP to the
live test server (daphne and a Celery worker on the test database). Every answer must be below 500;
every refused write must leave the database as it was, and every accepted batch must store exactly
what it reports. At least 1,000 cases run each time.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, User
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis import openapi as schemathesis_openapi
from schemathesis.core.result import Ok

from access.services import api_token_create
from alerts.models import Account, Customer, Merchant, Transaction
from fdsportal import roles
from fdsportal.api import api
from smishing.models import Submission

MIN_CASES = 1000
# Cases per operation and generation mode are spread so that the whole run sends about a quarter
# more than MIN_CASES (some generated URLs never leave the client), whatever the number of operations.
HEADROOM = 1.25

WRITES = {
    "/api/transactions",
    "/api/transactions/batch",
    "/api/customers/master",
    "/api/smishing/submissions",
}


def _counts() -> dict[str, int]:
    return {
        "transactions": Transaction.objects.count(),
        "customers": Customer.objects.count(),
        "merchants": Merchant.objects.count(),
        "accounts": Account.objects.count(),
        "submissions": Submission.objects.count(),
    }


@pytest.fixture
def fuzz_token(live_server_url: str) -> str:
    """A token whose user holds every role, so the fuzzer gets past every permission check."""
    roles.roles_sync()
    user = User.objects.create_user(username="fuzzer", password="fuzz-password-1")
    user.groups.set(Group.objects.filter(name__in=list(roles.ROLE_PERMISSIONS)))
    _token, key = api_token_create(user=user, name="fuzz")
    return key


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error_or_writes_half(
    live_server_url: str, fuzz_token: str
) -> None:
    schema = schemathesis_openapi.from_dict(api.get_openapi_schema())
    headers = {"Authorization": f"Bearer {fuzz_token}"}
    total = 0
    failures: list[str] = []
    answers: Counter[tuple[str, int]] = Counter()

    def check(case: object, call: Callable[[], object]) -> None:
        nonlocal total
        path = case.operation.path  # type: ignore[attr-defined]
        before = _counts() if path in WRITES else None
        try:
            response = call()
        except ValueError as error:
            # The HTTP client itself refuses some generated URLs (a path parameter such as "[" makes
            # urllib read a bracketed host): nothing reached the server, so there is nothing to judge.
            if "IPv4 or IPv6" in str(error) or "Invalid URL" in str(error):
                return
            raise
        total += 1
        status = response.status_code  # type: ignore[attr-defined]
        label = f"{case.operation.method.upper()} {path} {status}"  # type: ignore[attr-defined]
        answers[(path, status // 100)] += 1
        if status >= 500:
            failures.append(f"{label}: {case.as_curl_command(headers=headers)}")  # type: ignore[attr-defined]
            return
        if before is None:
            return
        after = _counts()
        if status >= 400 and after != before:
            failures.append(f"{label} refused the request but wrote: {before} -> {after}")
        if status in (200, 201) and path.startswith("/api/transactions"):
            accepted = response.json()["accepted"]  # type: ignore[attr-defined]
            if after["transactions"] - before["transactions"] != accepted:
                failures.append(
                    f"{label} reported {accepted} accepted, stored {after['transactions'] - before['transactions']}"
                )

    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operations.append(result.ok())
    modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    examples = max(10, math.ceil(MIN_CASES * HEADROOM / (len(operations) * len(modes))))
    for operation in operations:
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: object) -> None:
                check(case, lambda: case.call(base_url=live_server_url, headers=headers, timeout=30))  # type: ignore[attr-defined]

            run()

    assert not failures, "\n".join(failures[:20])
    assert total >= MIN_CASES, f"only {total} generated cases ran"
    # The fuzzer got past authentication and validation: writes were accepted as well as refused.
    for path in ("/api/transactions", "/api/transactions/batch", "/api/customers/master"):
        assert answers[(path, 2)] > 0 and answers[(path, 4)] > 0, (path, sorted(answers.items()))
