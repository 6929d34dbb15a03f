from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from access.api_auth import require_perm
from alerts.customer_master import AccountBindingConflict, MasterBatchIn, customer_master_import
from alerts.labels import LabelsInvalid, LateLabel, labels_submit
from alerts.models import Alert, Transaction
from alerts.schemas import (
    ExternalId,
    IngestErrorOut,
    IngestOut,
    LabelBatchIn,
    LabelsOut,
    LiveTransactionIn,
    RowError,
    TransactionBatchIn,
    TransactionIn,
)
from alerts.selectors import AlertFilters, alert_queue, alert_rows
from alerts.services import IngestRejected, transactions_ingest
from untrusted.api_params import MAX_PAGE, MAX_PAGE_SIZE, ObjectId

router = Router(tags=["FDS"])


def _ingest(request: HttpRequest, rows: Sequence[TransactionIn]) -> Status:
    require_perm(request, "alerts.add_transaction")
    if len(rows) > settings.FDS_API_MAX_BATCH:
        raise HttpError(413, f"at most {settings.FDS_API_MAX_BATCH} transactions per request")
    source = f"api:{request.user.get_username()}"
    try:
        result = transactions_ingest(rows=rows, source=source)
    except IngestRejected as exc:
        errors = [
            RowError(index=index, external_id=external_id, field=field, message=message)
            for index, external_id, field, message in exc.problems
        ]
        return Status(422, IngestErrorOut(errors=errors))
    body = IngestOut(accepted=len(result.created), created=result.created, duplicates=result.duplicates)
    return Status(201 if result.created else 200, body)


@router.post(
    "/transactions",
    response={200: IngestOut, 201: IngestOut, 422: IngestErrorOut},
    summary="Submit one transaction",
)
def transaction_submit(request: HttpRequest, payload: LiveTransactionIn):
    """Stores the transaction once (idempotent by `external_id`: a re-send answers 200 with the id
    under `duplicates`) and queues it for scoring."""
    return _ingest(request, [payload])


@router.post(
    "/transactions/batch",
    response={200: IngestOut, 201: IngestOut, 413: dict, 422: IngestErrorOut},
    summary="Submit many transactions",
)
def transaction_batch_submit(request: HttpRequest, payload: TransactionBatchIn):
    """Up to FDS_API_MAX_BATCH transactions. All rows are validated first: if any row is invalid the
    answer is 422 listing every bad row with its reason, and nothing is stored."""
    return _ingest(request, payload.transactions)


@router.post(
    "/labels",
    response={200: LabelsOut, 201: LabelsOut, 422: IngestErrorOut},
    summary="Record late fraud labels (chargebacks, late reports)",
)
def labels_post(request: HttpRequest, payload: LabelBatchIn):
    """Needs the permission alerts.record_label (not granted to ingest clients). All labels are checked
    first; if any is bad the answer is 422 listing each, and nothing is stored. Each label is audited;
    a `reference` already stored answers 200 with it under `duplicates`."""
    require_perm(request, "alerts.record_label")
    items = [
        LateLabel(
            transaction_external_id=item.transaction_id,
            is_fraud=item.is_fraud,
            source=item.source,
            reference=item.reference,
            known_at=item.known_at,
            reason=item.reason,
        )
        for item in payload.labels
    ]
    try:
        result = labels_submit(labels=items, actor=request.user)
    except LabelsInvalid as exc:
        errors = [
            RowError(index=i, external_id=payload.labels[i].transaction_id, field=f, message=m)
            for i, f, m in exc.problems
        ]
        return Status(422, IngestErrorOut(errors=errors))
    return Status(
        201 if result.created else 200, LabelsOut(created=result.created, duplicates=result.duplicates)
    )


class ReasonOut(Schema):
    code: str
    weight: float
    text: str  # in the configured reason language (FDS_REASON_LANGUAGE)
    text_ko: str
    text_en: str


class AlertOut(Schema):
    id: int
    status: str
    created_at: str
    score: float
    model_version: str
    transaction_id: str
    customer_id: str
    amount: int
    occurred_at: str
    reasons: list[ReasonOut]


def _alert_out(alert: Alert) -> AlertOut:
    return AlertOut(
        id=alert.pk,
        status=alert.status,
        created_at=alert.created_at.isoformat(),
        score=alert.score.score,
        model_version=alert.score.model_version.name,
        transaction_id=alert.transaction.external_id,
        customer_id=alert.customer.external_id,
        amount=alert.transaction.amount,
        occurred_at=alert.transaction.occurred_at.isoformat(),
        reasons=[
            ReasonOut(
                **{k: r[k] for k in ("code", "weight", "text_ko", "text_en")},
                text=r[f"text_{settings.FDS_REASON_LANGUAGE}"],
            )
            for r in alert.score.reasons
        ],
    )


class AlertQuery(Schema):
    min_score: float | None = Field(None, ge=0, le=1)
    status: Alert.Status | None = None
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class AlertPage(Schema):
    count: int
    page: int
    results: list[AlertOut]


@router.get("/alerts", response=AlertPage, summary="List alerts, newest first")
def alert_list(request: HttpRequest, query: Query[AlertQuery]):
    require_perm(request, "alerts.view_alert")
    filters = AlertFilters(min_score=query.min_score, statuses=(query.status,) if query.status else ())
    alerts = alert_queue(filters=filters).select_related("score__model_version")
    start = (query.page - 1) * query.page_size
    return AlertPage(
        count=alerts.count(),
        page=query.page,
        results=[_alert_out(a) for a in alerts[start : start + query.page_size]],
    )


@router.get("/alerts/{alert_id}", response=AlertOut, summary="One alert with its reasons")
def alert_get(request: HttpRequest, alert_id: ObjectId):
    require_perm(request, "alerts.view_alert")
    return _alert_out(get_object_or_404(alert_rows().select_related("score__model_version"), pk=alert_id))


class TransactionStatusOut(Schema):
    external_id: str
    status: str
    score: float | None
    alert_id: int | None


@router.get(
    "/transactions/{external_id}", response=TransactionStatusOut, summary="Scoring status of a transaction"
)
def transaction_status(request: HttpRequest, external_id: ExternalId):
    if not (
        request.user.has_perm("alerts.add_transaction") or request.user.has_perm("alerts.view_transaction")
    ):
        raise HttpError(403, "permission alerts.add_transaction or alerts.view_transaction required")
    tx = get_object_or_404(Transaction.objects.select_related("score", "alert"), external_id=external_id)
    score = getattr(tx, "score", None)
    alert = getattr(tx, "alert", None)
    return TransactionStatusOut(
        external_id=tx.external_id,
        status=tx.status,
        score=score.score if score else None,
        alert_id=alert.pk if alert else None,
    )


class MasterImportOut(Schema):
    customers_created: int
    customers_updated: int
    accounts_bound: list[str]


class ConflictOut(Schema):
    detail: str
    conflicts: list[dict[str, str]]


@router.post(
    "/customers/master",
    response={200: MasterImportOut, 409: ConflictOut, 422: IngestErrorOut},
    summary="Customer master data: customers and the accounts that are theirs",
)
def customer_master_submit(request: HttpRequest, payload: MasterBatchIn):
    """The only way an account becomes a customer's (refunds are paid to these accounts). Needs
    alerts.add_account (the customer-master service role). All or nothing: an account already bound
    to another customer answers 409 and nothing is written. Safe to re-send."""
    require_perm(request, "alerts.add_account")
    try:
        result = customer_master_import(
            records=payload.customers, source=f"api:{request.user.get_username()}", actor=request.user
        )
    except AccountBindingConflict as exc:
        conflicts = [{"account": a, "bound_to": bound, "named": named} for a, bound, named in exc.conflicts]
        return Status(409, ConflictOut(detail="account bound to another customer", conflicts=conflicts))
    return MasterImportOut(
        customers_created=result.customers_created,
        customers_updated=result.customers_updated,
        accounts_bound=result.accounts_bound,
    )
