from __future__ import annotations

import json
from typing import Any

import plotly.graph_objects as go
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from alerts.drift import drift_warning
from alerts.features import KST
from alerts.forms import AlertFilterForm, TransactionSearchForm
from alerts.scoring import REASON_GROUPS
from alerts.selectors import (
    alert_queue,
    alert_rows,
    customer_amount_by_hour,
    customer_recent_transactions,
    customer_summary,
    transactions_search,
)

PAGE_SIZE = 50
# The queue counts and pages through at most this many alerts: counting every match of a broad filter
# over a long history costs more than the page itself, and nobody pages past the thousandth alert.
QUEUE_COUNT_LIMIT = 1000


class BoundedPaginator(Paginator):
    """A paginator that counts at most `limit` rows (`capped` says whether there were more)."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, *, limit: int) -> None:
        super().__init__(object_list, per_page)
        self.queryset = object_list
        self.limit = limit
        self.capped = False

    @cached_property
    def count(self) -> int:
        # Unordered: any limit + 1 matches answer "more than the limit?", and without the sort
        # PostgreSQL stops at the first limit + 1 rows it finds.
        # Nor joined: the joins only fetch what a row shows; a count needs the filters alone.
        rows = self.queryset.order_by().select_related(None).prefetch_related(None)
        found = rows[: self.limit + 1].count()
        self.capped = found > self.limit
        return min(found, self.limit)


# Lazy: built at import, shown in each viewer's language.
GROUP_LABELS = {
    "time": gettext_lazy("Time of day"),
    "age": gettext_lazy("Age"),
    "amount": gettext_lazy("Amount"),
    "velocity": gettext_lazy("Velocity"),
    "history": gettext_lazy("Recent history"),
    "merchant_new": gettext_lazy("Merchant and category"),
    "beneficiary_new": gettext_lazy("Beneficiary"),
    "foreign": gettext_lazy("Foreign"),
    "channel": gettext_lazy("Channel"),
    "merchant_risk": gettext_lazy("Merchant risk"),
}
assert set(GROUP_LABELS) == set(REASON_GROUPS)


@login_required
@permission_required("alerts.view_alert", raise_exception=True)
@require_GET
def alert_queue_page(request: HttpRequest) -> HttpResponse:
    form = AlertFilterForm(request.GET or None)
    alerts = alert_queue(filters=form.filters())
    page = BoundedPaginator(alerts, PAGE_SIZE, limit=QUEUE_COUNT_LIMIT).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "alerts/queue.html",
        {
            "form": form,
            "page": page,
            "querystring": query.urlencode(),
            # Only the unfiltered first page takes live rows; elsewhere a banner counts new alerts.
            "live_insert": page.number == 1,
            "drift": drift_warning(),
        },
        # Refused filters are shown on the page (the queue stays usable, unfiltered) with a 400.
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def _contribution_figure(contributions: dict[str, float]) -> dict:
    items = sorted(contributions.items(), key=lambda kv: kv[1])
    fig = go.Figure(
        go.Bar(
            x=[v for _key, v in items],
            y=[str(GROUP_LABELS.get(k, k)) for k, _value in items],
            orientation="h",
            marker_color=["#b3261e" if v > 0 else "#1b7a3d" for _key, v in items],
            hovertemplate="%{y}: %{x:+.2f} " + _("log-odds") + "<extra></extra>",
        )
    )
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        height=320,
        title=_("Contribution to the score (TreeSHAP, log-odds)"),
        xaxis_title=_("← lowers risk · raises risk →"),
    )
    return json.loads(fig.to_json())  # a dict: json_script encodes it once, the page parses it once


def _hourly_figure(rows: list[dict], current_hour: int, current_amount: int) -> dict:
    by_hour = {r["hour"]: r for r in rows}
    hours = list(range(24))
    fig = go.Figure()
    fig.add_bar(
        x=hours,
        y=[by_hour[h]["count"] if h in by_hour else 0 for h in hours],
        name=_("transactions"),
        marker_color="#c9d6ea",
        yaxis="y2",
        hovertemplate=_("%{x}h: %{y} transactions") + "<extra></extra>",
    )
    fig.add_scatter(
        x=[h for h in hours if h in by_hour],
        y=[round(float(by_hour[h]["average"])) for h in hours if h in by_hour],
        mode="lines+markers",
        name=_("average amount (KRW)"),
        line={"color": "#1f5fbf"},
    )
    fig.add_scatter(
        x=[current_hour],
        y=[current_amount],
        mode="markers",
        name=_("this transaction"),
        marker={"color": "#b3261e", "size": 14, "symbol": "star"},
    )
    fig.update_layout(
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        height=320,
        title=_("This customer's amount by hour of day"),
        xaxis={"title": _("hour (Asia/Seoul)"), "dtick": 2, "range": [-0.5, 23.5]},
        yaxis={"title": _("won")},
        yaxis2={"overlaying": "y", "side": "right", "showgrid": False, "title": _("count")},
        legend={"orientation": "h", "y": -0.2},
    )
    return json.loads(fig.to_json())


@login_required
@permission_required("alerts.view_alert", raise_exception=True)
@require_GET
def alert_detail_page(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = get_object_or_404(alert_rows().select_related("score__model_version", "parent"), pk=alert_id)
    tx = alert.transaction
    local = tx.occurred_at.astimezone(KST)
    hourly = customer_amount_by_hour(customer_id=alert.customer_id)
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "tx": tx,
            "local_time": local,
            "age": alert.customer.age_on(local.date()),
            "summary": customer_summary(customer_id=alert.customer_id),
            "recent": customer_recent_transactions(customer_id=alert.customer_id, before=tx.occurred_at),
            "children": alert_rows().filter(parent=alert).order_by("created_at")[:50],
            "contribution_figure": _contribution_figure(alert.score.contributions)
            if alert.score.contributions
            else None,
            "hourly_figure": _hourly_figure(hourly, local.hour, tx.amount) if hourly else None,
        },
    )


@login_required
@permission_required("alerts.view_transaction", raise_exception=True)
@require_GET
def transaction_search_page(request: HttpRequest) -> HttpResponse:
    """Find transactions by id, customer, account, merchant, amount and time; newest first, by keyset."""
    form = TransactionSearchForm(request.GET)
    if not form.is_valid():
        # The page still renders, with the reasons next to the fields, and nothing is searched.
        return render(request, "alerts/transactions.html", {"form": form, "page": None}, status=400)
    page = transactions_search(
        filters=form.filters(),
        older_than=form.cleaned_data.get("older"),
        newer_than=form.cleaned_data.get("newer"),
    )
    return render(
        request,
        "alerts/transactions.html",
        {
            "form": form,
            "page": page,
            "older_query": form.page_query(older=page.older) if page.older else "",
            "newer_query": form.page_query(newer=page.newer) if page.newer else "",
            "paged": bool(form.cleaned_data.get("older") or form.cleaned_data.get("newer")),
            "can_open_customer": request.user.has_perm("alerts.view_customer"),
        },
    )
