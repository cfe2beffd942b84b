"""The result of triaging one message, and its JSON form (the design's predict contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reason:
    """Why a message was judged urgent: which trigger, found by what, on which words."""

    trigger: str
    source: str  # "rule" (a pattern matched) or "model" (the classifier's most likely trigger)
    evidence: str  # the matched words for a rule; the trigger probability for the model

    def as_dict(self) -> dict[str, str]:
        return {"trigger": self.trigger, "source": self.source, "evidence": self.evidence}


@dataclass(frozen=True)
class TriagePrediction:
    """Category and urgency of one message, with confidences and the urgency reasons.

    ``is_complaint`` says whether the message is a complaint at all (a greeting, a progress
    question or 转人工 is not). ``category`` is always one of the four labels, so that every
    consumer of the ``predict`` contract keeps working: for a complaint it is the category;
    for a chat turn it is only what the category model would say if it were one (the model
    learnt from complaints alone), and nobody should file or count it.
    """

    category: str
    category_confidence: float
    category_probabilities: dict[str, float]
    urgency: str
    urgency_score: float
    reasons: tuple[Reason, ...] = ()
    warnings: tuple[str, ...] = ()
    model_version: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    is_complaint: bool = True
    complaint_score: float = 1.0

    @property
    def is_urgent(self) -> bool:
        return self.urgency == "urgent"

    def as_dict(self) -> dict[str, Any]:
        """The JSON object ``python -m triage_model predict`` writes for this message."""
        result: dict[str, Any] = {
            "category": self.category,
            "category_confidence": round(self.category_confidence, 4),
            "category_probabilities": {
                name: round(p, 4) for name, p in self.category_probabilities.items()
            },
            "urgency": self.urgency,
            "urgency_score": round(self.urgency_score, 4),
            "is_complaint": self.is_complaint,
            "complaint_score": round(self.complaint_score, 4),
            "reasons": [reason.as_dict() for reason in self.reasons],
            "model_version": self.model_version,
        }
        if self.warnings:
            result["warnings"] = list(self.warnings)
        return result
