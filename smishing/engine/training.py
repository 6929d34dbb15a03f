"""The two ways the product trains: the default model from the generated corpus, and a bank's own
labelled messages on top of it (the `smishing_train --data` command and in-product retraining).

Both are here, pure, so the evaluation on real messages (`bench/smishing_real.py`) runs exactly the
code the product runs.
"""

from __future__ import annotations

from typing import Any

from smishing.engine.clusters import near_duplicate_clusters
from smishing.engine.corpus import generate_corpus, split_by_template
from smishing.engine.model import ProgressCallback, SmishingModel, train
from smishing.engine.types import Example

# A real message counts this many generated ones. Real reports are what the model will meet, and there
# are few of them next to the generated corpus; too high a weight lets a few hundred rows drown out the
# generated coverage of kinds the bank has not seen yet.
REAL_WEIGHT = 4.0
# Settings the product trains with (on top of `model.DEFAULT_CONFIG`).
DEFAULT_TRAINING: dict[str, Any] = {}


def corpus_split(*, seed: int, per_template: int) -> tuple[list[Example], list[Example]]:
    """The generated corpus, split into training templates and held-out templates."""
    corpus = generate_corpus(seed=seed, per_template=per_template)
    return split_by_template(corpus, test_share=0.25, seed=seed)


def train_default(
    *,
    seed: int,
    per_template: int,
    progress: ProgressCallback | None = None,
    config: dict[str, Any] | None = None,
) -> tuple[SmishingModel, dict[str, Any], list[Example]]:
    """The model the product trains at set-up: generated messages only. Returns it, its training report
    and the held-out templates' messages (for the caller's evaluation)."""
    train_part, test_part = corpus_split(seed=seed, per_template=per_template)
    model, report = train(
        [e.text for e in train_part],
        [e.label for e in train_part],
        groups=[e.template_id for e in train_part],
        seed=seed,
        progress=progress,
        config={**DEFAULT_TRAINING, **(config or {})},
    )
    return model, report, test_part


def train_with_real(
    *,
    texts: list[str],
    labels: list[str],
    seed: int,
    per_template: int,
    real_weight: float = REAL_WEIGHT,
    progress: ProgressCallback | None = None,
    config: dict[str, Any] | None = None,
) -> tuple[SmishingModel, dict[str, Any], list[Example]]:
    """Train on a bank's labelled messages together with the generated corpus, real weighted over
    generated. Real messages are grouped by near-duplicate cluster, so training's own folds (the text
    model's out-of-fold margins, the calibration fold) never split a cluster; the temperature is
    fitted on held-out real messages."""
    if len(texts) != len(labels):
        raise ValueError("texts and labels must have the same length")
    train_part, test_part = corpus_split(seed=seed, per_template=per_template)
    clusters = near_duplicate_clusters(texts) if texts else []
    model, report = train(
        [e.text for e in train_part] + list(texts),
        [e.label for e in train_part] + list(labels),
        groups=[e.template_id for e in train_part] + [f"real-{c}" for c in clusters],
        weights=[1.0] * len(train_part) + [real_weight] * len(texts),
        calibrate_on=[False] * len(train_part) + [True] * len(texts),
        seed=seed,
        progress=progress,
        config={**DEFAULT_TRAINING, **(config or {})},
    )
    report["real_rows"] = len(texts)
    report["real_weight"] = real_weight
    report["real_clusters"] = len(set(clusters))
    return model, report, test_part
