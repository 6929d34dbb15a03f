"""`manage.py audit_verify`: prove that the audit trail is the one the application wrote."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.services import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Walk the hash-chained audit trail and report every edited, deleted or inserted event by id. "
        "Exits with status 1 when the trail was tampered with. Reads only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object (for monitoring)")
        parser.add_argument("--batch-size", type=int, default=5000, help="events read per query")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        checked, problems = audit_chain_verify(batch_size=options["batch_size"])
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "checked": checked,
                        "intact": not problems,
                        "problems": [
                            {"event_id": p.event_id, "kind": p.kind, "problem": p.problem} for p in problems
                        ],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            for problem in problems:
                label = f"event {problem.event_id}" if problem.event_id is not None else "chain"
                self.stdout.write(self.style.ERROR(f"{problem.kind.upper():9} {label}: {problem.problem}"))
        if problems:
            # A non-zero exit lets cron or monitoring alert on tampering without parsing output.
            raise CommandError(
                f"audit trail TAMPERED: {len(problems)} problem(s) in {checked} events", returncode=1
            )
        if not options["json"]:
            self.stdout.write(self.style.SUCCESS(f"audit trail intact: {checked} events verified"))
