"""The demo's working week: the last days of simulated history replayed as live traffic and worked.

`demo_setup` stores the older history as imported history (folded into behaviour state, labelled),
trains and bootstraps the first model, and then hands the last `live_days` to `WorkingWeek`. The
replay ingests those transactions hour by hour as live traffic (no labels), scores each hour's batch
through `alerts.services.transactions_score` (the worker's path: features, XGBoost, rules, TreeSHAP,
alerts, audit events), and lets the demo's analysts work the alerts the way a team would: claim,
dismiss with a reason, snooze, escalate to cases, investigate with notes, contact logs and evidence,
decide, request refunds; a senior analyst approves or rejects the large ones (four-eyes), approved
ones are paid through the gateway; compliance reviews part of the QA sample; employees report
smishing texts and analysts label them. Every write goes through the services a person would use,
so the audit trail, the four-eyes checks and the QA sampling are the real ones.

Time. Services read `django.utils.timezone.now()`; the replay sets it to the replayed moment
(`replay_clock`), so an alert is created when its transaction happened, a decision hours later, and
the operations dashboard's per-hour and per-day charts show a week of work. Steps planned after the
real present are not run: the newest alerts stay new, the newest cases open and the newest refunds
wait for their approver, as on a real morning. The analysts know the truth (the simulator's pattern
of each transaction): it stands in for what their calls and investigations would find out.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from alerts.models import Account, Alert
from alerts.schemas import TransactionIn
from alerts.services import transactions_ingest, transactions_score
from alerts.simulator import SimEvent
from cases.errors import CaseActionRefused
from cases.evidence import case_evidence_add
from cases.models import Case, CustomerContact, QaReview, RefundRequest
from cases.qa import qa_review_record
from cases.refunds import refund_payout_send, refund_request_approve, refund_request_reject
from cases.services import (
    case_close,
    case_contact_record,
    case_decide,
    case_note_add,
    case_start_investigation,
)
from cases.triage import TriageRefused, alert_claim, alert_dismiss, alert_escalate, alert_snooze

HOUR = timedelta(hours=1)
DISMISS_ROTATION = ("customer_confirmed", "known_pattern", "merchant_trusted", "customer_confirmed", "other")
OTHER_DISMISSAL = "고객이 해외 출장 중 본인 결제임을 앱에서 확인"
# What happens to a large refund (above the four-eyes threshold), in turn: most are paid, some wait
# for the approver, one in five is rejected. Small refunds are approved by the threshold at once.
LARGE_REFUND_FATES = ("waiting", "paid", "rejected", "paid", "waiting")
# The newest alerts nobody has looked at yet when the demo opens, however quiet the last hours were.
UNREAD_NEWEST = 3
# Whether a case investigated is decided or still open to a decision when the demo opens, in turn.
CASE_FATES = ("decide", "stay", "decide", "decide", "decide")


@contextmanager
def replay_clock(moment: datetime) -> Iterator[None]:
    """Make `timezone.now()` answer `moment` while the block runs.

    Services and model defaults (`default=timezone.now`, bound when the models were defined) all
    reach the clock through `django.utils.timezone.now`, which reads `datetime.now` of its own module;
    that one name is replaced, so nothing else in the process sees a different time."""

    class ReplayedDatetime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return moment.astimezone(tz) if tz is not None else moment.replace(tzinfo=None)

    original = timezone.datetime  # type: ignore[attr-defined]
    timezone.datetime = ReplayedDatetime  # type: ignore[attr-defined]
    try:
        yield
    finally:
        timezone.datetime = original  # type: ignore[attr-defined]


@dataclass(order=True)
class Step:
    at: datetime
    seq: int
    run: Callable[[], object] = field(compare=False)


@dataclass
class WeekReport:
    transactions: int = 0
    scored_batches: int = 0
    alerts: int = 0
    steps_run: int = 0
    steps_after_now: int = 0
    refused: Counter[str] = field(default_factory=Counter)

    def line(self) -> str:
        refused = f", {sum(self.refused.values())} refused" if self.refused else ""
        return (
            f"{self.transactions:,} live transactions in {self.scored_batches} hourly batches, "
            f"{self.alerts} alerts; {self.steps_run} analyst steps done, "
            f"{self.steps_after_now} still ahead{refused}"
        )


@dataclass
class DemoStaff:
    analysts: Sequence[User]
    senior: User
    compliance: User
    employee: User


class WorkingWeek:
    """Replays `events` (time-ordered live rows with their fraud pattern) up to `now` and works them."""

    def __init__(self, *, staff: DemoStaff, now: datetime, seed: int, log: Callable[[str], None]) -> None:
        self.staff = staff
        self.now = now
        self.rng = random.Random(f"fdsportal-demo-week:{seed}")
        self.log = log
        self.report = WeekReport()
        self._steps: list[Step] = []
        self._seq = itertools.count()
        self._truth: dict[int, str | None] = {}  # transaction id -> fraud pattern (None: genuine)
        self._large_refunds = itertools.cycle(LARGE_REFUND_FATES)
        self._case_fates = itertools.cycle(CASE_FATES)
        self._unread: list[Alert] = []
        self._qa_turns = itertools.cycle((False, True))
        self._genuine_fates = itertools.cycle(
            ["dismiss"] * 6 + ["snooze"] + ["dismiss"] * 5 + ["escalate"] + ["dismiss"] * 4 + ["leave"]
        )

    # -- the timeline -------------------------------------------------------------------------------

    def plan(self, at: datetime, run: Callable[[], object]) -> None:
        heapq.heappush(self._steps, Step(at, next(self._seq), run))

    def _run_due(self, until: datetime) -> None:
        while self._steps and self._steps[0].at <= until:
            step = heapq.heappop(self._steps)
            with replay_clock(step.at):
                try:
                    step.run()
                    self.report.steps_run += 1
                except (TriageRefused, CaseActionRefused) as exc:
                    # A step that lost to an earlier one (an alert already escalated with its parent,
                    # a case already decided) is refused by the service and changes nothing.
                    self.report.refused[type(exc).__name__] += 1

    def replay(self, events: Sequence[SimEvent], *, source: str) -> WeekReport:
        """Ingest and score hour by hour, running every planned step as its time comes (up to now)."""
        by_hour: dict[datetime, list[SimEvent]] = {}
        for event in events:
            moment: datetime = event.row["occurred_at"]
            hour = moment.replace(minute=0, second=0, microsecond=0) + HOUR
            by_hour.setdefault(hour, []).append(event)
        for hour in sorted(by_hour):
            batch = by_hour[hour]
            clock = min(hour, self.now)
            self._run_due(clock - timedelta(microseconds=1))
            with replay_clock(clock):
                rows = [TransactionIn.model_validate(e.row) for e in batch]
                ingested = transactions_ingest(rows=rows, source=source, enqueue=False)
                ids = dict(zip(ingested.created, ingested.created_ids, strict=True))
                for event in batch:
                    tx_id = ids.get(event.row["external_id"])
                    if tx_id is not None:
                        self._truth[tx_id] = event.pattern
                result = transactions_score(transaction_ids=ingested.created_ids)
            self.report.transactions += len(ingested.created_ids)
            self.report.scored_batches += 1
            self.report.alerts += len(result.alert_ids)
            for alert in Alert.objects.filter(pk__in=result.alert_ids).select_related("transaction"):
                # Planned once UNREAD_NEWEST newer alerts exist, not before the replayed hour: the
                # newest ones stay unread, and the timeline never runs backwards.
                if alert.status != Alert.Status.NEW:
                    continue  # attached to an open alert or case: it follows its parent
                self._unread.append(alert)
                if len(self._unread) > UNREAD_NEWEST:
                    self._plan_alert(self._unread.pop(0), not_before=clock)
        self._run_due(self.now)
        self.report.steps_after_now = len(self._steps)
        return self.report

    def smishing_reports(self, texts: Sequence[tuple[str, str]], *, start: datetime) -> None:
        """Plan employees' reports (text, the label an analyst will give) over the replayed days."""
        span = (self.now - start).total_seconds()
        for text, label in texts:
            at = start + timedelta(seconds=self.rng.uniform(0.05, 0.9) * span)
            self.plan(at, functools.partial(self._smishing_report, text, label))

    def finish(self) -> None:
        """Run what is left up to now (steps planned by the last batch or the smishing reports)."""
        self._run_due(self.now)
        self.report.steps_after_now = len(self._steps)

    # -- alerts -------------------------------------------------------------------------------------

    def _analyst(self) -> User:
        return self.staff.analysts[int(self.rng.random() * len(self.staff.analysts))]

    def _minutes(self, low: float, high: float) -> timedelta:
        return timedelta(minutes=self.rng.uniform(low, high))

    def _plan_alert(self, alert: Alert, *, not_before: datetime) -> None:
        if alert.status != Alert.Status.NEW:
            return  # attached to an open alert or case: it follows its parent
        created = alert.created_at
        analyst = self._analyst()
        claim_at = max(created + self._minutes(5, 120), not_before)
        pattern = self._truth.get(alert.transaction_id)
        if pattern is not None:
            self.plan(claim_at, lambda: alert_claim(alert_id=alert.pk, actor=analyst))
            self.plan(
                claim_at + self._minutes(5, 60),
                lambda: self._escalate(alert.pk, analyst, fraud=True),
            )
            return
        fate = next(self._genuine_fates)
        if fate == "leave":
            return
        if fate == "snooze":
            self.plan(
                claim_at,
                lambda: alert_snooze(
                    alert_id=alert.pk,
                    actor=analyst,
                    until=timezone.now() + timedelta(days=6),
                    reason="고객 통화 예약: 내일 오전 재확인",
                ),
            )
            return
        self.plan(claim_at, lambda: alert_claim(alert_id=alert.pk, actor=analyst))
        if fate == "escalate":
            self.plan(
                claim_at + self._minutes(10, 90), lambda: self._escalate(alert.pk, analyst, fraud=False)
            )
            return
        code = DISMISS_ROTATION[alert.pk % len(DISMISS_ROTATION)]
        self.plan(
            claim_at + self._minutes(2, 40),
            lambda: self._dismiss(alert.pk, analyst, code),
        )

    def _dismiss(self, alert_id: int, analyst: User, code: str) -> None:
        alert_dismiss(
            alert_id=alert_id,
            actor=analyst,
            reason_code=code,
            reason_text=OTHER_DISMISSAL if code == "other" else "",
        )
        review = QaReview.objects.filter(alert_id=alert_id).first()
        # Every other sample is reviewed (a day or two later); the others wait for compliance.
        if review is not None and next(self._qa_turns):
            self.plan(
                timezone.now() + self._minutes(12 * 60, 40 * 60),
                lambda: self._qa_review(review.pk),
            )

    def _qa_review(self, review_id: int) -> None:
        if self.rng.random() < 0.75:
            qa_review_record(review_id=review_id, actor=self.staff.compliance, outcome=QaReview.Outcome.AGREE)
        else:
            qa_review_record(
                review_id=review_id,
                actor=self.staff.compliance,
                outcome=QaReview.Outcome.INSUFFICIENT,
                comment="고객 확인 방법이 기록되지 않았습니다. 통화 기록을 남겨 주세요.",
            )

    def _escalate(self, alert_id: int, analyst: User, *, fraud: bool) -> None:
        alert = alert_escalate(alert_id=alert_id, actor=analyst, reason="고객 확인 필요")
        case = Case.objects.get(pk=alert.case_id)
        if case.status != Case.Status.OPEN or case.opened_by_id != analyst.pk:
            return  # joined a case already being worked
        started = timezone.now()
        self.plan(started + self._minutes(10, 180), lambda: self._investigate(case.pk, analyst, fraud=fraud))

    # -- cases --------------------------------------------------------------------------------------

    def _investigate(self, case_id: int, analyst: User, *, fraud: bool) -> None:
        case_start_investigation(case_id=case_id, actor=analyst)
        now = timezone.now()
        self.plan(
            now + self._minutes(5, 30),
            lambda: case_note_add(
                case_id=case_id,
                actor=analyst,
                body="거래 내역 검토: 평소와 다른 시간대·금액. 고객에게 확인 전화 예정.",
            ),
        )
        self.plan(
            now + self._minutes(30, 90),
            lambda: case_contact_record(
                case_id=case_id,
                actor=analyst,
                channel=CustomerContact.Channel.CALL_OUT,
                outcome=CustomerContact.Outcome.NO_ANSWER,
                summary="1차 발신: 부재",
            ),
        )
        outcome = (
            CustomerContact.Outcome.REACHED_CONFIRMED_FRAUD
            if fraud
            else CustomerContact.Outcome.REACHED_GENUINE
        )
        summary = "고객 통화: 본인 거래 아님, 카드 분실 신고 접수" if fraud else "고객 통화: 본인 결제 확인"
        contact_at = now + self._minutes(120, 8 * 60)
        self.plan(
            contact_at,
            lambda: case_contact_record(
                case_id=case_id,
                actor=analyst,
                channel=CustomerContact.Channel.CALL_OUT,
                outcome=outcome,
                summary=summary,
            ),
        )
        if fraud:
            self.plan(contact_at + self._minutes(5, 30), lambda: self._evidence(case_id, analyst))
        # Some cases are still being investigated when the demo opens, whatever their age.
        if next(self._case_fates) == "stay":
            return
        self.plan(
            contact_at + self._minutes(30, 16 * 60), lambda: self._decide(case_id, analyst, fraud=fraud)
        )

    def _evidence(self, case_id: int, analyst: User) -> None:
        body = (
            "고객 통화 기록\n"
            f"일시: {timezone.localtime():%Y-%m-%d %H:%M}\n"
            "내용: 고객은 해당 결제를 한 적이 없다고 진술함. 카드는 가족이 보관 중이었다고 함.\n"
        ).encode()
        case_evidence_add(
            case_id=case_id,
            actor=analyst,
            upload=SimpleUploadedFile("통화기록.txt", body, content_type="text/plain"),
            description="고객 통화 요약",
        )

    def _decide(self, case_id: int, analyst: User, *, fraud: bool) -> None:
        case = Case.objects.get(pk=case_id)
        if not fraud:
            case_decide(case_id=case_id, actor=analyst, is_fraud=False, reason="고객 본인 거래로 확인")
            self.plan(
                timezone.now() + self._minutes(30, 240), lambda: case_close(case_id=case_id, actor=analyst)
            )
            return
        total = sum(a.transaction.amount for a in case.alerts.select_related("transaction"))
        account = (
            Account.objects.filter(customer_id=case.customer_id).order_by("kind", "pk").first()
            if total > 0
            else None
        )
        case = case_decide(
            case_id=case_id,
            actor=analyst,
            is_fraud=True,
            reason="고객 통화로 부정 사용 확인",
            refund_amount=total if account is not None else None,
            refund_account_id=account.pk if account is not None else None,
        )
        refund = RefundRequest.objects.filter(case_id=case_id).order_by("-pk").first()
        if refund is None:
            return
        now = timezone.now()
        if refund.status == RefundRequest.Status.APPROVED:  # at or below the four-eyes threshold
            self.plan(now + self._minutes(1, 5), lambda: self._pay(refund.pk, case_id, analyst))
            return
        fate = next(self._large_refunds)
        if fate == "waiting":
            return  # the approver has not got to it yet
        decide_at = now + self._minutes(60, 18 * 60)
        if fate == "rejected":
            self.plan(
                decide_at,
                lambda: refund_request_reject(
                    refund_id=refund.pk,
                    actor=self.staff.senior,
                    reason="환급 계좌 명의 확인 필요: 고객 본인 계좌 증빙 후 재요청",
                ),
            )
            return
        self.plan(
            decide_at,
            lambda: refund_request_approve(
                refund_id=refund.pk, actor=self.staff.senior, reason="통화 기록과 증빙 확인"
            ),
        )
        self.plan(decide_at + self._minutes(1, 5), lambda: self._pay(refund.pk, case_id, analyst))

    def _pay(self, refund_id: int, case_id: int, analyst: User) -> None:
        # The payout task's own service (the queued task finds it settled and pays nothing twice).
        status = refund_payout_send(refund_id=refund_id)
        if status == RefundRequest.Status.SETTLED and self.rng.random() < 0.6:
            self.plan(
                timezone.now() + self._minutes(60, 20 * 60),
                lambda: case_close(case_id=case_id, actor=analyst, reason="환급 완료"),
            )

    # -- smishing -----------------------------------------------------------------------------------

    def _smishing_report(self, text: str, label: str) -> None:
        from smishing.intake import submission_create
        from smishing.labelling import submission_label
        from smishing.scoring import submissions_score

        submission = submission_create(user=self.staff.employee, text=text, consent=True)
        # The smishing task's own service; the queued task then finds nothing left to score.
        submissions_score(submission_ids=[submission.pk])
        if label and self.rng.random() < 0.8:
            analyst = self._analyst()
            self.plan(
                timezone.now() + self._minutes(20, 12 * 60),
                lambda: submission_label(submission_id=submission.pk, label=label, actor=analyst),
            )


def demo_smishing_texts(
    *, mule_accounts: Sequence[str], mule_phones: Sequence[str], seed: int
) -> list[tuple[str, str]]:
    """Reports employees forward in the demo: three campaigns of near-duplicates and a few singles.

    Each pair is (text, the label an analyst gives it). Some name the simulator's mule accounts and
    phones, so transfers to them carry the smishing cross-signal once a report is confirmed."""
    rng = random.Random(f"fdsportal-demo-smishing:{seed}")
    texts: list[tuple[str, str]] = []
    for n in range(6):
        account = mule_accounts[n % len(mule_accounts)] if mule_accounts else "110-234-567890"
        phone = mule_phones[n % len(mule_phones)] if mule_phones else "010-2345-6789"
        texts.append(
            (
                f"[Web발신] [KB국민은행] 고객님 계좌가 범죄에 연루되어 보호 조치가 필요합니다. 안전계좌 국민 "
                f"{account} (예금주 금융보호센터)로 즉시 이체 바랍니다. 문의 {phone}",
                "smishing",
            )
        )
    for n in range(5):
        code = "".join(rng.choice("abcdefghjkmnpqrstuvwxyz23456789") for _ in range(6))
        texts.append(
            (
                f"[국제발신] 고객님 택배가 주소 불일치로 보관 중입니다. 주소 수정: http://cj-dlvr{n}.top/{code} "
                "24시간 내 미수정 시 반송됩니다.",
                "smishing",
            )
        )
    for n in range(4):
        phone = mule_phones[(n + 2) % len(mule_phones)] if mule_phones else "010-3456-7890"
        texts.append(
            (
                f"엄마 나 폰 액정 깨져서 임시폰으로 문자해. 급하게 문화상품권 사야 하는데 이 번호로 답장줘 {phone}",
                "smishing",
            )
        )
    texts += [
        (
            "[부고] 故 김영수님께서 별세하셨기에 삼가 알려드립니다. 장례식장 안내 http://bit.ly/3xBuGo",
            "smishing",
        ),
        ("(광고) 한빛마트 주말 특가! 과일 전 품목 20% 할인. 무료수신거부 080-123-4567", "ad"),
        (
            "[한빛카드] 김*은님 12/01 14:22 승인 12,500원 일시불 누리몰. 본인 결제가 아니면 1588-0000",
            "normal",
        ),
        ("☆고수익 보장☆ 하루 30분 부업으로 월 500만원! 카톡 ID: money77 으로 문의", "spam"),
    ]
    return texts


def week_events(events: Sequence[SimEvent], *, live_from: datetime) -> tuple[list[SimEvent], list[SimEvent]]:
    """Split a history into the part imported as history and the part replayed as live traffic.

    The live part loses its labels: live traffic is unlabelled; its labels come from the analysts'
    decisions, as in production."""
    history: list[SimEvent] = []
    live: list[SimEvent] = []
    for event in events:
        if event.row["occurred_at"] < live_from:
            history.append(event)
        else:
            row: dict[str, Any] = dict(event.row)
            row.pop("is_fraud", None)
            live.append(SimEvent(row, event.pattern))
    return history, live
