"""Feature extractors and the candidate classifiers compared by cross-validation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sklearn.base import ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from triage_model import segment


def word_ngrams(normalized_text: str) -> list[str]:
    """jieba words plus adjacent word pairs (退款 没到账 → "退款 没到账")."""
    tokens = segment.words(normalized_text)
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def _tfidf(analyzer: Callable[[str], list[str]]) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, min_df=1)


def build_features(kind: str) -> FeatureUnion:
    """``words``, ``chars`` or ``words+chars`` TF-IDF features over normalised text."""
    parts = []
    if "words" in kind:
        parts.append(("words", _tfidf(word_ngrams)))
    if "chars" in kind:
        parts.append(("chars", _tfidf(segment.char_ngrams)))
    if not parts:
        raise ValueError(f"unknown feature kind {kind!r}")
    return FeatureUnion(parts)


def _logistic() -> ClassifierMixin:
    # saga converges in about a second here; lbfgs needs tens of seconds on 80k sparse features.
    return LogisticRegression(C=10.0, solver="saga", max_iter=500, class_weight="balanced")


def _svm() -> ClassifierMixin:
    return LinearSVC(C=0.5, class_weight="balanced")


def _calibrated(base: ClassifierMixin) -> ClassifierMixin:
    # ensemble=False keeps one fitted model (fast to predict) calibrated on held-out folds.
    return CalibratedClassifierCV(base, method="sigmoid", cv=3, ensemble=False)


@dataclass(frozen=True)
class Candidate:
    """A category pipeline to compare: which features, which calibrated linear model."""

    name: str
    features: str
    make_classifier: Callable[[], ClassifierMixin]


CATEGORY_CANDIDATES: tuple[Candidate, ...] = (
    Candidate("words + linear SVM", "words", lambda: _calibrated(_svm())),
    Candidate("chars + linear SVM", "chars", lambda: _calibrated(_svm())),
    Candidate("words+chars + linear SVM", "words+chars", lambda: _calibrated(_svm())),
    Candidate("words+chars + logistic regression", "words+chars", lambda: _calibrated(_logistic())),
    Candidate(
        "words+chars + complement naive Bayes",
        "words+chars",
        lambda: _calibrated(ComplementNB(alpha=0.3)),
    ),
)


def urgency_classifier() -> ClassifierMixin:
    """Calibrated binary SVM, urgent vs normal: its probability is the model's urgency score.

    A binary model, not 1 − P(none) of the trigger model: one-vs-rest probabilities are
    renormalised over seven classes, which inflates "some trigger" when every class is unsure.
    """
    return _calibrated(_svm())


def trigger_classifier() -> ClassifierMixin:
    """Calibrated SVM over the six triggers, trained on urgent messages: explains, never decides."""
    return _calibrated(_svm())
