"""Detection over HTTP (mounted at /api/detection/): rules, versions, backtests, approvals, lists,
threshold, snoozes and shadow runs. The same services as the pages, the same maker-checker rules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BaseModel, Field

from access.api_auth import require_perm
from detection import services, shadow
from detection.engine import RuleInvalid
from detection.models import (
    Backtest,
    ChangeRequest,
    ListEntry,
    Rule,
    RuleSetVersion,
    RuleSnooze,
    ShadowRun,
    WatchList,
)
from detection.selectors import (
    list_entries_active,
    rule_performance,
    threshold_effective,
    threshold_for_budget,
    threshold_governed,
    versions_diff,
)

router = Router(tags=["detection"])
VIEW = "detection.view_detection"
AUTHOR = "detection.author_detection"
APPROVE = "detection.approve_detection"
MAX_PAGE = 200


@contextmanager
def _refusals() -> Iterator[None]:
    """A service's refusal as the API's answer, nothing changed: not the caller's to do (their own
    change, no approving role) is 403; cannot be done as asked is 409."""
    try:
        yield
    except services.ApprovalRefused as exc:
        raise HttpError(403, str(exc)) from exc
    except services.DetectionError as exc:
        raise HttpError(409, str(exc)) from exc


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class ErrorOut(Schema):
    detail: str


class RuleErrorOut(Schema):
    field: str
    message: str
    line: int
    column: int


class RuleInvalidOut(Schema):
    detail: str
    errors: list[RuleErrorOut]


class RowErrorOut(Schema):
    line: int
    message: str


class RowsInvalidOut(Schema):
    detail: str
    errors: list[RowErrorOut]


class PageQuery(BaseModel):
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(50, ge=1, le=MAX_PAGE)


def _slice(query: PageQuery) -> slice:
    start = (query.page - 1) * query.page_size
    return slice(start, start + query.page_size)


# --- Rules and versions ---------------------------------------------------------------------------


class RuleIn(BaseModel):
    code: str = Field(..., max_length=60)
    condition: str = Field(..., max_length=2000)
    effect: str = Field("add", max_length=10)
    value: float = Field(0.1, ge=-1, le=1)
    reason_ko: str = Field(..., max_length=500)
    reason_en: str = Field(..., max_length=500)
    description: str = Field("", max_length=300)
    enabled: bool = True

    def data(self) -> services.RuleData:
        return services.RuleData(**self.model_dump())


class RuleOut(Schema):
    id: int
    version: int
    code: str
    description: str
    condition: str
    effect: str
    value: float
    reason_ko: str
    reason_en: str
    enabled: bool
    owner: str
    hits_30d: int | None = None
    precision_30d: float | None = None
    last_fired: datetime | None = None
    flags: list[str] = []


def _rule_out(rule: Rule, perf: Any = None) -> RuleOut:
    return RuleOut(
        id=rule.pk,
        version=rule.version.number,
        code=rule.code,
        description=rule.description,
        condition=rule.condition,
        effect=rule.effect,
        value=rule.value,
        reason_ko=rule.reason_ko,
        reason_en=rule.reason_en,
        enabled=rule.enabled,
        owner=rule.owner.get_username() if rule.owner else "",
        hits_30d=perf.hits if perf else None,
        precision_30d=perf.precision if perf else None,
        last_fired=perf.last_fired if perf else None,
        flags=perf.flags if perf else [],
    )


class RulesOut(Schema):
    version: int | None
    status: str | None
    live_version: int | None
    rules: list[RuleOut]


@router.get(
    "/rules", response=RulesOut, summary="Rules of the draft (or of the live version), with performance"
)
def rules_list(request: HttpRequest):
    require_perm(request, VIEW)
    live = RuleSetVersion.objects.filter(is_live=True).first()
    shown = RuleSetVersion.objects.filter(status__in=["draft", "pending"]).first() or live
    rules = list(shown.rules.select_related("owner", "version")) if shown else []
    perf = rule_performance(codes=[r.code for r in rules])
    return RulesOut(
        version=shown.number if shown else None,
        status=shown.status if shown else None,
        live_version=live.number if live else None,
        rules=[_rule_out(r, perf[r.code]) for r in rules],
    )


def _rule_write(request: HttpRequest, payload: RuleIn, rule_id: int | None) -> Status:
    require_perm(request, AUTHOR)
    try:
        rule = services.rule_save(user=_user(request), data=payload.data(), rule_id=rule_id)
    except RuleInvalid as exc:
        return Status(
            422,
            RuleInvalidOut(
                detail="invalid rule",
                errors=[
                    RuleErrorOut(field=e.field, message=e.message, line=e.line, column=e.column)
                    for e in exc.errors
                ],
            ),
        )
    except services.DetectionError as exc:
        raise HttpError(409, str(exc)) from exc
    rule = Rule.objects.select_related("owner", "version").get(pk=rule.pk)
    return Status(200 if rule_id else 201, _rule_out(rule))


@router.post(
    "/rules",
    response={201: RuleOut, 409: ErrorOut, 422: RuleInvalidOut},
    summary="Add a rule to the draft (validated: compiles, known fields only, type-checks)",
)
def rule_create(request: HttpRequest, payload: RuleIn):
    """A bad condition answers 422 with each error's field, line and column; nothing is saved."""
    return _rule_write(request, payload, None)


@router.put(
    "/rules/{rule_id}",
    response={200: RuleOut, 409: ErrorOut, 422: RuleInvalidOut},
    summary="Change a rule of the draft",
)
def rule_update(request: HttpRequest, rule_id: int, payload: RuleIn):
    require_perm(request, AUTHOR)
    rule = get_object_or_404(Rule.objects.select_related("version"), pk=rule_id)
    if not rule.version.editable:
        raise HttpError(409, "only rules of the draft can be changed")
    return _rule_write(request, payload, rule_id)


@router.delete(
    "/rules/{rule_id}", response={204: None, 409: ErrorOut}, summary="Remove a rule from the draft"
)
def rule_remove(request: HttpRequest, rule_id: int):
    require_perm(request, AUTHOR)
    get_object_or_404(Rule, pk=rule_id)
    with _refusals():
        services.rule_delete(user=_user(request), rule_id=rule_id)
    return Status(204, None)


class VersionOut(Schema):
    number: int
    status: str
    is_live: bool
    published_at: datetime | None
    note: str
    rules: list[RuleOut]


def _version_out(version: RuleSetVersion) -> VersionOut:
    return VersionOut(
        number=version.number,
        status=version.status,
        is_live=version.is_live,
        published_at=version.published_at,
        note=version.note,
        rules=[_rule_out(r) for r in version.rules.select_related("owner", "version")],
    )


@router.get("/versions", response=list[VersionOut], summary="Rule-set versions, newest first")
def versions_list(request: HttpRequest, query: Query[PageQuery]):
    require_perm(request, VIEW)
    return [_version_out(v) for v in RuleSetVersion.objects.all()[_slice(query)]]


@router.get("/versions/{number}", response=VersionOut, summary="One rule-set version")
def version_get(request: HttpRequest, number: int):
    require_perm(request, VIEW)
    return _version_out(get_object_or_404(RuleSetVersion, number=number))


class DiffQuery(BaseModel):
    against: int | None = Field(None, ge=1, description="defaults to the version before")


@router.get(
    "/versions/{number}/diff",
    response=list[dict],
    summary="Rules added, removed or changed between two versions",
)
def version_diff(request: HttpRequest, number: int, query: Query[DiffQuery]):
    require_perm(request, VIEW)
    newer = get_object_or_404(RuleSetVersion, number=number)
    if query.against is None:
        older = RuleSetVersion.objects.filter(number__lt=number).order_by("-number").first()
        if older is None:
            return []
    else:
        older = get_object_or_404(RuleSetVersion, number=query.against)
    return versions_diff(older=older, newer=newer)


class ReasonIn(BaseModel):
    reason: str = Field("", max_length=1000)


# --- Change requests -------------------------------------------------------------------------------


class ChangeOut(Schema):
    id: int
    kind: str
    status: str
    summary: str
    reason: str
    maker: str
    checker: str | None
    created_at: datetime
    decided_at: datetime | None
    payload: dict
    before: dict
    after: dict
    backtest_id: int | None


def _change_out(change: ChangeRequest) -> ChangeOut:
    return ChangeOut(
        id=change.pk,
        kind=change.kind,
        status=change.status,
        summary=change.summary,
        reason=change.reason,
        maker=change.maker.get_username(),
        checker=change.checker.get_username() if change.checker else None,
        created_at=change.created_at,
        decided_at=change.decided_at,
        payload=change.payload,
        before=change.before,
        after=change.after,
        backtest_id=change.backtest_id,
    )


def _change_made(change: ChangeRequest) -> Status:
    return Status(
        201, _change_out(ChangeRequest.objects.select_related("maker", "checker").get(pk=change.pk))
    )


@router.post(
    "/versions/{number}/rollback",
    response={200: VersionOut, 409: ErrorOut},
    summary="Make an earlier published version live again, from the next scoring batch (an approver, audited)",
)
def version_rollback(request: HttpRequest, number: int, payload: ReasonIn):
    require_perm(request, APPROVE)
    get_object_or_404(RuleSetVersion, number=number)
    with _refusals():
        return _version_out(services.rollback(user=_user(request), number=number, reason=payload.reason))


class PublishIn(BaseModel):
    backtest_id: int = Field(..., ge=1)
    reason: str = Field("", max_length=1000)


@router.post(
    "/publish",
    response={201: ChangeOut, 409: ErrorOut},
    summary="Ask to publish the draft, with the backtest you saw",
)
def draft_publish(request: HttpRequest, payload: PublishIn):
    require_perm(request, AUTHOR)
    with _refusals():
        return _change_made(
            services.publish_request(
                user=_user(request), backtest_id=payload.backtest_id, reason=payload.reason
            )
        )


class ChangeQuery(PageQuery):
    status: str | None = Field(None, max_length=10)
    kind: str | None = Field(None, max_length=10)


@router.get("/changes", response=list[ChangeOut], summary="Change requests, newest first")
def changes_list(request: HttpRequest, query: Query[ChangeQuery]):
    require_perm(request, VIEW)
    changes = ChangeRequest.objects.select_related("maker", "checker")
    if query.status:
        changes = changes.filter(status=query.status)
    if query.kind:
        changes = changes.filter(kind=query.kind)
    return [_change_out(c) for c in changes[_slice(query)]]


@router.get("/changes/{change_id}", response=ChangeOut, summary="One change request")
def change_get(request: HttpRequest, change_id: int):
    require_perm(request, VIEW)
    return _change_out(
        get_object_or_404(ChangeRequest.objects.select_related("maker", "checker"), pk=change_id)
    )


@router.post(
    "/changes/{change_id}/approve",
    response={200: ChangeOut, 403: ErrorOut, 409: ErrorOut},
    summary="Approve and apply a change made by someone else",
)
def change_approve(request: HttpRequest, change_id: int, payload: ReasonIn):
    """403 for the change's maker; 409 when it was already decided (two approvers at once apply it
    once)."""
    require_perm(request, "detection.approve_detection")
    get_object_or_404(ChangeRequest, pk=change_id)
    with _refusals():
        change = services.change_approve(user=_user(request), change_id=change_id, note=payload.reason)
    return _change_out(ChangeRequest.objects.select_related("maker", "checker").get(pk=change.pk))


@router.post(
    "/changes/{change_id}/reject",
    response={200: ChangeOut, 403: ErrorOut, 409: ErrorOut},
    summary="Reject a change (or withdraw your own)",
)
def change_reject(request: HttpRequest, change_id: int, payload: ReasonIn):
    require_perm(request, AUTHOR)
    get_object_or_404(ChangeRequest, pk=change_id)
    with _refusals():
        change = services.change_reject(user=_user(request), change_id=change_id, note=payload.reason)
    return _change_out(ChangeRequest.objects.select_related("maker", "checker").get(pk=change.pk))


# --- Backtests ---------------------------------------------------------------------------------------


class BacktestIn(BaseModel):
    days: int = Field(30, ge=1, le=365)


class BacktestOut(Schema):
    id: int
    version: int
    baseline: int | None
    days: int
    threshold: float
    status: str
    progress: float
    error: str
    result: dict


def _backtest_out(b: Backtest) -> BacktestOut:
    return BacktestOut(
        id=b.pk,
        version=b.version.number,
        baseline=b.baseline.number if b.baseline else None,
        days=b.days,
        threshold=b.threshold,
        status=b.status,
        progress=b.progress,
        error=b.error,
        result=b.result,
    )


@router.post(
    "/backtests",
    response={201: BacktestOut, 409: ErrorOut},
    summary="Backtest the draft (runs in the background)",
)
def backtest_create(request: HttpRequest, payload: BacktestIn):
    require_perm(request, AUTHOR)
    with _refusals():
        backtest = services.backtest_start(user=_user(request), days=payload.days)
    return Status(
        201, _backtest_out(Backtest.objects.select_related("version", "baseline").get(pk=backtest.pk))
    )


@router.get("/backtests/{backtest_id}", response=BacktestOut, summary="A backtest's progress and result")
def backtest_get(request: HttpRequest, backtest_id: int):
    require_perm(request, VIEW)
    return _backtest_out(
        get_object_or_404(Backtest.objects.select_related("version", "baseline"), pk=backtest_id)
    )


# --- Lists ---------------------------------------------------------------------------------------------


class ListOut(Schema):
    id: int
    name: str
    kind: str
    purpose: str
    description: str
    active_entries: int


@router.get("/lists", response=list[ListOut], summary="Block, allow and watch lists")
def lists_list(request: HttpRequest):
    require_perm(request, VIEW)
    out = []
    for w in WatchList.objects.all():
        out.append(
            ListOut(
                id=w.pk,
                name=w.name,
                kind=w.kind,
                purpose=w.purpose,
                description=w.description,
                active_entries=list_entries_active().filter(watch_list=w).count(),
            )
        )
    return out


class EntryOut(Schema):
    id: int
    value: str
    reason: str
    author: str
    created_at: datetime
    expires_at: datetime | None
    removed_at: datetime | None


class EntryQuery(PageQuery):
    q: str = Field("", max_length=64)
    active: bool = True


@router.get("/lists/{list_id}/entries", response=list[EntryOut], summary="A list's entries, newest first")
def list_entries(request: HttpRequest, list_id: int, query: Query[EntryQuery]):
    require_perm(request, VIEW)
    watch_list = get_object_or_404(WatchList, pk=list_id)
    entries = (list_entries_active() if query.active else ListEntry.objects.all()).filter(
        watch_list=watch_list
    )
    if query.q:
        entries = entries.filter(Q(value__icontains=query.q) | Q(reason__icontains=query.q))
    return [
        EntryOut(
            id=e.pk,
            value=e.value,
            reason=e.reason,
            author=e.author.get_username(),
            created_at=e.created_at,
            expires_at=e.expires_at,
            removed_at=e.removed_at,
        )
        for e in entries.select_related("author").order_by("-created_at", "-id")[_slice(query)]
    ]


class EntryIn(BaseModel):
    value: str = Field(..., max_length=64)
    reason: str = Field(..., max_length=500)
    expires_at: datetime | None = None


class ListChangeIn(BaseModel):
    add: list[EntryIn] = Field(default_factory=list, max_length=10_000)
    remove: list[int] = Field(default_factory=list, max_length=10_000)
    reason: str = Field(..., max_length=1000)


def _rows_invalid(exc: services.ListUploadInvalid) -> Status:
    return Status(
        422,
        RowsInvalidOut(
            detail="nothing was requested",
            errors=[RowErrorOut(line=e.line, message=e.message) for e in exc.errors],
        ),
    )


@router.post(
    "/lists/{list_id}/changes",
    response={201: ChangeOut, 409: ErrorOut, 422: RowsInvalidOut},
    summary="Ask to add or remove entries (needs a second approver)",
)
def list_change(request: HttpRequest, list_id: int, payload: ListChangeIn):
    require_perm(request, AUTHOR)
    get_object_or_404(WatchList, pk=list_id)
    try:
        change = services.list_change_request(
            user=_user(request),
            list_id=list_id,
            add=[services.EntryIn(e.value, e.reason, e.expires_at) for e in payload.add],
            remove=payload.remove,
            reason=payload.reason,
        )
    except services.ListUploadInvalid as exc:
        return _rows_invalid(exc)
    except services.DetectionError as exc:
        raise HttpError(409, str(exc)) from exc
    return _change_made(change)


class ListUploadIn(BaseModel):
    csv: str = Field(..., max_length=5 * 1024 * 1024, description="rows of value,reason[,expires_at]")
    reason: str = Field(..., min_length=1, max_length=1000)


@router.post(
    "/lists/{list_id}/upload",
    response={201: ChangeOut, 422: RowsInvalidOut},
    summary="Ask to add every row of a CSV (value,reason[,expires_at]); one bad row requests nothing",
)
def list_upload(request: HttpRequest, list_id: int, payload: ListUploadIn):
    """The CSV travels as text in JSON; every bad row is answered with its line number."""
    require_perm(request, AUTHOR)
    get_object_or_404(WatchList, pk=list_id)
    try:
        change = services.list_upload_request(
            user=_user(request), list_id=list_id, content=payload.csv.encode(), reason=payload.reason
        )
    except services.ListUploadInvalid as exc:
        return _rows_invalid(exc)
    return _change_made(change)


# --- Threshold -----------------------------------------------------------------------------------------


class ThresholdQuery(BaseModel):
    alerts_per_day: float | None = Field(None, gt=0, le=1_000_000)
    days: int = Field(30, ge=1, le=365)


class ThresholdOut(Schema):
    model_version: str | None
    model_threshold: float | None
    effective: float | None
    governed: bool
    suggestion: dict | None


@router.get(
    "/threshold", response=ThresholdOut, summary="The threshold in force; with alerts_per_day, a suggestion"
)
def threshold_get(request: HttpRequest, query: Query[ThresholdQuery]):
    from alerts.models import ModelVersion

    require_perm(request, VIEW)
    model = ModelVersion.objects.filter(is_active=True).first()
    suggestion = None
    if query.alerts_per_day is not None:
        suggestion = threshold_for_budget(alerts_per_day=query.alerts_per_day, days=query.days)
    return ThresholdOut(
        model_version=model.name if model else None,
        model_threshold=model.threshold if model else None,
        effective=threshold_effective(model_version_id=model.pk, model_threshold=model.threshold)
        if model
        else None,
        governed=threshold_governed(model_version_id=model.pk if model else None) is not None,
        suggestion=suggestion,
    )


class ThresholdIn(BaseModel):
    value: float = Field(..., gt=0, le=1)
    alerts_per_day: float | None = Field(None, ge=0, le=1_000_000)
    reason: str = Field(..., min_length=1, max_length=1000)


@router.post(
    "/threshold", response={201: ChangeOut, 409: ErrorOut}, summary="Ask to change the alert threshold"
)
def threshold_change(request: HttpRequest, payload: ThresholdIn):
    require_perm(request, AUTHOR)
    with _refusals():
        change = services.threshold_request(
            user=_user(request),
            value=payload.value,
            alerts_per_day=payload.alerts_per_day,
            reason=payload.reason,
        )
    return _change_made(change)


# --- Snoozes and promotion --------------------------------------------------------------------------------


class SnoozeOut(Schema):
    id: int
    rule_code: str
    customer: str | None
    beneficiary: str
    until: datetime
    reason: str
    alert_id: int
    created_by: str
    lifted_at: datetime | None


def _snooze_out(s: RuleSnooze) -> SnoozeOut:
    return SnoozeOut(
        id=s.pk,
        rule_code=s.rule_code,
        customer=s.customer.external_id if s.customer else None,
        beneficiary=s.beneficiary,
        until=s.until,
        reason=s.reason,
        alert_id=s.alert_id,
        created_by=s.created_by.get_username(),
        lifted_at=s.lifted_at,
    )


@router.get("/snoozes", response=list[SnoozeOut], summary="Rule snoozes, newest first")
def snoozes_list(request: HttpRequest, query: Query[PageQuery]):
    require_perm(request, "detection.snooze_rule")
    return [
        _snooze_out(s) for s in RuleSnooze.objects.select_related("customer", "created_by")[_slice(query)]
    ]


class SnoozeIn(BaseModel):
    alert_id: int = Field(..., ge=1)
    rule_code: str = Field(..., max_length=60)
    subject: str = Field("customer", pattern="^(customer|beneficiary)$")
    days: int = Field(..., ge=1, le=services.MAX_SNOOZE_DAYS)
    reason: str = Field(..., min_length=1, max_length=500)


@router.post(
    "/snoozes", response={201: SnoozeOut, 409: ErrorOut}, summary="Snooze a rule from a reviewed alert"
)
def snooze_create(request: HttpRequest, payload: SnoozeIn):
    from alerts.models import Alert

    require_perm(request, "detection.snooze_rule")
    get_object_or_404(Alert, pk=payload.alert_id)
    with _refusals():
        snooze = services.snooze_create(user=_user(request), **payload.model_dump())
    return Status(
        201, _snooze_out(RuleSnooze.objects.select_related("customer", "created_by").get(pk=snooze.pk))
    )


@router.post("/snoozes/{snooze_id}/lift", response=SnoozeOut, summary="Lift a snooze now")
def snooze_lift(request: HttpRequest, snooze_id: int):
    require_perm(request, "detection.snooze_rule")
    get_object_or_404(RuleSnooze, pk=snooze_id)
    services.snooze_lift(user=_user(request), snooze_id=snooze_id)
    return _snooze_out(RuleSnooze.objects.select_related("customer", "created_by").get(pk=snooze_id))


@router.post(
    "/smishing/{submission_id}/promote",
    response={201: ChangeOut, 409: ErrorOut},
    summary="Ask to put a confirmed smishing report's accounts and phones on the watch lists",
)
def indicators_promote(request: HttpRequest, submission_id: int, payload: ReasonIn):
    from smishing.models import Submission

    require_perm(request, "detection.promote_indicator")
    get_object_or_404(Submission, pk=submission_id)
    with _refusals():
        change = services.indicators_promote(
            user=_user(request), submission_id=submission_id, reason=payload.reason
        )
    return _change_made(change)


# --- Shadow runs -------------------------------------------------------------------------------------


class ShadowRunOut(Schema):
    id: int
    version: int
    active: bool
    reason: str
    transactions: int
    started_by: str
    started_at: datetime
    stopped_by: str | None
    stopped_at: datetime | None
    rules: list[str]


class ShadowComparisonOut(Schema):
    run: ShadowRunOut
    comparison: dict[str, Any]


def _shadow_out(run: ShadowRun) -> ShadowRunOut:
    return ShadowRunOut(
        id=run.pk,
        version=run.version.number,
        active=run.active,
        reason=run.reason,
        transactions=run.transactions,
        started_by=run.started_by.get_username(),
        started_at=run.started_at,
        stopped_by=run.stopped_by.get_username() if run.stopped_by else None,
        stopped_at=run.stopped_at,
        rules=[r["code"] for r in run.rules_snapshot if r.get("enabled")],
    )


def _shadow_get(run_id: int) -> ShadowRun:
    return get_object_or_404(
        ShadowRun.objects.select_related("version", "started_by", "stopped_by"), pk=run_id
    )


@router.get("/shadow", response=list[ShadowRunOut], summary="Shadow runs, newest first")
def shadow_list(request: HttpRequest, query: Query[PageQuery]):
    require_perm(request, VIEW)
    runs = ShadowRun.objects.select_related("version", "started_by", "stopped_by")
    return [_shadow_out(r) for r in runs[_slice(query)]]


class ShadowStartIn(BaseModel):
    version: int | None = Field(
        None, ge=1, description="a published version that is not live; omit for the draft"
    )
    reason: str = Field("", max_length=500)


@router.post(
    "/shadow",
    response={201: ShadowRunOut, 409: ErrorOut},
    summary="Run the draft (or a published version that is not live) in shadow on live traffic",
)
def shadow_start(request: HttpRequest, payload: ShadowStartIn):
    require_perm(request, APPROVE)
    with _refusals():
        run = shadow.shadow_start(user=_user(request), number=payload.version, reason=payload.reason)
    return Status(201, _shadow_out(_shadow_get(run.pk)))


@router.get(
    "/shadow/{run_id}",
    response=ShadowComparisonOut,
    summary="A shadow run and its daily comparison with live: alerts, added, removed, frauds, samples",
)
def shadow_get(request: HttpRequest, run_id: int):
    require_perm(request, VIEW)
    run = _shadow_get(run_id)
    return ShadowComparisonOut(run=_shadow_out(run), comparison=shadow.shadow_comparison(run=run))


@router.post("/shadow/{run_id}/stop", response=ShadowRunOut, summary="Stop a shadow run now")
def shadow_stop(request: HttpRequest, run_id: int, payload: ReasonIn):
    require_perm(request, APPROVE)
    _shadow_get(run_id)
    shadow.shadow_stop(user=_user(request), run_id=run_id, reason=payload.reason)
    return _shadow_out(_shadow_get(run_id))
