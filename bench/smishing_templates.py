"""Held-out-template evaluation of the smishing engine on the generated corpus.

For each split seed, whole templates (about a quarter of every message kind) are held out, the engine
is trained on the rest and evaluated on the unseen templates. Prints one JSON object with the metrics
per seed, their mean and spread, and the most frequent confusions.

    .venv/bin/python bench/smishing_templates.py [--per-template 30] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smishing.engine import generate_corpus, split_by_template, train  # noqa: E402
from smishing.engine.evaluation import metrics_from_verdicts  # noqa: E402

KEYS = ("accuracy", "macro_f1", "smishing_recall", "false_alarm_rate", "grounding_rate", "unknown_rate")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-template", type=int, default=30)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    corpus = generate_corpus(seed=0, per_template=args.per_template)
    runs = []
    for seed in args.seeds:
        train_set, test_set = split_by_template(corpus, seed=seed)
        model, report = train(
            [e.text for e in train_set],
            [e.label for e in train_set],
            groups=[e.template_id for e in train_set],
            seed=seed,
        )
        texts, labels = [e.text for e in test_set], [e.label for e in test_set]
        verdicts = model.predict(texts)
        metrics = metrics_from_verdicts(texts, labels, verdicts)
        confusions = Counter(
            f"{e.template_id}: {e.label}→{v.label}"
            for e, v in zip(test_set, verdicts, strict=True)
            if e.label != v.label
        )
        runs.append(
            {
                "seed": seed,
                "train_templates": len({e.template_id for e in train_set}),
                "test_templates": len({e.template_id for e in test_set}),
                **{key: metrics[key] for key in ("n", *KEYS, "per_class")},
                "calibration": report["calibration"],
                "top_confusions": dict(confusions.most_common(5)),
            }
        )
    summary = {
        key: {
            "mean": round(statistics.mean(run[key] for run in runs), 4),
            "stdev": round(statistics.pstdev(run[key] for run in runs), 4),
        }
        for key in KEYS
    }
    print(json.dumps({"corpus_messages": len(corpus), "summary": summary, "runs": runs}, ensure_ascii=False))


if __name__ == "__main__":
    main()
