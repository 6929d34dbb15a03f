from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from smishing import model_versions


class Command(BaseCommand):
    help = "Train and activate a first smishing model from the generated corpus, unless one is active."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--per-template", type=int, default=None, help="messages generated per template")

    def handle(self, *args: Any, **options: Any) -> None:
        version = model_versions.model_bootstrap(per_template=options["per_template"])
        self.stdout.write(
            json.dumps(
                {
                    "model": version.name,
                    "active": version.is_active,
                    "held_out": version.metrics.get("held_out"),
                },
                ensure_ascii=False,
                default=float,
            )
        )
