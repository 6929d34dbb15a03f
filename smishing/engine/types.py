"""Value types shared by every part of the smishing engine (pure, no Django)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LABELS: tuple[str, ...] = ("smishing", "spam", "ad", "normal", "unknown")


def span_is_slice(text: str, start: Any, end: Any, span_text: Any) -> bool:
    """Whether `span_text` is exactly the non-empty slice text[start:end]: the one check that a
    piece of evidence (from the engine, the database or a client) really points into the text."""
    return (
        isinstance(start, int)
        and isinstance(end, int)
        and isinstance(span_text, str)
        and bool(span_text)
        and 0 <= start < end <= len(text)
        and text[start:end] == span_text
    )


@dataclass(frozen=True)
class Span:
    """A slice of the text the caller passed: `text == message[start:end]` always holds."""

    start: int
    end: int
    text: str

    @classmethod
    def of(cls, message: str, start: int, end: int) -> Span:
        return cls(start, end, message[start:end])

    def is_slice_of(self, message: str) -> bool:
        return span_is_slice(message, self.start, self.end, self.text)

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Span:
        return cls(int(data["start"]), int(data["end"]), str(data["text"]))


@dataclass(frozen=True)
class Reason:
    code: str
    weight: float
    text_ko: str
    text_en: str
    evidence: tuple[Span, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "weight": self.weight,
            "text_ko": self.text_ko,
            "text_en": self.text_en,
            "evidence": [span.to_dict() for span in self.evidence],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Reason:
        evidence = tuple(Span.from_dict(span) for span in data["evidence"])
        return cls(
            str(data["code"]), float(data["weight"]), str(data["text_ko"]), str(data["text_en"]), evidence
        )


@dataclass(frozen=True)
class Indicator:
    kind: str  # "url" | "phone" | "messenger" | "account"
    value: str
    normalized: str
    span: Span

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "value": self.value,
            "normalized": self.normalized,
            "span": self.span.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Indicator:
        return cls(
            str(data["kind"]), str(data["value"]), str(data["normalized"]), Span.from_dict(data["span"])
        )


@dataclass(frozen=True)
class Verdict:
    """`probabilities` is the calibrated class distribution (all LABELS as keys, summing to 1);
    `probability` is the probability of `label`, except for an abstention, where it is 1 minus the
    best class's probability, and for smishing or spam called against the single best class (on
    their joint probability, `risky_mass_min`, or smishing called over a likelier spam,
    `smishing_ratio_min`), where it is p(smishing) + p(spam). The model abstains (`unknown`) when the text is too short or empty
    after cleaning, when no class reaches `abstain_below` (0.5), or when it would say smishing/spam
    from wording alone (no rule evidence in the message) with less than `unsupported_min` (0.85)."""

    label: str
    probability: float
    probabilities: dict[str, float]
    reasons: tuple[Reason, ...]
    indicators: tuple[Indicator, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "probability": self.probability,
            "probabilities": dict(self.probabilities),
            "reasons": [reason.to_dict() for reason in self.reasons],
            "indicators": [indicator.to_dict() for indicator in self.indicators],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        return cls(
            str(data["label"]),
            float(data["probability"]),
            {str(k): float(v) for k, v in data["probabilities"].items()},
            tuple(Reason.from_dict(reason) for reason in data["reasons"]),
            tuple(Indicator.from_dict(indicator) for indicator in data["indicators"]),
        )


@dataclass
class Example:
    text: str
    label: str
    template_id: str
    kind: str
    meta: dict[str, Any] = field(default_factory=dict)
