"""Training sets from consented, labelled reports, and retraining jobs with their gate.

A retrained model is activated only when it is not worse than the active one on the held-out
templates; otherwise it waits for an approver.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from model_registry import version_activate
from smishing import push, selectors
from smishing.engine import (
    SmishingModel,
    evaluate,
)
from smishing.engine.training import train_with_real
from smishing.model_versions import (
    SYSTEM_ACTOR,
    ModelActivationRefused,
    _corpus_per_template,
    _jsonable,
    _new_version_name,
    _split_seed,
)
from smishing.models import (
    RetrainJob,
    SmishingModelVersion,
    TrainingSet,
    TrainingSetItem,
)
from untrusted.spreadsheets import spreadsheet_safe

logger = logging.getLogger(__name__)


# --- Training sets ----------------------------------------------------------------------------------


def _content_hash(rows: list[tuple[int, str, str]]) -> str:
    digest = hashlib.sha256()
    for submission_id, label, text in sorted(rows):
        digest.update(f"{submission_id}\x1f{label}\x1f{text}\x1e".encode())
    return digest.hexdigest()


def training_set_create(*, actor: User | None) -> TrainingSet:
    """Snapshot every consented, non-abusive, labelled submission as a new numbered training set.

    Side effects: a TrainingSet with its items and audit `smishing.trainingset.created`. Safe to
    repeat: when nothing changed since the newest set (same content hash), that set is returned.
    """
    rows = list(selectors.submissions_trainable().values_list("pk", "analyst_label", "text"))
    content_hash = _content_hash(rows)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                latest = TrainingSet.objects.select_for_update().order_by("-version").first()
                if latest is not None and latest.content_hash == content_hash:
                    return latest
                training_set = TrainingSet.objects.create(
                    version=(latest.version + 1) if latest else 1,
                    created_by=actor,
                    size=len(rows),
                    content_hash=content_hash,
                    label_counts=dict(Counter(label for _pk, label, _text in rows)),
                )
                TrainingSetItem.objects.bulk_create(
                    [
                        TrainingSetItem(training_set=training_set, submission_id=pk, label=label)
                        for pk, label, _text in rows
                    ]
                )
                audit_record(
                    action="smishing.trainingset.created",
                    target=training_set,
                    actor=actor,
                    system_actor=SYSTEM_ACTOR,
                    after={
                        "version": training_set.version,
                        "size": training_set.size,
                        "content_hash": content_hash,
                    },
                )
                return training_set
        except IntegrityError:
            continue  # another writer took this version number; read again and retry
    raise RuntimeError("could not allocate a training-set version")


def training_set_export_csv(*, training_set: TrainingSet, actor: User) -> str:
    """The set as CSV (`text,label`). Side effect: audit `smishing.trainingset.exported`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["text", "label"])
    count = 0
    for text, label in selectors.training_set_rows(training_set=training_set):
        # Submitted texts are anyone's input: a spreadsheet must show them, never run them.
        writer.writerow([spreadsheet_safe(text), label])
        count += 1
    with transaction.atomic():
        audit_record(
            action="smishing.trainingset.exported",
            target=training_set,
            actor=actor,
            after={"rows": count, "content_hash": training_set.content_hash},
        )
    return buffer.getvalue()


# --- Retraining -------------------------------------------------------------------------------------


def model_is_not_worse(*, candidate: dict[str, Any], baseline: dict[str, Any] | None) -> bool:
    """The activation rule: neither macro-F1 nor smishing recall drops on the held-out templates."""
    if not baseline:
        return True
    tolerance = float(settings.FDS_SMISHING_ACTIVATION_TOLERANCE)
    return (
        float(candidate.get("macro_f1", 0.0)) >= float(baseline.get("macro_f1", 0.0)) - tolerance
        and float(candidate.get("smishing_recall", 0.0))
        >= float(baseline.get("smishing_recall", 0.0)) - tolerance
    )


class RetrainRefused(ValueError):
    pass


def retrain_job_start(*, actor: User) -> RetrainJob:
    """Snapshot a training set and queue a retraining job.

    Side effects: a TrainingSet (or the unchanged newest one), a RetrainJob, audit
    `smishing.retrain.started`; after commit, the Celery task. Refused while another job runs.
    """
    if not actor.has_perm("smishing.retrain_model"):
        raise PermissionError("permission smishing.retrain_model required")
    running = RetrainJob.objects.filter(status__in=[RetrainJob.Status.QUEUED, RetrainJob.Status.RUNNING])
    if running.exists():
        raise RetrainRefused(_("A retraining job is already running."))
    training_set = training_set_create(actor=actor)
    with transaction.atomic():
        if running.exists():  # checked again: another start may have slipped in meanwhile
            raise RetrainRefused(_("A retraining job is already running."))
        job = RetrainJob.objects.create(created_by=actor, training_set=training_set, message="queued")
        audit_record(
            action="smishing.retrain.started",
            target=job,
            actor=actor,
            after={"training_set": training_set.version, "size": training_set.size},
        )
        job_id = job.pk
        transaction.on_commit(lambda: _enqueue_retrain(job_id))
    return job


def _enqueue_retrain(job_id: int) -> None:
    from smishing.tasks import retrain_job_run_task

    retrain_job_run_task.delay(job_id)


@dataclass
class _ProgressWriter:
    job_id: int
    last_write: float = 0.0
    last_value: float = -1.0

    def __call__(self, value: float, message: str, *, force: bool = False) -> None:
        value = max(0.0, min(1.0, float(value)))
        now = time.monotonic()
        if not force and value - self.last_value < 0.02 and now - self.last_write < 0.5:
            return
        self.last_write, self.last_value = now, value
        RetrainJob.objects.filter(pk=self.job_id).update(progress=value, message=message[:200])
        push.retrain_push(RetrainJob.objects.get(pk=self.job_id))


def retrain_job_run(*, job_id: int, per_template: int | None = None) -> RetrainJob:
    """Train on the generated corpus plus the job's training set, evaluate on held-out templates,
    and activate the new model if it is not worse than the active one (else hold it for approval).

    Side effects: progress on the job row (pushed live), a SmishingModelVersion, the outcome, audit
    `smishing.model.created` and `smishing.model.activated` or `smishing.model.held_for_approval`.
    Safe to repeat: only a queued job is claimed.
    """
    claimed = RetrainJob.objects.filter(pk=job_id, status=RetrainJob.Status.QUEUED).update(
        status=RetrainJob.Status.RUNNING, message="starting"
    )
    job = RetrainJob.objects.select_related("training_set").get(pk=job_id)
    if claimed != 1:
        return job
    progress = _ProgressWriter(job_id)
    progress(0.01, "generating the corpus", force=True)
    try:
        extra = list(selectors.training_set_rows(training_set=job.training_set)) if job.training_set else []
        progress(0.05, f"training on the generated corpus and {len(extra)} labelled reports", force=True)
        # Labelled reports are real messages: weighted over generated ones, grouped by near-duplicate
        # cluster for training's own splits, and used to fit the calibration.
        model, report, test_part = train_with_real(
            texts=[text for text, _label in extra],
            labels=[label for _text, label in extra],
            seed=_split_seed(),
            per_template=per_template or _corpus_per_template(),
            progress=lambda value, message: progress(0.05 + 0.8 * float(value), message),
        )
        progress(0.87, "evaluating on held-out templates", force=True)
        test_texts, test_labels = [e.text for e in test_part], [e.label for e in test_part]
        candidate_metrics = evaluate(model, test_texts, test_labels)
        baseline = SmishingModelVersion.objects.filter(is_active=True).first()
        baseline_metrics = (
            evaluate(SmishingModel.loads(bytes(baseline.artifact)), test_texts, test_labels)
            if baseline
            else None
        )
        progress(0.95, "deciding", force=True)
        not_worse = model_is_not_worse(candidate=candidate_metrics, baseline=baseline_metrics)
        evaluation = {
            "held_out_templates": sorted({e.template_id for e in test_part}),
            "candidate": candidate_metrics,
            "baseline": baseline_metrics,
            "baseline_name": baseline.name if baseline else None,
            "not_worse": not_worse,
            "training_rows": int(report["n_train"]),
            "labelled_reports": len(extra),
        }
        with transaction.atomic():
            version = SmishingModelVersion.objects.create(
                name=_new_version_name("retrain"),
                engine_version=str(getattr(model, "version", "")),
                created_by=job.created_by,
                artifact=model.dumps(),
                metrics={"held_out": candidate_metrics, "training": _jsonable(report)},
                training_set=job.training_set,
            )
            outcome = RetrainJob.Outcome.ACTIVATED if not_worse else RetrainJob.Outcome.AWAITING_APPROVAL
            RetrainJob.objects.filter(pk=job.pk).update(
                status=RetrainJob.Status.SUCCEEDED,
                progress=1.0,
                message="done",
                model_version=version,
                baseline_version=baseline,
                report=_jsonable(evaluation),
                outcome=outcome,
                finished_at=timezone.now(),
            )
            audit_record(
                action="smishing.model.created",
                target=version,
                actor=job.created_by,
                after={"name": version.name, "held_out": candidate_metrics},
                model_version=version.name,
                context={"retrain_job": job.pk},
            )
            if not_worse:
                version_activate(
                    version=version,
                    action="smishing.model.activated",
                    actor=job.created_by,
                    reason="not worse than the active model on the held-out templates",
                    context=_jsonable(evaluation),
                )
            else:
                audit_record(
                    action="smishing.model.held_for_approval",
                    target=version,
                    actor=job.created_by,
                    reason="worse than the active model on the held-out templates",
                    model_version=version.name,
                    context=_jsonable(evaluation),
                )
    except Exception as exc:
        logger.exception("smishing retraining job %s failed", job_id)
        RetrainJob.objects.filter(pk=job_id).update(
            status=RetrainJob.Status.FAILED,
            message="failed",
            error=str(exc)[:2000],
            finished_at=timezone.now(),
        )
        push.retrain_push(RetrainJob.objects.get(pk=job_id))
        raise
    job = RetrainJob.objects.get(pk=job_id)
    push.retrain_push(job)
    return job


def retrain_job_approve(*, job_id: int, actor: User, reason: str) -> RetrainJob:
    """Activate a model that was held for being worse, by explicit approval.

    Side effects: the outcome moves awaiting_approval → approved (conditional update), the model
    becomes active, audit `smishing.model.approved` and `smishing.model.activated`. Safe to repeat:
    a second approval finds nothing awaiting and changes nothing.
    """
    if not actor.has_perm("smishing.retrain_model"):
        raise PermissionError("permission smishing.retrain_model required")
    if not reason.strip():
        raise ModelActivationRefused(_("Say why the worse model should be activated."))
    with transaction.atomic():
        updated = RetrainJob.objects.filter(
            pk=job_id, outcome=RetrainJob.Outcome.AWAITING_APPROVAL, model_version__isnull=False
        ).update(outcome=RetrainJob.Outcome.APPROVED)
        job = RetrainJob.objects.select_related("model_version").get(pk=job_id)
        if updated != 1:
            return job
        version = job.model_version
        assert version is not None
        audit_record(
            action="smishing.model.approved",
            target=version,
            actor=actor,
            reason=reason,
            model_version=version.name,
            context={"retrain_job": job.pk, "report": job.report},
        )
        version_activate(version=version, action="smishing.model.activated", actor=actor, reason=reason)
    return job
