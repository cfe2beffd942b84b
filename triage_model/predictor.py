"""The loaded triage model: ``predict`` one message or ``predict_many`` in a batch.

Loaded once and then read-only, so one instance is safe to share between threads (jieba's
tokenizer and OpenCC's converter are also built once, under a lock, and only read after).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from triage_model.arrays import FloatArray
from triage_model.artefact import Bundle, default_model_dir, read_bundle
from triage_model.errors import InvalidText
from triage_model.fastpath import compile_bundle
from triage_model.normalize import PLACEHOLDERS, normalize, strip_control_characters
from triage_model.pinyin_words import transliterate
from triage_model.prediction import Reason, TriagePrediction
from triage_model.segment import tokenizer
from triage_model.trigger_urgency import model_urgency
from triage_model.urgency_rules import RuleHit, find_hits, says_settled

#: Batches up to this size go through the compiled path; larger ones are faster vectorised.
COMPILED_BATCH_LIMIT = 16

#: Longer texts are refused rather than cut: a shopper's complaint fits in far less, and a
#: 100,000-character paste is a mistake (or an attack) the caller should hear about.
MAX_TEXT_CHARS = 2000


def _has_words(normalized: str) -> bool:
    for token in PLACEHOLDERS:
        normalized = normalized.replace(token, "")
    return any(unicodedata.category(ch)[0] in "LN" for ch in normalized)


def prepare(text: object) -> tuple[str, tuple[str, ...]]:
    """Check and normalise one input; returns the normalised text and any warnings.

    Raises :class:`InvalidText` with a code the JSON-lines contract reports.
    """
    if not isinstance(text, str):
        raise InvalidText("not_text", "'text' must be a string")
    cleaned = strip_control_characters(text)
    warnings = ("control_characters_removed",) if cleaned != text else ()
    if not cleaned.strip():
        raise InvalidText("empty_text", "the text is empty")
    if len(cleaned) > MAX_TEXT_CHARS:
        raise InvalidText(
            "text_too_long", f"the text has {len(cleaned)} characters; at most {MAX_TEXT_CHARS}"
        )
    normalized = normalize(cleaned)
    if not _has_words(normalized):
        raise InvalidText("no_words", "the text has no words to classify (only emoji or symbols)")
    return normalized, warnings


class TriageModel:
    """Category and urgency for shopper messages, from one trained artefact."""

    def __init__(self, bundle: Bundle, metadata: dict[str, Any]) -> None:
        self._bundle = bundle
        self.metadata = metadata
        self.version: str = str(metadata.get("version", ""))
        self.categories: list[str] = [str(c) for c in bundle.category_model.classes_]
        self.trigger_classes: list[str] = [str(c) for c in bundle.trigger_model.classes_]
        self._urgent_index = [str(c) for c in bundle.urgency_model.classes_].index("urgent")
        self._complaint_index = [str(c) for c in bundle.complaint_model.classes_].index("complaint")
        self._compiled = compile_bundle(
            bundle.features,
            bundle.category_model,
            bundle.urgency_model,
            bundle.trigger_model,
            bundle.complaint_model,
        )
        tokenizer()  # build jieba's dictionary now, not on the first shopper's message

    @classmethod
    def load(cls, path: str | Path | None = None) -> TriageModel:
        folder = Path(path) if path is not None else default_model_dir()
        bundle, metadata = read_bundle(folder.resolve())
        return cls(bundle, metadata)

    @property
    def urgency_threshold(self) -> float:
        return self._bundle.urgency_threshold

    @property
    def complaint_threshold(self) -> float:
        return self._bundle.complaint_threshold

    def predict(self, text: str) -> TriagePrediction:
        """Triage one message; raises :class:`InvalidText` for input that cannot be classified."""
        result = self.triage_batch([text])[0]
        if isinstance(result, InvalidText):
            raise result
        return result

    def predict_many(self, texts: Sequence[str]) -> list[TriagePrediction]:
        """Triage a batch (vectorised: much faster per message than ``predict`` in a loop)."""
        results = self.triage_batch(texts)
        for result in results:
            if isinstance(result, InvalidText):
                raise result
        return [r for r in results if isinstance(r, TriagePrediction)]

    def triage_batch(self, texts: Sequence[object]) -> list[TriagePrediction | InvalidText]:
        """Like ``predict_many`` but returns the error in place of each invalid input."""
        results: list[TriagePrediction | InvalidText | None] = [None] * len(texts)
        valid: list[tuple[int, str, tuple[str, ...]]] = []
        for index, text in enumerate(texts):
            try:
                normalized, warnings = prepare(text)
            except InvalidText as error:
                results[index] = error
            else:
                normalized = transliterate(normalized, self._bundle.pinyin_lexicon)
                valid.append((index, normalized, warnings))
        if valid and self._compiled is not None and len(valid) <= COMPILED_BATCH_LIMIT:
            for index, normalized, warnings in valid:
                rows = self._compiled.probabilities(normalized)
                results[index] = self._combine(normalized, warnings, *rows)
        elif valid:
            matrix = self._bundle.features.transform([normalized for _, normalized, _ in valid])
            category_proba = self._bundle.category_model.predict_proba(matrix)
            urgency_proba = self._bundle.urgency_model.predict_proba(matrix)
            trigger_proba = self._bundle.trigger_model.predict_proba(matrix)
            complaint_proba = self._bundle.complaint_model.predict_proba(matrix)
            for row, (index, normalized, warnings) in enumerate(valid):
                results[index] = self._combine(
                    normalized,
                    warnings,
                    category_proba[row],
                    urgency_proba[row],
                    trigger_proba[row],
                    complaint_proba[row],
                )
        return [r for r in results if r is not None]

    def _combine(
        self,
        normalized: str,
        warnings: tuple[str, ...],
        category_proba: FloatArray,
        urgency_proba: FloatArray,
        trigger_proba: FloatArray,
        complaint_proba: FloatArray,
    ) -> TriagePrediction:
        best = int(np.argmax(category_proba))
        # trigger_proba holds each trigger's own probability (trigger_urgency.py).
        model_score = float(model_urgency(urgency_proba[self._urgent_index], trigger_proba))
        hits = find_hits(normalized)
        if not hits and says_settled(normalized):
            # "上次孩子拉肚子的事已经解决了": the rules already skip settled clauses; the model,
            # which only sees words, must not make an old, solved problem urgent on its own.
            model_score = min(model_score, 0.5 * self._bundle.urgency_threshold)
        score = max([model_score, *(self._rule_score(hit) for hit in hits)])
        urgent = score >= self._bundle.urgency_threshold
        complaint_score = float(complaint_proba[self._complaint_index])
        # An urgent message is something the shop must act on, whatever the detector says.
        is_complaint = urgent or complaint_score >= self._bundle.complaint_threshold
        reasons: list[Reason] = []
        if urgent:
            reasons = [Reason(hit.trigger, "rule", hit.evidence) for hit in hits]
            if model_score >= self._bundle.urgency_threshold or not reasons:
                top = int(np.argmax(trigger_proba))
                reasons.append(
                    Reason(self.trigger_classes[top], "model", f"{trigger_proba[top]:.2f}")
                )
        return TriagePrediction(
            category=self.categories[best],
            category_confidence=float(category_proba[best]),
            category_probabilities={
                name: float(p) for name, p in zip(self.categories, category_proba)
            },
            urgency="urgent" if urgent else "normal",
            urgency_score=min(1.0, max(0.0, score)),
            reasons=tuple(reasons),
            warnings=warnings,
            model_version=self.version,
            is_complaint=is_complaint,
            complaint_score=min(1.0, max(0.0, complaint_score)),
        )

    def _rule_score(self, hit: RuleHit) -> float:
        return self._bundle.rule_precision.get(hit.pattern, 0.5)
