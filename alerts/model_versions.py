"""FDS model versions: store a trained model, activate it, and keep the active one loaded.

The mechanism (one-active flag, activation audit, per-process cache) is model_registry's, shared
with the smishing model.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q

from alerts.models import ModelVersion
from alerts.scoring import FdsModel
from audit.services import audit_record
from model_registry import ActiveModelCache, version_activate


def _load(version: ModelVersion) -> FdsModel:
    return FdsModel.loads(
        bytes(version.artifact),
        feature_names=version.feature_names,
        threshold=version.threshold,
        version=version.name,
    )


def _refresh_threshold(model: FdsModel, row: dict[str, Any]) -> None:
    model.threshold = row["threshold"]  # a threshold change needs no reload


_active_model: ActiveModelCache[FdsModel] = ActiveModelCache(
    ModelVersion, _load, fields=("threshold",), refresh=_refresh_threshold
)


class _ShadowModelCache(ActiveModelCache[FdsModel]):
    """The same cache, for the challenger in shadow (is_shadow instead of is_active)."""

    def active_row(self) -> dict[str, Any] | None:
        row = ModelVersion.objects.filter(is_shadow=True).values("id", "name", "threshold").first()
        return dict(row) if row is not None else None


_shadow_model = _ShadowModelCache(ModelVersion, _load, fields=("threshold",), refresh=_refresh_threshold)


def model_shadow() -> tuple[int, FdsModel] | None:
    """(version id, loaded model) of the challenger in shadow, or None."""
    shadow = _shadow_model.get()
    if shadow is None:
        return None
    version_id, _name, model = shadow
    return version_id, model


def models_live() -> tuple[tuple[int, FdsModel] | None, tuple[int, FdsModel] | None]:
    """The active model and the challenger in shadow, as model_active() and model_shadow() return
    them, from one query: a scoring batch needs both and asks once."""
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in ModelVersion.objects.filter(Q(is_active=True) | Q(is_shadow=True)).values(
            "id", "name", "threshold", "is_active", "is_shadow"
        )
    ]
    active = _active_model.get(next((r for r in rows if r["is_active"]), None))
    shadow = _shadow_model.get(next((r for r in rows if r["is_shadow"]), None))
    return (
        (active[0], active[2]) if active is not None else None,
        (shadow[0], shadow[2]) if shadow is not None else None,
    )


def model_active() -> tuple[int, FdsModel] | None:
    """(version id, loaded model) of the active FDS model, or None when none is active. Loaded once
    per process and reloaded when another version is activated."""
    active = _active_model.get()
    if active is None:
        return None
    version_id, _name, model = active
    return version_id, model


def model_version_store(
    *,
    model: FdsModel,
    metrics: dict[str, Any],
    training_data: dict[str, Any],
    created_by: str,
    activate: bool,
    actor: Any = None,
    importance: dict[str, float] | None = None,
) -> ModelVersion:
    """Save a trained model as a stored (not live) version; `activate` makes it live at once and is
    for tests and benchmarks only: the product promotes through alerts.lifecycle.

    Side effects, in one transaction: the ModelVersion row, audit `alerts.model.trained` and, with
    `activate`, `alerts.model.activated`. Not idempotent: the version name is unique, so storing the
    same model twice fails.
    """
    with transaction.atomic():
        version = ModelVersion.objects.create(
            name=model.version,
            artifact=model.dumps(),
            feature_names=list(model.feature_names),
            metrics=metrics,
            training_data=training_data,
            threshold=model.threshold,
            created_by=created_by,
            importance=importance or {},
        )
        audit_record(
            action="alerts.model.trained",
            target=version,
            actor=actor,
            system_actor=created_by,
            after={"metrics": metrics, "threshold": model.threshold},
            model_version=version.name,
            context={"training_data": {k: v for k, v in training_data.items() if k != "reference"}},
        )
        if activate:
            model_version_activate(version=version, actor=actor, system_actor=created_by, reason="trained")
    return version


def model_version_activate(
    *, version: ModelVersion, actor: Any = None, system_actor: str = "", reason: str
) -> None:
    """Make `version` the scoring model; audit `alerts.model.activated`. Safe to repeat."""
    version_activate(
        version=version,
        action="alerts.model.activated",
        actor=actor,
        system_actor=system_actor,
        reason=reason,
    )
