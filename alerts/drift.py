"""Drift of live traffic against the live model's training data: PSI per feature and for the score,
the alert rate, and precision from the labels that have arrived.

The reference (quantile bins of every feature on the training rows, and of the score on the held-out
window) is stored with the model when it is trained; live values come from the stored scores, which
keep each transaction's features.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from alerts.features import FEATURE_NAMES
from alerts.models import Alert, DriftReport, ModelVersion, Score
from audit.services import audit_record

BINS = 10
# Shares below this are floored so that an empty bin does not make PSI infinite.
_FLOOR = 1e-4


def _bin_reference(values: np.ndarray) -> dict[str, Any]:
    finite = values[~np.isnan(values)]
    if len(finite) == 0:
        edges: list[float] = []
    else:
        edges = sorted({float(e) for e in np.quantile(finite, np.linspace(0, 1, BINS + 1)[1:-1])})
    return {"edges": edges, "share": _shares(values, edges)}


def _shares(values: np.ndarray, edges: list[float]) -> list[float]:
    """Shares per bin (len(edges) + 1 bins), then the share of missing values."""
    if len(values) == 0:
        return [0.0] * (len(edges) + 2)
    missing = np.isnan(values)
    counts = np.bincount(np.searchsorted(edges, values[~missing], side="right"), minlength=len(edges) + 1)
    return [float(c) / len(values) for c in counts] + [float(missing.mean())]


def reference_build(*, matrix: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    """The drift reference of a model: bins and shares per feature (training rows) and for the score."""
    return {
        "features": {name: _bin_reference(matrix[:, i]) for i, name in enumerate(FEATURE_NAMES)},
        "score": _bin_reference(np.asarray(scores, dtype=np.float64)),
    }


def psi(reference: list[float], live: list[float]) -> float:
    """Population stability index of two binned distributions (same bins). Pure."""
    total = 0.0
    for expected, actual in zip(reference, live, strict=True):
        e, a = max(expected, _FLOOR), max(actual, _FLOOR)
        if expected == 0 and actual == 0:
            continue
        total += (a - e) * math.log(a / e)
    return round(total, 4)


def drift_compute(*, now: datetime | None = None) -> DriftReport | None:
    """Compare the live model's scores of the last FDS_DRIFT_WINDOW_HOURS with its reference.

    Side effects: one DriftReport per model and window end (the hour); when a PSI is over
    FDS_DRIFT_PSI_ALERT, an `alerts.model.drift_detected` audit event in the same transaction. Safe to
    repeat: the same hour's report is returned, not recomputed.
    """
    model = ModelVersion.objects.filter(is_active=True).first()
    if model is None or "reference" not in model.training_data:
        return None
    end = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    existing = DriftReport.objects.filter(model_version=model, window_end=end).first()
    if existing is not None:
        return existing
    start = end - timedelta(hours=settings.FDS_DRIFT_WINDOW_HOURS)
    scores = Score.objects.filter(model_version=model, created_at__gte=start, created_at__lt=end)
    rows = list(scores.values_list("features", "score"))
    if not rows:
        return None
    reference = model.training_data["reference"]
    feature_psi: dict[str, float] = {}
    for name in FEATURE_NAMES:
        ref = reference["features"].get(name)
        if ref is None:
            continue
        values = np.array(
            [np.nan if feats.get(name) is None else float(feats[name]) for feats, _ in rows], dtype=np.float64
        )
        feature_psi[name] = psi(ref["share"], _shares(values, ref["edges"]))
    score_ref = reference["score"]
    score_psi = psi(score_ref["share"], _shares(np.array([s for _, s in rows]), score_ref["edges"]))
    alerts = Alert.objects.filter(score__model_version=model, created_at__gte=start, created_at__lt=end)
    alert_count = alerts.count()
    labelled = alerts.filter(transaction__is_fraud__isnull=False)
    labelled_count = labelled.count()
    frauds = labelled.filter(transaction__is_fraud=True).count()
    limit = settings.FDS_DRIFT_PSI_ALERT
    drifted = sorted(name for name, value in feature_psi.items() if value > limit)
    if score_psi > limit:
        drifted.append("score")
    try:
        with transaction.atomic():
            report = DriftReport.objects.create(
                model_version=model,
                window_start=start,
                window_end=end,
                transactions=len(rows),
                alerts=alert_count,
                alert_rate=round(alert_count / len(rows), 5),
                labelled_alerts=labelled_count,
                precision=round(frauds / labelled_count, 4) if labelled_count else None,
                score_psi=score_psi,
                feature_psi=feature_psi,
                drifted=drifted,
            )
            if drifted:
                audit_record(
                    action="alerts.model.drift_detected",
                    target=report,
                    system_actor="system:drift",
                    after={"drifted": drifted, "psi": {k: feature_psi.get(k, score_psi) for k in drifted}},
                    model_version=model.name,
                    context={"threshold": limit, "window": [start.isoformat(), end.isoformat()]},
                )
    except IntegrityError:  # a concurrent run wrote this hour's report first
        return DriftReport.objects.get(model_version=model, window_end=end)
    return report


def drift_warning() -> DriftReport | None:
    """The live model's latest report if it is recent and over the threshold (the dashboard banner)."""
    report = DriftReport.objects.filter(model_version__is_active=True).select_related("model_version").first()
    if report is None or not report.drifted:
        return None
    if report.window_end < timezone.now() - timedelta(hours=2 * settings.FDS_DRIFT_WINDOW_HOURS):
        return None
    return report
