"""Evaluation metrics the product reports (held-out templates, false alarms, grounding of reasons)."""

from __future__ import annotations

from typing import Any

from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef, precision_recall_fscore_support

from smishing.engine.model import SmishingModel
from smishing.engine.types import Verdict


def reason_is_grounded(text: str, reason_evidence: tuple[Any, ...]) -> bool:
    return bool(reason_evidence) and all(span.is_slice_of(text) for span in reason_evidence)


RISKY = ("smishing", "spam")
BENIGN = ("normal", "ad")


def expected_calibration_error(labels: list[str], verdicts: list[Verdict], bins: int = 10) -> float:
    """ECE of the model's own distribution: |confidence − accuracy| over ten confidence bins, weighted
    by the share of messages in each bin. The class and confidence are the distribution's best class
    (before abstention), so abstaining cannot hide a miscalibrated model."""
    if not labels:
        return 0.0
    total = 0.0
    pairs = []
    for label, verdict in zip(labels, verdicts, strict=True):
        classes = {k: v for k, v in verdict.probabilities.items() if k != "unknown"}
        best = max(classes, key=lambda k: classes[k]) if classes else "unknown"
        confidence = classes.get(best, 0.0) if any(classes.values()) else 0.0
        pairs.append((confidence, best == label))
    for low in [i / bins for i in range(bins)]:
        inside = [(c, ok) for c, ok in pairs if low < c <= low + 1 / bins or (low == 0 and c == 0)]
        if inside:
            confidence = sum(c for c, _ in inside) / len(inside)
            accuracy = sum(ok for _, ok in inside) / len(inside)
            total += len(inside) / len(pairs) * abs(confidence - accuracy)
    return round(total, 4)


def confusion_matrix(labels: list[str], predicted: list[str]) -> dict[str, dict[str, int]]:
    """True label → predicted label → count (every LABELS column present, zeros included)."""
    from smishing.engine.types import LABELS

    rows = [label for label in LABELS if label in labels]
    matrix = {row: dict.fromkeys(LABELS, 0) for row in rows}
    for true, guess in zip(labels, predicted, strict=True):
        matrix[true][guess] = matrix[true].get(guess, 0) + 1
    return matrix


def metrics_from_verdicts(texts: list[str], labels: list[str], verdicts: list[Verdict]) -> dict[str, Any]:
    predicted = [v.label for v in verdicts]
    present = [label for label in dict.fromkeys([*labels, *predicted])]
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=present, zero_division=0
    )
    per_class = {
        label: {
            "precision": round(float(p), 4),
            "recall": round(float(r), 4),
            "f1": round(float(f), 4),
            "support": int(s),
        }
        for label, p, r, f, s in zip(present, precision, recall, f1, support, strict=True)
    }
    true_labels = list(dict.fromkeys(labels))
    smishing_rows = [i for i, label in enumerate(labels) if label == "smishing"]
    benign_rows = [i for i, label in enumerate(labels) if label in BENIGN]
    risky_rows = [i for i, label in enumerate(labels) if label in RISKY]
    wrong = [i for i, (t, p) in enumerate(zip(labels, predicted, strict=True)) if p not in (t, "unknown")]
    shown = [(text, reason) for text, v in zip(texts, verdicts, strict=True) for reason in v.reasons]
    grounded = sum(1 for text, reason in shown if reason_is_grounded(text, reason.evidence))
    return {
        "n": len(labels),
        "accuracy": round(float(accuracy_score(labels, predicted)), 4),
        "macro_f1": round(
            float(f1_score(labels, predicted, labels=true_labels, average="macro", zero_division=0)), 4
        ),
        "mcc": round(float(matthews_corrcoef(labels, predicted)), 4),
        "per_class": per_class,
        "smishing_recall": (
            round(sum(predicted[i] == "smishing" for i in smishing_rows) / len(smishing_rows), 4)
            if smishing_rows
            else None
        ),
        "risky_recall": (
            round(sum(predicted[i] in RISKY for i in risky_rows) / len(risky_rows), 4) if risky_rows else None
        ),
        "false_alarm_rate": (
            round(sum(predicted[i] in RISKY for i in benign_rows) / len(benign_rows), 4)
            if benign_rows
            else None
        ),
        "ece": expected_calibration_error(labels, verdicts),
        # How sure the model was when it was wrong (abstentions excluded): the share at 0.99 or more.
        "wrong_at_099": round(sum(verdicts[i].probability >= 0.99 for i in wrong) / len(wrong), 4)
        if wrong
        else 0.0,
        "confusion": confusion_matrix(labels, predicted),
        "grounding_rate": round(grounded / len(shown), 4) if shown else 1.0,
        "reasons_shown": len(shown),
        "unknown_rate": round(predicted.count("unknown") / len(predicted), 4) if predicted else 0.0,
    }


def reason_statistics(labels: list[str], verdicts: list[Verdict]) -> dict[str, dict[str, Any]]:
    """How often each reason fires per true label, and the share of its hits on smishing or spam.

    Lets analysts see which reasons to trust (a reason that fires on normal messages is noise).
    """
    stats: dict[str, dict[str, Any]] = {}
    for label, verdict in zip(labels, verdicts, strict=True):
        for code in {reason.code for reason in verdict.reasons}:
            entry = stats.setdefault(code, {"fired": 0, "by_label": {}})
            entry["fired"] += 1
            entry["by_label"][label] = entry["by_label"].get(label, 0) + 1
    for entry in stats.values():
        risky = entry["by_label"].get("smishing", 0) + entry["by_label"].get("spam", 0)
        entry["risky_share"] = round(risky / entry["fired"], 4)
    return dict(sorted(stats.items()))


def evaluate(model: SmishingModel, texts: list[str], labels: list[str]) -> dict[str, Any]:
    """Score `texts` with `model` and compare with `labels`; pure (no side effects).

    Keys: n, accuracy, macro_f1 (over the true labels), mcc, per_class {label: precision, recall, f1,
    support}, smishing_recall, risky_recall (smishing + spam messages called either),
    false_alarm_rate (normal + ad messages labelled smishing or spam), ece (expected calibration
    error), wrong_at_099, confusion {true: {predicted: count}},
    grounding_rate (share of shown reasons all of whose evidence spans equal text[start:end]),
    reasons_shown, unknown_rate, reason_stats (per reason code: fired, by_label, risky_share),
    model_version.
    """
    if len(texts) != len(labels):
        raise ValueError("texts and labels must have the same length")
    verdicts = []
    for start in range(0, len(texts), 256):
        verdicts.extend(model.predict(texts[start : start + 256]))
    result = metrics_from_verdicts(texts, labels, verdicts)
    result["reason_stats"] = reason_statistics(labels, verdicts)
    result["model_version"] = model.version
    return result
