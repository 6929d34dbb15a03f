from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from smishing import model_versions
from smishing.engine import ABUSE_REPLY_EN, ABUSE_REPLY_KO, is_abusive, mask_personal_data


class Command(BaseCommand):
    help = "Print the verdict JSON for one text (with the active model; trains one first if none exists)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text")

    def handle(self, *args: Any, **options: Any) -> None:
        text: str = options["text"]
        if is_abusive(text):
            self.stdout.write(
                json.dumps(
                    {"abusive": True, "reply_ko": ABUSE_REPLY_KO, "reply_en": ABUSE_REPLY_EN},
                    ensure_ascii=False,
                )
            )
            return
        masked = mask_personal_data(text)
        _version_id, name, model = model_versions.model_active_get()
        verdict = model.predict([masked])[0]
        self.stdout.write(
            json.dumps(
                {"model": name, "text": masked, **verdict.to_dict()}, ensure_ascii=False, default=float
            )
        )
