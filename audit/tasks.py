"""Celery tasks: thin wrappers that call one service."""

from __future__ import annotations

import logging

from celery import shared_task

from audit.checkpoint import audit_checkpoint_write

logger = logging.getLogger(__name__)


@shared_task(name="audit.tasks.audit_checkpoint_write")
def audit_checkpoint_write_task() -> dict[str, object]:
    """Beat: move the audit checkpoint outside the database forward (audit.checkpoint). Safe to
    repeat. A refusal means the trail was tampered with: logged as critical for monitoring."""
    checkpoint, problems = audit_checkpoint_write()
    for problem in problems:
        logger.critical("audit checkpoint refused: %s", problem.problem)
    return {
        "last_event_id": checkpoint.last_event_id if checkpoint else None,
        "problems": [problem.problem for problem in problems],
    }
