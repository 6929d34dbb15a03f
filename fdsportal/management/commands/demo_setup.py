from __future__ import annotations

import json
import os
import secrets
import time
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from access.services import api_token_create
from alerts.customer_master import MasterCustomerIn, customer_master_import
from alerts.features import KST
from alerts.lifecycle import model_bootstrap
from alerts.model_versions import model_version_store
from alerts.models import ModelVersion, Transaction
from alerts.schemas import TransactionIn
from alerts.services import transactions_ingest, transactions_score
from alerts.simulator import Simulator, seed_case_transactions
from alerts.training import model_fit, stream_from_db
from fdsportal import demo_day, roles

DEMO_USERS = (
    ("analyst", roles.FRAUD_ANALYST),
    ("analyst2", roles.FRAUD_ANALYST),
    ("senior", roles.SENIOR_ANALYST),
    ("compliance", roles.COMPLIANCE_REVIEWER),
    ("employee", roles.EMPLOYEE),
    ("admin", roles.ADMINISTRATOR),
)
DEMO_SEED = 7
CHUNK = 5000


LIVE_DAYS = 7


class Command(BaseCommand):
    help = (
        "Prepare the local demo (safe to repeat): a user per role, an ingest token for the simulator, "
        "simulated history, a first FDS model and a first smishing model, and a working week: the last "
        "days scored as live traffic and worked by the demo's analysts (alerts, cases, refunds, QA, "
        "smishing labels and campaigns). Writes var/demo.env so manage.py runs with the demo's settings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=1500)
        parser.add_argument("--days", type=int, default=45)
        parser.add_argument(
            "--live-days",
            type=int,
            default=LIVE_DAYS,
            help="last days of the history replayed as live traffic",
        )
        parser.add_argument("--port", default="8000")
        parser.add_argument(
            "--smishing-per-template",
            type=int,
            default=10,
            help="generated messages per template for the first smishing model (fewer: faster, weaker)",
        )

    def handle(
        self,
        *args,
        customers: int,
        days: int,
        live_days: int,
        port: str,
        smishing_per_template: int,
        **options,
    ) -> None:
        self.smishing_per_template = smishing_per_template
        if customers < 20 or days < 3 or not 1 <= live_days < days:
            raise CommandError(
                "--customers must be at least 20, --days at least 3, 1 <= --live-days < --days"
            )
        started = time.monotonic()
        self._took()
        roles.roles_sync()
        logins = self._users()
        token_file = settings.VAR_DIR / "demo-ingest-token"
        if not token_file.exists():
            service, _ = User.objects.get_or_create(username="simulator")
            service.groups.add(Group.objects.get(name=roles.INGEST_SERVICE))
            _token, key = api_token_create(user=service, name="demo simulator")
            token_file.write_text(key)
            token_file.chmod(0o600)
        simulator = Simulator(DEMO_SEED, customers=customers, merchants=max(200, customers // 5))
        state = _state_read()
        if state.get("stage") == "replaying":
            raise CommandError(
                "an earlier demo set-up stopped half-way through the working week; remove "
                f"{settings.VAR_DIR} (and the demo database if DATABASE_URL names one) and run it again"
            )
        if not Transaction.objects.exists():
            self._working_week(simulator, days=days, live_days=live_days)
        elif not ModelVersion.objects.filter(is_active=True).exists():
            self._train()
        self._seed_case()
        self._smishing_model()
        (settings.VAR_DIR / "demo-logins.txt").write_text(
            "\n".join(f"{name:<11} {password:<18} ({role})" for name, password, role in logins) + "\n"
        )
        demo_env_write(settings.VAR_DIR)
        self.stdout.write(f"demo ready in {time.monotonic() - started:.0f} s")

    def _took(self) -> str:
        """Wall and CPU time since the last call: the set-up's stages, as it prints them."""
        wall, cpu = time.monotonic(), time.process_time()
        last_wall, last_cpu = getattr(self, "_clock", (wall, cpu))
        self._clock = (wall, cpu)
        return f"{wall - last_wall:.1f} s, {cpu - last_cpu:.1f} s CPU"

    def _users(self) -> list[tuple[str, str, str]]:
        saved = settings.VAR_DIR / "demo-logins.txt"
        known = {}
        if saved.exists():
            for line in saved.read_text().splitlines():
                parts = line.split()
                if len(parts) >= 2:
                    known[parts[0]] = parts[1]
        logins = []
        for name, role in DEMO_USERS:
            password = known.get(name) or secrets.token_urlsafe(9)
            user, created = User.objects.get_or_create(username=name)
            if created or not user.check_password(password):
                user.set_password(password)
            user.is_staff = role == roles.ADMINISTRATOR
            user.is_superuser = role == roles.ADMINISTRATOR
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            logins.append((name, password, roles.ROLE_LABELS[role]))
        return logins

    def _working_week(self, simulator: Simulator, *, days: int, live_days: int) -> None:
        """History up to `live_days` ago as imported history, the first model trained on it, then the
        rest replayed as live traffic and worked (fdsportal.demo_day)."""
        end = datetime.now(KST).replace(minute=0, second=0, microsecond=0)
        start = end - timedelta(days=days)
        live_from = end - timedelta(days=live_days)
        self.stderr.write(f"simulating {days} days of history for {simulator.n_customers} customers…")
        self._took()
        records = [MasterCustomerIn.model_validate(r) for r in simulator.population().master_records()]
        history, live = demo_day.week_events(list(simulator.history_events(start, days)), live_from=live_from)
        _state_write({"stage": "replaying", "end": end.isoformat()})
        staff = demo_day.DemoStaff(
            analysts=[User.objects.get(username="analyst"), User.objects.get(username="analyst2")],
            senior=User.objects.get(username="senior"),
            compliance=User.objects.get(username="compliance"),
            employee=User.objects.get(username="employee"),
        )
        # The older history, the customer master and the first model belong to the week's start.
        with demo_day.replay_clock(live_from):
            for first in range(0, len(records), 2000):
                customer_master_import(records=records[first : first + 2000], source="system:demo_setup")
            total = 0
            for first in range(0, len(history), CHUNK):
                rows = [TransactionIn.model_validate(e.row) for e in history[first : first + CHUNK]]
                result = transactions_ingest(
                    rows=rows, source="demo-history", historical=True, enqueue=False, accept_labels=True
                )
                transactions_score(transaction_ids=result.created_ids)  # fold into the behaviour state now
                total += len(result.created_ids)
            self.stderr.write(f"  {total:,} historical transactions stored ({self._took()})")
            self._train()
            self.stderr.write(f"  ({self._took()})")
            self._smishing_model()
            self.stderr.write(f"  ({self._took()})")
        self.stderr.write(f"replaying the last {live_days} days as live traffic, worked by the demo's staff…")
        week = demo_day.WorkingWeek(staff=staff, now=timezone.now(), seed=DEMO_SEED, log=self.stderr.write)
        population = simulator.population()
        week.smishing_reports(
            demo_day.demo_smishing_texts(
                mule_accounts=population.mule_accounts, mule_phones=population.mule_phones, seed=DEMO_SEED
            ),
            start=live_from,
        )
        report = week.replay(live, source="demo-live-week")
        week.finish()
        self.stderr.write(f"  {report.line()} ({self._took()})")
        _state_write({"stage": "done", "end": end.isoformat()})

    def _train(self) -> None:
        self.stderr.write("training the first FDS model…")
        outcome = model_fit(
            stream_from_db(), label_delay_days=settings.FDS_LABEL_DELAY_DAYS, progress=self.stderr.write
        )
        version = model_version_store(
            model=outcome.model,
            metrics=outcome.metrics,
            training_data={**outcome.training_data, "database": True},
            created_by="system:demo_setup",
            activate=False,
            importance=outcome.importance,
        )
        # The explicit, audited first step (alerts.model.bootstrapped); later models are promoted.
        model_bootstrap(version=version, system_actor="system:demo_setup", reason="the demo's first model")
        self.stderr.write(f"  {outcome.metrics}")

    def _seed_case(self) -> None:
        """The bank's own example, so the queue opens with it: a 17-year-old's 7,000 won at 07:00."""
        rows = [TransactionIn.model_validate(r) for r in seed_case_transactions()]
        card = rows[0].account_id
        if card:
            master = MasterCustomerIn.model_validate(
                {"external_id": rows[0].customer_id, "accounts": [{"external_id": card, "kind": "card"}]}
            )
            customer_master_import(records=[master], source="system:demo_setup")
        history = transactions_ingest(
            rows=rows[:-1], source="demo-seed-case", historical=True, enqueue=False, accept_labels=True
        )
        transactions_score(transaction_ids=history.created_ids)
        payment = transactions_ingest(rows=rows[-1:], source="demo-seed-case", enqueue=False)
        if payment.created_ids:
            result = transactions_score(transaction_ids=payment.created_ids)
            self.stderr.write(f"seed case scored: {len(result.alert_ids)} alert(s)")

    def _smishing_model(self) -> None:
        from smishing.models import SmishingModelVersion

        if SmishingModelVersion.objects.filter(is_active=True).exists():
            return
        self.stderr.write("training the first smishing model…")
        report = StringIO()
        call_command(
            "smishing_bootstrap",
            "--per-template",
            str(self.smishing_per_template),
            stdout=report,
            stderr=self.stderr,
        )
        held_out = json.loads(report.getvalue()).get("held_out") or {}
        self.stderr.write(
            f"  held-out templates: accuracy {held_out.get('accuracy')}, macro-F1 {held_out.get('macro_f1')}"
        )


def _state_path() -> Path:
    return settings.VAR_DIR / "demo-state.json"


def _state_read() -> dict[str, str]:
    try:
        return json.loads(_state_path().read_text())
    except (OSError, ValueError):
        return {}


def _state_write(state: dict[str, str]) -> None:
    _state_path().write_text(json.dumps(state))


# The settings the demo runs with, for manage.py run by hand afterwards (see manage.py). Never the
# Redis URL: the embedded server's port changes from run to run, and without one tasks run inline.
DEMO_ENV_KEYS = ("DATABASE_URL", "FDS_SECURE_COOKIES", "FDS_STATIC_FINDERS")


def demo_env_write(var_dir: Path) -> Path:
    """Write var/demo.env: the demo's settings as KEY=value lines (var/ is never committed)."""
    lines = [
        "# Written by `manage.py demo_setup`: the demo's settings, read by manage.py when",
        "# DJANGO_SECRET_KEY is not set. Delete this file to stop manage.py from using them.",
        f"FDS_VAR_DIR={var_dir}",
        "FDS_INSECURE_DEV_KEY=true",
    ]
    lines += [f"{key}={os.environ[key]}" for key in DEMO_ENV_KEYS if os.environ.get(key)]
    path = var_dir / "demo.env"
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path
