"""A lean scoring path for one message at a time, compiled from the fitted sklearn objects.

scikit-learn's per-call input validation, FeatureUnion stacking and sparse-matrix plumbing
cost about 1.5 ms for a single short message, which is most of a chat turn's budget. The
models are linear, so the same numbers come from a few dictionary look-ups and one small
matrix product. :func:`compile_bundle` returns ``None`` for model types it does not know, and
the predictor then stays on the sklearn path; tests check that both paths agree.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit, softmax
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from triage_model.arrays import FloatArray
from triage_model.trigger_urgency import PerTriggerModels


@dataclass(frozen=True)
class _Vectorizer:
    analyzer: Callable[[str], list[str]]
    #: token -> (its column, its idf): one dictionary look-up per distinct token.
    terms: dict[str, tuple[int, float]]
    offset: int

    def add_features(self, text: str, indices: list[int], values: list[float]) -> None:
        # Counting the whole token list is done in C; looking up only the distinct tokens
        # afterwards is about a third fewer Python steps than filtering every token first.
        terms = self.terms
        columns, weights = [], []
        for token, n in Counter(self.analyzer(text)).items():
            term = terms.get(token)
            if term is not None:
                columns.append(term[0])
                weights.append((1.0 + math.log(n)) * term[1])
        if not columns:
            return
        norm = math.sqrt(sum(w * w for w in weights)) or 1.0
        offset = self.offset
        indices.extend(offset + c for c in columns)
        values.extend(w / norm for w in weights)


@dataclass(frozen=True)
class _Linear:
    coef: FloatArray  # (n_outputs, n_features), dense
    intercept: FloatArray

    def decision(self, indices: list[int], values: list[float]) -> FloatArray:
        if not indices:
            return self.intercept.copy()
        result: FloatArray = self.coef[:, indices] @ np.asarray(values) + self.intercept
        return result


def _linear(model: Any) -> _Linear | None:
    if not isinstance(model, LogisticRegression | LinearSVC):
        return None
    return _Linear(np.asarray(model.coef_, dtype=np.float64), np.asarray(model.intercept_))


@dataclass(frozen=True)
class _Calibrated:
    linear: _Linear
    slopes: FloatArray
    offsets: FloatArray

    def proba(self, indices: list[int], values: list[float]) -> FloatArray:
        calibrated = expit(-(self.slopes * self.linear.decision(indices, values) + self.offsets))
        if len(calibrated) == 1:  # binary: one decision for the second class, as sklearn does
            return np.array([1.0 - calibrated[0], calibrated[0]])
        total = calibrated.sum()
        if total == 0:
            return np.full_like(calibrated, 1.0 / len(calibrated))
        result: FloatArray = calibrated / total
        return result


@dataclass(frozen=True)
class _Softmax:
    linear: _Linear

    def proba(self, indices: list[int], values: list[float]) -> FloatArray:
        decision = self.linear.decision(indices, values)
        if len(decision) == 1:
            positive = float(expit(decision[0]))
            return np.array([1.0 - positive, positive])
        result: FloatArray = softmax(decision)
        return result


@dataclass(frozen=True)
class _IndependentSigmoids:
    """Several calibrated binary models in one product: each output is its own probability."""

    linear: _Linear
    slopes: FloatArray
    offsets: FloatArray

    def proba(self, indices: list[int], values: list[float]) -> FloatArray:
        result: FloatArray = expit(
            -(self.slopes * self.linear.decision(indices, values) + self.offsets)
        )
        return result


#: Stands for a trigger without a model: a zero row whose probability is expit(-50) ≈ 2e-22.
_ABSENT_OFFSET = 50.0


def _per_trigger(model: PerTriggerModels, n_features: int) -> _IndependentSigmoids | None:
    rows, intercepts, slopes, offsets = [], [], [], []
    for binary in model.models:
        if binary is None:
            rows.append(np.zeros(n_features))
            intercepts.append(0.0)
            slopes.append(0.0)
            offsets.append(_ABSENT_OFFSET)
            continue
        compiled = _probability_model(binary)
        if not isinstance(compiled, _Calibrated) or len(compiled.slopes) != 1:
            return None
        if list(binary.classes_) != [0, 1]:
            return None
        rows.append(compiled.linear.coef[0])
        intercepts.append(float(compiled.linear.intercept[0]))
        slopes.append(float(compiled.slopes[0]))
        offsets.append(float(compiled.offsets[0]))
    linear = _Linear(np.vstack(rows), np.array(intercepts))
    return _IndependentSigmoids(linear, np.array(slopes), np.array(offsets))


def _probability_model(model: Any) -> _Calibrated | _Softmax | None:
    if isinstance(model, CalibratedClassifierCV) and len(model.calibrated_classifiers_) == 1:
        inner = model.calibrated_classifiers_[0]
        linear = _linear(inner.estimator)
        if linear is None or list(inner.estimator.classes_) != list(model.classes_):
            return None
        if not all(hasattr(c, "a_") and hasattr(c, "b_") for c in inner.calibrators):
            return None  # isotonic calibration: not a sigmoid, stay on sklearn's path
        slopes = np.array([c.a_ for c in inner.calibrators])
        offsets = np.array([c.b_ for c in inner.calibrators])
        return _Calibrated(linear, slopes, offsets)
    if isinstance(model, LogisticRegression):
        linear = _linear(model)
        return _Softmax(linear) if linear is not None else None
    return None


@dataclass(frozen=True)
class CompiledBundle:
    """Category, urgency, trigger and complaint probabilities for one normalised text."""

    vectorizers: tuple[_Vectorizer, ...]
    category: _Calibrated | _Softmax
    urgency: _Calibrated | _Softmax
    trigger: _IndependentSigmoids
    complaint: _Calibrated | _Softmax

    def probabilities(
        self, normalized: str
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
        indices: list[int] = []
        values: list[float] = []
        for vectorizer in self.vectorizers:
            vectorizer.add_features(normalized, indices, values)
        return (
            self.category.proba(indices, values),
            self.urgency.proba(indices, values),
            self.trigger.proba(indices, values),
            self.complaint.proba(indices, values),
        )


def compile_bundle(
    features: Any,
    category_model: Any,
    urgency_model: Any,
    trigger_model: Any,
    complaint_model: Any,
) -> CompiledBundle | None:
    """Compile fitted parts into a :class:`CompiledBundle`, or ``None`` if unsupported."""
    if not isinstance(features, FeatureUnion):
        return None
    vectorizers: list[_Vectorizer] = []
    offset = 0
    for _, vectorizer in features.transformer_list:
        if not (
            isinstance(vectorizer, TfidfVectorizer)
            and callable(vectorizer.analyzer)
            and vectorizer.sublinear_tf
            and vectorizer.norm == "l2"
            and vectorizer.use_idf
        ):
            return None
        idf = [float(x) for x in vectorizer.idf_]
        terms = {str(k): (int(v), idf[int(v)]) for k, v in vectorizer.vocabulary_.items()}
        vectorizers.append(_Vectorizer(vectorizer.analyzer, terms, offset))
        offset += len(terms)
    category = _probability_model(category_model)
    urgency = _probability_model(urgency_model)
    trigger = (
        _per_trigger(trigger_model, offset) if isinstance(trigger_model, PerTriggerModels) else None
    )
    complaint = _probability_model(complaint_model)
    if category is None or urgency is None or trigger is None or complaint is None:
        return None
    return CompiledBundle(tuple(vectorizers), category, urgency, trigger, complaint)
