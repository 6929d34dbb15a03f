"""Detection pages: thin views over detection.services and detection.selectors."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import plotly.graph_objects as go
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from detection import services, shadow
from detection.engine import FIELD_DESCRIPTIONS, FIELDS, RuleInvalid
from detection.forms import (
    BacktestForm,
    BudgetForm,
    ChangeFilterForm,
    EntryForm,
    PublishForm,
    ReasonForm,
    RuleForm,
    ShadowStartForm,
    SnoozeForm,
    ThresholdForm,
    UploadForm,
)
from detection.models import Backtest, ChangeRequest, Rule, RuleSetVersion, RuleSnooze, ShadowRun, WatchList
from detection.selectors import (
    list_entries_active,
    rule_performance,
    threshold_for_budget,
    threshold_governed,
    versions_diff,
)
from detection.shadow import shadow_comparison

PAGE_SIZE = 50
T = TypeVar("T")
VIEW = "detection.view_detection"
AUTHOR = "detection.author_detection"
APPROVE = "detection.approve_detection"


def _actor(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _page(request: HttpRequest, qs: Any) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _querystring(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _reads(permission: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A page that shows: signed in, holding `permission` (403 otherwise), GET only."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        return login_required(permission_required(permission, raise_exception=True)(require_GET(view)))

    return decorate


def _writes(permission: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A form's action: signed in, holding `permission` (403 otherwise), POST only."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        return login_required(permission_required(permission, raise_exception=True)(require_POST(view)))

    return decorate


def _reason(request: HttpRequest) -> str:
    form = ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


def _attempt(request: HttpRequest, action: Callable[[], T]) -> T | None:
    """Run a page's service call. A request the service refuses (DetectionError) comes back as an
    error message and None, with nothing changed; an approval the caller may not give is 403."""
    try:
        return action()
    except services.ApprovalRefused as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.DetectionError as exc:
        messages.error(request, str(exc))
        return None


def _figure(fig: go.Figure) -> dict[str, Any]:
    return json.loads(fig.to_json())


@_reads(VIEW)
def rules_page(request: HttpRequest) -> HttpResponse:
    live = RuleSetVersion.objects.filter(is_live=True).first()
    draft = RuleSetVersion.objects.filter(status__in=["draft", "pending"]).first()
    shown = draft or live
    rules = list(shown.rules.select_related("owner")) if shown else []
    perf = rule_performance(codes=[r.code for r in rules])
    return render(
        request,
        "detection/rules.html",
        {
            "live": live,
            "draft": draft,
            "rows": [(r, perf[r.code]) for r in rules],
            "versions": _page(request, RuleSetVersion.objects.exclude(status__in=["draft", "pending"])),
            "backtests": Backtest.objects.filter(version=draft).select_related("created_by")[:5]
            if draft
            else [],
            "pending": ChangeRequest.objects.filter(status=ChangeRequest.Status.PENDING).count(),
            "can_author": request.user.has_perm(AUTHOR),
            "backtest_form": BacktestForm(),
        },
    )


def _rule_form_page(request: HttpRequest, rule: Rule | None) -> HttpResponse:
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            try:
                services.rule_save(
                    user=_actor(request), data=form.rule_data(), rule_id=rule.pk if rule else None
                )
            except RuleInvalid as exc:
                for error in exc.errors:
                    target = error.field if error.field in form.fields else None
                    form.add_error(
                        target,
                        _("%(line)s:%(col)s: %(msg)s")
                        % {"line": error.line, "col": error.column, "msg": error.message},
                    )
            except services.DetectionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Rule saved in the draft."))
                return redirect("detection:rules")
        status = 400
    else:
        initial = rule.as_dict() if rule else {"effect": "add", "value": 0.1, "enabled": True}
        form = RuleForm(initial=initial)
        status = 200
    fields = [(name, kind, FIELD_DESCRIPTIONS.get(name, "")) for name, kind in FIELDS.items()]
    return render(
        request,
        "detection/rule_form.html",
        {"form": form, "rule": rule, "fields": fields, "lists": WatchList.objects.all()},
        status=status,
    )


@login_required
@permission_required(AUTHOR, raise_exception=True)
@require_http_methods(["GET", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    return _rule_form_page(request, None)


@login_required
@permission_required(AUTHOR, raise_exception=True)
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(Rule.objects.select_related("version", "owner"), pk=rule_id)
    if not rule.version.editable:
        raise Http404("only rules of the draft can be edited")
    return _rule_form_page(request, rule)


@_writes(AUTHOR)
def rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    get_object_or_404(Rule, pk=rule_id)
    _attempt(request, lambda: services.rule_delete(user=_actor(request), rule_id=rule_id))
    return redirect("detection:rules")


@_reads(VIEW)
def version_page(request: HttpRequest, number: int) -> HttpResponse:
    version = get_object_or_404(RuleSetVersion, number=number)
    others = RuleSetVersion.objects.exclude(pk=version.pk)
    against_number = request.GET.get("against", "")
    against = None
    if against_number.isdigit():
        against = others.filter(number=int(against_number)).first()
    if against is None:
        against = others.filter(number__lt=number).order_by("-number").first()
    diff = versions_diff(older=against, newer=version) if against else []
    return render(
        request,
        "detection/version.html",
        {
            "version": version,
            "rules": version.rules.select_related("owner"),
            "against": against,
            "others": others.order_by("-number"),
            "diff": diff,
            "can_author": request.user.has_perm(AUTHOR),
            "can_approve": request.user.has_perm(APPROVE),
        },
    )


@_writes(APPROVE)
def rollback(request: HttpRequest, number: int) -> HttpResponse:
    get_object_or_404(RuleSetVersion, number=number)
    reason = _reason(request)
    if _attempt(request, lambda: services.rollback(user=_actor(request), number=number, reason=reason)):
        messages.success(request, _("Version %(n)s is live from the next scoring batch on.") % {"n": number})
    return redirect("detection:version", number=number)


@_writes(AUTHOR)
def backtest_start(request: HttpRequest) -> HttpResponse:
    form = BacktestForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Days must be between 1 and 365."), status=400)
    backtest = _attempt(
        request, lambda: services.backtest_start(user=_actor(request), days=form.cleaned_data["days"])
    )
    if backtest is None:
        return redirect("detection:rules")
    return redirect("detection:backtest", backtest_id=backtest.pk)


def _backtest_figure(result: dict[str, Any]) -> dict[str, Any] | None:
    per_day = result.get("per_day") or {}
    return _alerts_per_day_figure(
        per_day.get("days") or [],
        [(_("live version"), per_day.get("live")), (_("draft"), per_day.get("draft"))],
    )


def _alerts_per_day_figure(days: list[str], series: list[tuple[str, Any]]) -> dict[str, Any] | None:
    if not days:
        return None
    fig = go.Figure()
    for name, values in series:
        fig.add_scatter(x=days, y=values, mode="lines+markers", name=name)
    fig.update_layout(
        title=_("Alerts per day"),
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        legend={"orientation": "h", "y": -0.2},
        yaxis={"title": _("alerts")},
    )
    return _figure(fig)


@_reads(VIEW)
def backtest_page(request: HttpRequest, backtest_id: int) -> HttpResponse:
    backtest = get_object_or_404(
        Backtest.objects.select_related("version", "baseline", "created_by"), pk=backtest_id
    )
    can_publish = (
        request.user.has_perm(AUTHOR)
        and backtest.status == Backtest.Status.DONE
        and backtest.version.status == RuleSetVersion.Status.DRAFT
    )
    return render(
        request,
        "detection/backtest.html",
        {
            "backtest": backtest,
            "percent": round(backtest.progress * 100),
            "figure": _backtest_figure(backtest.result) if backtest.result else None,
            "can_publish": can_publish,
        },
    )


@_reads(VIEW)
def backtest_status(request: HttpRequest, backtest_id: int) -> JsonResponse:
    backtest = get_object_or_404(Backtest, pk=backtest_id)
    return JsonResponse({"status": backtest.status, "progress": backtest.progress, "error": backtest.error})


@_writes(AUTHOR)
def publish(request: HttpRequest) -> HttpResponse:
    form = PublishForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Name the backtest you saw."), status=400)
    data = form.cleaned_data
    change = _attempt(
        request,
        lambda: services.publish_request(
            user=_actor(request), backtest_id=data["backtest"], reason=data["reason"]
        ),
    )
    if change is None:
        return redirect("detection:rules")
    messages.success(request, _("Publish requested: a second approver must approve it."))
    return redirect("detection:change", change_id=change.pk)


@_reads(VIEW)
def changes_page(request: HttpRequest) -> HttpResponse:
    form = ChangeFilterForm(request.GET or None)
    changes = ChangeRequest.objects.select_related("maker", "checker")
    if form.is_valid():
        if form.cleaned_data["status"]:
            changes = changes.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["kind"]:
            changes = changes.filter(kind=form.cleaned_data["kind"])
    return render(
        request,
        "detection/changes.html",
        {"form": form, "page": _page(request, changes), "querystring": _querystring(request)},
    )


@_reads(VIEW)
def change_page(request: HttpRequest, change_id: int) -> HttpResponse:
    change = get_object_or_404(
        ChangeRequest.objects.select_related("maker", "checker", "backtest"), pk=change_id
    )
    user = request.user
    pending = change.status == ChangeRequest.Status.PENDING
    return render(
        request,
        "detection/change.html",
        {
            "change": change,
            "payload": json.dumps(change.payload, ensure_ascii=False, indent=1),
            "before": json.dumps(change.before, ensure_ascii=False, indent=1),
            "after": json.dumps(change.after, ensure_ascii=False, indent=1),
            "is_maker": change.maker_id == user.pk,
            "can_approve": pending
            and change.maker_id != user.pk
            and user.has_perm("detection.approve_detection"),
            "can_withdraw": pending and change.maker_id == user.pk,
            "figure": _backtest_figure(change.backtest.result)
            if change.backtest and change.backtest.result
            else None,
        },
    )


@_writes("detection.approve_detection")
def change_approve(request: HttpRequest, change_id: int) -> HttpResponse:
    get_object_or_404(ChangeRequest, pk=change_id)
    note = _reason(request)
    if _attempt(
        request, lambda: services.change_approve(user=_actor(request), change_id=change_id, note=note)
    ):
        messages.success(request, _("Approved and applied."))
    return redirect("detection:change", change_id=change_id)


@_writes(AUTHOR)
def change_reject(request: HttpRequest, change_id: int) -> HttpResponse:
    get_object_or_404(ChangeRequest, pk=change_id)
    note = _reason(request)
    _attempt(request, lambda: services.change_reject(user=_actor(request), change_id=change_id, note=note))
    return redirect("detection:change", change_id=change_id)


@_reads(VIEW)
def lists_page(request: HttpRequest) -> HttpResponse:
    lists = WatchList.objects.all()
    counts = {
        row["watch_list"]: row["n"]
        for row in list_entries_active().values("watch_list").order_by().annotate(n=Count("id"))
    }
    return render(request, "detection/lists.html", {"lists": [(w, counts.get(w.pk, 0)) for w in lists]})


@_reads(VIEW)
def list_page(request: HttpRequest, list_id: int) -> HttpResponse:
    watch_list = get_object_or_404(WatchList, pk=list_id)
    entries = watch_list.entries.select_related("author")
    q = request.GET.get("q", "").strip()[:64]
    show = request.GET.get("show", "active")
    if show == "active":
        entries = entries.filter(pk__in=list_entries_active().filter(watch_list=watch_list).values("pk"))
    if q:
        entries = entries.filter(Q(value__icontains=q) | Q(reason__icontains=q))
    return render(
        request,
        "detection/list.html",
        {
            "watch_list": watch_list,
            "page": _page(request, entries),
            "querystring": _querystring(request),
            "q": q,
            "show": show,
            "now": timezone.now(),
            "entry_form": EntryForm(),
            "upload_form": UploadForm(),
            "can_author": request.user.has_perm(AUTHOR),
            "pending": ChangeRequest.objects.filter(
                kind=ChangeRequest.Kind.LIST, status=ChangeRequest.Status.PENDING, payload__list=watch_list.pk
            ),
        },
    )


def _list_errors(
    request: HttpRequest, exc: services.ListUploadInvalid, watch_list: WatchList
) -> HttpResponse:
    return render(
        request,
        "detection/list_errors.html",
        {"watch_list": watch_list, "errors": exc.errors},
        status=400,
    )


@_writes(AUTHOR)
def list_add(request: HttpRequest, list_id: int) -> HttpResponse:
    watch_list = get_object_or_404(WatchList, pk=list_id)
    form = EntryForm(request.POST)
    if not form.is_valid():
        return render(
            request, "detection/list_errors.html", {"watch_list": watch_list, "form": form}, status=400
        )
    entry = services.EntryIn(
        form.cleaned_data["value"], form.cleaned_data["reason"], form.cleaned_data["expires_at"]
    )
    try:
        change = services.list_change_request(
            user=_actor(request), list_id=list_id, add=[entry], reason=form.cleaned_data["reason"]
        )
    except services.ListUploadInvalid as exc:
        return _list_errors(request, exc, watch_list)
    messages.success(request, _("Entry requested: a second approver must approve it."))
    return redirect("detection:change", change_id=change.pk)


@_writes(AUTHOR)
def list_upload(request: HttpRequest, list_id: int) -> HttpResponse:
    watch_list = get_object_or_404(WatchList, pk=list_id)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(
            request, "detection/list_errors.html", {"watch_list": watch_list, "form": form}, status=400
        )
    upload = form.cleaned_data["file"]
    if upload.size > 5 * 1024 * 1024:
        return HttpResponse(_("At most 5 MB per file."), status=413)
    try:
        change = services.list_upload_request(
            user=_actor(request), list_id=list_id, content=upload.read(), reason=form.cleaned_data["reason"]
        )
    except services.ListUploadInvalid as exc:
        return _list_errors(request, exc, watch_list)
    messages.success(request, _("Upload requested: a second approver must approve it."))
    return redirect("detection:change", change_id=change.pk)


@_writes(AUTHOR)
def list_entry_remove(request: HttpRequest, entry_id: int) -> HttpResponse:
    from detection.models import ListEntry

    entry = get_object_or_404(ListEntry, pk=entry_id)
    reason = _reason(request)
    try:
        change = services.list_change_request(
            user=_actor(request),
            list_id=entry.watch_list_id,
            remove=[entry.pk],
            reason=reason or _("removed"),
        )
    except (services.ListUploadInvalid, services.DetectionError) as exc:
        messages.error(request, str(exc))
        return redirect("detection:list", list_id=entry.watch_list_id)
    return redirect("detection:change", change_id=change.pk)


@_reads(VIEW)
def threshold_page(request: HttpRequest) -> HttpResponse:
    from alerts.models import ModelVersion

    model = ModelVersion.objects.filter(is_active=True).first()
    governed = threshold_governed(model_version_id=model.pk if model else None)
    form = BudgetForm(request.GET or None)
    suggestion = None
    figure = None
    if form.is_valid():
        suggestion = threshold_for_budget(
            alerts_per_day=form.cleaned_data["alerts_per_day"], days=form.cleaned_data["days"]
        )
        if suggestion.get("curve"):
            fig = go.Figure(
                go.Scatter(
                    x=[c for c, _n in suggestion["curve"]],
                    y=[n for _c, n in suggestion["curve"]],
                    mode="lines",
                    name=_("alerts per day"),
                )
            )
            fig.add_vline(x=suggestion["threshold"], line_dash="dash", line_color="#b3261e")
            fig.update_layout(
                title=_("Alerts per day at each threshold (stored scores)"),
                height=300,
                margin={"l": 10, "r": 10, "t": 30, "b": 30},
                xaxis={"title": _("threshold")},
                yaxis={"title": _("alerts per day")},
            )
            figure = _figure(fig)
    history = ChangeRequest.objects.filter(kind=ChangeRequest.Kind.THRESHOLD).select_related(
        "maker", "checker"
    )[:20]
    return render(
        request,
        "detection/threshold.html",
        {
            "model": model,
            "governed": governed,
            "effective": governed.value if governed else (model.threshold if model else None),
            "form": form,
            "suggestion": suggestion,
            "figure": figure,
            "history": history,
            "can_author": request.user.has_perm(AUTHOR),
        },
    )


@_writes(AUTHOR)
def threshold_request(request: HttpRequest) -> HttpResponse:
    form = ThresholdForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("A threshold above 0 and at most 1, and a reason, are required."), status=400)
    change = _attempt(request, lambda: services.threshold_request(user=_actor(request), **form.cleaned_data))
    if change is None:
        return redirect("detection:threshold")
    return redirect("detection:change", change_id=change.pk)


@_reads("detection.snooze_rule")
def snoozes_page(request: HttpRequest) -> HttpResponse:
    snoozes = RuleSnooze.objects.select_related("customer", "created_by", "lifted_by")
    show = request.GET.get("show", "active")
    if show == "active":
        snoozes = snoozes.filter(lifted_at__isnull=True, until__gt=timezone.now())
    q = request.GET.get("q", "").strip()[:64]
    if q:
        snoozes = snoozes.filter(
            Q(rule_code__icontains=q) | Q(beneficiary__icontains=q) | Q(customer__external_id__icontains=q)
        )
    return render(
        request,
        "detection/snoozes.html",
        {
            "page": _page(request, snoozes),
            "querystring": _querystring(request),
            "show": show,
            "q": q,
            "now": timezone.now(),
        },
    )


@_writes("detection.snooze_rule")
def snooze_create(request: HttpRequest, alert_id: int) -> HttpResponse:
    from alerts.models import Alert

    get_object_or_404(Alert, pk=alert_id)
    form = SnoozeForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Rule, subject, 1 to 180 days and a reason are required."), status=400)
    try:
        services.snooze_create(user=_actor(request), alert_id=alert_id, **form.cleaned_data)
    except services.DetectionError as exc:
        return HttpResponse(str(exc), status=400)
    messages.success(request, _("Rule snoozed."))
    return redirect("alerts:detail", alert_id=alert_id)


@_writes("detection.snooze_rule")
def snooze_lift(request: HttpRequest, snooze_id: int) -> HttpResponse:
    get_object_or_404(RuleSnooze, pk=snooze_id)
    services.snooze_lift(user=_actor(request), snooze_id=snooze_id)
    messages.success(request, _("Snooze lifted."))
    return redirect("detection:snoozes")


@_writes("detection.promote_indicator")
def indicators_promote(request: HttpRequest, submission_id: int) -> HttpResponse:
    from smishing.models import Submission

    get_object_or_404(Submission, pk=submission_id)
    reason = _reason(request)
    try:
        change = services.indicators_promote(user=_actor(request), submission_id=submission_id, reason=reason)
    except services.DetectionError as exc:
        return HttpResponse(str(exc), status=400)
    messages.success(request, _("Promotion requested: a senior analyst must approve the list change."))
    if request.user.has_perm(VIEW):
        return redirect("detection:change", change_id=change.pk)
    return redirect("smishing:detail", pk=submission_id)


# --- Shadow runs ----------------------------------------------------------------------------------------


@_reads(VIEW)
def shadow_page(request: HttpRequest) -> HttpResponse:
    runs = ShadowRun.objects.select_related("version", "started_by", "stopped_by")
    return render(
        request,
        "detection/shadow.html",
        {
            "page": _page(request, runs),
            "active": runs.filter(active=True).first(),
            "draft": RuleSetVersion.objects.filter(status=RuleSetVersion.Status.DRAFT).first(),
            "candidates": RuleSetVersion.objects.filter(
                status=RuleSetVersion.Status.PUBLISHED, is_live=False
            ).order_by("-number")[:50],
            "can_run": request.user.has_perm(APPROVE),
        },
    )


@_reads(VIEW)
def shadow_run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    run = get_object_or_404(
        ShadowRun.objects.select_related("version", "started_by", "stopped_by"), pk=run_id
    )
    comparison = shadow_comparison(run=run)
    per_day = comparison["per_day"]
    figure = _alerts_per_day_figure(
        comparison["days"], [(_("live version"), per_day["live"]), (_("shadow"), per_day["shadow"])]
    )
    return render(
        request,
        "detection/shadow_run.html",
        {
            "run": run,
            "comparison": comparison,
            "figure": figure,
            "rows": list(
                zip(
                    comparison["days"],
                    *(per_day[k] for k in ("live", "shadow", "added", "removed")),
                    strict=True,
                )
            ),
            "can_run": request.user.has_perm(APPROVE),
        },
    )


@_writes(APPROVE)
def shadow_start(request: HttpRequest) -> HttpResponse:
    form = ShadowStartForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose the draft or a published version that is not live."), status=400)
    data = form.cleaned_data
    run = _attempt(
        request,
        lambda: shadow.shadow_start(user=_actor(request), number=data["version"], reason=data["reason"]),
    )
    if run is None:
        return redirect("detection:shadow")
    messages.success(request, _("The version runs in shadow from the next scoring batch on."))
    return redirect("detection:shadow_run", run_id=run.pk)


@_writes(APPROVE)
def shadow_stop(request: HttpRequest, run_id: int) -> HttpResponse:
    get_object_or_404(ShadowRun, pk=run_id)
    shadow.shadow_stop(user=_actor(request), run_id=run_id, reason=_reason(request))
    messages.success(request, _("The shadow run is stopped."))
    return redirect("detection:shadow_run", run_id=run_id)
