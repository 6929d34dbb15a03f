"""Read-only API for cases and refund status (the Router is mounted at /api/)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from access.api_auth import require_perm
from cases import selectors
from cases.models import Case, RefundRequest

router = Router(tags=["cases"])


class RefundOut(Schema):
    id: int
    case_id: int
    status: str
    amount: int
    destination_account: str
    idempotency_key: str
    needs_second_approval: bool
    requested_by: str
    requested_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    sent_at: datetime | None
    settled_at: datetime | None
    failed_at: datetime | None
    failure_reason: str
    gateway_reference: str
    reconcile_issue: str


class CaseOut(Schema):
    id: int
    customer: str
    title: str
    status: str
    disposition: str
    opened_at: datetime
    assigned_to: str | None
    sla_due_at: datetime
    sla_state: str
    sla_escalated_at: datetime | None
    decided_by: str | None
    decided_at: datetime | None
    alert_ids: list[int]


class CaseDetailOut(CaseOut):
    decision_reason: str
    refunds: list[RefundOut]
    transaction_ids: list[str]


def _username(user: object | None) -> str | None:
    return user.get_username() if user is not None else None  # type: ignore[attr-defined]


def _refund_out(refund: RefundRequest) -> RefundOut:
    return RefundOut(
        id=refund.pk,
        case_id=refund.case_id,
        status=refund.status,
        amount=refund.amount,
        destination_account=refund.destination_account.external_id,
        idempotency_key=str(refund.idempotency_key),
        needs_second_approval=refund.needs_second_approval,
        requested_by=refund.requested_by.get_username(),
        requested_at=refund.requested_at,
        approved_by=_username(refund.approved_by),
        approved_at=refund.approved_at,
        sent_at=refund.sent_at,
        settled_at=refund.settled_at,
        failed_at=refund.failed_at,
        failure_reason=refund.failure_reason,
        gateway_reference=refund.gateway_reference,
        reconcile_issue=refund.reconcile_issue,
    )


def _case_fields(case: Case) -> dict[str, object]:
    return {
        "id": case.pk,
        "customer": case.customer.external_id,
        "title": case.title,
        "status": case.status,
        "disposition": case.disposition,
        "opened_at": case.opened_at,
        "assigned_to": _username(case.assigned_to),
        "sla_due_at": case.sla_due_at,
        "sla_state": selectors.case_sla_state(case=case).state,
        "sla_escalated_at": case.sla_escalated_at,
        "decided_by": _username(case.decided_by),
        "decided_at": case.decided_at,
        "alert_ids": [a.pk for a in case.alerts.all()],
    }


@router.get("/cases", response=list[CaseOut])
@paginate(LimitOffsetPagination)
def cases_list(request: HttpRequest, status: str = "", q: str = "") -> list[CaseOut]:
    """Cases, newest first; filter by `status` and search with `q`. Needs cases.view_case."""
    require_perm(request, "cases.view_case")
    qs = selectors.cases_search(user=request.user, query=q[:100], status=status).select_related("decided_by")
    return [CaseOut(**_case_fields(case)) for case in qs.prefetch_related("alerts")]  # type: ignore[arg-type]


@router.get("/cases/{case_id}", response=CaseDetailOut)
def case_get(request: HttpRequest, case_id: int) -> CaseDetailOut:
    """One case with its refunds. Needs cases.view_case."""
    require_perm(request, "cases.view_case")
    case = get_object_or_404(Case.objects.select_related("customer", "assigned_to", "decided_by"), pk=case_id)
    refunds = []
    if request.user.has_perm("cases.view_refundrequest"):
        refunds = [
            _refund_out(r)
            for r in case.refunds.select_related("destination_account", "requested_by", "approved_by")
        ]
    return CaseDetailOut(
        **_case_fields(case),  # type: ignore[arg-type]
        decision_reason=case.decision_reason,
        refunds=refunds,
        transaction_ids=[a.transaction.external_id for a in case.alerts.select_related("transaction")],
    )


@router.get("/refunds/{refund_id}", response=RefundOut)
def refund_get(request: HttpRequest, refund_id: int) -> RefundOut:
    """A refund's status. Needs cases.view_refundrequest."""
    require_perm(request, "cases.view_refundrequest")
    refund = get_object_or_404(
        RefundRequest.objects.select_related("destination_account", "requested_by", "approved_by"),
        pk=refund_id,
    )
    return _refund_out(refund)


@router.get("/refunds", response=list[RefundOut])
@paginate(LimitOffsetPagination)
def refunds_list(request: HttpRequest, status: str = "") -> list[RefundOut]:
    """Refunds, newest first; filter by `status`. Needs cases.view_refundrequest."""
    require_perm(request, "cases.view_refundrequest")
    return [_refund_out(r) for r in selectors.refunds_search(status=status)]
