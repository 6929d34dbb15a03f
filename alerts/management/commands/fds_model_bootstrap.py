"""`manage.py fds_model_bootstrap [--model NAME]`: make the first FDS model live, audited."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alerts.lifecycle import LifecycleRefused, model_bootstrap
from alerts.models import ModelVersion


class Command(BaseCommand):
    help = (
        "Make a stored FDS model the live one on an installation that has never had one (audited as "
        "alerts.model.bootstrapped). Later models go live only by promotion after retraining."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model", dest="version_name", help="version name (default: the newest)")
        parser.add_argument("--reason", default="first model of this installation")

    def handle(self, *args: Any, version_name: str | None, reason: str, **options: Any) -> None:
        versions = ModelVersion.objects.order_by("-created_at", "-id")
        version = versions.filter(name=version_name).first() if version_name else versions.first()
        if version is None:
            raise CommandError("no stored FDS model: run train_fds first")
        try:
            model_bootstrap(version=version, system_actor="system:fds_model_bootstrap", reason=reason)
        except LifecycleRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{version.name} is live")
