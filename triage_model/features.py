"""Feature extractors and the candidate classifiers compared by cross-validation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sklearn.base import ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from triage_model import pinyin_words, segment


def word_ngrams(normalized_text: str) -> list[str]:
    """jieba words plus adjacent word pairs (退款 没到账 → "退款 没到账")."""
    tokens = segment.words(normalized_text)
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def single_words(normalized_text: str) -> list[str]:
    """jieba words without the pairs (compared by ``bench/triage_choices.py``)."""
    return segment.words(normalized_text)


def _tfidf(analyzer: Callable[[str], list[str]]) -> TfidfVectorizer:
    return TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, min_df=1)


#: Feature parts by name: ``words`` are jieba words and word pairs, ``unigrams`` words alone,
#: ``chars`` character 1–3-grams, ``chars4`` character 1–4-grams.
_ANALYZERS: dict[str, Callable[[str], list[str]]] = {
    "words": word_ngrams,
    "unigrams": single_words,
    "chars": segment.char_ngrams,
    "chars4": segment.char_ngrams_1_4,
}


def _analyzer(name: str) -> Callable[[str], list[str]]:
    if name == PINYIN:
        return segment.PinyinGrams(pinyin_words.character_sounds())
    return _ANALYZERS[name]


#: Toneless pinyin syllable pairs and triples (``segment.PinyinGrams``): a homophone typo
#: (推货 for 退货) keeps them (``bench/triage_homophones.py``).
PINYIN = "pinyin"


def build_features(kind: str) -> FeatureUnion:
    """TF-IDF features over normalised text: parts of ``_ANALYZERS`` (or ``pinyin``) by ``+``."""
    names = kind.split("+")
    if not names or any(name not in _ANALYZERS and name != PINYIN for name in names):
        raise ValueError(f"unknown feature kind {kind!r}")
    return FeatureUnion([(name, _tfidf(_analyzer(name))) for name in names])


def _logistic() -> ClassifierMixin:
    # saga converges in about a second here; lbfgs needs tens of seconds on 80k sparse features.
    return LogisticRegression(C=10.0, solver="saga", max_iter=500, class_weight="balanced")


def _svm(c: float = 0.5, class_weight: str | None = "balanced") -> ClassifierMixin:
    return LinearSVC(C=c, class_weight=class_weight)


def _calibrated(base: ClassifierMixin, method: str = "sigmoid") -> ClassifierMixin:
    # ensemble=False keeps one fitted model (fast to predict) calibrated on held-out folds.
    return CalibratedClassifierCV(base, method=method, cv=3, ensemble=False)


@dataclass(frozen=True)
class Candidate:
    """A category pipeline to compare: which features, which calibrated linear model."""

    name: str
    features: str
    make_classifier: Callable[[], ClassifierMixin]


#: Compared at every ``train`` (the winner is fitted). Logistic regression and naive Bayes
#: lost on every comparison (README "Measured figures") and cost most of the training time,
#: so they are in ``EXTRA_CANDIDATES``, which ``bench/triage_choices.py`` still measures.
CATEGORY_CANDIDATES: tuple[Candidate, ...] = (
    # The incumbent first: ``training.choose_candidate`` keeps it unless clearly beaten.
    Candidate("words+chars + linear SVM", "words+chars", lambda: _calibrated(_svm())),
    Candidate("words + linear SVM", "words", lambda: _calibrated(_svm())),
    Candidate("chars + linear SVM", "chars", lambda: _calibrated(_svm())),
)

EXTRA_CANDIDATES: tuple[Candidate, ...] = (
    Candidate("words+chars + logistic regression", "words+chars", lambda: _calibrated(_logistic())),
    Candidate(
        "words+chars + complement naive Bayes",
        "words+chars",
        lambda: _calibrated(ComplementNB(alpha=0.3)),
    ),
    Candidate("words+chars4 + linear SVM", "words+chars4", lambda: _calibrated(_svm())),
    Candidate("words+chars+pinyin + linear SVM", "words+chars+pinyin", lambda: _calibrated(_svm())),
    Candidate("unigrams+chars + linear SVM", "unigrams+chars", lambda: _calibrated(_svm())),
    Candidate(
        "words+chars + SVM, no class weights",
        "words+chars",
        lambda: _calibrated(_svm(class_weight=None)),
    ),
    Candidate(
        "words+chars + SVM, isotonic", "words+chars", lambda: _calibrated(_svm(), "isotonic")
    ),
    Candidate("words+chars + SVM C=0.25", "words+chars", lambda: _calibrated(_svm(0.25))),
    Candidate("words+chars + SVM C=1", "words+chars", lambda: _calibrated(_svm(1.0))),
    Candidate("words+chars + SVM C=2", "words+chars", lambda: _calibrated(_svm(2.0))),
    Candidate("words+chars + SVM+LR soft vote", "words+chars", lambda: _svm_and_logistic()),
    Candidate(
        "words+chars + Crammer-Singer SVM",
        "words+chars",
        lambda: _calibrated(
            LinearSVC(C=0.5, class_weight="balanced", multi_class="crammer_singer", max_iter=5000)
        ),
    ),
)


def _svm_and_logistic() -> ClassifierMixin:
    """The mean of the calibrated SVM's and logistic regression's probabilities."""
    return VotingClassifier(
        [("svm", _calibrated(_svm())), ("logistic", _logistic())], voting="soft"
    )


def urgency_classifier() -> ClassifierMixin:
    """Calibrated binary SVM, urgent vs normal: its probability is the model's urgency score.

    A binary model, not 1 − P(none) of the trigger model: one-vs-rest probabilities are
    renormalised over seven classes, which inflates "some trigger" when every class is unsure.
    C = 1 without class weights: of the variants ``bench/triage_choices.py`` compares by
    5-fold CV it flags the fewest normal messages at the 97 % out-of-fold recall ``train``
    aims for (balanced weights push the boundary towards "urgent"; the threshold already
    sets the recall).
    """
    return _calibrated(_svm(1.0, class_weight=None))


def complaint_classifier() -> ClassifierMixin:
    """Calibrated binary SVM, complaint vs chat turn: its probability is ``complaint_score``."""
    return _calibrated(_svm())


def trigger_classifier() -> ClassifierMixin:
    """Calibrated binary SVM for one trigger against everything else (``trigger_urgency``).

    The same settings as the binary urgency model (C = 1, no class weights); by 5-fold CV
    C = 0.5 or 2, balanced weights, isotonic calibration, character n-grams alone or logistic
    regression do no better (``bench/triage_urgency.py``).
    """
    return _calibrated(_svm(1.0, class_weight=None))
