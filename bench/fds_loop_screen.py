"""Screen the retraining loop's choices on the handbook's validation weeks (never its test weeks).

    DJANGO_SETTINGS_MODULE=fdsportal.settings .venv/bin/python bench/fds_loop_screen.py \
        --cache-dir var/bench-cache --out var/screen --config base '{}' 150 \
        --config spw3 '{"scale_pos_weight": 3}' 150

Each `--config NAME PARAMS ROUNDS` trains, like `fds_benchmark --retraining-loop --loop-weeks
validation`, the static model, the champion in place before the first week and one challenger per
week, and keeps every model's scores on its held-out week and on the test week (NAME.npz). The
summary then judges every gate rule from the same trainings, and `--ensemble A,B` averages the scores
of configurations already screened. One training thread; the replay comes from the cache.

    .venv/bin/python bench/fds_loop_screen.py --ceiling

prints, for the validation and the test weeks, what perfect scores reach and what scores reach that
know every fraud the label delay lets show: every fraud of the generator's amount and card scenarios,
and a compromised terminal's frauds from the 8th day of its streak on (its first fraud's label is
known then); a terminal's frauds before that look like any genuine payment. It reads the generator's
scenario column, which no model sees.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _setup() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fdsportal.settings")
    django.setup()


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", default=None)
    parser.add_argument("--cache-dir", default="var/bench-cache")
    parser.add_argument("--out", default="var/screen")
    parser.add_argument("--weeks", choices=("validation", "test"), default="validation")
    parser.add_argument("--train-weeks", type=int, default=7)
    parser.add_argument(
        "--config", nargs=3, action="append", default=[], metavar=("NAME", "PARAMS", "ROUNDS")
    )
    parser.add_argument("--ensemble", action="append", default=[], help="comma-separated screened names")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ceiling", action="store_true", help="the perfect and the label-delay ceilings")
    args = parser.parse_args()
    _setup()
    from alerts import handbook_evaluation as he

    if args.ceiling:
        ceilings(Path(args.data or he.handbook_path()))
        return

    out = Path(args.out) / f"{args.weeks}-{args.train_weeks}w"
    out.mkdir(parents=True, exist_ok=True)
    starts = he.LOOP_VALIDATION_TRAIN_STARTS if args.weeks == "validation" else he.PREQUENTIAL_TRAIN_STARTS
    tests = [he.Window(s, 7, 7, 7) for s in sorted(starts)]
    weeks = args.train_weeks
    if args.config:
        frame = he.handbook_load(args.data or he.handbook_path())
        warm = [he.Window(tests[0].train_start - timedelta(days=(weeks + 2) * 7), 7, 7, 7)]
        prepared = he.data_prepare(
            frame, warm + tests, history_days=None, cache_dir=Path(args.cache_dir), progress=_say
        )
        days = prepared.frame["day"].to_numpy()
        labels = prepared.frame["TX_FRAUD"].to_numpy()
        cards = prepared.frame["CUSTOMER_ID"].to_numpy()

        def rows(first: int, end: int) -> np.ndarray:
            return np.flatnonzero((days >= first) & (days < end))

        first = tests[0]
        cutoff0 = first.test_first_day - 7 - 7
        held = [rows(w.test_first_day - 14, w.test_first_day - 7) for w in tests]
        tested = [he.split_positions(prepared.frame, w)[1] for w in tests]
        ranges = {
            "static": (first.first_day, first.first_day + 7),
            "champion0": (cutoff0 - 7 - 7 * weeks, cutoff0 - 7),
        }
        for k, w in enumerate(tests):
            cutoff = w.test_first_day - 7
            ranges[f"challenger{k}"] = (cutoff - 7 - 7 * weeks, cutoff - 7)
        week_rows: dict[str, Any] = {
            **{f"held{k}": h for k, h in enumerate(held)},
            **{f"test{k}": t for k, t in enumerate(tested)},
        }
        np.savez(out / "_rows.npz", days=days, labels=labels, cards=cards, **week_rows)
    for name, params_text, rounds_text in args.config:
        path = out / f"{name}.npz"
        if path.exists():
            _say(f"{name}: already screened")
            continue
        params = {**he.BENCHMARK_PARAMS, **json.loads(params_text)}
        rounds = int(rounds_text)
        scores: dict[str, Any] = {}
        cpu = time.process_time()
        for model, (lo, hi) in ranges.items():
            fit = rows(lo, hi)
            booster = he.model_train(
                prepared.features[fit], labels[fit], params=params, rounds=rounds, seed=args.seed
            )
            for k in range(len(tests)):
                for part, positions in (("held", held[k]), ("test", tested[k])):
                    scores[f"{model}:{part}{k}"] = np.asarray(
                        booster.inplace_predict(prepared.features[positions], validate_features=False)
                    )
        np.savez(path, **scores)
        _say(f"{name}: {time.process_time() - cpu:.0f} s CPU")
    summary(out, [n for n, _p, _r in args.config] + args.ensemble, len(tests))


def _metrics(base: Any, part: str, scores: np.ndarray) -> dict[str, float]:
    from alerts.handbook_evaluation import metrics_compute

    positions = base[part]
    m = metrics_compute(
        days=base["days"][positions],
        cards=base["cards"][positions],
        labels=base["labels"][positions],
        scores=scores,
    )
    return {k: m[k] for k in ("auc", "ap", "cp100")}


def _load(out: Path, name: str) -> dict[str, np.ndarray]:
    """A screened configuration's scores, or the mean of several ('a,b' or 'a,b@rank')."""
    how = "mean"
    if "@" in name:
        name, how = name.split("@")
    parts = [dict(np.load(out / f"{n}.npz")) for n in name.split(",")]
    if len(parts) == 1:
        return parts[0]
    merged = {}
    for key in parts[0]:
        columns = [p[key] for p in parts]
        if how == "rank":
            columns = [np.argsort(np.argsort(c)) / len(c) for c in columns]
        merged[key] = np.mean(columns, axis=0)
    return merged


def summary(out: Path, names: list[str], n_weeks: int) -> None:
    base = np.load(out / "_rows.npz")
    for name in names:
        s = _load(out, name)
        rules = ("both", "tol0.005", "tol0.01", "always", "ap", "never")
        per_rule: dict[str, list[dict[str, float]]] = {rule: [] for rule in (*rules, "static")}
        gate_cache = {}
        for rule in rules:
            champion = "champion0"
            for k in range(n_weeks):
                challenger = f"challenger{k}"
                if rule == "always":
                    champion = challenger
                elif rule != "never":
                    key = (champion, k)
                    if key not in gate_cache:
                        gate_cache[key] = (
                            _metrics(base, f"held{k}", s[f"{champion}:held{k}"]),
                            _metrics(base, f"held{k}", s[f"{challenger}:held{k}"]),
                        )
                    old, new = gate_cache[key]
                    metrics = ("ap",) if rule == "ap" else ("ap", "cp100")
                    tolerance = float(rule[3:]) if rule.startswith("tol") else 0.0
                    if all(new[m] >= old[m] - tolerance for m in metrics):
                        champion = challenger
                per_rule[rule].append(_metrics(base, f"test{k}", s[f"{champion}:test{k}"]))
        for k in range(n_weeks):
            per_rule["static"].append(_metrics(base, f"test{k}", s[f"static:test{k}"]))
        line: dict[str, Any] = {"name": name}
        for rule, folds in per_rule.items():
            line[rule] = {m: round(float(np.mean([f[m] for f in folds])), 4) for m in ("auc", "ap", "cp100")}
            line[rule]["cp100_folds"] = [round(f["cp100"], 3) for f in folds]
        print(json.dumps(line), flush=True)


STREAK_GAP_DAYS = 12  # a terminal's frauds further apart than this belong to separate compromises


def ceilings(path: Path) -> None:
    import pandas as pd
    from sklearn.metrics import average_precision_score, roc_auc_score

    from alerts import handbook_evaluation as he

    frame = he.handbook_load(path)
    generator = pd.read_parquet(path, columns=["TRANSACTION_ID", "TX_FRAUD_SCENARIO"])
    scenario = frame[["TRANSACTION_ID"]].merge(generator, on="TRANSACTION_ID")["TX_FRAUD_SCENARIO"].to_numpy()
    days = frame["day"].to_numpy()
    terminals = frame["TERMINAL_ID"].to_numpy()
    labels = frame["TX_FRAUD"].to_numpy()
    cards = frame["CUSTOMER_ID"].to_numpy()
    streak_start = np.full(len(frame), -1)
    positions = np.flatnonzero(scenario == 2)
    order = positions[np.lexsort((days[positions], terminals[positions]))]
    start = previous = terminal = None
    for i in order:
        if terminals[i] != terminal or days[i] - previous > STREAK_GAP_DAYS:
            start = days[i]
        terminal, previous = terminals[i], days[i]
        streak_start[i] = start
    visible = (labels == 1) & ((scenario != 2) | (days - streak_start >= 8))
    for weeks, starts in (
        ("validation", he.LOOP_VALIDATION_TRAIN_STARTS),
        ("test", he.PREQUENTIAL_TRAIN_STARTS),
    ):
        rows = []
        for first in starts:
            _train, test = he.split_positions(frame, he.Window(first, 7, 7, 7))
            y = labels[test]
            rows.append(
                {
                    "test": he.Window(first, 7, 7, 7).describe()["test"],
                    "perfect_cp100": round(he.card_precision_at_k(days[test], cards[test], y, y * 1.0)[0], 4),
                    "visible_cp100": round(
                        he.card_precision_at_k(days[test], cards[test], y, visible[test] * 1.0)[0], 4
                    ),
                    "visible_auc": round(float(roc_auc_score(y, visible[test])), 4),
                    "visible_ap": round(float(average_precision_score(y, visible[test])), 4),
                    "hidden_share": round(float(1 - visible[test].sum() / y.sum()), 4),
                }
            )
        mean = {k: round(float(np.mean([r[k] for r in rows])), 4) for k in rows[0] if k != "test"}
        print(json.dumps({"weeks": weeks, "folds": rows, "mean": mean}), flush=True)


if __name__ == "__main__":
    main()
