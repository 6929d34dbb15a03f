"""Pages of the smishing app. Thin: check the right, call a selector or service, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from access.requests import request_actor
from smishing import intake, labelling, model_versions, retraining, selectors
from smishing.models import Campaign, Label, RetrainJob, SmishingModelVersion, Submission, TrainingSet
from smishing.rendering import verdict_context
from untrusted.validation import id_from_query

PAGE_SIZE = 25


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
@permission_required("smishing.add_submission", raise_exception=True)
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    consent = intake.consent_text_current()
    context: dict[str, Any] = {
        "consent": consent,
        "max_chars": intake.max_text_chars(),
        "recent": selectors.submissions_of(request_actor(request))[:5],
    }
    if request.method == "GET":
        return render(request, "smishing/submit.html", context)
    text = request.POST.get("text", "")
    sender = request.POST.get("sender", "")
    context.update(text=text, sender=sender)
    retry_after = intake.submission_rate_check(user=request.user)
    if retry_after is not None:
        context["error"] = _("Too many checks in a minute. Try again in %(s)d seconds.") % {"s": retry_after}
        response = render(request, "smishing/submit.html", context, status=429)
        response["Retry-After"] = str(retry_after)
        return response
    try:
        submission = intake.submission_create(
            user=request_actor(request),
            text=text,
            sender=sender,
            consent=request.POST.get("consent") == "on",
            consent_version=request.POST.get("consent_version") or None,
            source=Submission.Source.WEB,
        )
    except intake.SubmissionInvalid as exc:
        context["error"] = str(exc)
        return render(request, "smishing/submit.html", context, status=400)
    return redirect("smishing:detail", pk=submission.pk)


@login_required
@permission_required("smishing.add_submission", raise_exception=True)
@require_GET
def my_submissions(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.submissions_of(request_actor(request)))
    return render(request, "smishing/mine.html", {"page": page})


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = get_object_or_404(
        selectors.submissions_visible_to(request.user).prefetch_related("indicators", "reason_feedback"),
        pk=pk,
    )
    is_owner = submission.submitted_by_id == request.user.pk
    context = verdict_context(submission)
    can_review = request.user.has_perm("smishing.view_submission")
    context.update(
        is_owner=is_owner,
        can_review=can_review,
        can_label=request.user.has_perm("smishing.label_submission") and not submission.is_abusive,
        labels=Label.choices,
        similar=selectors.submission_similar(submission=submission) if can_review else [],
        feedback=list(submission.reason_feedback.select_related("created_by")) if can_review else [],
        ws_path=f"/ws/smishing/submissions/{submission.pk}/" if is_owner else "",
    )
    return render(request, "smishing/detail.html", context)


@login_required
@permission_required("smishing.view_submission", raise_exception=True)
@require_GET
def review(request: HttpRequest) -> HttpResponse:
    campaign_raw = request.GET.get("campaign", "")
    filters: dict[str, Any] = {
        "query": request.GET.get("q", "")[:200],
        "label": request.GET.get("label", ""),
        "status": request.GET.get("status", ""),
        "labelled": request.GET.get("labelled", ""),
        "consented": request.GET.get("consented", ""),
        "campaign_id": id_from_query(campaign_raw),
    }
    page = _page(request, selectors.submissions_search(user=request_actor(request), **filters))
    return render(
        request,
        "smishing/review.html",
        {
            "page": page,
            "filters": filters,
            "labels": Label.choices,
            "statuses": Submission.Status.choices,
            "querystring": _query_without_page(request),
        },
    )


@login_required
@permission_required("smishing.label_submission", raise_exception=True)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    page = _page(request, selectors.labelling_queue_ordered())
    return render(request, "smishing/queue.html", {"page": page, "labels": Label.choices})


@login_required
@permission_required("smishing.label_submission", raise_exception=True)
@require_POST
def label(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Submission, pk=pk)
    try:
        labelling.submission_label(
            submission_id=pk, label=request.POST.get("label", ""), actor=request_actor(request)
        )
    except intake.SubmissionInvalid as exc:
        messages.error(request, str(exc))
        return redirect("smishing:detail", pk=pk)
    messages.success(request, _("Label saved."))
    if request.POST.get("next") == "queue":
        return redirect("smishing:queue")
    return redirect("smishing:detail", pk=pk)


@login_required
@permission_required("smishing.label_submission", raise_exception=True)
@require_POST
def reason_feedback(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(Submission, pk=pk)
    try:
        labelling.reason_feedback_add(
            submission_id=pk,
            code=request.POST.get("code", ""),
            is_wrong=request.POST.get("is_wrong") == "on",
            note=request.POST.get("note", ""),
            actor=request_actor(request),
        )
    except intake.SubmissionInvalid as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Correction saved."))
    return redirect("smishing:detail", pk=pk)


@login_required
@permission_required("smishing.view_campaign", raise_exception=True)
@require_GET
def campaigns(request: HttpRequest) -> HttpResponse:
    import plotly.graph_objects as go

    label_filter = request.GET.get("label", "")
    page = _page(request, selectors.campaigns_list(label=label_filter))
    shown = [campaign.pk for campaign in page.object_list]
    series: dict[int, tuple[list[str], list[int]]] = {}
    for row in selectors.campaign_daily_counts(campaign_ids=shown):
        days, counts = series.setdefault(row["campaign_id"], ([], []))
        days.append(row["day"].isoformat())
        counts.append(row["reports"])
    figure = go.Figure(
        [go.Bar(x=days, y=counts, name=f"#{cid}") for cid, (days, counts) in sorted(series.items())]
    )
    figure.update_layout(
        barmode="stack",
        height=320,
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
        yaxis_title=_("Reports per day"),
        xaxis={"type": "date", "tickformat": "%Y-%m-%d", "dtick": 86_400_000},
        legend_title=_("Campaign"),
    )
    return render(
        request,
        "smishing/campaigns.html",
        {
            "page": page,
            "labels": Label.choices,
            "label_filter": label_filter,
            "figure": json.loads(figure.to_json()),
            "has_chart": bool(series),
        },
    )


@login_required
@permission_required("smishing.view_campaign", raise_exception=True)
@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    reports = _page(
        request, campaign.submissions.select_related("submitted_by").order_by("-created_at", "-id")
    )
    return render(
        request,
        "smishing/campaign_detail.html",
        {
            "campaign": campaign,
            "page": reports,
            "indicators": selectors.campaign_indicators(campaign=campaign),
            # Reporter names are for analysts; compliance and everyone else sees the reports only.
            "show_reporters": request.user.has_perm("smishing.view_submission"),
        },
    )


@login_required
@permission_required("smishing.view_submission", raise_exception=True)
@require_GET
def models(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "smishing/models.html",
        {
            "versions": SmishingModelVersion.objects.select_related("created_by", "training_set").defer(
                "artifact"
            )[:50],
            "jobs": RetrainJob.objects.select_related("created_by", "model_version", "training_set")[:20],
            "training_sets": TrainingSet.objects.select_related("created_by")[:20],
            "trainable": selectors.submissions_trainable().count(),
            "reason_stats": selectors.reason_hit_stats(),
            "can_retrain": request.user.has_perm("smishing.retrain_model"),
        },
    )


@login_required
@permission_required("smishing.retrain_model", raise_exception=True)
@require_POST
def retrain_start(request: HttpRequest) -> HttpResponse:
    try:
        job = retraining.retrain_job_start(actor=request_actor(request))
    except retraining.RetrainRefused as exc:
        messages.error(request, str(exc))
        return redirect("smishing:models")
    return redirect("smishing:retrain_job", pk=job.pk)


@login_required
@permission_required("smishing.retrain_model", raise_exception=True)
@require_GET
def retrain_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(RetrainJob.objects.select_related("model_version", "training_set"), pk=pk)
    return render(
        request,
        "smishing/retrain_job.html",
        {"job": job, "percent": round(job.progress * 100), "ws_path": f"/ws/smishing/retrain/{job.pk}/"},
    )


@login_required
@permission_required("smishing.retrain_model", raise_exception=True)
@require_POST
def retrain_approve(request: HttpRequest, pk: int) -> HttpResponse:
    get_object_or_404(RetrainJob, pk=pk)
    try:
        job = retraining.retrain_job_approve(
            job_id=pk, actor=request_actor(request), reason=request.POST.get("reason", "")
        )
    except model_versions.ModelActivationRefused as exc:
        messages.error(request, str(exc))
        return redirect("smishing:retrain_job", pk=pk)
    if job.outcome == RetrainJob.Outcome.APPROVED:
        messages.success(request, _("Model approved and activated."))
    return redirect("smishing:retrain_job", pk=pk)


@login_required
@permission_required("smishing.retrain_model", raise_exception=True)
@require_POST
def model_activate(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(SmishingModelVersion.objects.defer("artifact"), pk=pk)
    try:
        model_versions.model_version_activate(
            version=version, actor=request_actor(request), reason=request.POST.get("reason", "")
        )
    except model_versions.ModelActivationRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Model %(name)s is active.") % {"name": version.name})
    return redirect("smishing:models")


@login_required
@permission_required("smishing.retrain_model", raise_exception=True)
@require_POST
def training_set_create(request: HttpRequest) -> HttpResponse:
    training_set = retraining.training_set_create(actor=request_actor(request))
    messages.success(
        request,
        _("Training set v%(v)d holds %(n)d messages.") % {"v": training_set.version, "n": training_set.size},
    )
    return redirect("smishing:models")


@login_required
@permission_required("smishing.retrain_model", raise_exception=True)
@require_POST
def training_set_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The set as CSV. POST (with CSRF): an export writes an audit event."""
    training_set = get_object_or_404(TrainingSet, pk=pk)
    body = retraining.training_set_export_csv(training_set=training_set, actor=request_actor(request))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="smishing-training-set-v{training_set.version}.csv"'
    )
    return response
