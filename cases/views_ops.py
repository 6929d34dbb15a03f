from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cases.ops import ops_dashboard_charts, ops_headline_figures


@login_required
@permission_required("cases.view_case", raise_exception=True)
@require_GET
def ops_dashboard(request: HttpRequest) -> HttpResponse:
    """Operations dashboard: aggregate charts only (analysts, seniors, compliance reviewers)."""
    now = timezone.now()
    return render(
        request,
        "cases/ops.html",
        {"now": now, "headlines": ops_headline_figures(now=now), "charts": ops_dashboard_charts(now=now)},
    )
