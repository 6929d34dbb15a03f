from django.contrib import admin
from django.http import HttpRequest

from smishing.models import ConsentText, SmishingModelVersion


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    """Publishing a new consent wording = adding a row; a published wording is never edited, since
    submissions point at the version they agreed to."""

    list_display = ("version", "published_at")
    ordering = ("-published_at",)

    def has_change_permission(self, request: HttpRequest, obj: ConsentText | None = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: ConsentText | None = None) -> bool:
        return False


@admin.register(SmishingModelVersion)
class SmishingModelVersionAdmin(admin.ModelAdmin):
    """Read-only: models are trained, activated and approved in the app, where it is audited."""

    list_display = ("name", "created_at", "is_active", "activated_at")
    exclude = ("artifact",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: SmishingModelVersion | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: SmishingModelVersion | None = None) -> bool:
        return False
