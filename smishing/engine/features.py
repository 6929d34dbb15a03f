"""Text features: hashed character n-grams, Kiwi morphemes and indicator tokens (stateless hashing).

Hashing keeps the model file free of a vocabulary and lets a morpheme's column be recomputed at
prediction time, which is how the `model_wording` reason finds the words that pushed the score.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction import FeatureHasher
from sklearn.utils import murmurhash3_32

from smishing.engine.indicators import url_info
from smishing.engine.types import Indicator

_kiwi: Any = None
_kiwi_lock = threading.Lock()
_CONTENT_TAGS = (
    "NNG",
    "NNP",
    "NNB",
    "NR",
    "NP",
    "VV",
    "VA",
    "VX",
    "XR",
    "MAG",
    "SL",
    "SH",
    "XSN",
    "EF",
    "IC",
)
_INDICATOR_CHAR = {"url": "§", "phone": "☎", "messenger": "@", "account": "#"}


def kiwi() -> Any:
    """The process's one Kiwi analyser, loaded on first use (a few seconds, about 300 MB)."""
    global _kiwi
    if _kiwi is None:
        with _kiwi_lock:
            if _kiwi is None:
                from kiwipiepy import Kiwi

                # One analyser thread: workers already run one process per core. The typo and
                # multi-word dictionaries cost ~200 MB and seconds of start-up for no gain here.
                _kiwi = Kiwi(num_workers=1, load_typo_dict=False, load_multi_dict=False)
    return _kiwi


@dataclass(frozen=True)
class Morpheme:
    form: str
    tag: str
    start: int
    end: int


# Optional memo for offline runs (benchmarks, repeated training on one corpus); never used in serving.
_memo: dict[str, list[Morpheme]] | None = None


def morpheme_memo_load(path: Path) -> None:
    """Keep Kiwi's output per text in memory, seeded from `path` (JSON) when it exists."""
    global _memo
    _memo = {}
    if path.is_file():
        raw = json.loads(path.read_text(encoding="utf-8"))
        _memo = {text: [Morpheme(*m) for m in items] for text, items in raw.items()}


def morpheme_memo_save(path: Path) -> None:
    if _memo is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = {text: [[m.form, m.tag, m.start, m.end] for m in items] for text, items in _memo.items()}
    path.write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")


def morphemes(text: str) -> list[Morpheme]:
    if _memo is not None:
        cached = _memo.get(text)
        if cached is None:
            cached = _memo[text] = _morphemes(text)
        return cached
    return _morphemes(text)


def _morphemes(text: str) -> list[Morpheme]:
    if not re.search(r"[가-힣]", text):
        return [
            Morpheme(m.group(0).lower(), "SL", m.start(), m.end()) for m in re.finditer(r"[A-Za-z]{2,}", text)
        ]
    tokens = kiwi().tokenize(text)
    return [
        Morpheme(token.form.lower(), token.tag, token.start, token.start + token.len)
        for token in tokens
        if token.tag.startswith(_CONTENT_TAGS) and token.len > 0
    ]


def morpheme_feature(morpheme: Morpheme) -> str:
    return f"m:{morpheme.form}/{morpheme.tag[:2]}"


def normalized_for_ngrams(text: str, indicators: tuple[Indicator, ...]) -> str:
    """Indicators become one placeholder character each, digits become 0, case and width folded."""
    pieces: list[str] = []
    cursor = 0
    for indicator in sorted(indicators, key=lambda i: i.span.start):
        if indicator.span.start < cursor:
            continue
        pieces.append(text[cursor : indicator.span.start])
        pieces.append(f" {_INDICATOR_CHAR[indicator.kind]} ")
        cursor = indicator.span.end
    pieces.append(text[cursor:])
    folded = unicodedata.normalize("NFKC", "".join(pieces)).lower()
    folded = re.sub(r"\d", "0", folded)
    return re.sub(r"\s+", " ", folded).strip()


def text_tokens(
    text: str,
    indicators: tuple[Indicator, ...],
    morphs: list[Morpheme],
    rule_codes: list[str],
    *,
    ngram_range: tuple[int, int] = (2, 4),
) -> list[str]:
    normalized = normalized_for_ngrams(text, indicators)
    tokens: list[str] = []
    low, high = ngram_range
    padded = f" {normalized} "
    for n in range(low, high + 1):
        tokens.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    forms = [morpheme_feature(m) for m in morphs]
    tokens.extend(forms)
    tokens.extend(f"b:{a}|{b}" for a, b in zip(forms, forms[1:], strict=False))
    for indicator in indicators:
        if indicator.kind == "url":
            info = url_info(indicator.value)
            tokens.append(f"u:{info.registered_domain}")
            tokens.append(f"u:tld:{info.tld or 'ip'}")
        elif indicator.kind == "phone":
            tokens.append(
                f"p:{indicator.value[:3] if indicator.value.startswith('+') else indicator.normalized[:3]}"
            )
        else:
            tokens.append(f"k:{indicator.kind}")
    tokens.extend(f"r:{code}" for code in rule_codes)
    return tokens


def hash_index(token: str, n_features: int) -> int:
    """The column FeatureHasher gives `token` (signed MurmurHash3, absolute value, modulo)."""
    return abs(int(murmurhash3_32(token, seed=0))) % n_features


def hash_rows(rows: list[list[str]], n_features: int) -> sp.csr_matrix:
    """Sublinear term frequency, L2-normalised rows, no IDF (so nothing to store)."""
    hasher = FeatureHasher(n_features=n_features, input_type="string", alternate_sign=False, dtype=np.float32)
    matrix = hasher.transform(rows).tocsr()
    matrix.sum_duplicates()
    matrix.data = 1.0 + np.log(matrix.data)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms).dot(matrix), dtype=np.float32)
