"""The smishing model: a hashed linear text model stacked under XGBoost, with temperature calibration.

Stage 1 is a logistic model over hashed character n-grams, Kiwi morphemes and indicator tokens; its
out-of-fold class margins join the rule and indicator features (see `rules.py`) as inputs to stage 2,
a multiclass XGBoost. Probabilities are temperature-scaled on a held-out group fold. Reasons are the
rule hits with evidence; their weights combine the rule's prior strength with XGBoost's own TreeSHAP
contribution of that rule's feature to the class the rule argues for.

The model file is plain bytes (JSON header + NumPy arrays + XGBoost UBJSON): no pickle, no downloads.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import struct
import time
from collections import Counter
from collections.abc import Callable, Sequence
from itertools import groupby
from typing import Any

import numpy as np
import scipy.sparse as sp
import xgboost as xgb
from scipy.optimize import minimize_scalar
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GroupKFold, GroupShuffleSplit

from smishing.engine.clusters import near_duplicate_clusters
from smishing.engine.features import hash_index, hash_rows, morpheme_feature, morphemes, text_tokens
from smishing.engine.rules import DENSE_FEATURES, RULE_SPECS, Analysis, RuleHit, analyse
from smishing.engine.types import LABELS, Reason, Span, Verdict
from untrusted.text import compile_pattern

_MAGIC = b"FDS-SMISHING-MODEL\x00"
_FORMAT = 1
# Bumped when features, rules or training change, so a retrain on the same data gets a new version.
ENGINE_REVISION = "2026.12.5"
ProgressCallback = Callable[[float, str], None]


_NOT_LETTER_OR_DIGIT = compile_pattern("model.not_letter_or_digit", r"(?:[^\pL\pN\pM]|[\u3131-\u318e])+")


_NOT_LANGUAGE = compile_pattern("model.not_language", r"[A-Za-z0-9+/=_\-]{24,}")


def _collapse_repeats(text: str) -> str:
    """Runs of three or more of one character become one ("ㅋㅋㅋㅋ" → "ㅋ"); linear, no back-reference."""
    return "".join(
        char if len(run) >= 3 else run for char, run in ((c, "".join(g)) for c, g in groupby(text))
    )


class _Prepared:
    """Per-message work shared by training and prediction."""

    __slots__ = ("analysis", "morphs", "tokens", "too_short")

    def __init__(self, text: str, *, use_kiwi: bool, ngram_range: tuple[int, int]) -> None:
        self.analysis: Analysis = analyse(text)
        # Left after cleaning: letters and digits, without stray jamo ("ㅋㅋㅋ") and repeats.
        cleaned = _collapse_repeats(_NOT_LETTER_OR_DIGIT.sub("", text))
        signals = bool(self.analysis.indicators or self.analysis.hits)
        self.too_short = (
            len(cleaned) < 4
            or (len(cleaned) < 6 and not signals)
            # One long run of Latin letters and digits with no word breaks and nothing the rules read
            # (an encoded blob, a key) is not language the model can judge.
            or (not signals and _NOT_LANGUAGE.fullmatch(text.strip()) is not None)
        )
        self.morphs = morphemes(text) if use_kiwi and not self.too_short else []
        self.tokens = text_tokens(
            text,
            self.analysis.indicators,
            self.morphs,
            [hit.code for hit in self.analysis.hits],
            ngram_range=ngram_range,
        )


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _nll(probabilities: np.ndarray, y: np.ndarray) -> float:
    return float(-np.mean(np.log(np.clip(probabilities[np.arange(len(y)), y], 1e-12, 1.0))))


class SmishingModel:
    """A trained model. `predict` is batched; use one instance per process (Kiwi is shared anyway)."""

    def __init__(
        self,
        *,
        version: str,
        classes: list[str],
        linear_coef: np.ndarray,
        linear_intercept: np.ndarray,
        booster: xgb.Booster,
        temperature: float,
        config: dict[str, Any],
        report: dict[str, Any] | None = None,
    ) -> None:
        self.version = version
        self.classes = list(classes)
        self.linear_coef = linear_coef.astype(np.float32)
        self.linear_intercept = linear_intercept.astype(np.float32)
        self.booster = booster
        self.booster.set_param({"nthread": 1})
        self.temperature = float(temperature)
        self.config = dict(config)
        self.report = report or {}

    # -- features -------------------------------------------------------------------------------
    @property
    def n_features(self) -> int:
        return int(self.config["n_features"])

    def _prepare(self, texts: Sequence[str]) -> list[_Prepared]:
        ngram_range = tuple(self.config["ngram_range"])
        return [
            _Prepared(text, use_kiwi=self.config["use_kiwi"], ngram_range=ngram_range)  # type: ignore[arg-type]
            for text in texts
        ]

    def _linear_margins(self, matrix: sp.csr_matrix) -> np.ndarray:
        return np.asarray(matrix @ self.linear_coef.T) + self.linear_intercept

    def _stage2_matrix(self, prepared: list[_Prepared], margins: np.ndarray) -> np.ndarray:
        dense = np.array(
            [[p.analysis.dense[name] for name in DENSE_FEATURES] for p in prepared], dtype=np.float32
        )
        return (
            np.hstack([dense, margins.astype(np.float32)]) if len(prepared) else np.zeros((0, self.n_stage2))
        )

    @property
    def n_stage2(self) -> int:
        return len(DENSE_FEATURES) + len(self.classes)

    def feature_names(self) -> list[str]:
        return [*DENSE_FEATURES, *(f"text_{label}" for label in self.classes)]

    # -- prediction -----------------------------------------------------------------------------
    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities over `self.classes` (no abstention, no reasons)."""
        prepared = self._prepare(texts)
        return self._probabilities(prepared)[0]

    def _probabilities(self, prepared: list[_Prepared]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        matrix = hash_rows([p.tokens for p in prepared], self.n_features)
        margins = self._linear_margins(matrix)
        stage2 = self._stage2_matrix(prepared, margins)
        logits = np.asarray(self.booster.inplace_predict(stage2, predict_type="margin"), dtype=np.float64)
        if logits.ndim == 1:
            logits = logits.reshape(len(prepared), -1)
        return _softmax(logits / self.temperature), stage2, margins

    def novelty(self, prepared: list[_Prepared]) -> np.ndarray:
        """Per message, the share of its text features the model never saw in training.

        A column the training data never touched keeps a zero weight in every class, so the share is
        exact for the hashed features (up to hash collisions) and costs one sparse lookup per token.
        """
        matrix = hash_rows([p.tokens for p in prepared], self.n_features)
        seen = np.asarray(np.abs(self.linear_coef).max(axis=0) > 0)
        shares = np.zeros(len(prepared))
        for row in range(matrix.shape[0]):
            columns = matrix.indices[matrix.indptr[row] : matrix.indptr[row + 1]]
            if len(columns):
                shares[row] = 1.0 - float(seen[columns].mean())
        return shares

    def word_novelty(self, prepared: list[_Prepared]) -> np.ndarray:
        """Per message without Hangul, the share of its words the model never saw in training (0 for
        Korean text). Latin-script languages share most character n-grams, so for them `novelty` stays
        low on a language the model was never taught; the words tell."""
        seen = np.asarray(np.abs(self.linear_coef).max(axis=0) > 0)
        shares = np.zeros(len(prepared))
        for row, item in enumerate(prepared):
            if item.analysis.dense.get("has_hangul") or not item.morphs:
                continue
            columns = [hash_index(morpheme_feature(m), self.n_features) for m in item.morphs]
            shares[row] = 1.0 - float(seen[columns].mean())
        return shares

    def predict(self, texts: list[str]) -> list[Verdict]:
        """One verdict per text, with grounded reasons and the indicators found; batched and pure.

        Abstains (`unknown`) when the text is too short, when most of its features were never seen in
        training (`novel_above`; for text without Hangul, most of its words: `novel_words_above`),
        when no class reaches `abstain_below`, when the two best classes are within `margin_below` of
        each other, or when it would accuse from wording alone (no rule evidence) with less than
        `unsupported_min` (lowered, when a bank's labelled messages train the model, to the lowest bar
        that keeps its held-out messages within `false_alarm_budget`).

        A message whose best class is ad or normal is still called smishing or spam (the likelier of
        the two, with the probability of being either) when p(smishing) + p(spam) reaches
        `risky_mass_min`: off for the default model, even odds (0.5) once the bank's labelled
        messages have trained and calibrated it. Then, too, a risky message is held to the bars with
        p(smishing) + p(spam), and is called smishing once p(smishing) reaches `smishing_ratio_min`
        (0.25) times p(spam).
        """
        if not texts:
            return []
        prepared = self._prepare(texts)
        probabilities, stage2, _ = self._probabilities(prepared)
        contributions = self._contributions(stage2)
        novelty = self.novelty(prepared)
        word_novelty = self.word_novelty(prepared)
        novel_words_above = float(self.config.get("novel_words_above", 1.01))
        threshold = float(self.config.get("abstain_below", 0.5))
        novel_above = float(self.config.get("novel_above", 1.01))
        called, called_probability, too_close, confidence = _decide(probabilities, self.classes, self.config)
        verdicts = []
        for row, (text, item) in enumerate(zip(texts, prepared, strict=True)):
            distribution = {label: 0.0 for label in LABELS}
            if item.too_short:
                distribution["unknown"] = 1.0
                verdicts.append(Verdict("unknown", 1.0, distribution, (), item.analysis.indicators))
                continue
            for index, label in enumerate(self.classes):
                distribution[label] = round(float(probabilities[row, index]), 6)
            label, probability = self.classes[int(called[row])], float(called_probability[row])
            if label in ("smishing", "spam") and not self._supported(item):
                # Wording alone, with no rule evidence in the message, must be very sure to accuse;
                # and it never outweighs links that all go to the sender's official domains.
                minimum = max(threshold, float(self.config.get("unsupported_min", 0.85)))
                if self._only_official_links(item):
                    minimum = 1.01
            elif label in ("smishing", "spam"):
                # Accusing costs more than abstaining: a false alarm tells an employee to distrust
                # a genuine message.
                minimum = max(threshold, float(self.config.get("accuse_min", 0.0)))
            else:
                minimum = threshold
            close = bool(too_close[row])
            novel = (
                novelty[row] > novel_above or word_novelty[row] > novel_words_above
            ) and not item.analysis.hits
            if (float(confidence[row]) < minimum or close or novel) and label != "unknown":
                label, probability = "unknown", 1.0 - probability
            reasons = self._reasons(text, item, label, contributions[row])
            verdicts.append(
                Verdict(label, round(probability, 6), distribution, reasons, item.analysis.indicators)
            )
        return verdicts

    @staticmethod
    def _only_official_links(item: _Prepared) -> bool:
        urls = item.analysis.urls
        return bool(urls) and all(info.is_official and "/o/" not in info.path for _, info in urls)

    @staticmethod
    def _supported(item: _Prepared) -> bool:
        return any(RULE_SPECS[hit.code].argues_for in ("smishing", "spam") for hit in item.analysis.hits)

    def _contributions(self, stage2: np.ndarray) -> np.ndarray:
        """TreeSHAP contributions, shape (rows, classes, features + bias)."""
        matrix = xgb.DMatrix(stage2, feature_names=None, nthread=1)
        raw = np.asarray(self.booster.predict(matrix, pred_contribs=True, approx_contribs=False))
        if raw.ndim == 2:  # one class only
            raw = raw[:, None, :]
        return raw

    def _class_contribution(self, contribution: np.ndarray, label: str, column: int) -> float:
        if label not in self.classes:
            return 0.0
        index = self.classes.index(label)
        # Relative to the other classes: a feature that raises every class equally explains nothing.
        others = [contribution[i, column] for i in range(len(self.classes)) if i != index]
        return float(contribution[index, column] - (np.mean(others) if others else 0.0))

    def _reasons(
        self, text: str, item: _Prepared, label: str, contribution: np.ndarray
    ) -> tuple[Reason, ...]:
        names = self.feature_names()
        reasons: list[Reason] = []
        for hit in item.analysis.hits:
            reasons.append(self._reason(text, hit, contribution, names))
        if label in ("smishing", "spam") and item.morphs:
            wording = self._wording_reason(text, item, label, contribution, names)
            if wording is not None:
                reasons.append(wording)
        valid = [r for r in reasons if r.evidence and all(s.is_slice_of(text) for s in r.evidence)]
        return tuple(sorted(valid, key=lambda r: (-r.weight, r.code)))

    def _reason(self, text: str, hit: RuleHit, contribution: np.ndarray, names: list[str]) -> Reason:
        spec = RULE_SPECS[hit.code]
        column = names.index(f"rule_{hit.code}")
        c = self._class_contribution(contribution, spec.argues_for, column)
        weight = min(1.0, max(0.01, spec.strength * (1.0 + math.tanh(c))))
        text_ko, text_en = hit.sentences()
        return Reason(hit.code, round(weight, 3), text_ko, text_en, hit.evidence)

    def _wording_reason(
        self, text: str, item: _Prepared, label: str, contribution: np.ndarray, names: list[str]
    ) -> Reason | None:
        if label not in self.classes:
            return None
        index = self.classes.index(label)
        coef = self.linear_coef
        scored: list[tuple[float, int, int]] = []
        seen: set[tuple[int, int]] = set()
        for morph in item.morphs:
            if (
                (morph.start, morph.end) in seen
                or not text[morph.start : morph.end].strip()
                or morph.end - morph.start < 2
            ):
                continue
            seen.add((morph.start, morph.end))
            column = hash_index(morpheme_feature(morph), self.n_features)
            own = float(coef[index, column])
            rest = float(np.mean(np.delete(coef[:, column], index))) if len(self.classes) > 1 else 0.0
            scored.append((own - rest, morph.start, morph.end))
        scored = [s for s in scored if s[0] > float(self.config.get("wording_min", 0.5))]
        if not scored:
            return None
        top = sorted(scored, reverse=True)[:3]
        spans = tuple(Span.of(text, start, end) for _, start, end in sorted(top, key=lambda s: s[1]))
        c = self._class_contribution(contribution, label, names.index(f"text_{label}"))
        spec = RULE_SPECS["model_wording"]
        weight = min(1.0, max(0.01, spec.strength * (1.0 + math.tanh(c))))
        kind_ko, kind_en = (
            ("스미싱 문자", "smishing messages") if label == "smishing" else ("불법 스팸", "illegal spam")
        )
        text_ko = spec.text_ko.format(kind_ko=kind_ko)
        return Reason("model_wording", round(weight, 3), text_ko, spec.text_en.format(kind_en=kind_en), spans)

    # -- serialisation --------------------------------------------------------------------------
    def dumps(self) -> bytes:
        header = {
            "format": _FORMAT,
            "version": self.version,
            "classes": self.classes,
            "temperature": self.temperature,
            "config": self.config,
            "dense_features": list(DENSE_FEATURES),
            "report": self.report,
        }
        arrays = io.BytesIO()
        np.savez_compressed(arrays, coef=self.linear_coef, intercept=self.linear_intercept)
        booster = bytes(self.booster.save_raw(raw_format="ubj"))
        parts = [json.dumps(header, ensure_ascii=False).encode(), arrays.getvalue(), booster]
        return _MAGIC + b"".join(struct.pack("<Q", len(part)) + part for part in parts)

    @classmethod
    def loads(cls, data: bytes) -> SmishingModel:
        if not data.startswith(_MAGIC):
            raise ValueError("not a smishing model file")
        offset = len(_MAGIC)
        parts = []
        for _ in range(3):
            (length,) = struct.unpack_from("<Q", data, offset)
            offset += 8
            parts.append(data[offset : offset + length])
            offset += length
        header = json.loads(parts[0])
        if header.get("format") != _FORMAT or header.get("dense_features") != list(DENSE_FEATURES):
            raise ValueError("model file was written by an incompatible engine version; retrain")
        arrays = np.load(io.BytesIO(parts[1]), allow_pickle=False)
        booster = xgb.Booster()
        booster.load_model(bytearray(parts[2]))
        return cls(
            version=header["version"],
            classes=header["classes"],
            linear_coef=arrays["coef"].astype(np.float32),
            linear_intercept=arrays["intercept"],
            booster=booster,
            temperature=header["temperature"],
            config=header["config"],
            report=header.get("report"),
        )


# -- training ------------------------------------------------------------------------------------
DEFAULT_CONFIG: dict[str, Any] = {
    "n_features": 2**18,
    "ngram_range": [2, 4],
    "use_kiwi": True,
    "abstain_below": 0.4,
    "wording_min": 0.5,
    "balance_power": 0.5,
    "unsupported_min": 0.85,
    "margin_below": 0.05,
    "linear_alpha": 1e-4,
    "novel_above": 0.7,
    # Text without Hangul most of whose words were never seen in training: a language not taught.
    "novel_words_above": 0.5,
    # The share of a bank's genuine messages and lawful ads it accepts being flagged. Trained with the
    # bank's own labelled messages, the bar for wording-only accusations is lowered to the lowest level
    # that keeps its held-out messages within this budget (`_accuse_threshold`).
    "false_alarm_budget": 0.03,
    # p(smishing) + p(spam) at which a message is flagged even when ad or normal is the single best
    # class (off here; see `train`).
    "risky_mass_min": 1.01,
    # A risky message is called smishing, not spam, when p(smishing) reaches this share of p(spam):
    # 1.0 is the likelier of the two (here; see `train`).
    "smishing_ratio_min": 1.0,
}
# Trained with a bank's labelled messages, the temperature is fitted on its real messages, and a message
# more likely smishing or spam than not is flagged: the question an employee asks is whether to trust
# the text. The default model's probabilities are calibrated on generated templates only, too loosely
# for their sum to carry that decision.
RISKY_MASS_WITH_REAL = 0.5
# And of the two kinds of risk, smishing is called once p(smishing) is a quarter of p(spam) (a fifth
# of the risk): a missed smishing text can cost a victim their savings, while illegal spam called
# smishing only sharpens a warning the employee gets either way. Only which risky class is called
# moves; no genuine message or lawful ad is flagged for it.
SMISHING_RATIO_WITH_REAL = 0.25


def _balanced(y: np.ndarray, n_classes: int, power: float) -> np.ndarray:
    counts = np.bincount(y, minlength=n_classes).astype(np.float64)
    return ((len(y) / (n_classes * np.maximum(counts, 1))) ** power)[y]


def _fit_linear(
    matrix: sp.csr_matrix,
    y: np.ndarray,
    n_classes: int,
    seed: int,
    weights: np.ndarray | None = None,
    alpha: float = 2e-5,
) -> tuple[np.ndarray, np.ndarray]:
    model = SGDClassifier(loss="log_loss", alpha=alpha, max_iter=30, tol=None, random_state=seed)
    # Class balance and the caller's row weights (real over synthetic) multiply.
    sample_weight = _balanced(y, n_classes, 1.0) * (weights if weights is not None else 1.0)
    model.fit(matrix, y, sample_weight=sample_weight / sample_weight.mean())
    coef = np.zeros((n_classes, matrix.shape[1]), dtype=np.float32)
    intercept = np.zeros(n_classes, dtype=np.float32)
    present = list(model.classes_)
    if len(present) == 2 and n_classes >= 2:
        # Binary SGD keeps one weight vector for the positive class; spread it symmetrically.
        coef[present[1]] = model.coef_[0] / 2
        coef[present[0]] = -model.coef_[0] / 2
        intercept[present[1]] = model.intercept_[0] / 2
        intercept[present[0]] = -model.intercept_[0] / 2
    else:
        for row, cls in enumerate(present):
            coef[cls] = model.coef_[row]
            intercept[cls] = model.intercept_[row]
    return coef, intercept


def _fit_booster(
    x: np.ndarray,
    y: np.ndarray,
    n_classes: int,
    seed: int,
    rounds: int,
    balance_power: float,
    row_weights: np.ndarray | None = None,
) -> xgb.Booster:
    # Rare classes are up-weighted by (balanced weight) ** power: 1 is fully balanced, 0 is none.
    weights = _balanced(y, n_classes, balance_power)
    if row_weights is not None:
        weights = weights * row_weights
    matrix = xgb.DMatrix(x, label=y, weight=weights / weights.mean())
    params = {
        "objective": "multi:softprob",
        "num_class": n_classes,
        "eta": 0.1,
        "max_depth": 4,
        "subsample": 0.8,
        "colsample_bytree": 0.8,
        "min_child_weight": 1.0,
        "lambda": 1.0,
        "tree_method": "hist",
        "seed": seed,
        "nthread": 2,
        "eval_metric": "mlogloss",
    }
    return xgb.train(params, matrix, num_boost_round=rounds)


def _fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    if len(y) == 0:
        return 1.0
    # A calibration fold the model separates perfectly would drive T towards 0 (certainty); the floor
    # keeps probabilities from claiming more than held-out templates can show.
    result = minimize_scalar(
        lambda log_t: _nll(_softmax(logits / math.exp(log_t)), y),
        bounds=(math.log(0.5), math.log(20.0)),
        method="bounded",
    )
    return float(math.exp(result.x))


def _expected_calibration_error(probabilities: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == y
    total = 0.0
    for low in np.linspace(0, 1, bins, endpoint=False):
        mask = (confidence > low) & (confidence <= low + 1 / bins)
        if mask.any():
            total += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(total)


def _decide(
    probabilities: np.ndarray, classes: list[str], config: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What the class distribution alone decides, per row: the class called (an index into `classes`),
    its probability, whether the call is too close to make, and the confidence the abstention bars
    are held against. `predict` and the fitting of its wording-only bar (`_accuse_threshold`) both
    decide through this, so the bar is fitted on the decisions the model will make.

    The class called is the best one, except when smishing and spam together reach `risky_mass_min`
    while ad or normal is best: then it is one of the two, with their joint probability. Of the two,
    smishing is called when p(smishing) reaches `smishing_ratio_min` times p(spam); a call against the
    likelier of the two also carries the joint probability. Otherwise the confidence is the call's
    probability, except that with risk judged jointly (`risky_mass_min` on) a smishing or spam call is
    held to the bars with the joint probability: what it asserts is that the text is not to be
    trusted, and which kind of risk it is does not weaken that.
    A call is too close when the two best classes are within `margin_below`, unless it was made on the
    joint probability or, with risk judged jointly, both are smishing and spam: a close call between
    two kinds of risk still says the text is risky."""
    rows = np.arange(len(probabilities))
    best = probabilities.argmax(axis=1)
    probability = probabilities[rows, best]
    if probabilities.shape[1] < 2:
        return best, probability, np.zeros(len(rows), dtype=bool), probability
    others = probabilities.copy()
    others[rows, best] = -np.inf
    second = others.argmax(axis=1)
    gap = probability - probabilities[rows, second]
    by_mass = np.zeros(len(rows), dtype=bool)
    both_risky = np.zeros(len(rows), dtype=bool)
    risky = np.array([i for i, c in enumerate(classes) if c in ("smishing", "spam")], dtype=int)
    level = float(config.get("risky_mass_min", 1.01))
    if len(risky):
        best_risky = np.isin(best, risky)
        mass = probabilities[:, risky].sum(axis=1)
        by_mass = ~best_risky & (mass >= level)
        pick = risky[probabilities[:, risky].argmax(axis=1)]
        ratio = float(config.get("smishing_ratio_min", 1.0))
        if len(risky) == 2 and ratio < 1.0:
            smishing, spam = classes.index("smishing"), classes.index("spam")
            tilted = probabilities[:, smishing] >= ratio * probabilities[:, spam]
            pick = np.where(tilted, smishing, spam)
        against_best = by_mass | (best_risky & (pick != best))
        best = np.where(by_mass | best_risky, pick, best)
        probability = np.where(against_best, mass, probability)
        confidence = np.where(best_risky & (level <= 1.0), mass, probability)
        both_risky = (level <= 1.0) & best_risky & np.isin(second, risky)
    else:
        confidence = probability
    close = (gap < float(config.get("margin_below", 0.0))) & ~by_mass & ~both_risky
    return best, probability, close, confidence


def _accuse_threshold(
    probabilities: np.ndarray,
    y: np.ndarray,
    supported: np.ndarray,
    classes: list[str],
    settings: dict[str, Any],
    official_only: np.ndarray | None = None,
) -> float:
    """The lowest bar for accusing from wording alone (no rule evidence) at which the bank's held-out
    labelled messages stay within its false-alarm budget (genuine messages and lawful ads called
    smishing or spam); never above the default bar. Chosen on training rows only. `official_only`
    marks the messages whose links all go to official domains, which wording alone never accuses."""
    default = float(DEFAULT_CONFIG["unsupported_min"])
    budget = float(settings["false_alarm_budget"])
    benign = np.isin(y, [classes.index(c) for c in ("ad", "normal") if c in classes])
    if not benign.any():
        return default
    risky = [classes.index(c) for c in ("smishing", "spam") if c in classes]
    called, _, close, confidence = _decide(probabilities, classes, settings)
    base = np.isin(called, risky) & ~close & (confidence >= float(settings["abstain_below"]))
    wording_may_accuse = ~official_only if official_only is not None else np.ones(len(y), dtype=bool)
    for bar in np.arange(0.5, default + 1e-9, 0.05):
        accused = base & (supported | ((confidence >= bar) & wording_may_accuse))
        if accused[benign].mean() <= budget:
            return round(float(bar), 2)
    return default


def train(
    texts: list[str],
    labels: list[str],
    *,
    groups: list[str] | None = None,
    weights: list[float] | None = None,
    calibrate_on: list[bool] | None = None,
    seed: int = 0,
    progress: ProgressCallback | None = None,
    rounds: int = 150,
    config: dict[str, Any] | None = None,
) -> tuple[SmishingModel, dict[str, Any]]:
    """Train a model; returns it with a report (counts, calibration, held-out-fold metrics).

    `groups` (e.g. template ids, near-duplicate clusters) keep near-duplicates on one side of every
    split; without them, near-duplicate clusters (`clusters.py`) form the groups. `weights` weigh rows
    (a bank's real messages over generated ones); `calibrate_on` marks the rows whose held-out part
    fits the temperature (real messages, when there are enough of them). Pure apart from `progress`.
    """
    started = time.monotonic()
    notify = progress or (lambda _fraction, _message: None)
    if len(texts) != len(labels) or (groups is not None and len(groups) != len(texts)):
        raise ValueError("texts, labels and groups must have the same length")
    unknown_labels = set(labels) - set(LABELS)
    if unknown_labels:
        raise ValueError(f"unknown labels: {sorted(unknown_labels)}")
    classes = [label for label in LABELS if label in set(labels)]
    if len(classes) < 2:
        raise ValueError("training needs at least two classes")
    settings = {**DEFAULT_CONFIG, **(config or {})}
    if groups is None:
        groups = [f"cluster-{c}" for c in near_duplicate_clusters(texts)]
    if weights is not None and len(weights) != len(texts):
        raise ValueError("weights must have one value per text")
    row_weights = np.asarray(weights, dtype=np.float64) if weights is not None else None
    y = np.array([classes.index(label) for label in labels])
    group_array = np.array(groups)

    notify(0.02, "features")
    prepared: list[_Prepared] = []
    step = max(1, len(texts) // 20)
    for index, text in enumerate(texts):
        prepared.append(
            _Prepared(text, use_kiwi=settings["use_kiwi"], ngram_range=tuple(settings["ngram_range"]))
        )
        if index % step == 0:
            notify(0.02 + 0.38 * index / len(texts), "features")
    matrix = hash_rows([p.tokens for p in prepared], settings["n_features"])
    dense = np.array(
        [[p.analysis.dense[name] for name in DENSE_FEATURES] for p in prepared], dtype=np.float32
    )

    notify(0.4, "text model")
    n_groups = len(set(groups))
    oof = np.zeros((len(texts), len(classes)), dtype=np.float32)
    if n_groups >= 4:
        folds = GroupKFold(n_splits=min(5, n_groups))
        for fold, (fit_rows, held_rows) in enumerate(folds.split(matrix, y, group_array)):
            if len(set(y[fit_rows])) < 2:
                continue
            coef, intercept = _fit_linear(
                matrix[fit_rows],
                y[fit_rows],
                len(classes),
                seed + fold,
                row_weights[fit_rows] if row_weights is not None else None,
                float(settings["linear_alpha"]),
            )
            oof[held_rows] = np.asarray(matrix[held_rows] @ coef.T) + intercept
            notify(0.4 + 0.08 * (fold + 1), "text model")
    coef, intercept = _fit_linear(matrix, y, len(classes), seed, row_weights, float(settings["linear_alpha"]))
    if n_groups < 4:
        oof = np.asarray(matrix @ coef.T) + intercept
    stage2 = np.hstack([dense, oof])

    notify(0.85, "gradient boosting")
    calibration_rows = np.array([], dtype=int)
    calibrated_on_real = False
    fit_rows = np.arange(len(texts))
    if n_groups >= 10 and len(texts) >= 100:
        splitter = GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=seed)
        fit_rows, calibration_rows = next(splitter.split(stage2, y, group_array))
    booster = _fit_booster(
        stage2[fit_rows],
        y[fit_rows],
        len(classes),
        seed,
        rounds,
        float(settings["balance_power"]),
        row_weights[fit_rows] if row_weights is not None else None,
    )
    if calibrate_on is not None:
        # Fit the temperature on real messages when the held-out fold has enough of them: generated
        # ones are easier than real ones and would make the model over-confident.
        real = np.asarray(calibrate_on, dtype=bool)[calibration_rows]
        if real.sum() >= 50:
            calibration_rows = calibration_rows[real]
            calibrated_on_real = True

    notify(0.95, "calibration")
    temperature = 1.0
    calibration: dict[str, Any] = {"rows": int(len(calibration_rows))}
    if len(calibration_rows) and len(set(y[calibration_rows])) >= 2:
        logits = np.asarray(booster.predict(xgb.DMatrix(stage2[calibration_rows]), output_margin=True))
        logits = logits.reshape(len(calibration_rows), -1)
        temperature = _fit_temperature(logits, y[calibration_rows])
        raw, scaled = _softmax(logits), _softmax(logits / temperature)
        calibration.update(
            temperature=round(temperature, 4),
            nll_before=round(_nll(raw, y[calibration_rows]), 4),
            nll_after=round(_nll(scaled, y[calibration_rows]), 4),
            ece_before=round(_expected_calibration_error(raw, y[calibration_rows]), 4),
            ece_after=round(_expected_calibration_error(scaled, y[calibration_rows]), 4),
            accuracy=round(float((scaled.argmax(axis=1) == y[calibration_rows]).mean()), 4),
        )
        if calibrated_on_real:
            # Risk is judged jointly once real messages calibrate the model; set first, so the bar
            # below is fitted on the decisions the model will make.
            settings["risky_mass_min"] = RISKY_MASS_WITH_REAL
            calibration["risky_mass_min"] = RISKY_MASS_WITH_REAL
            settings["smishing_ratio_min"] = SMISHING_RATIO_WITH_REAL
            calibration["smishing_ratio_min"] = SMISHING_RATIO_WITH_REAL
        if calibrated_on_real and settings.get("false_alarm_budget"):
            supported = np.array(
                [
                    any(
                        RULE_SPECS[h.code].argues_for in ("smishing", "spam")
                        for h in prepared[i].analysis.hits
                    )
                    for i in calibration_rows
                ]
            )
            official_only = np.array(
                [SmishingModel._only_official_links(prepared[i]) for i in calibration_rows]
            )
            settings["unsupported_min"] = _accuse_threshold(
                scaled, y[calibration_rows], supported, classes, settings, official_only
            )
            calibration["unsupported_min"] = settings["unsupported_min"]
    digest = hashlib.sha256()
    for text, label in zip(texts, labels, strict=True):
        digest.update(label.encode() + b"\x00" + text.encode() + b"\x01")
    digest.update(f"{ENGINE_REVISION}:{seed}:{json.dumps(settings, sort_keys=True)}:{rounds}".encode())
    version = f"smishing-{time.strftime('%Y%m%d', time.gmtime())}-{digest.hexdigest()[:10]}"
    report = {
        "version": version,
        "n_train": len(texts),
        "n_groups": n_groups,
        "classes": classes,
        "label_counts": dict(Counter(labels)),
        "calibration": calibration,
        "rounds": rounds,
        "engine_revision": ENGINE_REVISION,
        "seconds": round(time.monotonic() - started, 2),
    }
    model = SmishingModel(
        version=version,
        classes=classes,
        linear_coef=coef,
        linear_intercept=intercept,
        booster=booster,
        temperature=temperature,
        config=settings,
        report=report,
    )
    notify(1.0, "done")
    return model, report
