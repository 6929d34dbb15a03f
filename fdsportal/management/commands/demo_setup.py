from __future__ import annotations

import json
import secrets
import time
from datetime import datetime, timedelta
from io import StringIO

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

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
from fdsportal import roles

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


class Command(BaseCommand):
    help = (
        "Prepare the local demo (safe to repeat): a user per role, an ingest token for the simulator, "
        "simulated history, a first FDS model and a first smishing model."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=1500)
        parser.add_argument("--days", type=int, default=45)
        parser.add_argument("--port", default="8000")

    def handle(self, *args, customers: int, days: int, port: str, **options) -> None:
        started = time.monotonic()
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
        if not Transaction.objects.exists():
            self._history(simulator, days)
        if not ModelVersion.objects.filter(is_active=True).exists():
            self._train()
        self._seed_case()
        self._smishing(simulator)
        (settings.VAR_DIR / "demo-logins.txt").write_text(
            "\n".join(f"{name:<11} {password:<18} ({role})" for name, password, role in logins) + "\n"
        )
        self.stdout.write(f"demo ready in {time.monotonic() - started:.0f} s")

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

    def _history(self, simulator: Simulator, days: int) -> None:
        end = datetime.now(KST).replace(minute=0, second=0, microsecond=0)
        start = end - timedelta(days=days)
        self.stderr.write(f"simulating {days} days of history for {simulator.n_customers} customers…")
        batch: list[TransactionIn] = []
        total = 0
        records = [MasterCustomerIn.model_validate(r) for r in simulator.population().master_records()]
        for first in range(0, len(records), 2000):
            customer_master_import(records=records[first : first + 2000], source="system:demo_setup")

        def flush() -> None:
            nonlocal total
            result = transactions_ingest(
                rows=batch, source="demo-history", historical=True, enqueue=False, accept_labels=True
            )
            transactions_score(transaction_ids=result.created_ids)  # fold into the behaviour state now
            total += len(result.created_ids)
            batch.clear()

        for row in simulator.history(start, days):
            batch.append(TransactionIn.model_validate(row))
            if len(batch) >= CHUNK:
                flush()
        if batch:
            flush()
        self.stderr.write(f"  {total:,} historical transactions stored")

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

    def _smishing(self, simulator: Simulator) -> None:
        from smishing.intake import submission_create
        from smishing.models import SmishingModelVersion, Submission

        if not SmishingModelVersion.objects.filter(is_active=True).exists():
            self.stderr.write("training the first smishing model…")
            report = StringIO()
            call_command("smishing_bootstrap", "--per-template", "10", stdout=report, stderr=self.stderr)
            held_out = json.loads(report.getvalue()).get("held_out") or {}
            self.stderr.write(
                f"  held-out templates: accuracy {held_out.get('accuracy')}, macro-F1 {held_out.get('macro_f1')}"
            )
        if Submission.objects.exists():
            return
        # Reports that name some of the simulator's mule accounts and phones: transfers to them in the
        # live stream then carry the smishing cross-signal reason in the FDS.
        employee = User.objects.get(username="employee")
        population = simulator.population()
        texts = [
            f"[Web발신] [KB국민은행] 고객님 계좌가 범죄에 연루되어 보호 조치가 필요합니다. 안전계좌 국민 {account} "
            f"(예금주 금융보호센터)로 즉시 이체 바랍니다. 문의 {phone}"
            for account, phone in zip(
                population.mule_accounts[:4], population.mule_phones[:4] * 2, strict=False
            )
        ] + [
            "엄마 나 폰 액정 깨져서 임시폰으로 문자해. 급하게 문화상품권 사야 하는데 이 번호로 답장줘 "
            + population.mule_phones[0],
            "[부고] 故 김영수님께서 별세하셨기에 삼가 알려드립니다. 장례식장 안내 http://bit.ly/3xBuGo",
        ]
        for text in texts:
            submission_create(user=employee, text=text, consent=True)
        self.stderr.write(f"{len(texts)} smishing reports queued")
