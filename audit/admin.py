from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("id", "occurred_at", "actor_label", "action", "target_type", "target_id")
    list_filter = ("action",)
    search_fields = ("action", "target_id", "actor_label", "reason")

    def has_change_permission(self, request, obj=None):  # append-only, also in the admin
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
