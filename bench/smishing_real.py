"""The smishing model on real reported messages: grouped k-fold cross-validation on a labelled CSV.

Two set-ups, both through the code the product runs (`smishing/engine/training.py`):

- (a) `default`: the model trained at set-up from the generated corpus only, scored on every row:
  how the shipped model generalises to real messages;
- (b) `with_real`: for each fold, the generated corpus plus the real training folds (the path of
  `smishing_train --data`), scored on the held-out fold: how the product learns from a bank's history.

Folds are grouped by near-duplicate cluster (character-trigram Jaccard ≥ the threshold under either
normalisation of `clusters.py`), so no cluster straddles a fold boundary. Prints one JSON object:
per-class precision/recall/F1, figures per language, smishing and risky recall, false alarms on
normal + ad, unknown rate, ECE, grounding rate and the confusion matrix, for each set-up.

    .venv/bin/python bench/smishing_real.py [--data ../shared/data/kisa-sms-2022/labelled.csv] [--folds 5]

Set-up (b) trains one model per fold; on a busy machine its folds can run as separate processes and be
pooled afterwards (same folds, same figures as one run):

    .venv/bin/python bench/smishing_real.py --setups with_real --only-folds 0 1 --verdicts-out var/b01.jsonl
    .venv/bin/python bench/smishing_real.py --setups with_real --only-folds 2 3 4 --verdicts-out var/b234.jsonl
    .venv/bin/python bench/smishing_real.py --setups with_real --pool var/b01.jsonl var/b234.jsonl
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smishing.engine import features  # noqa: E402
from smishing.engine.clusters import grouped_folds  # noqa: E402
from smishing.engine.evaluation import metrics_from_verdicts  # noqa: E402
from smishing.engine.model import SmishingModel  # noqa: E402
from smishing.engine.training import REAL_WEIGHT, train_default, train_with_real  # noqa: E402
from smishing.engine.types import Reason, Span, Verdict  # noqa: E402

# The operating points training chooses on each fold's own held-out real rows (see `model.train`): the
# wording-only accusation bar, the joint-risk level at which an ad or normal best class is flagged, and
# the share of p(spam) that p(smishing) must reach to be called.
CHOSEN = ("unsupported_min", "risky_mass_min", "smishing_ratio_min")


def shared_dir() -> Path:
    configured = os.environ.get("FDS_SHARED_DIR")
    if configured:
        return Path(configured)
    beside = ROOT.parent / "shared"
    return beside if beside.exists() else Path("/work/shared")


def rows_read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [row for row in csv.DictReader(handle) if row.get("text") and row.get("label")]


def predict(model: SmishingModel, texts: list[str]) -> list[Verdict]:
    verdicts: list[Verdict] = []
    for start in range(0, len(texts), 256):
        verdicts.extend(model.predict(texts[start : start + 256]))
    return verdicts


def verdict_to(verdict: Verdict) -> dict[str, Any]:
    """What the figures need of a verdict (label, probability, distribution, reasons with evidence)."""
    return {
        "label": verdict.label,
        "probability": verdict.probability,
        "probabilities": verdict.probabilities,
        "reasons": [
            {
                "code": r.code,
                "weight": r.weight,
                "text_ko": r.text_ko,
                "text_en": r.text_en,
                "evidence": [[s.start, s.end, s.text] for s in r.evidence],
            }
            for r in verdict.reasons
        ],
    }


def verdict_from(item: dict[str, Any]) -> Verdict:
    reasons = tuple(
        Reason(
            r["code"],
            r["weight"],
            r["text_ko"],
            r["text_en"],
            tuple(Span(start, end, text) for start, end, text in r["evidence"]),
        )
        for r in item["reasons"]
    )
    return Verdict(item["label"], item["probability"], item["probabilities"], reasons, ())


KEYS = (
    "n",
    "accuracy",
    "macro_f1",
    "smishing_recall",
    "risky_recall",
    "false_alarm_rate",
    "unknown_rate",
    "ece",
    "wrong_at_099",
    "grounding_rate",
)


def summary(rows: list[dict[str, str]], verdicts: list[Verdict]) -> dict[str, Any]:
    texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
    overall = metrics_from_verdicts(texts, labels, verdicts)
    result: dict[str, Any] = {key: overall[key] for key in KEYS}
    # The same verdicts with every abstention replaced by the distribution's best class: what the
    # abstention trades away (see README, "cannot judge").
    forced = [
        Verdict(
            max((k for k in v.probabilities if k != "unknown"), key=lambda k: v.probabilities[k]),
            1.0,
            v.probabilities,
            v.reasons,
            v.indicators,
        )
        if v.label == "unknown" and any(v.probabilities.get(k) for k in v.probabilities if k != "unknown")
        else v
        for v in verdicts
    ]
    without = metrics_from_verdicts(texts, labels, forced)
    result["without_abstention"] = {
        key: without[key] for key in ("macro_f1", "smishing_recall", "risky_recall", "false_alarm_rate")
    }
    result["per_class"] = overall["per_class"]
    result["confusion"] = overall["confusion"]
    result["per_language"] = {}
    for lang in sorted({r.get("lang", "") for r in rows}):
        picked = [i for i, r in enumerate(rows) if r.get("lang", "") == lang]
        part = metrics_from_verdicts(
            [texts[i] for i in picked], [labels[i] for i in picked], [verdicts[i] for i in picked]
        )
        result["per_language"][lang or "?"] = {key: part[key] for key in KEYS} | {
            "per_class": part["per_class"]
        }
    return result


def errors_write(path: Path, setup: str, rows: list[dict[str, str]], verdicts: list[Verdict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        for row, verdict in zip(rows, verdicts, strict=True):
            if verdict.label != row["label"]:
                handle.write(
                    json.dumps(
                        {
                            "setup": setup,
                            "label": row["label"],
                            "predicted": verdict.label,
                            "p": round(verdict.probability, 3),
                            "reasons": [r.code for r in verdict.reasons],
                            "text": row["text"],
                        },
                        ensure_ascii=False,
                    )
                    + "\n"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=shared_dir() / "data" / "kisa-sms-2022" / "labelled.csv")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--cluster-threshold",
        type=float,
        default=0.3,
        help="Jaccard at which two messages share a cluster (0.3 is stricter than the data's own 0.5)",
    )
    parser.add_argument("--per-template", type=int, default=16)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--real-weight", type=float, default=REAL_WEIGHT)
    parser.add_argument(
        "--setups", nargs="+", default=["default", "with_real"], choices=["default", "with_real"]
    )
    parser.add_argument(
        "--morpheme-cache",
        type=Path,
        default=ROOT / "var" / "bench-smishing-morphemes.json",
        help="Kiwi memo",
    )
    parser.add_argument(
        "--errors", type=Path, default=None, help="append misclassified rows here (JSON lines)"
    )
    parser.add_argument("--config", default="", help="JSON overrides of the training config (experiments)")
    parser.add_argument("--predict-config", default="", help="JSON overrides of the abstention settings")
    parser.add_argument(
        "--reuse-default", type=Path, default=None, help="load (or save) the default model at this path"
    )
    parser.add_argument("--only-folds", type=int, nargs="+", default=None, help="(b): train only these folds")
    parser.add_argument("--verdicts-out", type=Path, default=None, help="(b): write the folds' verdicts here")
    parser.add_argument(
        "--pool", type=Path, nargs="+", default=None, help="(b): pool verdict files, no training"
    )
    args = parser.parse_args()
    if not args.data.is_file():
        sys.exit(f"{args.data}: no such file (set FDS_SHARED_DIR or pass --data)")

    features.morpheme_memo_load(args.morpheme_cache)
    rows = rows_read(args.data)
    texts = [r["text"] for r in rows]
    labels = [r["label"] for r in rows]
    clusters, folds = grouped_folds(
        texts, labels, folds=args.folds, threshold=args.cluster_threshold, seed=args.seed
    )
    straddling = sum(
        1
        for cluster in set(clusters)
        if len({f for f, (_, test) in enumerate(folds) for i in test if clusters[i] == cluster}) > 1
    )
    output: dict[str, Any] = {
        "data": str(args.data),
        "rows": len(rows),
        "folds": args.folds,
        "cluster_threshold": args.cluster_threshold,
        "clusters": len(set(clusters)),
        "clusters_straddling_folds": straddling,
    }
    if "default" in args.setups:
        started, cpu = time.monotonic(), time.process_time()
        if args.reuse_default and args.reuse_default.is_file():
            model = SmishingModel.loads(args.reuse_default.read_bytes())
        else:
            model, report, _held = train_default(
                seed=args.seed, per_template=args.per_template, config=json.loads(args.config or "{}")
            )
            if args.reuse_default:
                args.reuse_default.parent.mkdir(parents=True, exist_ok=True)
                args.reuse_default.write_bytes(model.dumps())
        trained, trained_cpu = time.monotonic() - started, time.process_time() - cpu
        model.config.update(json.loads(args.predict_config or "{}"))
        verdicts = predict(model, texts)
        output["default"] = {
            "train_seconds": round(trained, 1),
            "train_cpu_seconds": round(trained_cpu, 1),
            **summary(rows, verdicts),
        }
        if args.errors:
            errors_write(args.errors, "default", rows, verdicts)
        features.morpheme_memo_save(args.morpheme_cache)
    if "with_real" in args.setups and args.pool:
        pooled_rows: list[Verdict | None] = [None] * len(rows)
        seconds_pooled: list[float] = []
        chosen_pooled: dict[str, list[Any]] = {key: [] for key in CHOSEN}
        for path in args.pool:
            for line in path.read_text(encoding="utf-8").splitlines():
                item = json.loads(line)
                if "seconds" in item:
                    seconds_pooled.append(item["seconds"])
                    for key in CHOSEN:
                        chosen_pooled[key].append(item.get(key))
                    continue
                pooled_rows[item["row"]] = verdict_from(item["verdict"])
        missing = sum(1 for v in pooled_rows if v is None)
        if missing:
            sys.exit(f"{missing} rows have no verdict: pool the files of every fold")
        verdicts = [v for v in pooled_rows if v is not None]
        output["with_real"] = {
            "real_weight": args.real_weight,
            "train_seconds_per_fold": round(sum(seconds_pooled) / max(1, len(seconds_pooled)), 1),
            **{f"{key}_per_fold": chosen_pooled[key] for key in CHOSEN},
            **summary(rows, verdicts),
        }
        if args.errors:
            errors_write(args.errors, "with_real", rows, verdicts)
    elif "with_real" in args.setups:
        pooled: list[Verdict | None] = [None] * len(rows)
        seconds = []
        chosen: dict[str, list[Any]] = {key: [] for key in CHOSEN}
        out = args.verdicts_out.open("w", encoding="utf-8") if args.verdicts_out else None
        for number, (fit, held) in enumerate(folds):
            if args.only_folds is not None and number not in args.only_folds:
                continue
            started = time.monotonic()
            model, report, _held = train_with_real(
                texts=[texts[i] for i in fit],
                labels=[labels[i] for i in fit],
                seed=args.seed,
                per_template=args.per_template,
                real_weight=args.real_weight,
                config=json.loads(args.config or "{}"),
            )
            seconds.append(time.monotonic() - started)
            for key in CHOSEN:
                chosen[key].append(report["calibration"].get(key))
            for i, verdict in zip(held, predict(model, [texts[i] for i in held]), strict=True):
                pooled[i] = verdict
                if out:
                    out.write(
                        json.dumps({"row": i, "verdict": verdict_to(verdict)}, ensure_ascii=False) + "\n"
                    )
            if out:
                out.write(
                    json.dumps({"seconds": seconds[-1], **{key: chosen[key][-1] for key in CHOSEN}}) + "\n"
                )
                out.flush()
            features.morpheme_memo_save(args.morpheme_cache)
        if out:
            out.close()
        if args.only_folds is not None:
            print(json.dumps(output, ensure_ascii=False))
            return
        verdicts = [v for v in pooled if v is not None]
        output["with_real"] = {
            "real_weight": args.real_weight,
            "train_seconds_per_fold": round(sum(seconds) / len(seconds), 1),
            **{f"{key}_per_fold": chosen[key] for key in CHOSEN},
            **summary(rows, verdicts),
        }
        if args.errors:
            errors_write(args.errors, "with_real", rows, verdicts)
    print(json.dumps(output, ensure_ascii=False))


if __name__ == "__main__":
    main()
