"""Admin: read-only views of detection data for staff who may read detection.

Nothing here can add, change or delete: rules, versions, lists, thresholds, approvals, backtests,
snoozes and shadow runs change only through the detection services, where maker-checker, the
database constraints and the audit trail apply. An admin form would bypass all three (a published
version edited in place, an approval written by its maker, a list entry no checker saw).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from detection.models import (
    AlertThreshold,
    Backtest,
    ChangeRequest,
    ListEntry,
    Rule,
    RuleSetVersion,
    RuleSnooze,
    ShadowOutcome,
    ShadowRun,
    WatchList,
)

VIEW = "detection.view_detection"


class DetectionReadOnlyAdmin(admin.ModelAdmin):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff and request.user.has_perm(VIEW))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RuleInline(admin.TabularInline):
    model = Rule
    extra = 0
    fields = ("code", "condition", "effect", "value", "enabled", "reason_ko", "reason_en", "owner")
    readonly_fields = fields
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active and request.user.is_staff and request.user.has_perm(VIEW))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RuleSetVersion)
class RuleSetVersionAdmin(DetectionReadOnlyAdmin):
    list_display = ("number", "status", "is_live", "published_at", "created_by", "note")
    list_filter = ("status", "is_live")
    inlines = [RuleInline]


@admin.register(Rule)
class RuleAdmin(DetectionReadOnlyAdmin):
    list_display = ("code", "version", "effect", "value", "enabled", "owner")
    list_filter = ("effect", "enabled")
    search_fields = ("code", "condition", "description")


@admin.register(WatchList)
class WatchListAdmin(DetectionReadOnlyAdmin):
    list_display = ("name", "kind", "purpose", "created_at")
    list_filter = ("kind", "purpose")


@admin.register(ListEntry)
class ListEntryAdmin(DetectionReadOnlyAdmin):
    list_display = ("value", "watch_list", "author", "created_at", "expires_at", "removed_at", "change")
    list_filter = ("watch_list",)
    search_fields = ("value", "reason")


@admin.register(ChangeRequest)
class ChangeRequestAdmin(DetectionReadOnlyAdmin):
    list_display = ("id", "kind", "status", "summary", "maker", "checker", "created_at", "decided_at")
    list_filter = ("kind", "status")


@admin.register(Backtest)
class BacktestAdmin(DetectionReadOnlyAdmin):
    list_display = ("id", "version", "baseline", "days", "status", "progress", "created_by", "created_at")
    list_filter = ("status",)
    exclude = ("result",)  # large; shown on the backtest page


@admin.register(AlertThreshold)
class AlertThresholdAdmin(DetectionReadOnlyAdmin):
    list_display = ("id", "model_version", "value", "alerts_per_day", "change", "created_at")


@admin.register(RuleSnooze)
class RuleSnoozeAdmin(DetectionReadOnlyAdmin):
    list_display = ("rule_code", "customer", "beneficiary", "until", "created_by", "lifted_at")
    search_fields = ("rule_code", "beneficiary", "reason")


@admin.register(ShadowRun)
class ShadowRunAdmin(DetectionReadOnlyAdmin):
    list_display = ("id", "version", "active", "transactions", "started_by", "started_at", "stopped_at")


@admin.register(ShadowOutcome)
class ShadowOutcomeAdmin(DetectionReadOnlyAdmin):
    list_display = ("run", "transaction", "alerted", "live_alerted", "score", "live_score", "created_at")
    list_filter = ("alerted", "live_alerted")
    raw_id_fields = ("transaction",)
