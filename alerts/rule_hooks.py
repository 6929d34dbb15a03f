"""How scoring gets its rules: from the loader a rules app registers (the detection app does).

Alerts knows only this small interface, so the detection app can build on alerts' models (scores,
customers, model versions) while alerts never imports it. Without a registered loader, scoring uses
no rules and the model's own threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


class RuleHitLike(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def value(self) -> float: ...
    @property
    def text_ko(self) -> str: ...
    @property
    def text_en(self) -> str: ...


class RuleBatchLike(Protocol):
    threshold: float

    @property
    def version(self) -> int | None: ...

    def hits(self, tx: Any, features: Sequence[float]) -> Sequence[RuleHitLike]: ...

    def combine(self, probability: float, hits: Sequence[Any]) -> tuple[float, bool]: ...


@dataclass
class _NoRules:
    threshold: float
    version: int | None = None

    def hits(self, tx: Any, features: Sequence[float]) -> Sequence[RuleHitLike]:
        return []

    def combine(self, probability: float, hits: Sequence[Any]) -> tuple[float, bool]:
        return probability, False


_loader: list[Callable[..., RuleBatchLike]] = []


def rules_loader_register(loader: Callable[..., RuleBatchLike]) -> None:
    """Called once by the rules app at start-up. Safe to repeat (the last registration wins)."""
    _loader[:] = [loader]


def rules_batch_load(
    *,
    transactions: Sequence[Any],
    model_version_id: int | None,
    model_threshold: float,
    matrix: Any,
    probabilities: Any = None,
) -> RuleBatchLike:
    """The batch's live rules, threshold, lists and snoozes, read once and evaluated over the whole
    batch (see detection.scoring); with the model's `probabilities`, a rule set in shadow is
    evaluated beside it without alerting."""
    if not _loader:
        return _NoRules(threshold=model_threshold)
    return _loader[0](
        transactions=transactions,
        model_version_id=model_version_id,
        model_threshold=model_threshold,
        matrix=matrix,
        probabilities=probabilities,
    )
