"""Plotly figures of the customer page, built as plain dicts from aggregate rows.

Plain dicts, not `plotly.graph_objects`: the figures are small and fixed, and building them without
the graph-objects validation keeps the page's server time down (plotly.js takes the same JSON).
Pure functions: rows in, figure out; no database access here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from alerts.features import KST
from alerts.models import Alert, Channel, MerchantCategory

INK = "#1d2330"
ACCENT = "#1f5fbf"
SOFT = "#9fb6db"
DANGER = "#b3261e"
STATUS_COLOURS: dict[str, str] = {
    Alert.Status.NEW: DANGER,
    Alert.Status.CLAIMED: "#a15c00",
    Alert.Status.SNOOZED: "#6b4fa0",
    Alert.Status.ATTACHED: "#5f6b7a",
    Alert.Status.DISMISSED: "#1b7a3d",
    Alert.Status.ESCALATED: "#7a1010",
}
_FONT = {"family": "Pretendard, 'Noto Sans KR', system-ui, sans-serif", "color": INK, "size": 13}


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title, "x": 0, "font": {"size": 15}},
        "font": _FONT,
        "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
        "height": 300,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "separators": ".,",
        "legend": {"orientation": "h", "y": -0.2},
        **extra,
    }


def amounts_over_time(days: list[dict[str, Any]], alerted: list[dict[str, Any]]) -> dict[str, Any]:
    """Daily totals as bars, with the customer's alerted transactions as markers on the same axis."""
    data: list[dict[str, Any]] = [
        {
            "type": "bar",
            "name": _("amount per day"),
            "x": [row["day"].isoformat() for row in days],
            "y": [int(row["total"] or 0) for row in days],
            "customdata": [row["count"] for row in days],
            "marker": {"color": SOFT},
            "hovertemplate": _("%{x}: %{y:,}원 in %{customdata} transactions") + "<extra></extra>",
        }
    ]
    by_status: dict[str, list[dict[str, Any]]] = {}
    for point in alerted:
        by_status.setdefault(point["status"], []).append(point)
    for status, points in by_status.items():
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": _("alert: %(status)s") % {"status": Alert.Status(status).label},
                "x": [_local_iso(p["transaction__occurred_at"]) for p in points],
                "y": [p["transaction__amount"] for p in points],
                "customdata": [p["id"] for p in points],
                "marker": {"color": STATUS_COLOURS.get(status, DANGER), "size": 10, "symbol": "diamond"},
                "hovertemplate": _("alert #%{customdata}: %{y:,}원") + "<extra></extra>",
            }
        )
    return {
        "data": data,
        "layout": _layout(
            _("Amounts over time (Asia/Seoul)"),
            xaxis={"type": "date", "title": {"text": _("day")}},
            yaxis={"title": {"text": _("KRW")}, "tickformat": ",d", "rangemode": "tozero"},
        ),
    }


def _local_iso(value: datetime) -> str:
    return value.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S")


def category_label(category: str | None, channel: str) -> str:
    if category:
        return str(MerchantCategory(category).label) if category in MerchantCategory.values else category
    return str(Channel(channel).label) if channel in Channel.values else channel


def amounts_by_category(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Total per category, largest on top; the hover adds the count."""
    totals: dict[str, list[int]] = {}
    for row in rows:
        label = category_label(row["merchant__category"], row["channel"])
        entry = totals.setdefault(label, [0, 0])
        entry[0] += int(row["total"] or 0)
        entry[1] += row["count"]
    items = sorted(totals.items(), key=lambda kv: kv[1][0])
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "name": _("amount"),
                "x": [v[0] for _label, v in items],
                "y": [label for label, _v in items],
                "customdata": [v[1] for _label, v in items],
                "marker": {"color": ACCENT},
                "hovertemplate": _("%{y}: %{x:,}원 in %{customdata} transactions") + "<extra></extra>",
            }
        ],
        "layout": _layout(
            _("Amount by category"),
            xaxis={"title": {"text": _("KRW")}, "tickformat": ",d"},
            yaxis={"automargin": True},
            showlegend=False,
        ),
    }


def amounts_by_hour(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Transactions per Seoul hour of day (bars) and their average amount (line)."""
    by_hour = {row["hour"]: row for row in rows}
    hours = list(range(24))
    return {
        "data": [
            {
                "type": "bar",
                "name": _("transactions"),
                "x": hours,
                "y": [by_hour[h]["count"] if h in by_hour else 0 for h in hours],
                "marker": {"color": SOFT},
                "hovertemplate": _("%{x}h: %{y} transactions") + "<extra></extra>",
            },
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": _("average amount"),
                "x": [h for h in hours if h in by_hour],
                "y": [round(float(by_hour[h]["average"])) for h in hours if h in by_hour],
                "yaxis": "y2",
                "line": {"color": DANGER},
                "hovertemplate": _("%{x}h: average %{y:,}원") + "<extra></extra>",
            },
        ],
        "layout": _layout(
            _("By hour of day (Asia/Seoul)"),
            xaxis={"title": {"text": _("hour")}, "dtick": 2, "range": [-0.5, 23.5]},
            yaxis={"title": {"text": _("count")}, "rangemode": "tozero"},
            yaxis2={
                "title": {"text": _("KRW")},
                "overlaying": "y",
                "side": "right",
                "showgrid": False,
                "tickformat": ",d",
                "rangemode": "tozero",
            },
        ),
    }
