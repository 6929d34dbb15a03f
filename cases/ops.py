"""The operations dashboard: aggregate selectors and the Plotly figures built from them.

Every number comes out of a GROUP BY (or a conditional COUNT) in the database; only the aggregates
leave it, never transaction or alert rows. Days and hours are the portal's local time (Asia/Seoul).
Works on SQLite and PostgreSQL; the one query Django's ORM cannot express portably (unnesting the
reason codes stored as a JSON list) is written once per vendor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import plotly.graph_objects as go
from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from alerts.models import Alert, Score, Transaction
from cases.models import Case

ALERT_DECIDED = ("dismissed", "escalated")
CASE_ACTIVE = tuple(Case.OPEN_STATUSES)
AGE_BUCKETS: tuple[tuple[Any, timedelta | None], ...] = (
    (gettext_lazy("< 1 day"), timedelta(days=1)),
    (gettext_lazy("1–3 days"), timedelta(days=3)),
    (gettext_lazy("3–7 days"), timedelta(days=7)),
    (gettext_lazy("7–14 days"), timedelta(days=14)),
    (gettext_lazy("≥ 14 days"), None),
)
COLOURS = {"accent": "#1f5fbf", "danger": "#b3261e", "ok": "#1b7a3d", "warn": "#a15c00", "muted": "#5f6b7a"}


def _local_hour(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(minute=0, second=0, microsecond=0)


def _hour_key(moment: datetime) -> datetime:
    return timezone.localtime(moment).replace(minute=0, second=0, microsecond=0, tzinfo=None)


# --- Aggregate selectors -----------------------------------------------------------------------------


@dataclass(frozen=True)
class HourCount:
    hour: datetime  # local, naive: the start of the hour as the dashboard shows it
    alerts: int


def ops_alerts_per_hour(*, now: datetime, hours: int = 48) -> list[HourCount]:
    """Alerts created in each of the last `hours` local hours (the current one included), zeros kept."""
    first = _local_hour(now) - timedelta(hours=hours - 1)
    rows = (
        Alert.objects.filter(created_at__gte=first, created_at__lte=now)
        .annotate(hour=TruncHour("created_at"))
        .values("hour")
        .annotate(alerts=Count("id"))
        .order_by("hour")
    )
    counts = {_hour_key(row["hour"]): row["alerts"] for row in rows}
    start = _hour_key(first)
    return [
        HourCount(hour=start + timedelta(hours=n), alerts=counts.get(start + timedelta(hours=n), 0))
        for n in range(hours)
    ]


@dataclass(frozen=True)
class DayDecisions:
    day: date
    decided: int
    dismissed: int
    confirmed: int

    @property
    def dismissal_rate(self) -> float:
        return self.dismissed / self.decided if self.decided else 0.0

    @property
    def confirmation_rate(self) -> float:
        return self.confirmed / self.decided if self.decided else 0.0


def ops_alert_rates_per_day(*, now: datetime, days: int = 14) -> list[DayDecisions]:
    """Per local day of decision: alerts decided (dismissed or escalated), dismissed, and confirmed
    fraud (the transaction's label says fraud). Days without decisions are left out."""
    first = timezone.make_aware(
        datetime.combine(timezone.localdate(now) - timedelta(days=days - 1), datetime.min.time())
    )
    rows = (
        Alert.objects.filter(status__in=ALERT_DECIDED, decided_at__gte=first, decided_at__lte=now)
        .annotate(day=TruncDate("decided_at"))
        .values("day")
        .annotate(
            decided=Count("id"),
            dismissed=Count("id", filter=Q(status="dismissed")),
            confirmed=Count("id", filter=Q(transaction__is_fraud=True)),
        )
        .order_by("day")
    )
    return [DayDecisions(row["day"], row["decided"], row["dismissed"], row["confirmed"]) for row in rows]


@dataclass(frozen=True)
class ReasonPrecision:
    code: str
    decided: int
    confirmed: int

    @property
    def precision(self) -> float:
        return self.confirmed / self.decided if self.decided else 0.0


def _reasons_unnested_sql() -> tuple[str, str]:
    """(FROM clause item, expression for the code) unnesting Score.reasons, per vendor."""
    score = Score._meta.db_table
    if connection.vendor == "postgresql":
        return (
            f"CROSS JOIN LATERAL jsonb_array_elements(CASE jsonb_typeof({score}.reasons) WHEN 'array' "
            f"THEN {score}.reasons ELSE '[]'::jsonb END) AS reason(value)",
            "reason.value ->> 'code'",
        )
    if connection.vendor == "sqlite":
        return (
            f", json_each(CASE json_type({score}.reasons) WHEN 'array' THEN {score}.reasons ELSE '[]' END)"
            " AS reason",
            "json_extract(reason.value, '$.code')",
        )
    raise NotImplementedError(f"reason-code precision is not written for {connection.vendor}")


def ops_precision_per_reason(*, now: datetime, days: int = 30, limit: int = 15) -> list[ReasonPrecision]:
    """Per reason code: alerts decided in the last `days` days that carried it, and how many of those
    were confirmed fraud. The `limit` most frequent codes, most frequent first.

    An alert counts once per code however often the code appears in its reasons.
    """
    alert, score, tx = Alert._meta.db_table, Score._meta.db_table, Transaction._meta.db_table
    unnest, code = _reasons_unnested_sql()
    since = connection.ops.adapt_datetimefield_value(now - timedelta(days=days))
    until = connection.ops.adapt_datetimefield_value(now)
    sql = f"""
        SELECT {code} AS code,
               COUNT(DISTINCT {alert}.id) AS decided,
               COUNT(DISTINCT CASE WHEN {tx}.is_fraud THEN {alert}.id END) AS confirmed
        FROM {alert}
        JOIN {score} ON {score}.id = {alert}.score_id
        JOIN {tx} ON {tx}.id = {alert}.transaction_id
        {unnest}
        WHERE {alert}.status IN (%s, %s) AND {alert}.decided_at >= %s AND {alert}.decided_at <= %s
          AND {code} IS NOT NULL
        GROUP BY {code}
        ORDER BY decided DESC, code
        LIMIT %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*ALERT_DECIDED, since, until, limit])
        return [ReasonPrecision(str(row[0]), int(row[1]), int(row[2])) for row in cursor.fetchall()]


@dataclass(frozen=True)
class SlaDay:
    day: date
    on_time: int
    late: int
    missed_open: int  # deadline passed and still no decision

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.missed_open

    @property
    def compliance(self) -> float:
        return self.on_time / self.due if self.due else 0.0


def ops_sla_compliance_per_day(*, now: datetime, days: int = 14) -> list[SlaDay]:
    """Per local day of SLA deadline (deadlines already passed, last `days` days): cases decided on
    time, decided late, and still undecided."""
    first = timezone.make_aware(
        datetime.combine(timezone.localdate(now) - timedelta(days=days - 1), datetime.min.time())
    )
    rows = (
        Case.objects.filter(sla_due_at__gte=first, sla_due_at__lte=now)
        .annotate(day=TruncDate("sla_due_at"))
        .values("day")
        .annotate(
            on_time=Count("id", filter=Q(sla_met_at__lte=F("sla_due_at"))),
            late=Count("id", filter=Q(sla_met_at__gt=F("sla_due_at"))),
            missed_open=Count("id", filter=Q(sla_met_at__isnull=True)),
        )
        .order_by("day")
    )
    return [SlaDay(row["day"], row["on_time"], row["late"], row["missed_open"]) for row in rows]


@dataclass(frozen=True)
class AgeBucket:
    label: str
    cases: int


def ops_open_cases_by_age(*, now: datetime) -> list[AgeBucket]:
    """Open and investigating cases by time since they were opened, in one conditional COUNT."""
    aggregates: dict[str, Any] = {}
    newer_than: timedelta | None = timedelta(0)
    for n, (_label, older_than) in enumerate(AGE_BUCKETS):
        condition = Q(opened_at__lte=now - newer_than) if newer_than else Q()
        if older_than is not None:
            condition &= Q(opened_at__gt=now - older_than)
        aggregates[f"bucket{n}"] = Count("id", filter=condition) if condition else Count("id")
        newer_than = older_than
    counts = Case.objects.filter(status__in=CASE_ACTIVE).aggregate(**aggregates)
    return [AgeBucket(str(label), counts[f"bucket{n}"] or 0) for n, (label, _end) in enumerate(AGE_BUCKETS)]


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    tone: str = ""  # "", "warn" or "danger": how the number should catch the eye
    testid: str = ""


def ops_headline_figures(*, now: datetime) -> list[Headline]:
    """The few numbers at the top of the dashboard."""
    alerts = Alert.objects.aggregate(
        last_day=Count("id", filter=Q(created_at__gte=now - timedelta(hours=24), created_at__lte=now)),
        waiting=Count("id", filter=Q(status__in=Alert.OPEN_STATUSES)),
    )
    case_counts: dict[str, Any] = {
        "open": Count("id"),
        "overdue": Count("id", filter=Q(sla_met_at__isnull=True, sla_due_at__lt=now)),
        "due_soon": Count(
            "id",
            filter=Q(sla_met_at__isnull=True, sla_due_at__gte=now, sla_due_at__lt=now + timedelta(hours=24)),
        ),
    }
    cases = Case.objects.filter(status__in=CASE_ACTIVE).aggregate(**case_counts)
    figures = [
        Headline(_("Alerts, last 24 h"), f"{alerts['last_day']:,}", testid="kpi-alerts-24h"),
        Headline(_("Alerts waiting for triage"), f"{alerts['waiting']:,}", testid="kpi-alerts-waiting"),
        Headline(_("Open cases"), f"{cases['open']:,}", testid="kpi-open-cases"),
    ]
    figures += [
        Headline(
            _("Cases past their SLA"),
            f"{cases['overdue']:,}",
            "danger" if cases["overdue"] else "",
            testid="kpi-sla-overdue",
        ),
        Headline(
            _("SLA due within 24 h"),
            f"{cases['due_soon']:,}",
            "warn" if cases["due_soon"] else "",
            testid="kpi-sla-due-soon",
        ),
    ]
    return figures


# --- Figures -----------------------------------------------------------------------------------------


def _figure(fig: go.Figure, **layout: Any) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "template": "none",  # the default template adds ~10 kB of JSON per chart and nothing we use
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "height": 320,
        "font": {"family": "Pretendard, Noto Sans KR, system-ui, sans-serif", "size": 12},
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "x unified",
    }
    fig.update_layout(**(defaults | layout))
    fig.update_xaxes(gridcolor="#eef0f3")
    fig.update_yaxes(gridcolor="#eef0f3", zerolinecolor="#dde1e7")
    # Through JSON so that dates and numpy values become plain JSON for json_script.
    return json.loads(fig.to_json())


def ops_alerts_per_hour_figure(*, series: list[HourCount]) -> dict[str, Any] | None:
    if not any(point.alerts for point in series):
        return None
    fig = go.Figure(
        go.Bar(
            x=[point.hour.strftime("%Y-%m-%d %H:%M") for point in series],
            y=[point.alerts for point in series],
            marker_color=COLOURS["accent"],
            name=_("Alerts"),
            hovertemplate="%{x|%m-%d %H:00}: %{y}<extra></extra>",
        )
    )
    return _figure(
        fig,
        xaxis={"type": "date", "tickformat": "%H:%M\n%m-%d", "nticks": 9},
        yaxis={"title": {"text": _("alerts per hour")}, "rangemode": "tozero"},
        hovermode="closest",
    )


def ops_alert_rates_figure(*, series: list[DayDecisions]) -> dict[str, Any] | None:
    if not series:
        return None
    days = [point.day.isoformat() for point in series]
    counts = [[point.decided, point.dismissed, point.confirmed] for point in series]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=days,
            y=[point.dismissal_rate for point in series],
            name=_("Dismissed (false positive)"),
            mode="lines+markers",
            line={"color": COLOURS["muted"]},
            customdata=counts,
            hovertemplate="%{y:.0%} (%{customdata[1]} / %{customdata[0]})<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=days,
            y=[point.confirmation_rate for point in series],
            name=_("Confirmed fraud"),
            mode="lines+markers",
            line={"color": COLOURS["danger"]},
            customdata=counts,
            hovertemplate="%{y:.0%} (%{customdata[2]} / %{customdata[0]})<extra></extra>",
        )
    )
    return _figure(
        fig,
        xaxis={"type": "date", "tickformat": "%m-%d"},
        yaxis={"tickformat": ".0%", "range": [0, 1.05], "title": {"text": _("share of decided alerts")}},
    )


def ops_precision_figure(*, rows: list[ReasonPrecision]) -> dict[str, Any] | None:
    if not rows:
        return None
    ordered = list(reversed(rows))  # horizontal bars draw bottom-up; the most frequent code on top
    fig = go.Figure(
        go.Bar(
            x=[row.precision for row in ordered],
            y=[row.code for row in ordered],
            orientation="h",
            marker_color=COLOURS["accent"],
            text=[f"{row.confirmed}/{row.decided}" for row in ordered],
            textposition="auto",
            hovertemplate="%{y}: %{x:.0%} (%{text})<extra></extra>",
            name=_("Precision"),
        )
    )
    return _figure(
        fig,
        xaxis={"tickformat": ".0%", "range": [0, 1], "title": {"text": _("confirmed / decided")}},
        yaxis={"automargin": True},
        height=max(320, 28 * len(rows) + 80),
        hovermode="closest",
    )


def ops_sla_figure(*, series: list[SlaDay]) -> dict[str, Any] | None:
    if not series:
        return None
    days = [point.day.isoformat() for point in series]
    fig = go.Figure()
    for name, values, colour in (
        (_("Decided on time"), [p.on_time for p in series], COLOURS["ok"]),
        (_("Decided late"), [p.late for p in series], COLOURS["warn"]),
        (_("Past deadline, undecided"), [p.missed_open for p in series], COLOURS["danger"]),
    ):
        fig.add_trace(go.Bar(x=days, y=values, name=name, marker_color=colour))
    fig.add_trace(
        go.Scatter(
            x=days,
            y=[p.compliance for p in series],
            name=_("Compliance"),
            yaxis="y2",
            mode="lines+markers",
            line={"color": COLOURS["accent"]},
            hovertemplate="%{y:.0%}<extra></extra>",
        )
    )
    return _figure(
        fig,
        barmode="stack",
        margin={"l": 56, "r": 56, "t": 16, "b": 48},
        xaxis={"type": "date", "tickformat": "%m-%d", "dtick": 86_400_000 * 2},
        yaxis={"title": {"text": _("cases by deadline day")}, "rangemode": "tozero"},
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "tickformat": ".0%",
            "range": [0, 1.05],
            "showgrid": False,
        },
    )


def ops_open_cases_by_age_figure(*, buckets: list[AgeBucket]) -> dict[str, Any] | None:
    if not any(bucket.cases for bucket in buckets):
        return None
    colours = [COLOURS["ok"], COLOURS["accent"], COLOURS["warn"], COLOURS["danger"], COLOURS["danger"]]
    fig = go.Figure(
        go.Bar(
            x=[bucket.label for bucket in buckets],
            y=[bucket.cases for bucket in buckets],
            marker_color=colours[: len(buckets)],
            hovertemplate="%{x}: %{y}<extra></extra>",
            name=_("Open cases"),
        )
    )
    return _figure(
        fig, yaxis={"title": {"text": _("open cases")}, "rangemode": "tozero"}, hovermode="closest"
    )


@dataclass(frozen=True)
class OpsChart:
    key: str
    title: str
    figure: dict[str, Any] | None  # None: nothing to draw, show `empty_text`
    empty_text: str
    note: str = ""

    @property
    def element_id(self) -> str:
        return f"ops-figure-{self.key}"


def ops_dashboard_charts(*, now: datetime) -> list[OpsChart]:
    """Every chart of the dashboard, in display order. Reads only."""
    sla = ops_sla_compliance_per_day(now=now)
    return [
        OpsChart(
            "alerts-per-hour",
            _("Alerts per hour (last 48 h)"),
            ops_alerts_per_hour_figure(series=ops_alerts_per_hour(now=now)),
            _("No alerts in the last 48 hours."),
        ),
        OpsChart(
            "alert-rates",
            _("Dismissal and confirmation rates per day (last 14 days)"),
            ops_alert_rates_figure(series=ops_alert_rates_per_day(now=now)),
            _("No alerts were dismissed or escalated in the last 14 days."),
            _("Of the alerts decided that day: dismissed as false positives, and confirmed as fraud."),
        ),
        OpsChart(
            "precision-per-reason",
            _("Precision per reason code (last 30 days)"),
            ops_precision_figure(rows=ops_precision_per_reason(now=now)),
            _("No decided alerts in the last 30 days."),
            _("Alerts carrying the reason that were confirmed as fraud, out of those decided."),
        ),
        OpsChart(
            "sla-compliance",
            _("SLA compliance by deadline day (last 14 days)"),
            ops_sla_figure(series=sla),
            _("No case deadlines fell in the last 14 days."),
        ),
        OpsChart(
            "open-cases-by-age",
            _("Open cases by age"),
            ops_open_cases_by_age_figure(buckets=ops_open_cases_by_age(now=now)),
            _("No open cases."),
        ),
    ]
