"""Compliance views of the audit trail: search, per-object timeline and CSV export (read-only)."""

from __future__ import annotations

import csv
import json
from collections.abc import AsyncIterator, Sequence
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from audit.forms import TARGET_TYPE_PATTERN, AuditSearchForm
from audit.models import AuditEvent
from audit.selectors import audit_events_after, audit_events_for_object, audit_events_search
from audit.services import audit_export_record
from untrusted.spreadsheets import spreadsheet_safe

PAGE_SIZE = 50
EXPORT_BATCH = 2000
EXPORT_COLUMNS = [
    "id",
    "occurred_at",
    "actor",
    "action",
    "target_type",
    "target_id",
    "before",
    "after",
    "reason",
    "model_version",
    "score",
    "context",
    "prev_hash",
    "entry_hash",
]


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    page = None
    if not request.GET or form.is_valid():
        filters = form.search_arguments() if request.GET else {}
        paginator = Paginator(audit_events_search(**filters), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "audit/search.html",
        {"form": form, "page": page, "can_export": request.user.has_perm("audit.export_auditevent")},
        status=200 if page is not None else 400,
    )


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
@require_GET
def object_timeline(request: HttpRequest, target_type: str, target_id: str) -> HttpResponse:
    if not TARGET_TYPE_PATTERN.match(target_type) or len(target_id) > 64:
        raise Http404("no such object type")
    events = list(audit_events_for_object(target_type=target_type, target_id=target_id).select_related(None))
    return render(
        request,
        "audit/object_timeline.html",
        {"events": events, "target_type": target_type, "target_id": target_id},
    )


@login_required
@permission_required(["audit.view_auditevent", "audit.export_auditevent"], raise_exception=True)
@require_POST
def export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The search's rows as CSV. POST (with CSRF): an export writes an audit event, so a link, a
    prefetch or another site must not be able to cause one."""
    form = AuditSearchForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(str(message) for messages in form.errors.values() for message in messages)
        return HttpResponse(
            _("Invalid export filters: %(errors)s") % {"errors": errors},
            status=400,
            content_type="text/plain",
        )
    filters = form.search_arguments()
    events = audit_events_search(**filters)
    audit_export_record(actor=request.user, filters=filters, row_count=events.count())
    filename = f"audit-events-{timezone.localtime():%Y%m%d-%H%M%S}.csv"
    response = StreamingHttpResponse(_csv_stream(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


class _Line:
    """A file-like sink for csv.writer that hands back each formatted line."""

    def write(self, value: str) -> str:
        return value


def csv_cell(value: Any) -> Any:
    """One cell of the export: structured values as JSON, text guarded against formula injection."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, str):
        return spreadsheet_safe(value)
    return value


def _row(event: AuditEvent) -> Sequence[Any]:
    return [
        event.pk,
        timezone.localtime(event.occurred_at).isoformat(timespec="microseconds"),
        csv_cell(event.actor_label),
        csv_cell(event.action),
        csv_cell(event.target_type),
        csv_cell(event.target_id),
        csv_cell(event.before),
        csv_cell(event.after),
        csv_cell(event.reason),
        csv_cell(event.model_version),
        "" if event.score is None else repr(event.score),
        csv_cell(event.context),
        event.prev_hash,
        event.entry_hash,
    ]


async def _csv_stream(events: Any) -> AsyncIterator[str]:
    # An async iterator: under ASGI Django buffers a synchronous one completely before sending it.
    writer = csv.writer(_Line())
    # The byte-order mark makes Excel read the file as UTF-8, so Korean names and reasons survive.
    yield "\ufeff" + writer.writerow(EXPORT_COLUMNS)
    last_id = 0
    while True:
        batch = await sync_to_async(audit_events_after)(events=events, after_id=last_id, limit=EXPORT_BATCH)
        if not batch:
            return
        yield "".join(writer.writerow(_row(event)) for event in batch)
        last_id = batch[-1].pk
