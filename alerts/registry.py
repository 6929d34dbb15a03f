"""Reads and charts for the FDS model pages: registry, retraining comparison, drift. Reads only."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import plotly.graph_objects as go
from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from alerts.models import DriftReport, ModelVersion, Retraining, Score, ShadowScore

CHAMPION_COLOUR = "#1f5fbf"
CHALLENGER_COLOUR = "#b3261e"


@dataclass
class Chart:
    key: str
    title: str
    figure: dict | None
    empty_text: str = ""

    @property
    def element_id(self) -> str:
        return f"chart-{self.key}"


def _figure(fig: go.Figure, *, height: int = 300) -> dict:
    fig.update_layout(
        template="none",
        margin={"l": 50, "r": 10, "t": 20, "b": 40},
        height=height,
        legend={"orientation": "h"},
    )
    return json.loads(fig.to_json())


def model_versions(*, status: str = "", q: str = "") -> QuerySet[ModelVersion]:
    versions = ModelVersion.objects.defer("artifact").order_by("-created_at", "-id")
    if status == "live":
        versions = versions.filter(is_active=True)
    elif status == "shadow":
        versions = versions.filter(is_shadow=True)
    elif status == "stored":
        versions = versions.filter(is_active=False, is_shadow=False)
    if q:
        versions = versions.filter(Q(name__icontains=q) | Q(created_by__icontains=q))
    return versions


def latest_evaluation() -> Retraining | None:
    """The latest run that judged models: its evaluation window is the registry's fixed recent window."""
    return (
        Retraining.objects.filter(status=Retraining.Status.SUCCEEDED).order_by("-finished_at", "-id").first()
    )


def recent_metrics(version: ModelVersion, run: Retraining | None) -> dict[str, Any] | None:
    """A version's figures on the latest run's window, if that run judged it."""
    if run is None:
        return None
    evaluation = run.evaluation
    for role in ("challenger", "champion"):
        if evaluation.get(role, {}).get("name") == version.name:
            return evaluation[role]
    return evaluation.get("versions", {}).get(version.name)


def live_alert_rate(version: ModelVersion, *, hours: int = 24) -> dict[str, Any]:
    """Share of the last `hours` of live scores at or over the version's threshold."""
    since = timezone.now() - timedelta(hours=hours)
    counts = Score.objects.filter(model_version=version, created_at__gte=since).aggregate(
        n=Count("id"), over=Count("id", filter=Q(score__gte=version.threshold))
    )
    n = counts["n"] or 0
    return {
        "hours": hours,
        "scored": n,
        "over": counts["over"] or 0,
        "rate": (counts["over"] / n) if n else None,
    }


def calibration_chart(metrics: dict[str, Any] | None) -> Chart:
    title = _("Calibration on the recent window")
    rows = (metrics or {}).get("calibration") or []
    if not rows:
        return Chart(
            "calibration", title, None, _("Not judged on a recent window yet: start a retraining run.")
        )
    fig = go.Figure()
    fig.add_scatter(
        x=[0, 1], y=[0, 1], mode="lines", name=_("perfect"), line={"dash": "dot", "color": "#999"}
    )
    fig.add_scatter(
        x=[r["predicted"] for r in rows],
        y=[r["observed"] for r in rows],
        mode="lines+markers",
        name=_("observed fraud rate"),
        text=[f"n={r['n']}" for r in rows],
        line={"color": CHAMPION_COLOUR},
    )
    fig.update_layout(xaxis_title=_("mean predicted score"), yaxis_title=_("observed fraud rate"))
    return Chart("calibration", title, _figure(fig))


def importance_chart(version: ModelVersion) -> Chart:
    title = _("Feature importance (gain)")
    items = sorted(version.importance.items(), key=lambda kv: kv[1])[-15:]
    if not items:
        return Chart("importance", title, None, _("This version was stored without feature importance."))
    fig = go.Figure(go.Bar(x=[v for _, v in items], y=[k for k, _ in items], orientation="h"))
    return Chart("importance", title, _figure(fig, height=420))


def comparison_charts(run: Retraining) -> list[Chart]:
    """Champion and challenger on the run's evaluation window, and on live traffic in shadow."""
    evaluation = run.evaluation
    challenger, champion = evaluation.get("challenger"), evaluation.get("champion")
    charts: list[Chart] = []
    if challenger:
        fig = go.Figure()
        for role, colour in (("champion", CHAMPION_COLOUR), ("challenger", CHALLENGER_COLOUR)):
            metrics = evaluation.get(role)
            if not metrics:
                continue
            edges = metrics["histogram"]["edges"]
            mids = [(a + b) / 2 for a, b in zip(edges, edges[1:], strict=False)]
            for cls, dash in (("fraud", "solid"), ("genuine", "dot")):
                counts = metrics["histogram"][cls]
                total = max(1, sum(counts))
                fig.add_scatter(
                    x=mids,
                    y=[c / total for c in counts],
                    mode="lines",
                    name=f"{metrics['name']} · {_(cls)}",
                    line={"color": colour, "dash": dash},
                )
        fig.update_layout(xaxis_title=_("score"), yaxis_title=_("share of transactions"))
        charts.append(Chart("distributions", _("Score distributions on the evaluation window"), _figure(fig)))
        fig = go.Figure()
        for role, colour in (("champion", CHAMPION_COLOUR), ("challenger", CHALLENGER_COLOUR)):
            metrics = evaluation.get(role)
            if metrics:
                fig.add_bar(
                    x=[_("precision at budget"), _("recall at budget"), "AP"],
                    y=[metrics["precision_at_budget"], metrics["recall_at_budget"], metrics["ap"]],
                    name=metrics["name"],
                    marker_color=colour,
                )
        fig.update_layout(barmode="group", yaxis={"range": [0, 1]})
        charts.append(
            Chart(
                "budget",
                _("Precision and recall at the budget of %(n)s alerts a day")
                % {"n": evaluation["budget_per_day"]},
                _figure(fig),
            )
        )
    shadow = shadow_pairs(run, limit=5000)
    title = _("Live traffic: champion against challenger in shadow")
    if shadow:
        fig = go.Figure(
            go.Scatter(
                x=[p["champion"] for p in shadow],
                y=[p["challenger"] for p in shadow],
                mode="markers",
                marker={"size": 4, "opacity": 0.5, "color": CHALLENGER_COLOUR},
            )
        )
        fig.update_layout(xaxis_title=_("champion score"), yaxis_title=_("challenger score"))
        charts.append(Chart("shadow", title, _figure(fig)))
    else:
        charts.append(Chart("shadow", title, None, _("No live transaction scored in shadow yet.")))
    if not champion:
        charts.append(
            Chart("no-champion", _("Champion"), None, _("There was no live model to compare with."))
        )
    return charts


def shadow_pairs(run: Retraining, *, limit: int) -> list[dict[str, Any]]:
    """Live transactions scored by the run's challenger in shadow, with the champion's live score."""
    if run.challenger_id is None:
        return []
    rows = (
        ShadowScore.objects.filter(model_version_id=run.challenger_id)
        .order_by("-created_at", "-id")
        .values_list(
            "transaction_id",
            "transaction__external_id",
            "score",
            "transaction__score__score",
            "transaction__score__model_score",
            "transaction__is_fraud",
        )[:limit]
    )
    return [
        {
            "transaction_id": tx_id,
            "external_id": ext,
            "challenger": round(shadow, 4),
            "champion": round(model_score, 4) if model_score is not None else None,
            "final": final,
            "label": label,
        }
        for tx_id, ext, shadow, final, model_score, label in rows
        if model_score is not None
    ]


def shadow_disagreements(run: Retraining, *, k: int = 20) -> list[dict[str, Any]]:
    """Live transactions where one model would alert and the other would not, largest gap first."""
    if run.challenger is None:
        return []
    champion_threshold = run.champion.threshold if run.champion else 0.5
    challenger_threshold = run.challenger.threshold
    pairs = [
        p
        for p in shadow_pairs(run, limit=20_000)
        if (p["champion"] >= champion_threshold) != (p["challenger"] >= challenger_threshold)
    ]
    pairs.sort(key=lambda p: -abs(p["challenger"] - p["champion"]))
    return pairs[:k]


def drift_reports(*, days: int = 30) -> list[DriftReport]:
    since = timezone.now() - timedelta(days=days)
    return list(
        DriftReport.objects.filter(window_end__gte=since)
        .select_related("model_version")
        .order_by("window_end")
    )


def drift_charts(reports: list[DriftReport]) -> list[Chart]:
    if not reports:
        return []
    when = [r.window_end.isoformat() for r in reports]
    limit = settings.FDS_DRIFT_PSI_ALERT
    fig = go.Figure()
    worst = sorted(
        {k for r in reports for k in r.feature_psi},
        key=lambda k: -max(r.feature_psi.get(k, 0) for r in reports),
    )[:8]
    for name in worst:
        fig.add_scatter(x=when, y=[r.feature_psi.get(name) for r in reports], mode="lines+markers", name=name)
    fig.add_scatter(
        x=when,
        y=[r.score_psi for r in reports],
        mode="lines+markers",
        name=_("score"),
        line={"width": 4, "color": "#000"},
    )
    fig.add_hline(y=limit, line={"dash": "dash", "color": CHALLENGER_COLOUR})
    fig.update_layout(yaxis_title="PSI")
    psi_chart = Chart(
        "psi", _("PSI per feature and for the score (threshold dashed)"), _figure(fig, height=360)
    )
    fig = go.Figure()
    fig.add_scatter(x=when, y=[r.alert_rate for r in reports], mode="lines+markers", name=_("alert rate"))
    fig.add_scatter(
        x=when,
        y=[r.precision for r in reports],
        mode="lines+markers",
        name=_("precision (labelled alerts)"),
        yaxis="y2",
    )
    fig.update_layout(
        yaxis={"title": _("alert rate")},
        yaxis2={"title": _("precision"), "overlaying": "y", "side": "right", "range": [0, 1]},
    )
    return [psi_chart, Chart("rates", _("Alert rate and precision from labels"), _figure(fig))]
