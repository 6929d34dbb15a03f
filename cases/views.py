"""Case, refund, QA and triage pages: thin views over the cases services (lifecycle, refunds, evidence, QA, triage)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from access.requests import request_actor
from alerts.models import Account, Alert
from cases import evidence, qa, refunds, selectors, services, triage
from cases.errors import CaseActionRefused
from cases.forms import (
    ContactForm,
    DecisionForm,
    EvidenceForm,
    NoteForm,
    QaReviewForm,
    ReasonForm,
    RefundRequestForm,
    TriageForm,
)
from cases.models import Case, CustomerContact, Evidence, QaReview, RefundRequest

PAGE_SIZE = 25


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Redirect to the form's `next` (same host only) or to `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


def _form_errors(form: Any) -> str:
    return "; ".join(
        f"{field}: {' '.join(errs)}" if field != "__all__" else " ".join(errs)
        for field, errs in form.errors.items()
    )


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def _alert_page(alert_id: int) -> str:
    return reverse("alerts:detail", args=[alert_id])


# --- Cases ---------------------------------------------------------------------------------------


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    status = request.GET.get("status", "")
    sla = request.GET.get("sla", "")
    mine = request.GET.get("mine") == "1"
    cases = selectors.cases_search(
        user=request_actor(request), query=query, status=status, mine=mine, sla=sla
    )
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(case, selectors.case_sla_state(case=case)) for case in page.object_list]
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "cases/list.html",
        {
            "page": page,
            "rows": rows,
            "query": query,
            "status": status,
            "sla": sla,
            "mine": mine,
            "statuses": Case.Status.choices,
            "querystring": params.urlencode(),
        },
    )


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    detail = selectors.case_detail(case_id=case_id)
    if detail is None:
        raise Http404("no such case")
    case = detail.case
    user = request_actor(request)
    can_work = user.has_perm("cases.work_case")
    active_refund = next((r for r in detail.refunds if r.status in RefundRequest.ACTIVE_STATUSES), None)
    return render(
        request,
        "cases/detail.html",
        {
            "d": detail,
            "case": case,
            "can_work": can_work,
            "can_request_refund": user.has_perm("cases.request_refund"),
            "can_approve": user.has_perm("cases.approve_refund"),
            "accounts": list(Account.objects.filter(customer=case.customer).order_by("id")),
            "active_refund": active_refund,
            "contact_channels": CustomerContact.Channel.choices,
            "contact_outcomes": CustomerContact.Outcome.choices,
            "four_eyes_threshold": refunds.refund_four_eyes_threshold(),
            "sla_json": {"due": detail.sla.due_at.isoformat(), "state": detail.sla.state},
        },
    )


def _case_action(request: HttpRequest, case_id: int, action: Any, success: str) -> HttpResponse:
    if not Case.objects.filter(pk=case_id).exists():
        raise Http404("no such case")
    try:
        action()
    except CaseActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("cases:detail", case_id=case_id)


@login_required
@permission_required("cases.work_case", raise_exception=True)
@require_POST
def case_start(request: HttpRequest, case_id: int) -> HttpResponse:
    return _case_action(
        request,
        case_id,
        lambda: services.case_start_investigation(case_id=case_id, actor=request_actor(request)),
        _("Investigation started."),
    )


@login_required
@permission_required("cases.work_case", raise_exception=True)
@require_POST
def case_decide(request: HttpRequest, case_id: int) -> HttpResponse:
    form = DecisionForm(request.POST)
    if not form.is_valid():
        if not Case.objects.filter(pk=case_id).exists():
            raise Http404("no such case")
        messages.error(request, _form_errors(form))
        return redirect("cases:detail", case_id=case_id)
    data = form.cleaned_data
    is_fraud = data["decision"] == "fraud"
    wants_refund = is_fraud and data.get("refund_amount") and data.get("refund_account")
    return _case_action(
        request,
        case_id,
        lambda: services.case_decide(
            case_id=case_id,
            actor=request_actor(request),
            is_fraud=is_fraud,
            reason=data["reason"],
            refund_amount=data["refund_amount"] if wants_refund else None,
            refund_account_id=data["refund_account"] if wants_refund else None,
        ),
        _("Decision recorded.") + (" " + _("Refund requested.") if wants_refund else ""),
    )


def _reason_action(request: HttpRequest, case_id: int, service, done: str) -> HttpResponse:
    """A case transition that takes an optional reason (the service decides whether it is required)."""
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _case_action(
        request, case_id, lambda: service(case_id=case_id, actor=request_actor(request), reason=reason), done
    )


@login_required
@permission_required("cases.work_case", raise_exception=True)
@require_POST
def case_close(request: HttpRequest, case_id: int) -> HttpResponse:
    return _reason_action(request, case_id, services.case_close, _("Case closed."))


@login_required
@permission_required("cases.work_case", raise_exception=True)
@require_POST
def case_reopen(request: HttpRequest, case_id: int) -> HttpResponse:
    return _reason_action(request, case_id, services.case_reopen, _("Case reopened."))


@login_required
@permission_required("cases.work_case", raise_exception=True)
@require_POST
def case_note_add(request: HttpRequest, case_id: int) -> HttpResponse:
    form = NoteForm(request.POST)
    body = form.cleaned_data["body"] if form.is_valid() else ""
    return _case_action(
        request,
        case_id,
        lambda: services.case_note_add(case_id=case_id, actor=request_actor(request), body=body),
        _("Note added."),
    )


@login_required
@permission_required("cases.work_case", raise_exception=True)
@require_POST
def case_contact_add(request: HttpRequest, case_id: int) -> HttpResponse:
    form = ContactForm(request.POST)
    if not form.is_valid():
        if not Case.objects.filter(pk=case_id).exists():
            raise Http404("no such case")
        messages.error(request, _form_errors(form))
        return redirect("cases:detail", case_id=case_id)
    data = form.cleaned_data
    return _case_action(
        request,
        case_id,
        lambda: services.case_contact_record(
            case_id=case_id,
            actor=request_actor(request),
            channel=data["channel"],
            outcome=data["outcome"],
            summary=data["summary"],
        ),
        _("Contact logged."),
    )


@login_required
@permission_required("cases.work_case", raise_exception=True)
@require_POST
def case_evidence_add(request: HttpRequest, case_id: int) -> HttpResponse:
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        if not Case.objects.filter(pk=case_id).exists():
            raise Http404("no such case")
        messages.error(request, _form_errors(form))
        return redirect("cases:detail", case_id=case_id)
    return _case_action(
        request,
        case_id,
        lambda: evidence.case_evidence_add(
            case_id=case_id,
            actor=request_actor(request),
            upload=form.cleaned_data["file"],
            description=form.cleaned_data["description"],
        ),
        _("Evidence attached."),
    )


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_GET
def evidence_download(request: HttpRequest, evidence_id: int) -> FileResponse:
    evidence = Evidence.objects.filter(pk=evidence_id).first()
    if evidence is None:
        raise Http404("no such evidence")
    response = FileResponse(
        evidence.file.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    # Even a browser that ignores the attachment disposition must not run anything from this file.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Refunds -------------------------------------------------------------------------------------


@login_required
@permission_required("cases.request_refund", raise_exception=True)
@require_POST
def refund_request(request: HttpRequest, case_id: int) -> HttpResponse:
    form = RefundRequestForm(request.POST)
    if not form.is_valid():
        if not Case.objects.filter(pk=case_id).exists():
            raise Http404("no such case")
        messages.error(request, _form_errors(form))
        return redirect("cases:detail", case_id=case_id)
    return _case_action(
        request,
        case_id,
        lambda: refunds.refund_request_create(
            case_id=case_id,
            actor=request_actor(request),
            amount=form.cleaned_data["amount"],
            account_id=form.cleaned_data["account"],
        ),
        _("Refund requested."),
    )


@login_required
@permission_required("cases.view_refundrequest", raise_exception=True)
@require_GET
def refund_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    waiting = request.GET.get("waiting") == "1" and request_actor(request).has_perm("cases.approve_refund")
    found = selectors.refunds_search(status=status, waiting_for=request_actor(request) if waiting else None)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "cases/refunds.html",
        {
            "page": page,
            "status": status,
            "waiting": waiting,
            "statuses": RefundRequest.Status.choices,
            "can_approve": request_actor(request).has_perm("cases.approve_refund"),
            "querystring": params.urlencode(),
            "four_eyes_threshold": refunds.refund_four_eyes_threshold(),
        },
    )


def _refund_decision(request: HttpRequest, refund_id: int, action: Any, success: str) -> HttpResponse:
    refund = RefundRequest.objects.filter(pk=refund_id).only("pk", "case_id").first()
    if refund is None:
        raise Http404("no such refund")
    try:
        action()
    except CaseActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return _back(request, reverse("cases:detail", args=[refund.case_id]))


@login_required
@permission_required("cases.approve_refund", raise_exception=True)
@require_POST
def refund_approve(request: HttpRequest, refund_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")[:4000]
    return _refund_decision(
        request,
        refund_id,
        lambda: refunds.refund_request_approve(
            refund_id=refund_id, actor=request_actor(request), reason=reason
        ),
        _("Refund approved; the payout is on its way."),
    )


@login_required
@permission_required("cases.approve_refund", raise_exception=True)
@require_POST
def refund_reject(request: HttpRequest, refund_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")[:4000]
    return _refund_decision(
        request,
        refund_id,
        lambda: refunds.refund_request_reject(
            refund_id=refund_id, actor=request_actor(request), reason=reason
        ),
        _("Refund rejected."),
    )


# --- QA ------------------------------------------------------------------------------------------


@login_required
@permission_required("cases.review_qa", raise_exception=True)
@require_GET
def qa_queue(request: HttpRequest) -> HttpResponse:
    reviewed = request.GET.get("reviewed") == "1"
    page = Paginator(selectors.qa_queue(reviewed=reviewed), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/qa.html",
        {"page": page, "reviewed": reviewed, "outcomes": QaReview.Outcome.choices},
    )


@login_required
@permission_required("cases.review_qa", raise_exception=True)
@require_POST
def qa_review(request: HttpRequest, review_id: int) -> HttpResponse:
    if not QaReview.objects.filter(pk=review_id).exists():
        raise Http404("no such review")
    form = QaReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("cases:qa")
    try:
        qa.qa_review_record(
            review_id=review_id,
            actor=request_actor(request),
            outcome=form.cleaned_data["outcome"],
            comment=form.cleaned_data["comment"],
        )
    except CaseActionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Review recorded."))
    return redirect("cases:qa")


# --- Alert triage --------------------------------------------------------------------------------


def _triage_answer(
    request: HttpRequest,
    *,
    ok: bool,
    message: str,
    status: int,
    default: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"ok": ok, "message": message, **(extra or {})}, status=status)
    (messages.success if ok else messages.error)(request, message)
    return _back(request, default)


@login_required
@permission_required("alerts.triage_alert", raise_exception=True)
@require_POST
def alert_triage(request: HttpRequest, alert_id: int) -> HttpResponse:
    """One triage action on one alert (the alert page's buttons and the queue's keyboard shortcuts)."""
    if not Alert.objects.filter(pk=alert_id).exists():
        raise Http404("no such alert")
    form = TriageForm(request.POST)
    default = _alert_page(alert_id)
    if not form.is_valid():
        return _triage_answer(request, ok=False, message=_form_errors(form), status=400, default=default)
    data = form.cleaned_data
    action = data["action"]
    try:
        alert = triage.alert_triage(
            action=action,
            alert_id=alert_id,
            actor=request_actor(request),
            given=triage.TriageInput(
                reason_code=data["reason_code"] or "",
                reason_text=data["reason_text"],
                until=form.snooze_until(),
                assignee_username=data["assignee"],
            ),
        )
    except triage.TriageRefused as exc:
        return _triage_answer(request, ok=False, message=str(exc), status=409, default=default)
    extra = {"alert_id": alert.pk, "status": alert.status, "case_id": alert.case_id}
    if action == "escalate" and alert.case_id:
        if _wants_json(request):
            extra["case_url"] = reverse("cases:detail", args=[alert.case_id])
            return JsonResponse(
                {"ok": True, "message": _("Escalated to case #%(id)s.") % {"id": alert.case_id}, **extra}
            )
        messages.success(request, _("Escalated to case #%(id)s.") % {"id": alert.case_id})
        return redirect("cases:detail", case_id=alert.case_id)
    return _triage_answer(
        request,
        ok=True,
        message=_("Alert #%(id)s: %(status)s.") % {"id": alert.pk, "status": alert.get_status_display()},
        status=200,
        default=default,
        extra=extra,
    )


@login_required
@permission_required("alerts.triage_alert", raise_exception=True)
@require_POST
def alerts_bulk_triage(request: HttpRequest) -> HttpResponse:
    """One triage action on the selected queue rows; reports what went through and what did not."""
    default = _queue_page()
    raw_ids = request.POST.getlist("alert_ids")
    if not raw_ids or not all(v.isdigit() for v in raw_ids):
        return _triage_answer(
            request, ok=False, message=_("Select at least one alert."), status=400, default=default
        )
    form = TriageForm(request.POST)
    if not form.is_valid():
        return _triage_answer(request, ok=False, message=_form_errors(form), status=400, default=default)
    data = form.cleaned_data
    try:
        result = triage.alerts_bulk(
            action=data["action"],
            alert_ids=[int(v) for v in raw_ids],
            actor=request_actor(request),
            reason_code=data["reason_code"] or "",
            reason_text=data["reason_text"],
            until=form.snooze_until(),
            assignee_username=data["assignee"],
        )
    except triage.TriageRefused as exc:
        return _triage_answer(request, ok=False, message=str(exc), status=400, default=default)
    message = _("%(done)d alert(s) done.") % {"done": len(result.done)}
    if result.refused:
        message += " " + _("Not changed: %(list)s") % {"list": "; ".join(result.refused.values())}
    if _wants_json(request):
        return JsonResponse(
            {
                "ok": not result.refused,
                "message": message,
                "done": result.done,
                "refused": result.refused,
                "case_ids": result.case_ids,
            }
        )
    (messages.success if not result.refused else messages.warning)(request, message)
    if len(result.case_ids) == 1 and not result.refused:
        return redirect("cases:detail", case_id=result.case_ids[0])
    return _back(request, default)


def _queue_page() -> str:
    return reverse("alerts:queue")
