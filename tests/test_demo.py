"""The demo as a new user meets it: the README's commands as printed, a second set-up that adds
nothing, the demo state in a real browser, and the live feed's alert cadence.

One small demo (200 customers, 14 days, the last 4 replayed as live traffic) is set up once for
this module through `python3 run.py demo --setup-only`, in a fresh var directory, exactly as the
README tells a user to; the commands then run in subprocesses with nothing of the test settings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from alerts.simulator import KST, PATTERNS, SEED_CASE, AlertCadence, Simulator, patterns_active

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
SMALL = ["--customers", "200", "--days", "14", "--live-days", "4", "--smishing-per-template", "2"]
NEXT_STEP = "python3 run.py demo --setup-only"

# README commands this test does not run, each with the reason. Matched by prefix, first match wins.
SKIPPED: tuple[tuple[str, str], ...] = (
    ("python3 run.py demo --setup-only", "the set-up itself: this module runs it once, at a small size"),
    ("python3 run.py demo", "starts the web server, workers and feed, and runs until stopped"),
    ("python3 run.py test", "the test suite itself"),
    (".venv/bin/python bench/", "a benchmark: minutes to hours, with databases and servers of its own"),
    ("nice -n 10 .venv/bin/python bench/", "a benchmark, run at low priority: minutes to hours"),
    ("uvicorn ", "a web server: runs until stopped"),
    ("celery ", "a Celery worker or beat: runs until stopped"),
    (
        "python manage.py fds_benchmark",
        "the public benchmark: minutes to an hour on the development data set",
    ),
    (".venv/bin/python -m pip install", "installs a package from the package index"),
)


def _strip_comment(line: str) -> str:
    """The line without its trailing `# comment` (a # inside quotes is text)."""
    quote = ""
    for i, char in enumerate(line):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def readme_commands() -> list[str]:
    """Every command of the README's ```bash blocks, continuation lines joined, comments removed."""
    commands: list[str] = []
    inside = False
    pending = ""
    for line in README.read_text().splitlines():
        if line.startswith("```"):
            inside = line.strip() == "```bash"
            continue
        if not inside:
            continue
        text = _strip_comment(line)
        if text.endswith("\\"):
            pending += text[:-1].rstrip() + " "
            continue
        text = (pending + text.strip()).strip()
        pending = ""
        if text:
            commands.append(text)
    return commands


def skip_reason(command: str) -> str | None:
    return next((reason for prefix, reason in SKIPPED if command.startswith(prefix)), None)


def runnable_commands() -> list[str]:
    return [c for c in readme_commands() if skip_reason(c) is None]


def user_env(var: Path) -> dict[str, str]:
    """A user's shell with .venv activated: none of the test run's settings, the given var directory."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("FDS_", "DJANGO_", "CELERY_", "PYTEST_"))
        and k not in {"DATABASE_URL", "REDIS_URL", "VIRTUAL_ENV"}
    }
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["FDS_VAR_DIR"] = str(var)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run(
    command: list[str], var: Path, timeout: float = 600, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**user_env(var), **(extra or {})}
    return subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def setup_small_demo(var: Path) -> subprocess.CompletedProcess[str]:
    # A small bank has few frauds above the usual four-eyes threshold: a lower one (a documented
    # setting) gives the small demo large refunds too, so one waits for its approver.
    return run(
        [sys.executable, "run.py", "demo", "--setup-only", *SMALL],
        var,
        timeout=1200,
        extra={"FDS_REFUND_FOUR_EYES_KRW": "100000"},
    )


STATE_QUERY = """
import json
from collections import Counter
from alerts.models import Alert, ModelVersion, Transaction
from audit.models import AuditEvent
from cases.models import Case, CaseNote, CustomerContact, Evidence, QaReview, RefundRequest
from smishing.models import Campaign, Submission
print(json.dumps({
    "transactions": Transaction.objects.count(),
    "models": ModelVersion.objects.count(),
    "alerts": dict(Counter(Alert.objects.values_list("status", flat=True))),
    "cases": dict(Counter(Case.objects.values_list("status", flat=True))),
    "refunds": dict(Counter(RefundRequest.objects.values_list("status", flat=True))),
    "notes": CaseNote.objects.count(),
    "contacts": CustomerContact.objects.count(),
    "evidence": Evidence.objects.count(),
    "qa_waiting": QaReview.objects.filter(reviewed_at__isnull=True).count(),
    "qa_reviewed": QaReview.objects.filter(reviewed_at__isnull=False).count(),
    "submissions_labelled": Submission.objects.exclude(analyst_label="").count(),
    "campaigns": Campaign.objects.count(),
    "audit_events": AuditEvent.objects.count(),
}))
"""


def demo_state(var: Path) -> dict:
    done = run([sys.executable, "run.py", "manage", "shell", "-c", STATE_QUERY], var)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def demo_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    var = tmp_path_factory.mktemp("demo-var")
    done = setup_small_demo(var)
    assert done.returncode == 0, (done.stdout + done.stderr)[-5000:]
    assert (var / "demo.env").is_file()
    return var


# --- README commands ---------------------------------------------------------------------------------


def test_every_readme_command_is_run_or_skipped_for_a_listed_reason() -> None:
    commands = readme_commands()
    runnable = runnable_commands()
    assert "python3 run.py demo --setup-only" in commands
    assert any(c.startswith("python3 run.py manage smishing_check ") for c in runnable)
    assert any(c.startswith("python manage.py migrate") for c in runnable)
    assert len(runnable) >= 6, runnable
    # No placeholder a user would have to replace: the commands run as printed.
    for command in runnable:
        assert "…" not in command and "F.csv" not in command and "NAME" not in command, command


def test_demo_state_is_a_working_day_and_a_second_setup_adds_nothing(demo_var: Path) -> None:
    before = demo_state(demo_var)
    assert before["models"] == 1
    assert len(before["alerts"]) >= 3, before["alerts"]  # e.g. new, dismissed, escalated, claimed
    assert before["alerts"].get("new", 0) >= 1 and before["alerts"].get("dismissed", 0) >= 1
    assert before["alerts"].get("escalated", 0) >= 1
    assert before["cases"].get("investigating", 0) + before["cases"].get("open", 0) >= 1, before["cases"]
    assert before["cases"].get("confirmed_fraud", 0) + before["cases"].get("closed", 0) >= 1, before["cases"]
    assert before["refunds"].get("settled", 0) >= 1, before["refunds"]
    assert before["refunds"].get("requested", 0) >= 1, before["refunds"]
    assert before["notes"] and before["contacts"] and before["evidence"]
    assert before["submissions_labelled"] >= 5 and before["campaigns"] >= 2

    again = setup_small_demo(demo_var)
    assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
    after = demo_state(demo_var)
    # The second run may re-sync roles (audit events) but adds no transactions, alerts, cases or work.
    after.pop("audit_events")
    before.pop("audit_events")
    assert after == before


def test_readme_commands_work_as_printed_after_the_demo_setup(demo_var: Path) -> None:
    for command in runnable_commands():
        done = run(["bash", "-c", command], demo_var, timeout=600)
        assert done.returncode == 0, f"{command}\n{(done.stdout + done.stderr)[-3000:]}"
    checked = run(
        [
            "bash",
            "-c",
            'python3 run.py manage smishing_check "[Web발신] 택배 주소 확인 http://cj-dlvr7.top/a"',
        ],
        demo_var,
    )
    verdict = json.loads(checked.stdout.strip().splitlines()[-1])
    assert verdict["model"] and "label" in json.dumps(verdict)


def test_readme_commands_name_the_next_step_without_a_setup(tmp_path: Path) -> None:
    for command in runnable_commands():
        done = run(["bash", "-c", command], tmp_path, timeout=120)
        output = done.stdout + done.stderr
        assert done.returncode != 0, command
        assert NEXT_STEP in output, f"{command}\n{output[-2000:]}"
        assert "Traceback" not in output, f"{command}\n{output[-2000:]}"
    assert not (tmp_path / "fdsportal.sqlite3").exists()  # nothing was created half-way


# --- the demo state in a browser -----------------------------------------------------------------


@pytest.fixture
def demo_server(demo_var: Path) -> Iterator[str]:
    from fdsportal.launcher import ProcessGroup, wait_http_ok, web_command
    from tests.conftest import _free_port

    port = _free_port()
    env = user_env(demo_var)
    group = ProcessGroup(env=env, cwd=ROOT, logs=demo_var / "test-logs")
    # The web server reads the demo's settings the way manage.py does: from var/demo.env.
    for line in (demo_var / "demo.env").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.startswith("#"):
            env.setdefault(key, value)
    env["FDS_AXES_ENABLED"] = "false"
    web = group.start("web", web_command(port=port))
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_http_ok(url + "/healthz", timeout=90, watch=web), (
            demo_var / "test-logs" / "web.log"
        ).read_text()[-3000:]
        yield url
    finally:
        group.stop()


def _logins(var: Path) -> dict[str, str]:
    return {line.split()[0]: line.split()[1] for line in (var / "demo-logins.txt").read_text().splitlines()}


@pytest.mark.browser
def test_demo_opens_on_a_working_day_in_the_browser(demo_server: str, demo_var: Path, page) -> None:
    logins = _logins(demo_var)

    def sign_in(username: str) -> None:
        page.context.clear_cookies()
        page.goto(demo_server + "/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", logins[username])
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")

    # The what-to-try page names the login and links to the queue.
    page.goto(demo_server + "/try/analyst/")
    assert "analyst" in page.get_by_test_id("tryout-login").inner_text()
    assert logins["analyst"] in page.get_by_test_id("tryout-login").inner_text()

    sign_in("analyst")
    page.goto(demo_server + "/alerts/")
    statuses = set(page.locator("tr[data-status]").evaluate_all("rows => rows.map(r => r.dataset.status)"))
    assert {"new", "dismissed", "escalated"} <= statuses, statuses
    assert page.get_by_test_id("tryout-link").is_visible()

    page.goto(demo_server + "/cases/?status=investigating")
    waiting = page.get_by_test_id("case-table").locator("tr[data-case-id]")
    assert waiting.count() >= 1
    waiting.first.locator("a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_test_id("decide-form").is_visible()  # waits for a decision

    sign_in("senior")
    page.goto(demo_server + "/cases/refunds/?waiting=1")
    assert page.get_by_test_id("refund-table").locator("[data-testid=approve-refund]").count() >= 1


# --- the live feed's alert cadence -----------------------------------------------------------------


def test_cadence_injects_once_the_gap_passes_without_an_alert_and_retries_until_one_comes() -> None:
    cadence = AlertCadence(low=10, high=30, start=1_000.0, seed=3, retry_after=5)
    gap = cadence.gap
    assert 10 <= gap <= 30
    assert not cadence.due(1_000.0 + gap - 0.01)
    assert cadence.due(1_000.0 + gap)
    first = cadence.next_pattern(1_000.0 + gap)
    assert first in PATTERNS
    # The injected incident has not raised an alert yet: the next one only after retry_after.
    assert not cadence.due(1_000.0 + gap + 4.9)
    assert cadence.due(1_000.0 + gap + 5)
    # An alert arrives (from anything): a new gap starts from it.
    cadence.alert_seen(1_000.0 + gap + 6)
    assert not cadence.due(1_000.0 + gap + 6 + cadence.low - 0.01)
    assert 10 <= cadence.gap <= 30
    # An older alert seen again changes nothing.
    held = cadence.gap
    cadence.alert_seen(1_000.0)
    assert cadence.gap == held


def test_cadence_shows_every_pattern_each_round_and_the_seed_case_only_when_it_happens() -> None:
    cadence = AlertCadence(low=10, high=30, start=0.0, seed=1)
    one_round = [cadence.next_pattern(float(i)) for i in range(len(PATTERNS) + 1)]
    assert sorted(one_round) == sorted((*PATTERNS, SEED_CASE))
    friday_morning = datetime(2026, 11, 27, 7, 30, tzinfo=KST)
    friday_night = datetime(2026, 11, 27, 22, 0, tzinfo=KST)
    assert SEED_CASE in patterns_active(friday_morning)
    assert SEED_CASE not in patterns_active(friday_night)
    night = [cadence.next_pattern(100.0 + i, active=patterns_active(friday_night)) for i in range(20)]
    assert SEED_CASE not in night and set(night) == set(PATTERNS) - {SEED_CASE}


def test_cadence_refuses_an_empty_range() -> None:
    with pytest.raises(ValueError):
        AlertCadence(low=0, high=10, start=0.0)
    with pytest.raises(ValueError):
        AlertCadence(low=30, high=10, start=0.0)


def test_injected_incidents_come_from_the_pattern_generators_and_the_natural_pace_is_the_history_pace() -> (
    None
):
    sim = Simulator(7, customers=300, merchants=200)
    at = datetime(2026, 11, 27, 8, 0, tzinfo=KST)
    for pattern in PATTERNS:
        events = sim.incident(pattern, at, rng=__import__("random").Random(pattern), id_prefix=f"t-{pattern}")
        assert events and all(e.pattern == pattern for e in events)
        assert [e.row["occurred_at"] for e in events] == sorted(e.row["occurred_at"] for e in events)
        assert events[0].row["occurred_at"] == at
        assert len({e.row["external_id"] for e in events}) == len(events)
    seed_victims = {
        e.row["customer_id"]
        for e in sim.incident(SEED_CASE, at, rng=__import__("random").Random(1), id_prefix="s")
    }
    minors = {c.external_id for c in sim.population().customers if c.group == "minor"}
    assert seed_victims <= minors
    # A day of history at the natural pace holds about as many transactions as the rate says.
    day = sum(1 for _ in sim.history(datetime(2026, 11, 23, 0, 0, tzinfo=KST), 7)) / 7
    assert 0.7 < day / (sim.natural_rate() * 86_400) < 1.3
