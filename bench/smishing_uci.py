"""UCI SMS Spam Collection benchmark for the smishing engine (English; spam → spam, ham → normal).

Deduplicates the messages first (the collection repeats some texts, which would leak across a random
split), then makes a fixed-seed stratified split of 2/3 train, 1/3 test like the dataset paper, trains
the engine on the train side only and prints one JSON object next to the paper's best baseline.

    .venv/bin/python bench/smishing_uci.py [--data PATH] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.metrics import matthews_corrcoef  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from smishing.engine import train  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "uci-sms-spam" / "SMSSpamCollection"
PAPER_BASELINE = {
    "method": "SVM (Almeida et al., 2011)",
    "accuracy": 97.64,
    "mcc": 0.893,
    "spam_caught_pct": 83.10,
    "ham_blocked_pct": 0.18,
}


def load(path: Path) -> tuple[list[str], list[str], int]:
    seen: dict[str, str] = {}
    total = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if "\t" not in line:
            continue
        tag, text = line.split("\t", 1)
        total += 1
        key = " ".join(text.split())
        if key and key not in seen:  # first label wins; the collection has no conflicting duplicates
            seen[key] = "spam" if tag == "spam" else "normal"
    return list(seen), list(seen.values()), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--balance-power", type=float, help="override the engine's class re-weighting (0..1)")
    args = parser.parse_args()
    texts, labels, total = load(args.data)
    train_x, test_x, train_y, test_y = train_test_split(
        texts, labels, test_size=1 / 3, random_state=args.seed, stratify=labels
    )
    started = time.monotonic()
    config = {} if args.balance_power is None else {"balance_power": args.balance_power}
    model, report = train(train_x, train_y, seed=args.seed, config=config)
    train_seconds = time.monotonic() - started
    started = time.monotonic()
    verdicts = model.predict(test_x)
    score_seconds = time.monotonic() - started
    # "unknown" (too short to judge) is delivered, i.e. counted as not blocked.
    predicted = ["spam" if v.label == "spam" else "normal" for v in verdicts]
    spam_rows = [i for i, y in enumerate(test_y) if y == "spam"]
    ham_rows = [i for i, y in enumerate(test_y) if y == "normal"]
    result = {
        "dataset": str(args.data.name),
        "messages_total": total,
        "messages_unique": len(texts),
        "train": len(train_x),
        "test": len(test_x),
        "seed": args.seed,
        "engine": {
            "accuracy": round(
                100 * sum(p == y for p, y in zip(predicted, test_y, strict=True)) / len(test_y), 2
            ),
            "mcc": round(float(matthews_corrcoef(test_y, predicted)), 3),
            "spam_caught_pct": round(
                100 * sum(predicted[i] == "spam" for i in spam_rows) / len(spam_rows), 2
            ),
            "ham_blocked_pct": round(100 * sum(predicted[i] == "spam" for i in ham_rows) / len(ham_rows), 2),
            "unknown_verdicts": sum(v.label == "unknown" for v in verdicts),
            "train_seconds": round(train_seconds, 1),
            "messages_per_second": round(len(test_x) / score_seconds, 1),
            "model_version": model.version,
        },
        "paper_baseline": PAPER_BASELINE,
        "note": "the paper's split is not deduplicated; this one is, so it is slightly harder",
    }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
