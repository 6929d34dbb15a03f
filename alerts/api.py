from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from access.api_auth import require_perm
from alerts.labels import LabelsInvalid, LateLabel, labels_submit
from alerts.models import Alert, Transaction
from alerts.schemas import (
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
from alerts.services import transactions_ingest

router = Router(tags=["FDS"])


def _ingest(request: HttpRequest, rows: Sequence[TransactionIn]) -> Status:
    require_perm(request, "alerts.add_transaction")
    if len(rows) > settings.FDS_API_MAX_BATCH:
        raise HttpError(413, f"at most {settings.FDS_API_MAX_BATCH} transactions per request")
    source = f"api:{request.user.get_username()}"
    result = transactions_ingest(rows=rows, source=source)
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
    min_score: float | None = None
    status: str | None = None
    page: int = 1
    page_size: int = 50


class AlertPage(Schema):
    count: int
    page: int
    results: list[AlertOut]


@router.get("/alerts", response=AlertPage, summary="List alerts, newest first")
def alert_list(request: HttpRequest, query: Query[AlertQuery]):
    require_perm(request, "alerts.view_alert")
    if query.page < 1 or not 1 <= query.page_size <= 200:
        raise HttpError(422, "page must be ≥ 1 and page_size between 1 and 200")
    filters = AlertFilters(min_score=query.min_score, statuses=(query.status,) if query.status else ())
    alerts = alert_queue(filters=filters).select_related("score__model_version")
    start = (query.page - 1) * query.page_size
    return AlertPage(
        count=alerts.count(),
        page=query.page,
        results=[_alert_out(a) for a in alerts[start : start + query.page_size]],
    )


@router.get("/alerts/{alert_id}", response=AlertOut, summary="One alert with its reasons")
def alert_get(request: HttpRequest, alert_id: int):
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
def transaction_status(request: HttpRequest, external_id: str):
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
