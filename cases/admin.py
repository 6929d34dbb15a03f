"""Admin: read-only views of case data (every change goes through the audited services), plus the
simulated gateway's behaviour switch for demos."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cases.gateway import simulated_gateway_mode_set
from cases.models import (
    Case,
    CaseNote,
    CustomerContact,
    Evidence,
    FraudLabel,
    GatewayLedgerEntry,
    QaReview,
    RefundRequest,
    SimulatedGatewaySetting,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("id", "customer", "status", "disposition", "assigned_to", "opened_at", "sla_due_at")
    list_filter = ("status", "disposition")
    search_fields = ("id", "title", "customer__external_id")


@admin.register(RefundRequest)
class RefundRequestAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "status", "amount", "requested_by", "approved_by", "requested_at")
    list_filter = ("status",)


@admin.register(GatewayLedgerEntry)
class GatewayLedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("reference", "idempotency_key", "amount", "status", "created_at")


@admin.register(SimulatedGatewaySetting)
class SimulatedGatewaySettingAdmin(admin.ModelAdmin):
    list_display = ("id", "mode", "slow_seconds")
    fields = ("mode", "slow_seconds")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # Through the service, so the switch is audited with the administrator as its actor.
        simulated_gateway_mode_set(mode=obj.mode, slow_seconds=obj.slow_seconds, actor=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


for model in (CaseNote, CustomerContact, Evidence, FraudLabel, QaReview):
    admin.site.register(model, ReadOnlyAdmin)
