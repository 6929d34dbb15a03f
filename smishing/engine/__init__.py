"""Pure smishing engine: masking, abuse check, indicators, grounded reasons, model, corpus, explainer.

No Django imports here; the `smishing` app's services call into this package.
"""

from smishing.engine.abuse import ABUSE_REPLY_EN, ABUSE_REPLY_KO, is_abusive
from smishing.engine.corpus import generate_corpus, split_by_template
from smishing.engine.evaluation import evaluate
from smishing.engine.explainer import LlmExplainer, paragraph_is_grounded
from smishing.engine.indicators import extract_indicators
from smishing.engine.masking import mask_personal_data
from smishing.engine.model import SmishingModel, train
from smishing.engine.types import LABELS, Example, Indicator, Reason, Span, Verdict

__all__ = [
    "ABUSE_REPLY_EN",
    "ABUSE_REPLY_KO",
    "LABELS",
    "Example",
    "Indicator",
    "LlmExplainer",
    "Reason",
    "SmishingModel",
    "Span",
    "Verdict",
    "evaluate",
    "extract_indicators",
    "generate_corpus",
    "is_abusive",
    "mask_personal_data",
    "paragraph_is_grounded",
    "split_by_template",
    "train",
]
