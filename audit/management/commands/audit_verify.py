"""`manage.py audit_verify`: prove that the audit trail is the one the application wrote."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.checkpoint import audit_checkpoint_compare, audit_checkpoint_read, audit_checkpoint_write
from audit.services import audit_chain_verify


class Command(BaseCommand):
    help = (
        "Walk the hash-chained audit trail and report every edited, deleted or inserted event by id, "
        "then compare it with the checkpoint kept outside the database (a truncated or wiped trail). "
        "Exits with status 1 when the trail was tampered with. When intact, moves the checkpoint forward."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON object (for monitoring)")
        parser.add_argument("--batch-size", type=int, default=5000, help="events read per query")
        parser.add_argument(
            "--no-checkpoint", action="store_true", help="compare with the checkpoint but do not move it"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        checked, problems = audit_chain_verify(batch_size=options["batch_size"])
        checkpoint, checkpoint_problems = audit_checkpoint_read()
        if checkpoint is not None:
            checkpoint_problems += audit_checkpoint_compare(checkpoint)
        problems = problems + checkpoint_problems
        if not problems and not options["no_checkpoint"]:
            checkpoint, problems = audit_checkpoint_write()
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "checked": checked,
                        "intact": not problems,
                        "checkpoint": None
                        if checkpoint is None
                        else {"last_event_id": checkpoint.last_event_id, "written_at": checkpoint.written_at},
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
            where = (
                f"checkpoint at event {checkpoint.last_event_id}"
                if checkpoint
                else "no checkpoint yet (empty trail)"
            )
            self.stdout.write(self.style.SUCCESS(f"audit trail intact: {checked} events verified; {where}"))
