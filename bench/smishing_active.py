"""Active learning, replayed: how fast the labelling queue's order teaches the model, against random order.

On a labelled CSV (default `../shared/data/kisa-sms-2022/labelled.csv`), one near-duplicate-grouped
fifth is held out for scoring; the rest is the pool, its labels hidden. Each round the analyst labels
the next batch from the pool (revealing those labels), a model is fitted on the labels revealed so far,
and macro-F1 on the held-out fifth is recorded. Two orders are compared:

- `uncertainty`: the labelling queue's order (`queue_order` in `smishing/engine/active.py`, the function
  the product's labelling page orders by): the closest calls, 1 − (top probability − second), from the
  current model, weighed by how many pool items share their near-duplicate cluster, at most one per
  cluster and an equal share per predicted class in each batch; before any label (a cold start, the
  shipped default model's probabilities) the largest clusters first;
- `random`: a shuffled pool; with `--shuffles N`, N shuffles of each fold, averaged (uncertainty order
  has no shuffle to average: it is one deterministic order per fold).

The model refitted each round is the engine's text and rule features with a logistic layer (the first
stage of the product's model), so a round costs seconds, not a full retraining. Prints one JSON object
(F1 per label count for both orders, averaged over seeds, and the labels uncertainty order needs to reach
random order's F1 at 400 labels) and writes a Plotly chart to `var/smishing-active.html`.

    .venv/bin/python bench/smishing_active.py [--seeds 3] [--first-seed 0] [--batch 25] [--shuffles 1]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402

from smishing.engine import features  # noqa: E402
from smishing.engine.active import QUEUE_BATCH, margin_uncertainty, queue_order  # noqa: E402
from smishing.engine.clusters import grouped_folds  # noqa: E402
from smishing.engine.model import _Prepared  # noqa: E402
from smishing.engine.rules import DENSE_FEATURES  # noqa: E402
from smishing.engine.training import train_default  # noqa: E402

CLASSES = ["smishing", "spam", "ad", "normal"]


def shared_dir() -> Path:
    configured = os.environ.get("FDS_SHARED_DIR")
    if configured:
        return Path(configured)
    beside = ROOT.parent / "shared"
    return beside if beside.exists() else Path("/work/shared")


def matrix_of(prepared: list[_Prepared]) -> sp.csr_matrix:
    text = features.hash_rows([p.tokens for p in prepared], 2**18)
    dense = np.array(
        [[p.analysis.dense[name] for name in DENSE_FEATURES] for p in prepared], dtype=np.float32
    )
    dense = np.log1p(np.abs(dense)) * np.sign(dense)
    return sp.hstack([text, sp.csr_matrix(dense * 0.3)]).tocsr()


def fit(x: sp.csr_matrix, y: np.ndarray, seed: int) -> SGDClassifier | None:
    if len(set(y.tolist())) < 2:
        return None
    model = SGDClassifier(
        loss="log_loss", alpha=1e-4, max_iter=30, tol=None, class_weight="balanced", random_state=seed
    )
    return model.fit(x, y)


def probabilities(model: SGDClassifier, x: sp.csr_matrix) -> np.ndarray:
    full = np.zeros((x.shape[0], len(CLASSES)))
    full[:, model.classes_] = model.predict_proba(x)
    return full


def replay(
    order: str,
    x: sp.csr_matrix,
    y: np.ndarray,
    pool: list[int],
    held: list[int],
    prior: np.ndarray,
    clusters: list[int],
    *,
    batch: int,
    budget: int,
    seed: int,
    shuffle: int = 0,
) -> dict[int, float]:
    # Shuffle 0 is the seed alone, as before `--shuffles` existed.
    rng = np.random.default_rng(seed if shuffle == 0 else [seed, shuffle])
    remaining = list(pool)
    if order == "random":
        rng.shuffle(remaining)
    revealed: list[int] = []
    scores: dict[int, float] = {}
    current = prior.copy()  # the queue's order before any label: the shipped model's uncertainty
    model = None
    while remaining and len(revealed) < budget:
        if order == "uncertainty":
            # The product's labelling queue (`selectors.labelling_queue_ordered`), first batch.
            positions = queue_order(
                margin_uncertainty(current[remaining].tolist()),
                [clusters[r] for r in remaining],
                current[remaining].argmax(axis=1).tolist(),
                batch=batch,
                limit=batch,
                cold_start=model is None,  # no model fitted on revealed labels yet
            )
            picked_positions = set(positions)
            picked = [remaining[i] for i in sorted(picked_positions)]
            remaining = [r for i, r in enumerate(remaining) if i not in picked_positions]
        else:
            picked, remaining = remaining[:batch], remaining[batch:]
        revealed.extend(picked)
        model = fit(x[revealed], y[revealed], seed)
        if model is None:
            continue
        predicted = model.predict(x[held])
        scores[len(revealed)] = round(
            float(
                f1_score(
                    y[held], predicted, labels=list(range(len(CLASSES))), average="macro", zero_division=0
                )
            ),
            4,
        )
        if order == "uncertainty" and remaining:
            current[remaining] = probabilities(model, x[remaining])
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=shared_dir() / "data" / "kisa-sms-2022" / "labelled.csv")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument(
        "--first-seed", type=int, default=0, help="fold seeds first-seed … first-seed+seeds-1"
    )
    parser.add_argument("--batch", type=int, default=QUEUE_BATCH)
    parser.add_argument("--budget", type=int, default=800)
    parser.add_argument("--shuffles", type=int, default=1, help="random orders per fold, averaged")
    parser.add_argument("--per-template", type=int, default=16)
    parser.add_argument("--morpheme-cache", type=Path, default=ROOT / "var" / "bench-smishing-morphemes.json")
    parser.add_argument("--plot", type=Path, default=ROOT / "var" / "smishing-active.html")
    args = parser.parse_args()
    if not args.data.is_file():
        sys.exit(f"{args.data}: no such file (set FDS_SHARED_DIR or pass --data)")
    features.morpheme_memo_load(args.morpheme_cache)
    with args.data.open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r.get("label") in CLASSES]
    texts = [r["text"] for r in rows]
    y = np.array([CLASSES.index(r["label"]) for r in rows])
    model, _report, _held = train_default(seed=0, per_template=args.per_template)
    prepared = model._prepare(texts)
    features.morpheme_memo_save(args.morpheme_cache)
    x = matrix_of(prepared)
    prior_full = model.predict_proba(texts)
    prior = np.stack([prior_full[:, model.classes.index(c)] for c in CLASSES], axis=1)

    curves: dict[str, dict[int, list[float]]] = {"uncertainty": {}, "random": {}}
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        clusters, folds = grouped_folds(texts, [r["label"] for r in rows], folds=5, threshold=0.3, seed=seed)
        pool, held = folds[0]
        for order in curves:
            runs = [
                replay(
                    order,
                    x,
                    y,
                    pool,
                    held,
                    prior,
                    list(clusters),
                    batch=args.batch,
                    budget=args.budget,
                    seed=seed,
                    shuffle=shuffle,
                )
                for shuffle in range(args.shuffles if order == "random" else 1)
            ]
            for count in runs[0]:
                scores = [run[count] for run in runs if count in run]
                curves[order].setdefault(count, []).append(float(np.mean(scores)))
    mean = {
        order: {n: round(float(np.mean(v)), 4) for n, v in sorted(c.items())} for order, c in curves.items()
    }
    target = mean["random"].get(400) or max(mean["random"].values())
    reached = next((n for n, f1 in mean["uncertainty"].items() if f1 >= target), None)
    result: dict[str, Any] = {
        "rows": len(rows),
        "seeds": args.seeds,
        "first_seed": args.first_seed,
        "batch": args.batch,
        "random_shuffles_per_fold": args.shuffles,
        "random_f1_at_400": target,
        "uncertainty_labels_to_reach_it": reached,
        "uncertainty_f1_at_200": mean["uncertainty"].get(200),
        "goal_met": reached is not None and reached <= 200,
        "f1": mean,
    }
    try:
        import plotly.graph_objects as go

        figure = go.Figure()
        for order, points in mean.items():
            figure.add_trace(
                go.Scatter(x=list(points), y=list(points.values()), mode="lines+markers", name=order)
            )
        figure.update_layout(
            title="Held-out macro-F1 against labels revealed", xaxis_title="labels", yaxis_title="macro-F1"
        )
        args.plot.parent.mkdir(parents=True, exist_ok=True)
        figure.write_html(str(args.plot), include_plotlyjs=True)
        result["plot"] = str(args.plot)
    except ImportError:
        result["plot"] = None
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
