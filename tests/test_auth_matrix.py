"""The authorisation matrix: every page, API operation and websocket route × every role.

The tables below say, for each URL name (pages), OpenAPI operation id (API) and route (websockets),
which roles may use it. The coverage tests walk the project itself — `get_resolver()`, the API's
OpenAPI schema and `fdsportal.routing` — and FAIL for anything missing from the tables, so a new
page, endpoint or socket cannot ship without someone deciding who may use it.

Expected outcomes:
- anonymous: pages redirect to the login page, the API answers 401, sockets are closed;
- an allowed role gets past the permission check (any answer but 401/403/404/405 or a server error;
  a 400 for the empty form we post is fine: the view accepted the caller and refused the input);
- any other role gets 403 or 404, and a socket is closed.

Objects for parametrised URLs belong to a neutral owner (never to the role under test), so "nothing
of others leaks" is part of every check; variants marked `own` give the object to the caller.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from fdsportal import roles

ANONYMOUS = "anonymous"
EMPLOYEE = roles.EMPLOYEE
ANALYST = roles.FRAUD_ANALYST
SENIOR = roles.SENIOR_ANALYST
COMPLIANCE = roles.COMPLIANCE_REVIEWER
ADMINISTRATOR = roles.ADMINISTRATOR
SERVICE = roles.INGEST_SERVICE  # API only: a service client with a bearer token
MASTER = roles.CUSTOMER_MASTER_SERVICE  # API only: core banking's customer master
LABEL_FEED = roles.LABEL_FEED  # API only: the chargeback / late-label feed, with a bearer token
SERVICES = (SERVICE, MASTER, LABEL_FEED)

STAFF_ROLES = (EMPLOYEE, ANALYST, SENIOR, COMPLIANCE, ADMINISTRATOR)
ROLES = (ANONYMOUS, *STAFF_ROLES)
API_PRINCIPALS = (*ROLES, *SERVICES)

# Role sets, written out rather than derived from fdsportal.roles: the matrix must catch a change there.
NOBODY: frozenset[str] = frozenset()
PUBLIC = frozenset(API_PRINCIPALS)  # anonymous included
SIGNED_IN = frozenset(STAFF_ROLES)
SUBMITTERS = frozenset({EMPLOYEE, ANALYST, SENIOR, ADMINISTRATOR})  # smishing.add_submission
WORKERS = frozenset({ANALYST, SENIOR, ADMINISTRATOR})  # triage, work cases, request refunds, label
APPROVERS = frozenset({SENIOR, ADMINISTRATOR})  # approve refunds (four-eyes), retrain models
READERS = WORKERS | {COMPLIANCE}  # view alerts, cases, refunds, submissions, campaigns, dashboard
COMPLIANCE_ONLY = frozenset({COMPLIANCE, ADMINISTRATOR})  # audit trail, QA review
ADMINISTRATORS = frozenset({ADMINISTRATOR})  # lift login lockouts
DETECTION_READERS = APPROVERS | {COMPLIANCE}  # rules, lists, thresholds, backtests, approvals (read-only)
# Drafting and approving detection changes is APPROVERS (never one's own change: see tests/detection).

_serial = itertools.count(1)
CANARY = "MATRIX-CANARY-7f3a"  # in objects of the neutral owner: must never reach a caller without rights


# --- Objects for parametrised URLs ---------------------------------------------------------------------


def autofill(model: type[models.Model], owner: User, **values: Any) -> Any:
    """Create a row of `model` with every required field filled plausibly (users are `owner`).

    Only what a NOT NULL column without default needs is filled, so this keeps working while other
    engineers add fields to their models.
    """
    n = next(_serial)
    for f in model._meta.concrete_fields:
        if f.primary_key or f.name in values or f.attname in values or f.null or f.has_default():
            continue
        if isinstance(f, models.ForeignKey):
            related = f.related_model
            assert isinstance(related, type)
            values[f.name] = owner if related is User else autofill(related, owner)
        elif f.choices:
            values[f.name] = f.choices[0][0]
        elif isinstance(f, models.DateTimeField):
            values[f.name] = timezone.now()
        elif isinstance(f, models.DateField):
            values[f.name] = date.today()
        elif isinstance(f, models.BooleanField):
            values[f.name] = False
        elif isinstance(f, models.FloatField | models.DecimalField):
            values[f.name] = 1
        elif isinstance(f, models.IntegerField):
            values[f.name] = 1 + n
        elif isinstance(f, models.UUIDField):
            values[f.name] = uuid.uuid4()
        elif isinstance(f, models.JSONField):
            values[f.name] = {}
        elif isinstance(f, models.BinaryField):
            values[f.name] = b"x"
        elif isinstance(f, models.CharField | models.TextField):
            text = f"matrix-{f.name}-{n}"
            values[f.name] = text[: f.max_length] if f.max_length else text
    return model._default_manager.create(**values)


@dataclass
class Objects:
    """Builds the objects URLs point at; everything belongs to `owner`, a user outside every role."""

    owner: User
    cache: dict[str, Any] = field(default_factory=dict)

    def _once(self, key: str, build: Callable[[], Any]) -> Any:
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]

    def customer(self) -> Any:
        from alerts.models import Customer

        return self._once(
            "customer", lambda: Customer.objects.create(external_id="MATRIX-C1", display_name=CANARY)
        )

    def account(self) -> Any:
        from alerts.models import Account

        return self._once(
            "account",
            lambda: Account.objects.create(external_id="MATRIX-A1", customer=self.customer(), kind="deposit"),
        )

    def transaction(self) -> Any:
        from alerts.models import Transaction

        return self._once(
            "transaction",
            lambda: Transaction.objects.create(
                external_id="MATRIX-TX1", customer=self.customer(), amount=7000, occurred_at=timezone.now()
            ),
        )

    def alert(self) -> Any:
        from alerts.models import Alert, ModelVersion, Score

        def build() -> Any:
            model = ModelVersion.objects.create(name=f"matrix-{next(_serial)}", artifact=b"x")
            tx = self.transaction()
            score = Score.objects.create(
                transaction=tx,
                model_version=model,
                score=0.9,
                model_score=0.9,
                reasons=[
                    {"code": "amount_spike", "weight": 0.4, "text_ko": "평소보다 큰 금액", "text_en": "large"}
                ],
            )
            return Alert.objects.create(transaction=tx, score=score, customer=self.customer())

        return self._once("alert", build)

    def dismissed_alert(self) -> Any:
        from alerts.models import Alert

        alert = self.alert()
        Alert.objects.filter(pk=alert.pk).update(status="dismissed", decided_at=timezone.now())
        return alert

    def case(self) -> Any:
        from cases.models import Case

        return self._once("case", lambda: autofill(Case, self.owner, customer=self.customer()))

    def evidence(self) -> Any:
        from cases.models import Evidence

        body = b"%PDF-1.4 matrix"
        return self._once(
            "evidence",
            lambda: autofill(
                Evidence,
                self.owner,
                case=self.case(),
                file=ContentFile(body, name="statement.pdf"),
                original_name="statement.pdf",
                content_type="application/pdf",
                size=len(body),
                sha256=hashlib.sha256(body).hexdigest(),
            ),
        )

    def refund(self) -> Any:
        from cases.models import RefundRequest

        return self._once(
            "refund",
            lambda: autofill(
                RefundRequest, self.owner, case=self.case(), amount=7000, destination_account=self.account()
            ),
        )

    def qa_review(self) -> Any:
        from cases.models import QaReview

        return self._once("qa_review", lambda: autofill(QaReview, self.owner, alert=self.dismissed_alert()))

    def submission(self, submitter: User | None = None) -> Any:
        from smishing.models import Submission

        submitter = submitter or self.owner
        return self._once(
            f"submission-{submitter.pk}",
            lambda: autofill(
                Submission,
                submitter,
                submitted_by=submitter,
                text=f"[국민건강보험] 환급금 조회 {CANARY if submitter == self.owner else ''} http://bit.ly/x",
            ),
        )

    def campaign(self) -> Any:
        from smishing.models import Campaign

        return self._once("campaign", lambda: autofill(Campaign, self.owner))

    def smishing_model(self) -> Any:
        from smishing.models import SmishingModelVersion

        return self._once("smishing_model", lambda: autofill(SmishingModelVersion, self.owner))

    def training_set(self) -> Any:
        from smishing.models import TrainingSet

        return self._once("training_set", lambda: autofill(TrainingSet, self.owner))

    # Detection: a draft of the owner's, with a fresh rule per request (deleting one must not make the
    # next role's request a 404), the seeded live version, a pending list change of the owner's.
    def detection_draft(self) -> Any:
        from detection.models import RuleSetVersion

        return self._once(
            "detection_draft",
            lambda: RuleSetVersion.objects.create(number=900, status="draft", created_by=self.owner),
        )

    def detection_rule(self) -> Any:
        from detection.models import Rule

        return Rule.objects.create(
            version=self.detection_draft(),
            code=f"matrix_rule_{next(_serial)}",
            condition="amount > 1.0",
            reason_ko=CANARY,
            reason_en=CANARY,
            owner=self.owner,
        )

    def detection_version(self) -> Any:
        from detection.models import RuleSetVersion

        return RuleSetVersion.objects.get(number=1)

    def watch_list(self) -> Any:
        from detection.models import WatchList

        return self._once(
            "watch_list", lambda: WatchList.objects.create(name="matrix-accounts", kind="account")
        )

    def list_entry(self) -> Any:
        from detection.models import ListEntry

        return ListEntry.objects.create(
            watch_list=self.watch_list(),
            value=f"1102223{next(_serial):05d}",
            reason=CANARY,
            author=self.owner,
        )

    def backtest(self) -> Any:
        from detection.models import Backtest

        return self._once(
            "backtest",
            lambda: Backtest.objects.create(
                version=self.detection_draft(), threshold=0.5, created_by=self.owner
            ),
        )

    def change(self) -> Any:
        from detection.models import ChangeRequest

        return self._once(
            "change",
            lambda: ChangeRequest.objects.create(
                kind="list",
                summary=CANARY,
                payload={"list": self.watch_list().pk, "add": [], "remove": []},
                maker=self.owner,
            ),
        )

    def shadow_run(self) -> Any:
        from detection.models import ShadowRun

        return self._once(
            "shadow_run",
            lambda: ShadowRun.objects.create(
                version=self.detection_version(),
                reason=CANARY,
                started_by=self.owner,
                active=False,
                stopped_at=timezone.now(),
            ),
        )

    def snooze(self) -> Any:
        from detection.models import RuleSnooze

        return self._once(
            "snooze",
            lambda: RuleSnooze.objects.create(
                rule_code="card_testing",
                customer=self.customer(),
                alert=self.alert(),
                reason=CANARY,
                until=timezone.now() + timedelta(days=3),
                created_by=self.owner,
            ),
        )

    def model_version(self) -> Any:
        from alerts.models import ModelVersion

        return self._once(
            "model_version",
            lambda: ModelVersion.objects.create(name=f"matrix-model-{next(_serial)}", artifact=b"x"),
        )

    def retraining(self) -> Any:
        from alerts.models import Retraining

        return self._once("retraining", lambda: Retraining.objects.create(started_by=self.owner))

    def retrain_job(self) -> Any:
        from smishing.models import RetrainJob

        return self._once("retrain_job", lambda: autofill(RetrainJob, self.owner))


Kwargs = Callable[[Objects, User | None], dict[str, Any]]


def _pk(kwarg: str, build: Callable[[Objects], Any]) -> Kwargs:
    return lambda objects, _caller: {kwarg: build(objects).pk}


def _own_submission(kwarg: str) -> Kwargs:
    return lambda objects, caller: {kwarg: objects.submission(caller).pk}


@dataclass(frozen=True)
class Access:
    allowed: frozenset[str]
    method: str = "GET"
    kwargs: Kwargs | None = None
    body: Callable[[Objects], dict[str, Any]] | None = None  # JSON for the API
    variant: str = ""  # when one URL needs several rows (own object vs someone else's)
    # False for URLs that refuse anonymous callers like everyone else (403/404), not via the login page.
    login_redirect: bool = True


def _rows(entry: Access | list[Access]) -> list[Access]:
    return entry if isinstance(entry, list) else [entry]


# --- The tables -----------------------------------------------------------------------------------------

# Admin pages are covered as a group (see test_admin_site_is_for_staff_only): Django's admin decides
# per model with its own permission system; this harness proves non-staff never get in.
ADMIN_NAMESPACE = "admin"

PAGES: dict[str, Access | list[Access]] = {
    # Project
    "home": Access(SIGNED_IN),
    "healthz": Access(PUBLIC),
    "login": Access(PUBLIC),
    "logout": Access(PUBLIC, method="POST"),
    "lockouts": Access(ADMINISTRATORS),
    "lockout_release": Access(
        ADMINISTRATORS, method="POST", kwargs=lambda objects, _caller: {"attempt_id": 1}
    ),
    "set_language": Access(PUBLIC, method="POST"),
    # The demo's walk-throughs: public, like the login page they point to.
    "tryout_index": Access(PUBLIC),
    "tryout": Access(PUBLIC, kwargs=lambda objects, _caller: {"slug": "analyst"}),
    # The API's own pages (the operations are in API_OPERATIONS): its docs are for signed-in staff.
    "api:api-root": Access(NOBODY, login_redirect=False),  # django-ninja answers 404 unless DEBUG
    "api:openapi-json": Access(SIGNED_IN),
    "api:openapi-view": Access(SIGNED_IN),
    # Alerts
    "alerts:queue": Access(READERS),
    "alerts:detail": Access(READERS, kwargs=_pk("alert_id", Objects.alert)),
    "alerts:transactions": Access(READERS),
    # The customer page: fraud staff and compliance; employees never see customers.
    "customers:detail": Access(READERS, kwargs=_pk("customer_id", Objects.customer)),
    # FDS model lifecycle
    "alerts:models": Access(READERS),
    "alerts:model_detail": Access(READERS, kwargs=_pk("pk", Objects.model_version)),
    "alerts:drift": Access(READERS),
    "alerts:model_rollback": Access(APPROVERS, method="POST"),
    "alerts:retraining_start": Access(APPROVERS, method="POST"),
    "alerts:retraining": Access(READERS, kwargs=_pk("pk", Objects.retraining)),
    "alerts:retraining_status": Access(READERS, kwargs=_pk("pk", Objects.retraining)),
    "alerts:retraining_promote": Access(APPROVERS, method="POST", kwargs=_pk("pk", Objects.retraining)),
    "alerts:retraining_discard": Access(APPROVERS, method="POST", kwargs=_pk("pk", Objects.retraining)),
    # Triage (in the cases app)
    "cases:alert_triage": Access(WORKERS, method="POST", kwargs=_pk("alert_id", Objects.alert)),
    "cases:alerts_bulk": Access(WORKERS, method="POST"),
    # Cases
    "cases:ops": Access(READERS),
    "cases:list": Access(READERS),
    "cases:detail": Access(READERS, kwargs=_pk("case_id", Objects.case)),
    "cases:start": Access(WORKERS, method="POST", kwargs=_pk("case_id", Objects.case)),
    "cases:decide": Access(WORKERS, method="POST", kwargs=_pk("case_id", Objects.case)),
    "cases:close": Access(WORKERS, method="POST", kwargs=_pk("case_id", Objects.case)),
    "cases:reopen": Access(WORKERS, method="POST", kwargs=_pk("case_id", Objects.case)),
    "cases:note_add": Access(WORKERS, method="POST", kwargs=_pk("case_id", Objects.case)),
    "cases:contact_add": Access(WORKERS, method="POST", kwargs=_pk("case_id", Objects.case)),
    "cases:evidence_add": Access(WORKERS, method="POST", kwargs=_pk("case_id", Objects.case)),
    "cases:evidence_download": Access(READERS, kwargs=_pk("evidence_id", Objects.evidence)),
    # Refunds
    "cases:refund_request": Access(WORKERS, method="POST", kwargs=_pk("case_id", Objects.case)),
    "cases:refunds": Access(READERS),
    "cases:refund_approve": Access(APPROVERS, method="POST", kwargs=_pk("refund_id", Objects.refund)),
    "cases:refund_reject": Access(APPROVERS, method="POST", kwargs=_pk("refund_id", Objects.refund)),
    # QA sample of dismissed alerts
    "cases:qa": Access(COMPLIANCE_ONLY),
    "cases:qa_review": Access(COMPLIANCE_ONLY, method="POST", kwargs=_pk("review_id", Objects.qa_review)),
    # Smishing
    "smishing:submit": Access(SUBMITTERS),
    "smishing:mine": Access(SUBMITTERS),
    "smishing:detail": [
        Access(SIGNED_IN, kwargs=_own_submission("pk"), variant="own"),
        Access(READERS, kwargs=_pk("pk", Objects.submission), variant="someone else's"),
    ],
    "smishing:label": Access(WORKERS, method="POST", kwargs=_pk("pk", Objects.submission)),
    "smishing:reason_feedback": Access(WORKERS, method="POST", kwargs=_pk("pk", Objects.submission)),
    "smishing:review": Access(READERS),
    "smishing:queue": Access(WORKERS),
    "smishing:campaigns": Access(READERS),
    "smishing:campaign_detail": Access(READERS, kwargs=_pk("pk", Objects.campaign)),
    "smishing:models": Access(READERS),
    "smishing:model_activate": Access(APPROVERS, method="POST", kwargs=_pk("pk", Objects.smishing_model)),
    "smishing:retrain_start": Access(APPROVERS, method="POST"),
    "smishing:retrain_job": Access(APPROVERS, kwargs=_pk("pk", Objects.retrain_job)),
    "smishing:retrain_approve": Access(APPROVERS, method="POST", kwargs=_pk("pk", Objects.retrain_job)),
    "smishing:training_set_create": Access(APPROVERS, method="POST"),
    "smishing:training_set_export": Access(APPROVERS, method="POST", kwargs=_pk("pk", Objects.training_set)),
    # Detection
    "detection:rules": Access(DETECTION_READERS),
    "detection:rule_new": Access(APPROVERS),
    "detection:rule_edit": Access(APPROVERS, kwargs=_pk("rule_id", Objects.detection_rule)),
    "detection:rule_delete": Access(APPROVERS, method="POST", kwargs=_pk("rule_id", Objects.detection_rule)),
    "detection:version": Access(
        DETECTION_READERS, kwargs=lambda objects, _caller: {"number": objects.detection_version().number}
    ),
    "detection:rollback": Access(
        APPROVERS,
        method="POST",
        kwargs=lambda objects, _caller: {"number": objects.detection_version().number},
    ),
    "detection:backtest_start": Access(APPROVERS, method="POST"),
    "detection:backtest": Access(DETECTION_READERS, kwargs=_pk("backtest_id", Objects.backtest)),
    "detection:backtest_status": Access(DETECTION_READERS, kwargs=_pk("backtest_id", Objects.backtest)),
    "detection:publish": Access(APPROVERS, method="POST"),
    "detection:changes": Access(DETECTION_READERS),
    "detection:change": Access(DETECTION_READERS, kwargs=_pk("change_id", Objects.change)),
    "detection:change_approve": Access(APPROVERS, method="POST", kwargs=_pk("change_id", Objects.change)),
    "detection:change_reject": Access(APPROVERS, method="POST", kwargs=_pk("change_id", Objects.change)),
    "detection:lists": Access(DETECTION_READERS),
    "detection:list": Access(DETECTION_READERS, kwargs=_pk("list_id", Objects.watch_list)),
    "detection:list_add": Access(APPROVERS, method="POST", kwargs=_pk("list_id", Objects.watch_list)),
    "detection:list_upload": Access(APPROVERS, method="POST", kwargs=_pk("list_id", Objects.watch_list)),
    "detection:list_entry_remove": Access(
        APPROVERS, method="POST", kwargs=_pk("entry_id", Objects.list_entry)
    ),
    "detection:threshold": Access(DETECTION_READERS),
    "detection:threshold_request": Access(APPROVERS, method="POST"),
    "detection:snoozes": Access(WORKERS),
    "detection:snooze_create": Access(WORKERS, method="POST", kwargs=_pk("alert_id", Objects.alert)),
    "detection:snooze_lift": Access(WORKERS, method="POST", kwargs=_pk("snooze_id", Objects.snooze)),
    "detection:promote": Access(WORKERS, method="POST", kwargs=_pk("submission_id", Objects.submission)),
    "detection:shadow": Access(DETECTION_READERS),
    "detection:shadow_run": Access(DETECTION_READERS, kwargs=_pk("run_id", Objects.shadow_run)),
    "detection:shadow_start": Access(APPROVERS, method="POST"),
    "detection:shadow_stop": Access(APPROVERS, method="POST", kwargs=_pk("run_id", Objects.shadow_run)),
    # Audit trail
    "audit:search": Access(COMPLIANCE_ONLY),
    "audit:export": Access(COMPLIANCE_ONLY, method="POST"),
    "audit:object_timeline": Access(
        COMPLIANCE_ONLY, kwargs=lambda objects, _caller: {"target_type": "cases.case", "target_id": "1"}
    ),
}


def _transaction_body(_objects: Objects) -> dict[str, Any]:
    return {
        "external_id": f"MATRIX-IN-{next(_serial)}",
        "customer_id": "MATRIX-C9",
        "amount": 7000,
        "occurred_at": "2026-11-20T07:00:00+09:00",
    }


INGEST = frozenset({SERVICE})
CUSTOMER_MASTER = frozenset({MASTER})


def _master_body(_objects: Objects) -> dict[str, Any]:
    n = next(_serial)
    return {"customers": [{"external_id": f"MATRIX-MC-{n}", "accounts": [{"external_id": f"MATRIX-MA-{n}"}]}]}


API_OPERATIONS: dict[str, Access | list[Access]] = {
    "alerts_api_transaction_submit": Access(INGEST, method="POST", body=_transaction_body),
    "alerts_api_customer_master_submit": Access(CUSTOMER_MASTER, method="POST", body=_master_body),
    "alerts_api_transaction_batch_submit": Access(
        INGEST, method="POST", body=lambda objects: {"transactions": [_transaction_body(objects)]}
    ),
    "alerts_api_transaction_status": Access(
        READERS | INGEST, kwargs=lambda objects, _caller: {"external_id": objects.transaction().external_id}
    ),
    "alerts_api_labels_post": Access(
        frozenset({LABEL_FEED, ADMINISTRATOR}),
        method="POST",
        body=lambda objects: {
            "labels": [
                {
                    "transaction_id": objects.transaction().external_id,
                    "is_fraud": True,
                    "reference": f"CB-{next(_serial)}",
                }
            ]
        },
    ),
    "alerts_api_alert_list": Access(READERS),
    "alerts_api_alert_get": Access(READERS, kwargs=_pk("alert_id", Objects.alert)),
    "cases_api_cases_list": Access(READERS),
    "cases_api_case_get": Access(READERS, kwargs=_pk("case_id", Objects.case)),
    "cases_api_refunds_list": Access(READERS),
    "cases_api_refund_get": Access(READERS, kwargs=_pk("refund_id", Objects.refund)),
    "smishing_api_consent_current": Access(SUBMITTERS | INGEST),
    "smishing_api_submission_create": Access(
        SUBMITTERS | INGEST,
        method="POST",
        body=lambda _objects: {"text": "[Web발신] 택배 주소 확인 http://x.kr"},
    ),
    "smishing_api_submission_get": [
        Access(SIGNED_IN | INGEST, kwargs=_own_submission("submission_id"), variant="own"),
        Access(READERS, kwargs=_pk("submission_id", Objects.submission), variant="someone else's"),
    ],
    # Detection
    "detection_api_rules_list": Access(DETECTION_READERS),
    "detection_api_rule_create": Access(APPROVERS, method="POST", body=lambda _objects: _rule_body()),
    "detection_api_rule_update": Access(
        APPROVERS,
        method="PUT",
        kwargs=_pk("rule_id", Objects.detection_rule),
        body=lambda _objects: _rule_body(),
    ),
    "detection_api_rule_remove": Access(
        APPROVERS, method="DELETE", kwargs=_pk("rule_id", Objects.detection_rule)
    ),
    "detection_api_versions_list": Access(DETECTION_READERS),
    "detection_api_version_get": Access(
        DETECTION_READERS, kwargs=lambda objects, _caller: {"number": objects.detection_version().number}
    ),
    "detection_api_version_diff": Access(
        DETECTION_READERS, kwargs=lambda objects, _caller: {"number": objects.detection_version().number}
    ),
    "detection_api_version_rollback": Access(
        APPROVERS,
        method="POST",
        kwargs=lambda objects, _caller: {"number": objects.detection_version().number},
    ),
    "detection_api_draft_publish": Access(
        APPROVERS, method="POST", body=lambda objects: {"backtest_id": objects.backtest().pk}
    ),
    "detection_api_changes_list": Access(DETECTION_READERS),
    "detection_api_change_get": Access(DETECTION_READERS, kwargs=_pk("change_id", Objects.change)),
    "detection_api_change_approve": Access(APPROVERS, method="POST", kwargs=_pk("change_id", Objects.change)),
    "detection_api_change_reject": Access(APPROVERS, method="POST", kwargs=_pk("change_id", Objects.change)),
    "detection_api_backtest_create": Access(APPROVERS, method="POST", body=lambda _objects: {"days": 7}),
    "detection_api_backtest_get": Access(DETECTION_READERS, kwargs=_pk("backtest_id", Objects.backtest)),
    "detection_api_lists_list": Access(DETECTION_READERS),
    "detection_api_list_entries": Access(DETECTION_READERS, kwargs=_pk("list_id", Objects.watch_list)),
    "detection_api_list_change": Access(
        APPROVERS,
        method="POST",
        kwargs=_pk("list_id", Objects.watch_list),
        body=lambda _objects: {
            "add": [{"value": f"1102229{next(_serial):05d}", "reason": "mule"}],
            "reason": "x",
        },
    ),
    "detection_api_list_upload": Access(
        APPROVERS,
        method="POST",
        kwargs=_pk("list_id", Objects.watch_list),
        body=lambda _objects: {"csv": f"1102228{next(_serial):05d},mule\n", "reason": "x"},
    ),
    "detection_api_threshold_get": Access(DETECTION_READERS),
    "detection_api_threshold_change": Access(
        APPROVERS, method="POST", body=lambda _objects: {"value": 0.7, "reason": "budget"}
    ),
    "detection_api_snoozes_list": Access(WORKERS),
    "detection_api_snooze_create": Access(
        WORKERS,
        method="POST",
        body=lambda objects: {
            "alert_id": objects.alert().pk,
            "rule_code": "card_testing",
            "days": 3,
            "reason": "known customer",
        },
    ),
    "detection_api_snooze_lift": Access(WORKERS, method="POST", kwargs=_pk("snooze_id", Objects.snooze)),
    "detection_api_indicators_promote": Access(
        WORKERS, method="POST", kwargs=_pk("submission_id", Objects.submission)
    ),
    "detection_api_shadow_list": Access(DETECTION_READERS),
    "detection_api_shadow_get": Access(DETECTION_READERS, kwargs=_pk("run_id", Objects.shadow_run)),
    "detection_api_shadow_start": Access(APPROVERS, method="POST"),
    "detection_api_shadow_stop": Access(APPROVERS, method="POST", kwargs=_pk("run_id", Objects.shadow_run)),
}


def _rule_body() -> dict[str, Any]:
    return {
        "code": f"matrix_api_{next(_serial)}",
        "condition": "amount > 1.0",
        "reason_ko": "규칙",
        "reason_en": "rule",
    }


WEBSOCKETS: dict[str, Access | list[Access]] = {
    "ws/alerts/": Access(READERS),
    "ws/smishing/submissions/": Access(SUBMITTERS),
    "ws/smishing/submissions/<id:submission_id>/": [
        # Only the person who submitted the text hears its verdict; analysts read it on the page.
        Access(SUBMITTERS, kwargs=_own_submission("submission_id"), variant="own"),
        Access(NOBODY, kwargs=_pk("submission_id", Objects.submission), variant="someone else's"),
    ],
    "ws/smishing/retrain/<id:job_id>/": Access(APPROVERS, kwargs=_pk("job_id", Objects.retrain_job)),
    # A retraining run's progress: whoever may read its page.
    "ws/alerts/models/retrain/<int:retraining_id>/": Access(
        READERS, kwargs=_pk("retraining_id", Objects.retraining)
    ),
}


# --- Walking the project --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str | None  # namespaced URL name
    route: str  # the full pattern, for unnamed URLs and messages


def project_routes() -> list[Route]:
    """Every URL pattern of the project, following includes to any depth."""

    def walk(patterns: list[Any], prefix: str, namespace: str | None) -> Iterator[Route]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
                yield Route(name, prefix + str(pattern.pattern))

    return list(walk(get_resolver().url_patterns, "", None))


def api_operations() -> dict[str, tuple[str, str]]:
    """operationId → (HTTP method, path template) for every operation in the OpenAPI schema."""
    from fdsportal.api import api

    schema = api.get_openapi_schema()
    return {
        operation["operationId"]: (method.upper(), path)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }


def _api_paths() -> set[str]:
    from fdsportal.api import api

    prefix = "/" + reverse(f"{api.urls_namespace}:api-root").strip("/") + "/"
    return {path.removeprefix(prefix) for _method, path in api_operations().values()}


def _is_api_operation(route: Route) -> bool:
    # The API's operations show up in the resolver too; they are checked through API_OPERATIONS.
    if not (route.name or "").startswith("api:"):
        return False
    template = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.route.removeprefix("api/"))
    return template in _api_paths()


def websocket_routes() -> list[str]:
    from fdsportal.routing import websocket_urlpatterns

    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for pattern in patterns:
            inner = getattr(pattern, "url_patterns", None)
            if inner is not None:
                yield from walk(inner, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    return list(walk(websocket_urlpatterns, ""))


# --- Fixtures -------------------------------------------------------------------------------------------


@pytest.fixture
def principals(db: None) -> dict[str, User | None]:
    roles.roles_sync()
    users: dict[str, User | None] = {ANONYMOUS: None}
    for role in (*STAFF_ROLES, *SERVICES):
        user = User.objects.create_user(username=f"matrix-{role}", password="matrix-password-1")
        user.groups.add(Group.objects.get(name=role))
        if role == ADMINISTRATOR:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        users[role] = User.objects.get(pk=user.pk)
    return users


@pytest.fixture
def objects(db: None) -> Objects:
    return Objects(owner=User.objects.create_user(username="matrix-owner", password="matrix-password-1"))


def client_as(user: User | None, role: str) -> Client:
    if role in SERVICES and user is not None:
        from access.services import api_token_create

        _token, key = api_token_create(user=user, name="matrix")
        return Client(raise_request_exception=False, headers={"Authorization": f"Bearer {key}"})
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _page_verdict(status: int, location: str, *, role: str, access: Access) -> str | None:
    """None when a page's answer to `role` matches the table, else what went wrong."""
    login = reverse(settings.LOGIN_URL)
    to_login = status in (301, 302, 303) and location.split("?")[0] == login
    public = ANONYMOUS in access.allowed
    if role == ANONYMOUS and not public and access.login_redirect:
        return None if to_login else f"expected a redirect to {login}, got {status} {location}"
    if role in access.allowed:
        # Public pages may send people to the login page (logging out does); protected ones must not.
        if status >= 500 or status in (401, 403, 404, 405, 422) or (to_login and not public):
            return f"expected access, got {status} {location}"
        return None
    return None if status in (403, 404) else f"expected 403 or 404, got {status} {location}"


# --- Pages ----------------------------------------------------------------------------------------------


def test_every_page_is_in_the_matrix() -> None:
    routes = [r for r in project_routes() if not _is_api_operation(r)]
    missing = sorted(
        {
            r.name or f"(unnamed) {r.route}"
            for r in routes
            if (r.name or "").split(":")[0] != ADMIN_NAMESPACE
            and not r.route.startswith(f"{ADMIN_NAMESPACE}/")
            and r.name not in PAGES
        }
    )
    assert not missing, (
        "URLs without an entry in tests/test_auth_matrix.py PAGES (decide who may use them): "
        + ", ".join(missing)
    )
    stale = sorted(set(PAGES) - {r.name for r in routes})
    assert not stale, "PAGES entries that are no longer URLs of the project: " + ", ".join(stale)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_access(name: str, principals: dict[str, User | None], objects: Objects) -> None:
    problems = []
    for access in _rows(PAGES[name]):
        for role in ROLES:
            user = principals[role]
            kwargs = access.kwargs(objects, user) if access.kwargs else {}
            url = reverse(name, kwargs=kwargs)
            client = client_as(user, role)
            response = client.post(url, {}) if access.method == "POST" else client.get(url)
            problem = _page_verdict(
                response.status_code, response.get("Location", ""), role=role, access=access
            )
            if problem:
                problems.append(f"{role} {access.method} {url} {access.variant}: {problem}")
    assert not problems, "\n".join(problems)


def test_wrong_method_is_refused_for_allowed_roles(
    principals: dict[str, User | None], objects: Objects
) -> None:
    """A POST-only action answers 405 to a GET (and a read-only page to a POST), never runs."""
    problems = []
    for name, entry in PAGES.items():
        for access in _rows(entry):
            allowed = sorted(access.allowed & set(STAFF_ROLES))
            # Forms that take both GET (the form) and POST (the submission).
            forms = {"smishing:submit", "detection:rule_new", "detection:rule_edit"}
            if not allowed or name in {"login", "logout", "set_language"} | forms:
                continue
            if name.startswith("api:"):
                continue
            user = principals[allowed[0]]
            url = reverse(name, kwargs=access.kwargs(objects, user) if access.kwargs else {})
            client = client_as(user, allowed[0])
            response = client.get(url) if access.method == "POST" else client.post(url, {})
            if response.status_code != 405:
                problems.append(f"{allowed[0]} wrong method on {name} ({url}): {response.status_code}")
    assert not problems, "\n".join(problems)


def _admin_kwargs(route: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for part in route.split("<")[1:]:
        spec = part.split(">")[0]
        converter, _, kwarg = spec.rpartition(":")
        kwargs[kwarg] = 1 if converter == "int" else ("auth" if kwarg == "app_label" else "1")
    return kwargs


def test_admin_site_is_for_staff_only(principals: dict[str, User | None]) -> None:
    admin_login = reverse("admin:login")
    problems = []
    routes = [
        r
        for r in project_routes()
        if r.name
        and r.name.startswith(f"{ADMIN_NAMESPACE}:")
        and r.name not in {"admin:login", "admin:logout"}
        and "(?P" not in r.route
    ]
    assert routes, "the admin site should be mounted"
    for route in routes:
        url = reverse(route.name, kwargs=_admin_kwargs(route.route))
        for role in (ANONYMOUS, EMPLOYEE, ANALYST, SENIOR, COMPLIANCE):
            response = client_as(principals[role], role).get(url)
            location = response.get("Location", "").split("?")[0]
            if not (response.status_code == 302 and location == admin_login) and response.status_code not in (
                403,
                404,
            ):
                problems.append(f"{role} GET {url}: {response.status_code} {location}")
    response = client_as(principals[ADMINISTRATOR], ADMINISTRATOR).get(reverse("admin:index"))
    if response.status_code != 200:
        problems.append(f"administrator GET admin:index: {response.status_code}")
    assert not problems, "\n".join(problems)


def test_nothing_of_others_leaks_to_employees(principals: dict[str, User | None], objects: Objects) -> None:
    """Every page and API read an employee may open, with every other object in the database, shows
    nothing of other people's alerts, cases or submissions."""
    employee = principals[EMPLOYEE]
    for build in (Objects.alert, Objects.case, Objects.refund, Objects.submission, Objects.campaign):
        build(objects)
    client = client_as(employee, EMPLOYEE)
    seen = []
    for table, prefix in ((PAGES, ""), (API_OPERATIONS, "api")):
        for key, entry in table.items():
            for access in _rows(entry):
                if EMPLOYEE not in access.allowed or access.method != "GET" or ANONYMOUS in access.allowed:
                    continue
                kwargs = access.kwargs(objects, employee) if access.kwargs else {}
                url = api_operations()[key][1].format(**kwargs) if prefix else reverse(key, kwargs=kwargs)
                response = client.get(url)
                assert response.status_code < 400, f"{url}: {response.status_code}"
                body = b"".join(response) if response.streaming else response.content
                assert CANARY not in body.decode(errors="replace"), f"{url} shows another person's data"
                seen.append(url)
    assert len(seen) >= 3, f"expected several employee pages to probe, got {seen}"


# --- API ------------------------------------------------------------------------------------------------


def test_every_api_operation_is_in_the_matrix() -> None:
    operations = api_operations()
    missing = sorted(set(operations) - set(API_OPERATIONS))
    assert not missing, "API operations without an entry in API_OPERATIONS: " + ", ".join(
        f"{op} ({' '.join(operations[op])})" for op in missing
    )
    stale = sorted(set(API_OPERATIONS) - set(operations))
    assert not stale, "API_OPERATIONS entries that are no longer operations: " + ", ".join(stale)


@pytest.mark.parametrize("operation_id", sorted(API_OPERATIONS))
def test_api_access(operation_id: str, principals: dict[str, User | None], objects: Objects) -> None:
    operations = api_operations()
    assert operation_id in operations, f"{operation_id} is not an operation of the API any more"
    method, template = operations[operation_id]
    problems = []
    for access in _rows(API_OPERATIONS[operation_id]):
        assert access.method == method, (
            f"{operation_id} is {method} in the API, {access.method} in the matrix"
        )
        for role in API_PRINCIPALS:
            user = principals[role]
            path = template.format(**(access.kwargs(objects, user) if access.kwargs else {}))
            client = client_as(user, role)
            body = access.body(objects) if access.body else None
            if method == "GET":
                response = client.get(path)
            else:
                response = client.generic(
                    method, path, json.dumps(body or {}), content_type="application/json"
                )
            status = response.status_code
            if role == ANONYMOUS and ANONYMOUS not in access.allowed:
                ok = status == 401
                expectation = "401"
            elif role in access.allowed:
                ok = status < 500 and status not in (401, 403, 404, 405, 422)
                expectation = "access"
            else:
                ok = status in (403, 404)
                expectation = "403 or 404"
            if not ok:
                detail = response.content[:200].decode(errors="replace")
                problems.append(
                    f"{role} {method} {path} {access.variant}: expected {expectation}, got {status} {detail}"
                )
    assert not problems, "\n".join(problems)


# --- Websockets -----------------------------------------------------------------------------------------


def test_every_websocket_route_is_in_the_matrix() -> None:
    routes = websocket_routes()
    missing = sorted(set(routes) - set(WEBSOCKETS))
    assert not missing, "websocket routes without an entry in WEBSOCKETS: " + ", ".join(missing)
    stale = sorted(set(WEBSOCKETS) - set(routes))
    assert not stale, "WEBSOCKETS entries that are no longer routes: " + ", ".join(stale)


def _ws_path(route: str, kwargs: dict[str, Any]) -> str:
    path = route
    for key, value in kwargs.items():
        for converter in ("int", "id", "str", "slug", "uuid", "path"):
            path = path.replace(f"<{converter}:{key}>", str(value))
        path = path.replace(f"<{key}>", str(value))
    return "/" + path


async def _connects(path: str, cookie: str) -> tuple[bool, Any]:
    from fdsportal.asgi import application

    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, detail = await communicator.connect(timeout=5)
    if connected:
        await communicator.disconnect()
    return connected, detail


@pytest.mark.parametrize("route", sorted(WEBSOCKETS))
def test_websocket_access(
    route: str, transactional_db: None, principals: dict[str, User | None], objects: Objects
) -> None:
    # Transactional: the consumer reads users and objects from its own thread and connection.
    cookies = {}
    for role in STAFF_ROLES:
        client = Client()
        user = principals[role]
        assert user is not None
        client.force_login(user)
        cookies[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    problems = []
    for access in _rows(WEBSOCKETS[route]):
        for role in ROLES:
            user = principals[role]
            path = _ws_path(route, access.kwargs(objects, user) if access.kwargs else {})
            connected, detail = async_to_sync(_connects)(path, cookies.get(role, ""))
            if connected != (role in access.allowed):
                expected = "accepted" if role in access.allowed else "closed"
                problems.append(
                    f"{role} {path} {access.variant}: expected {expected}, "
                    f"got connected={connected} ({detail})"
                )
    assert not problems, "\n".join(problems)


def test_the_matrix_knows_every_role() -> None:
    assert set(STAFF_ROLES) | set(SERVICES) == set(roles.ROLE_PERMISSIONS), (
        "a role was added or removed: extend the matrix"
    )
