"""How a verdict looks: one partial decides it for the page and for the live push.

Evidence is highlighted by slicing the stored text on the reasons' spans server-side; each slice goes
through the template's auto-escaping, so markup in a message is shown as text, never run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.template.loader import render_to_string

from smishing.engine.types import span_is_slice
from smishing.models import Submission


@dataclass
class Segment:
    text: str
    codes: list[str] = field(default_factory=list)

    @property
    def is_evidence(self) -> bool:
        return bool(self.codes)


def grounded_reasons(text: str, reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Only reasons whose every evidence span is really that slice of the text; others are dropped."""
    kept = []
    for reason in reasons:
        evidence = reason.get("evidence") or []
        if evidence and all(
            span_is_slice(text, span.get("start"), span.get("end"), span.get("text")) for span in evidence
        ):
            kept.append(reason)
    return kept


def evidence_segments(text: str, reasons: list[dict[str, Any]]) -> list[Segment]:
    """Split `text` into plain and evidence pieces; overlapping spans merge into one marked piece."""
    marks: list[set[str]] = [set() for _ in text]
    for reason in grounded_reasons(text, reasons):
        for span in reason["evidence"]:
            for i in range(span["start"], span["end"]):
                marks[i].add(reason["code"])
    segments: list[Segment] = []
    for i, char in enumerate(text):
        codes = sorted(marks[i])
        if segments and segments[-1].codes == codes:
            segments[-1].text += char
        else:
            segments.append(Segment(char, codes))
    return segments


def verdict_context(submission: Submission) -> dict[str, Any]:
    reasons = grounded_reasons(submission.text, submission.reasons or [])
    return {
        "submission": submission,
        "segments": evidence_segments(submission.text, reasons),
        "reasons": sorted(reasons, key=lambda r: -float(r.get("weight", 0))),
        "indicators": list(submission.indicators.all()) if submission.pk else [],
        "percent": round((submission.probability or 0) * 100),
        "abuse_reply": _abuse_replies() if submission.is_abusive else None,
    }


def _abuse_replies() -> tuple[str, str]:
    from smishing.engine import ABUSE_REPLY_EN, ABUSE_REPLY_KO

    return ABUSE_REPLY_KO, ABUSE_REPLY_EN


def verdict_html(submission: Submission) -> str:
    return render_to_string("smishing/_verdict.html", verdict_context(submission))


def submission_row_html(submission: Submission) -> str:
    return render_to_string("smishing/_submission_row.html", {"s": submission})
