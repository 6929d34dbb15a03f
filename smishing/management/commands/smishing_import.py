from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from smishing import intake
from smishing.imports import ImportInvalid, submissions_import


class Command(BaseCommand):
    help = (
        "Load unlabelled historical reports (CSV with a text column) into the labelling queue. "
        "--training-allowed or --no-training decides, once and on the audit trail, whether they may "
        "ever be used for training (only after an analyst labels them)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, help="CSV with a header naming the column text")
        parser.add_argument("--user", required=True, help="username the import is recorded under")
        flag = parser.add_mutually_exclusive_group(required=True)
        flag.add_argument("--training-allowed", action="store_true", help="labelled rows may train models")
        flag.add_argument("--no-training", action="store_true", help="rows are never used for training")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["data"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        actor = User.objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(f"no active user {options['user']!r}")
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if reader.fieldnames is None or "text" not in {f.strip() for f in reader.fieldnames}:
                raise CommandError(f"{path}: the header must name the column text")
            texts = [({(k or "").strip(): v for k, v in row.items()}.get("text") or "") for row in reader]
        try:
            batch = submissions_import(
                texts=texts,
                actor=actor,
                training_allowed=bool(options["training_allowed"]),
                file_name=path.name,
                max_chars=intake.max_text_chars(),
            )
        except ImportInvalid as exc:
            raise CommandError(f"{path}: {exc}; nothing was imported") from exc
        self.stdout.write(
            json.dumps(
                {
                    "import": batch.pk,
                    "rows": batch.rows,
                    "refused_abusive": batch.refused_abusive,
                    "training_allowed": batch.training_allowed,
                }
            )
        )
