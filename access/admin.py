from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_lazy

from access.models import ApiToken
from access.services import api_token_revoke
from audit.receivers import audit_actor


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    # The owner is fixed too: moving a token to another user would hand over their permissions.
    readonly_fields = ("user", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    # Tokens are issued by api_token_create (which shows the clear token once and audits the issue);
    # an admin-made row would have no usable key.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = [
            token.pk
            for token in queryset
            if api_token_revoke(token_id=token.pk, actor=request.user, reason="revoked in the admin")
        ]
        self.message_user(
            request, gettext("%(count)d token(s) revoked.") % {"count": len(revoked)}, messages.SUCCESS
        )


admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(UserAdmin):
    """The stock user admin, with its role and flag changes attributed to the administrator."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        with audit_actor(request.user):
            super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        with audit_actor(request.user):
            super().save_related(request, form, formsets, change)
