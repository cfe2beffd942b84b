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
    return LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced")


def _calibrated(base: ClassifierMixin) -> ClassifierMixin:
    # ensemble=False keeps one fitted model (fast to predict) calibrated on held-out folds.
    return CalibratedClassifierCV(base, method="sigmoid", cv=5, ensemble=False)


@dataclass(frozen=True)
class Candidate:
    """A category pipeline to compare: which features, which calibrated linear model."""

    name: str
    features: str
    make_classifier: Callable[[], ClassifierMixin]


CATEGORY_CANDIDATES: tuple[Candidate, ...] = (
    Candidate("words + logistic regression", "words", lambda: _calibrated(_logistic())),
    Candidate("chars + logistic regression", "chars", lambda: _calibrated(_logistic())),
    Candidate("words+chars + logistic regression", "words+chars", lambda: _calibrated(_logistic())),
    Candidate(
        "words+chars + linear SVM",
        "words+chars",
        lambda: _calibrated(LinearSVC(C=0.5, class_weight="balanced")),
    ),
    Candidate(
        "words+chars + complement naive Bayes",
        "words+chars",
        lambda: _calibrated(ComplementNB(alpha=0.3)),
    ),
)


def urgency_classifier() -> ClassifierMixin:
    """Multinomial logistic regression over {none, six triggers}: P(urgent) = 1 − P(none)."""
    return LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced")
