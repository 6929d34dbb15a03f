"""The FDS model's life after training: retraining runs, evaluation, shadow, promotion, rollback.

A retraining run trains a challenger on the latest labelled window and judges it and the live
champion on the same later window. The challenger then scores live traffic in shadow (scores stored,
never alerts) until a senior other than the one who started the run promotes it, and only if it is not
worse on the agreed metrics. Every step is audited; promotion carries the evaluation it rests on.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from sklearn.metrics import average_precision_score, roc_auc_score

from alerts.drift import reference_build
from alerts.models import ModelVersion, Retraining, Transaction
from alerts.push import retraining_push_on_commit
from alerts.scoring import (
    DEFAULT_PARAMS,
    DEFAULT_ROUNDS,
    FdsModel,
    feature_columns,
    model_train,
    threshold_choose,
)
from alerts.training import training_set_build
from audit.services import audit_record

log = logging.getLogger(__name__)
SCHEDULE_ACTOR = "system:retraining-schedule"
# The metrics a challenger must not be worse on (beyond FDS_PROMOTION_TOLERANCE) to be promoted.
AGREED_METRICS = ("ap", "precision_at_budget")
REGISTRY_VERSIONS_EVALUATED = 8


class LifecycleRefused(Exception):
    """A lifecycle action that is not allowed now; nothing was changed."""


# --- Evaluation ----------------------------------------------------------------------------------


def evaluation_compute(
    *, labels: np.ndarray, scores: np.ndarray, threshold: float, days: float, budget_per_day: int
) -> dict[str, Any]:
    """A model's figures on one window: AUC, AP, precision and recall at the alert budget (the top
    `budget_per_day × days` scores), the alert rate its threshold implies, calibration and the score
    histogram by class. Pure."""
    n = len(labels)
    budget = max(1, min(n, int(round(budget_per_day * days))))
    order = np.argsort(-scores, kind="stable")
    top = labels[order[:budget]]
    frauds = float(labels.sum())
    alerts = scores >= threshold
    both = 0 < frauds < n
    edges = np.linspace(0.0, 1.0, 11)
    bins = np.clip(np.digitize(scores, edges[1:-1]), 0, 9)
    calibration = []
    for b in range(10):
        members = bins == b
        if members.any():
            calibration.append(
                {
                    "predicted": round(float(scores[members].mean()), 4),
                    "observed": round(float(labels[members].mean()), 4),
                    "n": int(members.sum()),
                }
            )
    hist_edges = np.linspace(0.0, 1.0, 21)
    return {
        "rows": n,
        "frauds": int(frauds),
        "auc": round(float(roc_auc_score(labels, scores)), 4) if both else None,
        "ap": round(float(average_precision_score(labels, scores)), 4) if frauds else None,
        "budget": budget,
        "precision_at_budget": round(float(top.mean()), 4),
        "recall_at_budget": round(float(top.sum() / frauds), 4) if frauds else None,
        "threshold": threshold,
        "alert_rate": round(float(alerts.mean()), 5) if n else 0.0,
        "alerts_per_day": round(float(alerts.sum()) / max(days, 1e-9), 1),
        "precision_at_threshold": round(float(labels[alerts].mean()), 4) if alerts.any() else None,
        "recall_at_threshold": round(float(labels[alerts].sum() / frauds), 4) if frauds else None,
        "calibration": calibration,
        "histogram": {
            "edges": [round(float(e), 2) for e in hist_edges],
            "fraud": np.histogram(scores[labels == 1], bins=hist_edges)[0].tolist(),
            "genuine": np.histogram(scores[labels == 0], bins=hist_edges)[0].tolist(),
        },
    }


def gate_check(*, challenger: dict[str, Any], champion: dict[str, Any] | None) -> dict[str, Any]:
    """Whether the challenger is not worse than the champion on every agreed metric. Pure."""
    tolerance = settings.FDS_PROMOTION_TOLERANCE
    if champion is None:
        return {"passed": True, "tolerance": tolerance, "metrics": {}, "note": "no champion to compare with"}
    rows = {}
    for metric in AGREED_METRICS:
        new, old = challenger.get(metric), champion.get(metric)
        ok = new is not None and (old is None or new >= old - tolerance)
        rows[metric] = {"challenger": new, "champion": old, "passed": ok}
    return {"passed": all(r["passed"] for r in rows.values()), "tolerance": tolerance, "metrics": rows}


def _loadable(version: ModelVersion) -> FdsModel | None:
    """The version's model, or None when it needs a feature the engine no longer computes. A model
    trained before features were added still loads: it reads its own columns of the engine's rows."""
    try:
        feature_columns(version.feature_names)
    except ValueError:
        return None
    return FdsModel.loads(
        bytes(version.artifact),
        feature_names=version.feature_names,
        threshold=version.threshold,
        version=version.name,
    )


def _disagreements(
    *, ids: list[int], labels: np.ndarray, champion: np.ndarray, challenger: np.ndarray, k: int = 20
) -> list[dict[str, Any]]:
    """The evaluation transactions on which the two models differ most, worth an analyst's look."""
    gap = np.abs(challenger - champion)
    order = np.argsort(-gap, kind="stable")[:k]
    external = dict(
        Transaction.objects.filter(pk__in=[ids[i] for i in order]).values_list("id", "external_id")
    )
    return [
        {
            "transaction_id": ids[i],
            "external_id": external.get(ids[i], ""),
            "label": bool(labels[i]),
            "champion": round(float(champion[i]), 4),
            "challenger": round(float(challenger[i]), 4),
        }
        for i in order
        if gap[i] > 0.05
    ]


# --- Retraining ----------------------------------------------------------------------------------


def retraining_start(*, actor: Any = None, system_actor: str = "") -> Retraining:
    """Queue a retraining run. Refused while another is queued or running.

    Side effects: the Retraining row and an `alerts.model.retraining_started` audit event; after
    commit, the task. Not repeatable by design: each call starts a run.
    """
    if actor is not None and not actor.has_perm("alerts.train_model"):
        raise LifecycleRefused(_("You may not retrain FDS models."))
    from alerts.tasks import retraining_run_task

    with transaction.atomic():
        busy = Retraining.objects.select_for_update().filter(
            status__in=[Retraining.Status.QUEUED, Retraining.Status.RUNNING]
        )
        if busy.exists():
            raise LifecycleRefused(_("A retraining run is already in progress."))
        champion = ModelVersion.objects.filter(is_active=True).first()
        job = Retraining.objects.create(
            started_by=actor,
            started_by_name=actor.get_username() if actor is not None else system_actor,
            champion=champion,
            message=_("queued"),
        )
        audit_record(
            action="alerts.model.retraining_started",
            target=job,
            actor=actor,
            system_actor=system_actor,
            after={"champion": champion.name if champion else None},
            model_version=champion.name if champion else "",
        )
        job_id = job.pk
        transaction.on_commit(lambda: retraining_run_task.delay(job_id))
    return job


def _progress(job_id: int, fraction: float, message: str) -> None:
    Retraining.objects.filter(pk=job_id).update(progress=round(fraction, 3), message=message[:300])
    retraining_push_on_commit(job_id)


def retraining_run(*, retraining_id: int, now: datetime | None = None, seed: int = 0) -> Retraining:
    """Train the challenger, judge both models on the same later window, put the challenger in shadow.

    Side effects: progress on the Retraining row as it goes; then in one transaction the challenger's
    ModelVersion (with its lineage, importance and drift reference), its shadow flag (replacing any
    earlier shadow), the evaluation, and the audit events `alerts.model.trained` and
    `alerts.model.shadow_started`. A run whose data is insufficient fails with the reason.
    Safe to repeat: only a queued run is taken, and a run stores at most one challenger.
    """
    claimed = Retraining.objects.filter(pk=retraining_id, status=Retraining.Status.QUEUED).update(
        status=Retraining.Status.RUNNING, progress=0.05, message=_("reading transactions and labels")
    )
    job = Retraining.objects.select_related("champion").get(pk=retraining_id)
    if not claimed:
        return job
    retraining_push_on_commit(job.pk)
    try:
        return _retraining_train(job, now=now or timezone.now(), seed=seed)
    except ValueError as exc:
        Retraining.objects.filter(pk=job.pk).update(
            status=Retraining.Status.FAILED, error=str(exc), message=_("failed"), finished_at=timezone.now()
        )
        log.warning("retraining #%s failed: %s", job.pk, exc)
        return Retraining.objects.get(pk=job.pk)
    finally:
        # The final state (succeeded or failed) reaches the page without waiting for a poll.
        retraining_push_on_commit(job.pk)


def _retraining_train(job: Retraining, *, now: datetime, seed: int) -> Retraining:
    data = training_set_build(
        cutoff=now,
        window_days=settings.FDS_RETRAIN_WINDOW_DAYS,
        eval_days=settings.FDS_RETRAIN_EVAL_DAYS,
        label_delay_days=settings.FDS_LABEL_DELAY_DAYS,
        progress=lambda m: _progress(job.pk, 0.3, m),
    )
    _progress(
        job.pk,
        0.5,
        _("training the challenger on %(rows)s labelled transactions") % {"rows": f"{len(data.y_train):,}"},
    )
    params = {**DEFAULT_PARAMS, "nthread": min(2, int(DEFAULT_PARAMS.get("nthread", 2)))}
    booster = model_train(data.x_train, data.y_train, params=params, rounds=DEFAULT_ROUNDS, seed=seed)
    name = f"fds-{now.astimezone(timezone.get_current_timezone()):%Y%m%d-%H%M%S}-r{job.pk}"
    model = FdsModel(booster=booster, version=name)
    model.booster.set_param({"nthread": 1})
    challenger_scores = model.predict(data.x_eval)
    model.threshold = threshold_choose(data.y_eval, challenger_scores)
    _progress(job.pk, 0.8, _("judging champion and challenger on the same window"))
    budget = settings.FDS_ALERT_BUDGET_PER_DAY

    def judge(scores: np.ndarray, threshold: float) -> dict[str, Any]:
        return evaluation_compute(
            labels=data.y_eval, scores=scores, threshold=threshold, days=data.eval_days, budget_per_day=budget
        )

    evaluation: dict[str, Any] = {
        "window": data.lineage["evaluation_window"],
        "budget_per_day": budget,
        "agreed_metrics": list(AGREED_METRICS),
        "challenger": {"name": name, **judge(challenger_scores, model.threshold)},
    }
    champion_scores = None
    champion = job.champion
    champion_model = _loadable(champion) if champion is not None else None
    if champion is not None and champion_model is not None:
        champion_scores = champion_model.predict(data.x_eval)
        evaluation["champion"] = {"name": champion.name, **judge(champion_scores, champion.threshold)}
    evaluation["gate"] = gate_check(challenger=evaluation["challenger"], champion=evaluation.get("champion"))
    if champion_scores is not None:
        evaluation["disagreements"] = _disagreements(
            ids=data.eval_transaction_ids,
            labels=data.y_eval,
            champion=champion_scores,
            challenger=challenger_scores,
        )
    # The registry's "fixed recent window": earlier versions judged on the same rows.
    versions: dict[str, Any] = {}
    others = ModelVersion.objects.exclude(pk=champion.pk) if champion else ModelVersion.objects.all()
    for other in others.order_by("-created_at")[:REGISTRY_VERSIONS_EVALUATED]:
        loaded = _loadable(other)
        if loaded is not None:
            versions[other.name] = judge(loaded.predict(data.x_eval), other.threshold)
    evaluation["versions"] = {
        k: {m: v[m] for m in ("auc", "ap", "precision_at_budget", "alert_rate")} for k, v in versions.items()
    }

    lineage = {
        **data.lineage,
        "seed": seed,
        "params": params,
        "rounds": DEFAULT_ROUNDS,
        "retraining": job.pk,
        "reference": reference_build(matrix=data.x_train, scores=challenger_scores),
    }
    importance = {
        k: round(float(v if isinstance(v, float) else v[0]), 3)
        for k, v in booster.get_score(importance_type="gain").items()
    }
    with transaction.atomic():
        locked = Retraining.objects.select_for_update().get(pk=job.pk)
        if locked.challenger_id is not None:
            return locked
        version = ModelVersion.objects.create(
            name=name,
            artifact=model.dumps(),
            feature_names=list(model.feature_names),
            metrics={k: v for k, v in evaluation["challenger"].items() if not isinstance(v, dict | list)},
            training_data=lineage,
            threshold=model.threshold,
            importance=importance,
            created_by=job.started_by_name,
        )
        ModelVersion.objects.filter(is_shadow=True).update(is_shadow=False)
        ModelVersion.objects.filter(pk=version.pk).update(is_shadow=True)
        locked.challenger = version
        locked.evaluation = evaluation
        locked.status = Retraining.Status.SUCCEEDED
        locked.progress = 1.0
        locked.message = _("challenger in shadow")
        locked.finished_at = timezone.now()
        locked.save(
            update_fields=["challenger", "evaluation", "status", "progress", "message", "finished_at"]
        )
        system_actor = f"retraining:{job.pk}"
        audit_record(
            action="alerts.model.trained",
            target=version,
            system_actor=system_actor,
            model_version=name,
            after={"threshold": model.threshold, "metrics": version.metrics},
            context={"lineage": {k: v for k, v in lineage.items() if k != "reference"}},
        )
        audit_record(
            action="alerts.model.shadow_started",
            target=version,
            system_actor=system_actor,
            model_version=name,
            after={"shadow": name, "gate": evaluation["gate"]},
        )
    return locked


def retraining_scheduled(*, now: datetime | None = None) -> Retraining | None:
    """Beat: start a run when the last one is older than FDS_RETRAIN_EVERY_HOURS. Safe to repeat."""
    hours = settings.FDS_RETRAIN_EVERY_HOURS
    if not hours:
        return None
    now = now or timezone.now()
    latest = Retraining.objects.order_by("-created_at").first()
    if latest is not None and latest.created_at > now - timedelta(hours=hours):
        return None
    try:
        return retraining_start(system_actor=SCHEDULE_ACTOR)
    except LifecycleRefused:
        return None


# --- Promotion, rollback, bootstrap --------------------------------------------------------------


def _require_senior(actor: Any) -> None:
    if not actor.has_perm("alerts.train_model"):
        raise LifecycleRefused(_("Only a senior analyst may change the live FDS model."))


def model_promote(*, retraining_id: int, actor: Any, reason: str = "") -> ModelVersion:
    """Make a run's challenger the live model (champion). Refused — nothing changed — when the actor
    started the run, is not a senior, when the challenger is worse than the champion on an agreed
    metric, or when the live model is no longer the one it was judged against.

    Side effects in one transaction: live/shadow flags, the run's decision, and an
    `alerts.model.promoted` audit event carrying the evaluation. Not repeatable (a decided run refuses).
    """
    _require_senior(actor)
    with transaction.atomic():
        job = Retraining.objects.select_for_update().get(pk=retraining_id)
        if job.status != Retraining.Status.SUCCEEDED or job.challenger is None:
            raise LifecycleRefused(_("This run has no challenger to promote."))
        if job.decision != Retraining.Decision.PENDING:
            raise LifecycleRefused(_("This run was already decided."))
        if job.started_by_id is not None and job.started_by_id == actor.pk:
            raise LifecycleRefused(
                _("A different senior analyst than the one who started the run must promote it.")
            )
        if not job.evaluation.get("gate", {}).get("passed"):
            raise LifecycleRefused(_("The challenger is worse than the champion on an agreed metric."))
        live = ModelVersion.objects.select_for_update().filter(is_active=True).first()
        if (live.pk if live else None) != job.champion_id:
            raise LifecycleRefused(_("The live model changed since this run judged it; start a new run."))
        challenger = job.challenger
        ModelVersion.objects.filter(is_active=True).update(is_active=False)
        now = timezone.now()
        ModelVersion.objects.filter(pk=challenger.pk).update(
            is_active=True, is_shadow=False, replaced=live, promoted_at=now
        )
        job.decision = Retraining.Decision.PROMOTED
        job.decided_by = actor
        job.decided_at = now
        job.save(update_fields=["decision", "decided_by", "decided_at"])
        audit_record(
            action="alerts.model.promoted",
            target=challenger,
            actor=actor,
            before={"active": live.name if live else None},
            after={"active": challenger.name},
            reason=reason,
            model_version=challenger.name,
            context={"retraining": job.pk, "started_by": job.started_by_name, "evaluation": job.evaluation},
        )
    challenger.refresh_from_db()
    return challenger


def retraining_discard(*, retraining_id: int, actor: Any, reason: str = "") -> Retraining:
    """Reject a run's challenger: it leaves shadow. Audited. Refused once the run is decided."""
    _require_senior(actor)
    with transaction.atomic():
        job = Retraining.objects.select_for_update().get(pk=retraining_id)
        if job.decision != Retraining.Decision.PENDING or job.challenger_id is None:
            raise LifecycleRefused(_("This run was already decided."))
        ModelVersion.objects.filter(pk=job.challenger_id).update(is_shadow=False)
        job.decision = Retraining.Decision.DISCARDED
        job.decided_by = actor
        job.decided_at = timezone.now()
        job.save(update_fields=["decision", "decided_by", "decided_at"])
        audit_record(
            action="alerts.model.discarded",
            target=job,
            actor=actor,
            reason=reason,
            after={"decision": "discarded"},
        )
    return job


def model_rollback(*, actor: Any, reason: str) -> ModelVersion:
    """Put the champion the live model replaced back live (one click on the registry page).

    Side effects in one transaction: live flags and an `alerts.model.rolled_back` audit event; the next
    scoring batch uses the restored model. Refused when the live model replaced none.
    """
    _require_senior(actor)
    reason = reason.strip()
    if not reason:
        raise LifecycleRefused(_("A rollback needs a reason."))
    with transaction.atomic():
        live = ModelVersion.objects.select_for_update().filter(is_active=True).first()
        if live is None or live.replaced is None:
            raise LifecycleRefused(_("The live model replaced no earlier champion: nothing to roll back to."))
        previous = live.replaced
        ModelVersion.objects.filter(pk=live.pk).update(is_active=False)
        ModelVersion.objects.filter(pk=previous.pk).update(is_active=True, is_shadow=False)
        audit_record(
            action="alerts.model.rolled_back",
            target=previous,
            actor=actor,
            before={"active": live.name},
            after={"active": previous.name},
            reason=reason,
            model_version=previous.name,
        )
    previous.refresh_from_db()
    return previous


def model_bootstrap(*, version: ModelVersion, system_actor: str, reason: str) -> ModelVersion:
    """Make the very first model live (the demo, a new installation): allowed only while no model is
    live and none has ever been. Audited as `alerts.model.bootstrapped`. Safe to repeat for the same
    version (nothing changes); refused for any other once a model is live."""
    with transaction.atomic():
        live = ModelVersion.objects.select_for_update().filter(is_active=True).first()
        if live is not None and live.pk == version.pk:
            return version
        if live is not None or ModelVersion.objects.filter(promoted_at__isnull=False).exists():
            raise LifecycleRefused(_("A model is or was live: later models are promoted through retraining."))
        ModelVersion.objects.filter(pk=version.pk).update(
            is_active=True, is_shadow=False, promoted_at=timezone.now()
        )
        audit_record(
            action="alerts.model.bootstrapped",
            target=version,
            system_actor=system_actor,
            after={"active": version.name},
            reason=reason,
            model_version=version.name,
        )
    version.refresh_from_db()
    return version
