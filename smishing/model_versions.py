"""Smishing model versions: the active model, bootstrap training, imports and activation."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import AuditEntry, audit_record, audit_record_many
from model_registry import ActiveModelCache, activation_entry, version_activate
from smishing.engine import (
    LABELS,
    SmishingModel,
    evaluate,
)
from smishing.engine.training import train_default, train_with_real
from smishing.models import (
    SmishingModelVersion,
)

SYSTEM_ACTOR = "system:smishing"


class ModelActivationRefused(ValueError):
    pass


def _corpus_per_template() -> int:
    return int(settings.FDS_SMISHING_CORPUS_PER_TEMPLATE)


def _split_seed() -> int:
    # The held-out templates must be the same for every model compared, so the seed is fixed.
    return int(settings.FDS_SMISHING_SPLIT_SEED)


_active_model: ActiveModelCache[SmishingModel] = ActiveModelCache(
    SmishingModelVersion, lambda version: SmishingModel.loads(bytes(version.artifact))
)


def model_active_get() -> tuple[int, str, SmishingModel]:
    """(version id, name, loaded model) of the active model; trains one first if none exists.

    The model is loaded once per process and kept until another version becomes active; checking
    which version is active costs one indexed query per scoring batch.
    """
    active = _active_model.get()
    if active is None:
        model_bootstrap()
        active = _active_model.get()
        assert active is not None
    return active


def _new_version_name(prefix: str) -> str:
    return f"{prefix}-{timezone.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"


def model_bootstrap(*, actor: User | None = None, per_template: int | None = None) -> SmishingModelVersion:
    """Train a model from the generated corpus and activate it, unless a model is already active.

    Side effects: a SmishingModelVersion (artifact and held-out metrics) and the audit events
    `smishing.model.created` / `smishing.model.activated`. Safe to repeat and to race: a second
    caller that loses the race for the one-active constraint returns the winner.
    """
    active = SmishingModelVersion.objects.filter(is_active=True).first()
    if active is not None:
        return active
    model, report, test_part = train_default(
        seed=_split_seed(), per_template=per_template or _corpus_per_template()
    )
    metrics = evaluate(model, [e.text for e in test_part], [e.label for e in test_part])
    try:
        with transaction.atomic():
            version = SmishingModelVersion.objects.create(
                name=_new_version_name("bootstrap"),
                engine_version=str(getattr(model, "version", "")),
                created_by=actor,
                artifact=model.dumps(),
                metrics={"held_out": metrics, "training": _jsonable(report)},
                is_active=True,
                activated_at=timezone.now(),
            )
            audit_record_many(
                [
                    AuditEntry(
                        action="smishing.model.created",
                        target=version,
                        actor=actor,
                        system_actor=SYSTEM_ACTOR,
                        after={"name": version.name, "held_out": metrics},
                        model_version=version.name,
                    ),
                    activation_entry(
                        action="smishing.model.activated",
                        version=version,
                        previous_name=None,
                        actor=actor,
                        system_actor=SYSTEM_ACTOR,
                        reason="bootstrap: no model was active",
                    ),
                ]
            )
    except IntegrityError:
        return SmishingModelVersion.objects.get(is_active=True)
    return version


def model_train_from_rows(
    *, texts: list[str], labels: list[str], actor: User | None, name: str = "", activate: bool
) -> SmishingModelVersion:
    """Train on a bank's labelled rows (the `smishing_train` command) together with the generated
    corpus, real rows weighted over generated ones (`engine.training.train_with_real`), and store the
    version with its held-out-template metrics.

    Side effects: a SmishingModelVersion; with `activate`, it becomes the active model (audited).
    Not idempotent: each call stores a new version.
    """
    bad = sorted({label for label in labels if label not in LABELS})
    if bad:
        raise ValueError(f"unknown labels {bad}; use {list(LABELS)}")
    model, report, test_part = train_with_real(
        texts=texts, labels=labels, seed=_split_seed(), per_template=_corpus_per_template()
    )
    held_out = evaluate(model, [e.text for e in test_part], [e.label for e in test_part])
    with transaction.atomic():
        version = SmishingModelVersion.objects.create(
            name=name or _new_version_name("import"),
            engine_version=str(getattr(model, "version", "")),
            created_by=actor,
            artifact=model.dumps(),
            metrics={"held_out": held_out, "training": _jsonable(report), "rows": len(texts)},
        )
        audit_record(
            action="smishing.model.created",
            target=version,
            actor=actor,
            system_actor="system:smishing_train",
            after={"name": version.name, "rows": len(texts)},
            model_version=version.name,
        )
        if activate:
            version_activate(
                version=version,
                action="smishing.model.activated",
                actor=actor,
                system_actor="system:smishing_train",
                reason="activated by the smishing_train command",
            )
    return version


def model_version_activate(*, version: SmishingModelVersion, actor: User, reason: str) -> None:
    """Make an earlier or held model active by a user's decision (rollback, approval).

    Side effects: the one-active flag moves; audit `smishing.model.activated`. Safe to repeat: the
    active version activated again records nothing.
    """
    if not actor.has_perm("smishing.retrain_model"):
        raise ModelActivationRefused(_("permission smishing.retrain_model required"))
    if not reason.strip():
        raise ModelActivationRefused(_("Give a reason for activating this model."))
    with transaction.atomic():
        version = SmishingModelVersion.objects.select_for_update().get(pk=version.pk)
        if version.is_active:
            return
        version_activate(version=version, action="smishing.model.activated", actor=actor, reason=reason)


def _jsonable(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str))
