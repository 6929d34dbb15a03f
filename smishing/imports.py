"""Loading historical reports (unlabelled) so analysts can label them, closest calls first.

Imported reports are scored like pasted ones and join the labelling queue, which is ordered by the
model's uncertainty. They enter a training set only after an analyst labels them, and only when their
import said, explicitly and on the audit trail, that its rows may be used for training.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import audit_record
from smishing.engine import is_abusive, mask_personal_data
from smishing.models import Submission, SubmissionImport

IMPORT_SCORE_CHUNK = 256


class ImportInvalid(ValueError):
    """The file cannot be imported; nothing was written."""


def submissions_import(
    *, texts: list[str], actor: User, training_allowed: bool, file_name: str, max_chars: int
) -> SubmissionImport:
    """Store each text (masked) as an imported, queued submission; abusive texts are counted, not kept.

    Side effects: one SubmissionImport, its submissions, audit `smishing.import.created` (with the
    training flag, row counts and the file's content hash) in the same transaction; after commit,
    scoring tasks in chunks of ids. All or nothing: a bad row refuses the whole file. Not idempotent:
    importing the same file twice makes a second import (its hash shows the repeat).
    """
    if not texts:
        raise ImportInvalid(_("the file has no rows"))
    for line, text in enumerate(texts, start=2):
        if not isinstance(text, str) or not text.strip():
            raise ImportInvalid(_("row %(line)s: empty text") % {"line": line})
        if len(text) > max_chars:
            raise ImportInvalid(
                _("row %(line)s: longer than %(max)s characters") % {"line": line, "max": max_chars}
            )
    digest = hashlib.sha256("\x1e".join(texts).encode()).hexdigest()
    kept = [mask_personal_data(text) for text in texts if not is_abusive(text)]
    with transaction.atomic():
        batch = SubmissionImport.objects.create(
            created_by=actor,
            file_name=file_name[:255],
            rows=len(kept),
            refused_abusive=len(texts) - len(kept),
            training_allowed=training_allowed,
            content_hash=digest,
        )
        created = Submission.objects.bulk_create(
            [
                Submission(
                    submitted_by=actor,
                    source=Submission.Source.IMPORT,
                    text=text,
                    consent_given=False,
                    import_batch=batch,
                    status=Submission.Status.QUEUED,
                )
                for text in kept
            ],
            batch_size=1000,
        )
        audit_record(
            action="smishing.import.created",
            target=batch,
            actor=actor,
            after={
                "file_name": batch.file_name,
                "rows": batch.rows,
                "refused_abusive": batch.refused_abusive,
                "training_allowed": training_allowed,
                "content_hash": digest,
            },
        )
        ids = [row.pk for row in created]
        transaction.on_commit(lambda: _enqueue_scoring(ids))
    return batch


def _enqueue_scoring(ids: list[int]) -> None:
    from smishing.tasks import submissions_score_batch

    for start in range(0, len(ids), IMPORT_SCORE_CHUNK):
        submissions_score_batch.delay(ids[start : start + IMPORT_SCORE_CHUNK])
