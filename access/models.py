"""API tokens for service clients (core banking, gateways)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """A bearer token for a service client. Only a hash is stored; the token is shown once."""

    name = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table keeps the name it had when tokens lived in the project package: no data moves.
        db_table = "fdsportal_apitoken"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class UserPreference(models.Model):
    """A person's own settings for the portal; for now the interface language they chose.

    No row (or an empty language) means the default: Korean (LANGUAGE_CODE)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="preference"
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.language or '-'}"
