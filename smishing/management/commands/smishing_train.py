from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from smishing import model_versions
from smishing.management.commands._csvdata import labelled_rows_read
from smishing.models import SmishingModelVersion


class Command(BaseCommand):
    help = (
        "Train a smishing model on a labelled CSV (columns text,label) together with the generated corpus, "
        "the file's real rows weighted over generated ones, and store it as a new version."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, help="CSV with the columns text,label")
        parser.add_argument("--name", default="", help="version name (default: import-<time>)")
        parser.add_argument(
            "--activate",
            action="store_true",
            help="make the new version active (it is also activated when no model is active yet)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        texts, labels = labelled_rows_read(options["data"])
        if len(set(labels)) < 2:
            raise CommandError("the data needs at least two different labels")
        if options["name"] and SmishingModelVersion.objects.filter(name=options["name"]).exists():
            raise CommandError(f"a model named {options['name']!r} exists already")
        activate = options["activate"] or not SmishingModelVersion.objects.filter(is_active=True).exists()
        try:
            version = model_versions.model_train_from_rows(
                texts=texts, labels=labels, actor=None, name=options["name"], activate=activate
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            json.dumps(
                {
                    "model": version.name,
                    "active": version.is_active,
                    "rows": len(texts),
                    "metrics": version.metrics,
                },
                ensure_ascii=False,
                default=str,
            )
        )
