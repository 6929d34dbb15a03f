"""Pages of the FDS model lifecycle: registry, retraining and comparison, promotion, drift."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from alerts import lifecycle, registry
from alerts.drift import drift_warning
from alerts.models import ModelVersion, Retraining
from alerts.push import retraining_state

VIEW = "alerts.view_modelversion"
SENIOR = "alerts.train_model"
PAGE_SIZE = 25


def _actor(request: HttpRequest):  # noqa: ANN202 - a signed-in User (login_required)
    return request.user


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def model_registry_page(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in ("", "live", "shadow", "stored"):
        status = ""
    q = request.GET.get("q", "").strip()[:100]
    page = Paginator(registry.model_versions(status=status, q=q), PAGE_SIZE).get_page(request.GET.get("page"))
    run = registry.latest_evaluation()
    rows = [{"version": v, "recent": registry.recent_metrics(v, run)} for v in page.object_list]
    live = ModelVersion.objects.defer("artifact").filter(is_active=True).first()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "alerts/models.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "q": q,
            "querystring": query.urlencode(),
            "run": run,
            "live": live,
            "live_rate": registry.live_alert_rate(live) if live else None,
            "live_recent": registry.recent_metrics(live, run) if live else None,
            "can_retrain": request.user.has_perm(SENIOR),
            "can_rollback": bool(live and live.replaced_id and request.user.has_perm(SENIOR)),
            "runs": Retraining.objects.select_related("challenger", "champion")[:10],
            "drift": drift_warning(),
        },
    )


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def model_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(ModelVersion.objects.defer("artifact"), pk=pk)
    run = registry.latest_evaluation()
    recent = registry.recent_metrics(version, run)
    lineage = {k: v for k, v in version.training_data.items() if k != "reference"}
    return render(
        request,
        "alerts/model_detail.html",
        {
            "version": version,
            "lineage": lineage,
            "run": run,
            "recent": recent,
            "live_rate": registry.live_alert_rate(version),
            "charts": [registry.calibration_chart(recent), registry.importance_chart(version)],
            "retraining": Retraining.objects.filter(challenger=version).first(),
        },
    )


@login_required
@permission_required(SENIOR, raise_exception=True)
@require_POST
def retraining_start(request: HttpRequest) -> HttpResponse:
    try:
        job = lifecycle.retraining_start(actor=_actor(request))
    except lifecycle.LifecycleRefused as exc:
        messages.error(request, str(exc))
        return redirect("alerts:models")
    return redirect("alerts:retraining", pk=job.pk)


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def retraining_page(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(Retraining.objects.select_related("challenger", "champion", "started_by"), pk=pk)
    finished = job.status in (Retraining.Status.SUCCEEDED, Retraining.Status.FAILED)
    user = request.user
    return render(
        request,
        "alerts/retraining.html",
        {
            "job": job,
            "percent": round(job.progress * 100),
            "finished": finished,
            "charts": registry.comparison_charts(job) if job.status == Retraining.Status.SUCCEEDED else [],
            "gate": job.evaluation.get("gate"),
            "window_disagreements": job.evaluation.get("disagreements", []),
            "live_disagreements": registry.shadow_disagreements(job) if job.challenger_id else [],
            "can_decide": (
                job.status == Retraining.Status.SUCCEEDED
                and job.decision == Retraining.Decision.PENDING
                and user.has_perm(SENIOR)
            ),
            "is_starter": job.started_by_id is not None and job.started_by_id == user.pk,
        },
    )


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def retraining_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The run's progress: the page's fallback while its socket (RetrainingConsumer) is down."""
    job = get_object_or_404(Retraining, pk=pk)
    return JsonResponse(retraining_state(job))


@login_required
@permission_required(SENIOR, raise_exception=True)
@require_POST
def retraining_promote(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Retraining, pk=pk)
    try:
        version = lifecycle.model_promote(
            retraining_id=pk, actor=_actor(request), reason=request.POST.get("reason", "")[:500]
        )
    except lifecycle.LifecycleRefused as exc:
        messages.error(request, str(exc))
        return redirect("alerts:retraining", pk=pk)
    messages.success(request, _("%(name)s is now the live model.") % {"name": version.name})
    return redirect("alerts:models")


@login_required
@permission_required(SENIOR, raise_exception=True)
@require_POST
def retraining_discard(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Retraining, pk=pk)
    try:
        lifecycle.retraining_discard(
            retraining_id=pk, actor=_actor(request), reason=request.POST.get("reason", "")[:500]
        )
    except lifecycle.LifecycleRefused as exc:
        messages.error(request, str(exc))
    return redirect("alerts:retraining", pk=pk)


@login_required
@permission_required(SENIOR, raise_exception=True)
@require_POST
def model_rollback(request: HttpRequest) -> HttpResponse:
    try:
        version = lifecycle.model_rollback(actor=_actor(request), reason=request.POST.get("reason", "")[:500])
    except lifecycle.LifecycleRefused as exc:
        messages.error(request, str(exc))
        return redirect("alerts:models")
    messages.success(request, _("Rolled back: %(name)s is live again.") % {"name": version.name})
    return redirect("alerts:models")


@login_required
@permission_required(VIEW, raise_exception=True)
@require_GET
def drift_page(request: HttpRequest) -> HttpResponse:
    reports = registry.drift_reports(days=30)
    latest = reports[-1] if reports else None
    return render(
        request,
        "alerts/drift.html",
        {
            "charts": registry.drift_charts(reports),
            "latest": latest,
            "latest_psi": sorted(latest.feature_psi.items(), key=lambda kv: -kv[1]) if latest else [],
            "warning": drift_warning(),
        },
    )
