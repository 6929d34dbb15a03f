from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from smishing.engine import SmishingModel, evaluate
from smishing.management.commands._csvdata import labelled_rows_read
from smishing.models import SmishingModelVersion


class Command(BaseCommand):
    help = (
        "Evaluate a smishing model on a labelled CSV (columns text,label); prints one JSON object: "
        "accuracy, macro_f1, per_class precision/recall/F1, smishing_recall, risky_recall (smishing+spam "
        "flagged as either), false_alarm_rate (normal+ad), unknown_rate, ece, grounding_rate and confusion "
        "(true label → predicted label → count)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, help="CSV with the columns text,label")
        parser.add_argument("--model", default="", help="version name (default: the active model)")

    def handle(self, *args: Any, **options: Any) -> None:
        texts, labels = labelled_rows_read(options["data"])
        versions = SmishingModelVersion.objects.all()
        version = (
            versions.filter(name=options["model"]).first()
            if options["model"]
            else versions.filter(is_active=True).first()
        )
        if version is None:
            raise CommandError(
                f"no model named {options['model']!r}"
                if options["model"]
                else "no active model: run smishing_bootstrap"
            )
        report = evaluate(SmishingModel.loads(bytes(version.artifact)), texts, labels)
        report = {"model": version.name, **report}
        self.stdout.write(json.dumps(report, ensure_ascii=False, default=float))
